"""Default looks of file layers: by geometry kind for any vector file, by theme for OpenStreetMap.

A file layer starts with one of these (atlas.model.session.LayerStyle) and the user changes it in the
Layers dock. The colours are chosen to sit under the events as a basemap does: muted, thin lines,
translucent fills, none of them an event type's colour (atlas/model/palette.py).
"""

from __future__ import annotations

from .session import LayerStyle

#: Colours given in turn to plain files, so two files added one after another differ.
FILE_COLOURS: tuple[str, ...] = ("#7a4fa3", "#b5651d", "#2f7f6f", "#8a6d1f", "#a0446a", "#3f5f9f")

#: OpenStreetMap themes (atlas.io.osm_themes) and how each is drawn.
OSM_STYLES: dict[str, LayerStyle] = {
    "landuse": LayerStyle(stroke="#b9ad9c", width=0.0, fill="#d9cfc0", fill_opacity=0.55),
    "woods": LayerStyle(stroke="#8fb57a", width=0.0, fill="#b6d39f", fill_opacity=0.55),
    "water": LayerStyle(stroke="#5b8fc7", width=0.6, fill="#9cc3e6", fill_opacity=0.85),
    "waterways": LayerStyle(stroke="#4f86c0", width=1.0),
    "railways": LayerStyle(stroke="#3a3a3a", width=1.4),
    "roads": LayerStyle(stroke="#c8702a", width=1.6),
    "places": LayerStyle(stroke="#303030", width=1.0, fill="#ffffff", fill_opacity=1.0, symbol="circle", size=5.0,
                         label="name"),
}


def default_style(kind: str, index: int = 0, theme: str = "") -> LayerStyle:
    """The first look of a layer of geometry ``kind`` ("point", "line", "polygon"; anything else
    is drawn as a mix), the ``index``-th file layer the session has; an OSM ``theme`` has its own."""
    if theme in OSM_STYLES:
        return OSM_STYLES[theme]
    colour = FILE_COLOURS[index % len(FILE_COLOURS)]
    if kind == "point":
        return LayerStyle(stroke="#202020", width=0.8, fill=colour, fill_opacity=1.0, size=6.0)
    if kind == "line":
        return LayerStyle(stroke=colour, width=1.5)
    if kind == "polygon":
        return LayerStyle(stroke=colour, width=1.0, fill=colour, fill_opacity=0.25)
    return LayerStyle(stroke=colour, width=1.2, fill=colour, fill_opacity=0.25, size=6.0)
