"""OpenStreetMap extracts as map layers: the themes a basemap wants, chosen by their tags.

GDAL's OSM driver turns an ``.osm.pbf`` (or ``.osm`` XML) into ``points``, ``lines`` and
``multipolygons`` layers whose columns are the tags its configuration names (``highway``,
``railway``, ``waterway`` on lines; ``landuse``, ``natural`` on multipolygons; ``place`` on points).
A theme is one of those layers with an attribute filter, so each is read and styled on its own
(atlas/model/layer_styles.py). Only major roads are taken: every residential street of a
region drowns the events at the scales the atlas is used at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class OsmTheme:
    gdal_layer: str
    #: tag → accepted values; a feature is taken when any of its tags matches
    tags: tuple[tuple[str, tuple[str, ...]], ...]
    kind: str


#: Bottom to top, as they are added to the map.
OSM_THEMES: dict[str, OsmTheme] = {
    "landuse": OsmTheme("multipolygons", (("landuse", ("residential", "industrial", "commercial", "retail",
                                                       "military")),), "polygon"),
    "woods": OsmTheme("multipolygons", (("landuse", ("forest",)), ("natural", ("wood",))), "polygon"),
    "water": OsmTheme("multipolygons", (("natural", ("water",)), ("landuse", ("reservoir", "basin"))), "polygon"),
    "waterways": OsmTheme("lines", (("waterway", ("river", "canal", "stream")),), "line"),
    "railways": OsmTheme("lines", (("railway", ("rail", "narrow_gauge", "light_rail")),), "line"),
    "roads": OsmTheme("lines", (("highway", ("motorway", "trunk", "primary", "secondary", "tertiary",
                                             "motorway_link", "trunk_link", "primary_link", "secondary_link",
                                             "tertiary_link")),), "line"),
    "places": OsmTheme("points", (("place", ("city", "town", "village")),), "point"),
}

#: How far around the atlas's region an extract is read (degrees).
REGION_MARGIN_DEG = 0.5


def is_osm(path: str | Path) -> bool:
    name = Path(path).name.lower()
    return name.endswith(".pbf") or name.endswith(".osm")


def osm_where(theme: OsmTheme) -> str:
    """The OGR SQL attribute filter of a theme (values are ours, never the user's)."""
    terms = [f"{tag} IN ({', '.join(repr(v) for v in values)})" for tag, values in theme.tags]
    return " OR ".join(terms)


def region_bbox() -> tuple[float, float, float, float]:
    """The box an extract is read inside: the atlas's region and a margin."""
    from atlas.geo.projection import REGION

    m = REGION_MARGIN_DEG
    return (REGION[0] - m, REGION[1] - m, REGION[2] + m, REGION[3] + m)


def theme_mask(theme: OsmTheme, fields: dict[str, list[Any]], n: int) -> np.ndarray:
    """Which of ``n`` features read from the theme's GDAL layer belong to the theme (by its tags)."""
    m = np.zeros(n, dtype=bool)
    for tag, values in theme.tags:
        col = fields.get(tag)
        if col is not None and len(col) == n:
            m |= np.isin(np.array(["" if v is None else str(v) for v in col], dtype=object), list(values))
    return m
