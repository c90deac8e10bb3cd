"""The vector basemap drawn through :class:`MapScene`: land tinted by country, water, rivers, oblast
lines, the international border, and the names (places, rivers, oblasts).

Why it is fast: the bundled layers (``atlas.geo.basemap_data``) are projected to EPSG:3857 ONCE,
simplified at a few tolerances (levels of detail) and cut into short chunks, each kept as a
``QPainterPath`` in Mercator metres with its bounding box. A redraw picks the level whose tolerance
is below half a pixel, culls chunks by bounding box, sets one ``QTransform`` (metres -> pixels) on the
painter and strokes with cosmetic pens (SVG and PDF get the paths mapped to page pixels instead). Labels are pre-rendered sprites (text + halo) placed by a
greedy, population-first collision test on a coarse grid. The screen canvas and every export draw
these same layers (one render path).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainter

from atlas.geo.basemap_data import BasemapError

from .basemap_base import BasemapOptions, _BasemapLayer, ground_m_per_px
from .basemap_geometry import BasemapGeometry, basemap_geometry
from .basemap_labels import LabelLayout, NamesLayer, PlacesLayer
from .layers import MapLayer
from .themes import LIGHT, Theme
from .viewport import Viewport

FloatArray = npt.NDArray[np.float64]

class LandLayer(_BasemapLayer):
    """The context countries (coarse, whole region) and the detailed countries, tinted by country."""

    key, title = "land", "Land (countries)"

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions) -> None:
        super().__init__(geo, options)
        #: False while raster tiles are shown beneath: then only coasts and borders are drawn.
        self.fill = True

    def set_fill(self, on: bool) -> None:
        if on != self.fill:
            self.fill = on
            self.changed()

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        self._begin(p, vp)
        p.setPen(Qt.PenStyle.NoPen)
        if not self.fill:
            self._stroke(p, vp, self.geo.coast, self._pen(vp, t.coast, 0.8 * vp.ui_scale))
            self._stroke(p, vp, self.geo.context_border, self._pen(vp, t.context_border, 1.0 * vp.ui_scale))
            return
        # Fills unantialiased: cells of one polygon meet without hairline seams; the edges that
        # matter (border, coasts) are stroked antialiased on top.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for lod, isos in ((self.geo.context_fill, self.geo.context_iso), (self.geo.country_fill, self.geo.country_iso)):
            ps = lod.pick(vp)
            idx = ps.visible(vp)
            if not idx.size:
                continue
            brushes = {tag: QBrush(QColor(t.land_colour(isos[tag]))) for tag in set(ps.tags[idx].tolist())}
            for i in idx.tolist():
                p.setBrush(brushes[int(ps.tags[i])])
                p.drawPath(self._path(ps.paths[i], vp))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        u = vp.ui_scale
        self._stroke(p, vp, self.geo.coast, self._pen(vp, t.coast, 0.8 * u))
        self._stroke(p, vp, self.geo.context_border, self._pen(vp, t.context_border, 1.0 * u))


class WaterLayer(_BasemapLayer):
    key, title = "water", "Water bodies"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        self._begin(p, vp)
        ps = self.geo.water.pick(vp)
        idx = ps.visible(vp)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(t.water))
        for i in idx.tolist():
            p.drawPath(self._path(ps.paths[i], vp))
        self._stroke(p, vp, self.geo.water_edge, self._pen(vp, t.water_edge, 0.7 * vp.ui_scale))


class RiversLayer(_BasemapLayer):
    """Rivers in blue, wider when zoomed in; the hand-digitised (approximate) ones dashed, lighter."""

    key, title = "rivers", "Rivers"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        u = vp.ui_scale
        g = ground_m_per_px(vp)
        w = 1.1 if g > 400 else (1.5 if g > 80 else 2.2)
        self._begin(p, vp)
        self._stroke(p, vp, self.geo.rivers, self._pen(vp, t.river, w * u), tag=0)
        self._stroke(p, vp, self.geo.rivers, self._pen(vp, t.river_approx, w * u, dashes=(5, 2.5)), tag=1)


class OblastLinesLayer(_BasemapLayer):
    key, title = "oblast_lines", "Oblast boundaries"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        self._begin(p, vp)
        self._stroke(p, vp, self.geo.oblast_lines, self._pen(vp, self.theme.oblast_line, 1.1 * vp.ui_scale, dashes=(6, 3, 1.5, 3)))


class BorderLayer(_BasemapLayer):
    """The Russia–Ukraine border (OSM 2024): a soft band under a bold line, atlas-style."""

    key, title = "border", "International border"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        u = vp.ui_scale
        self._begin(p, vp)
        halo = QColor(t.border_halo)
        halo.setAlpha(150)
        # The soft band needs no antialiasing (it is translucent and wide); that makes it ~10x cheaper.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._stroke(p, vp, self.geo.border, self._pen(vp, halo, 7.0 * u))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._stroke(p, vp, self.geo.border, self._pen(vp, t.border, 2.2 * u))


# ============================================================================ assembly
BASEMAP_KEYS = ("land", "water", "rivers", "oblast_lines", "border", "names", "places")


class BasemapLayers:
    """The basemap layers of one scene and their shared options (theme, script)."""

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions | None = None) -> None:
        self.geo = geo
        self.options = options or BasemapOptions()
        self.layout = LabelLayout(geo, self.options)
        o = self.options
        self.land = LandLayer(geo, o)
        self.water = WaterLayer(geo, o)
        self.rivers = RiversLayer(geo, o)
        self.oblast_lines = OblastLinesLayer(geo, o)
        self.border = BorderLayer(geo, o)
        self.names = NamesLayer(geo, o, self.layout)
        self.places = PlacesLayer(geo, o, self.layout)

    @property
    def below_frame(self) -> list[MapLayer]:
        """Drawn under the frame and graticule: the map itself."""
        return [self.land, self.water, self.rivers, self.oblast_lines, self.border]

    @property
    def labels(self) -> list[MapLayer]:
        """Drawn above the graticule, below events."""
        return [self.names, self.places]

    def all(self) -> list[MapLayer]:
        return self.below_frame + self.labels

    def set_theme(self, theme: Theme) -> None:
        self.options.theme = theme
        for lyr in self.all():
            lyr.set_theme(theme)  # type: ignore[attr-defined]

    def set_cyrillic(self, on: bool) -> None:
        if on != self.options.cyrillic:
            self.options.cyrillic = on
            self.names.changed()
            self.places.changed()


def make_basemap_layers(data_dir: Path | None = None, theme: Theme = LIGHT) -> BasemapLayers | None:
    """The basemap layers, or None when the bundled data cannot be read (the map then shows the
    region frame instead; the error is the loader's BasemapError)."""
    try:
        geo = basemap_geometry(data_dir)
    except BasemapError:
        return None
    return BasemapLayers(geo, BasemapOptions(theme=theme))
