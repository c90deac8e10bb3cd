"""The world's land and outlines under the regional basemap, for the map zoomed out.

The bundled basemap covers the Kursk–Sumy region in detail and Eastern Europe coarsely (its
context layer); zoomed out beyond that the map used to be empty sea. This layer draws Natural
Earth's 1:50m land (atlas.geo.world_data) in the theme's land colour with its coastlines and
country borders, everywhere *outside* the context layer's box (inside it the regional layers draw
finer lines of their own, and two coastlines a kilometre apart would look like a mistake).

Like the regional basemap it is projected once, kept as Mercator-metre paths at a few levels of
detail, culled by bounding box and drawn with one transform and cosmetic pens; it is built on the
first view that reaches outside the context box, so the usual regional views never pay for it.
"""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainter

from atlas.geo.projection import lonlat_to_merc
from atlas.geo.world_data import WorldDataError, load_world

from .basemap_base import cosmetic_pen, merc_transform
from .basemap_geometry import Lod, PathSet, fill_lod, line_pathset, to_merc
from .layers import ThemedLayer
from .themes import LIGHT, Theme
from .viewport import Viewport

#: Levels of detail for the 1:50m data (its own detail is ~1–3 km).
WORLD_TOLERANCES_M = (0.0, 3_000.0, 12_000.0, 40_000.0)
#: Land is cut into cells this big (degrees) so a partial view fills only what it shows.
WORLD_CELL_DEG = 10.0


class WorldGeometry:
    """The world's land (cells), coasts and borders outside ``exclude`` (lon/lat box), in metres."""

    def __init__(self, exclude: tuple[float, float, float, float] | None) -> None:
        world = load_world()
        coast, borders = world.coast, world.borders
        # Mercator ends at ±85.05°; Antarctica's southern cut would otherwise be a line.
        clip = shapely.box(-180.0, -85.0, 180.0, 85.0)
        if exclude is not None:
            clip = shapely.difference(clip, shapely.box(*exclude))
        land: list[BaseGeometry] = []
        #: The country codes the fills are tinted by (theme.land_colour), one per tag.
        self.iso_a3: list[str] = []
        for poly, iso in zip(world.land, world.iso_a3):
            g = shapely.intersection(poly, clip)
            if not g.is_empty and g.area > 0:
                land.append(g)
                self.iso_a3.append(iso)
        self.land: Lod = fill_lod(land, list(range(len(land))), cell_deg=WORLD_CELL_DEG, tolerances=WORLD_TOLERANCES_M)
        self.coast: Lod = line_lod_world(shapely.intersection(coast, clip))
        self.borders: Lod = line_lod_world(shapely.intersection(borders, clip))


def line_lod_world(g: BaseGeometry) -> Lod:
    """Lines at the world's levels of detail, in chunks long enough to keep draw calls few."""
    merc = to_merc(g)

    def build(tol: float) -> PathSet:
        s = shapely.simplify(merc, tol, preserve_topology=False) if tol > 0 else merc
        return line_pathset([s], [0], 256)

    return Lod(build, WORLD_TOLERANCES_M)


class WorldLayer(ThemedLayer):
    """World land, coastlines and country borders outside the regional basemap's box."""

    key, title = "world", "World outlines"

    def __init__(self, exclude: tuple[float, float, float, float] | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(theme)
        self.exclude = exclude
        #: False while raster tiles are shown beneath: then only coasts and borders are drawn.
        self.fill = True
        self._geo: WorldGeometry | None = None
        self._failed = False
        if exclude is not None:
            x, y = lonlat_to_merc([exclude[0], exclude[2]], [exclude[1], exclude[3]])
            self._exclude_merc: tuple[float, float, float, float] | None = (float(x[0]), float(y[0]), float(x[1]), float(y[1]))
        else:
            self._exclude_merc = None

    def geometry(self) -> WorldGeometry | None:
        """The prepared outlines (built on first use; None when the data cannot be read)."""
        if self._geo is None and not self._failed:
            try:
                self._geo = _shared_geometry(self.exclude)
            except WorldDataError:
                self._failed = True
        return self._geo

    def set_fill(self, on: bool) -> None:
        if on != self.fill:
            self.fill = on
            self.changed()

    def reaches_outside(self, vp: Viewport) -> bool:
        """Whether the view shows anything outside the regional basemap's box."""
        e = self._exclude_merc
        return e is None or vp.x0 < e[0] or vp.y0 < e[1] or vp.x1 > e[2] or vp.y1 > e[3]

    def draw(self, p: QPainter, vp: Viewport) -> None:
        if not self.reaches_outside(vp):
            return
        geo = self.geometry()
        if geo is None:
            return
        t = self.theme
        u = vp.ui_scale
        tr = merc_transform(vp)
        if not vp.vector:
            p.setTransform(tr)
        p.setPen(Qt.PenStyle.NoPen)
        # Unantialiased fills: the cells of one polygon meet without hairline seams. Countries
        # are tinted as the regional basemap tints them, so Russia keeps its colour past 45° E.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        ps = geo.land.pick(vp)
        brushes: dict[str, QBrush] = {}
        for i in (ps.visible(vp).tolist() if self.fill else []):
            iso = geo.iso_a3[int(ps.tags[i])]
            b = brushes.get(iso)
            if b is None:
                b = brushes[iso] = QBrush(QColor(t.land_colour(iso)))
            p.setBrush(b)
            p.drawPath(tr.map(ps.paths[i]) if vp.vector else ps.paths[i])
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for lod, colour, width in ((geo.coast, t.coast, 0.8), (geo.borders, t.context_border, 0.7)):
            pen = cosmetic_pen(colour, width * u, vector=vp.vector)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            ps = lod.pick(vp)
            for i in ps.visible(vp, pad_px=2).tolist():
                p.drawPath(tr.map(ps.paths[i]) if vp.vector else ps.paths[i])


_GEOMETRY: dict[tuple[float, float, float, float] | None, WorldGeometry] = {}


def _shared_geometry(exclude: tuple[float, float, float, float] | None) -> WorldGeometry:
    """One prepared geometry per excluded box, shared by every scene and snapshot."""
    geo = _GEOMETRY.get(exclude)
    if geo is None:
        geo = _GEOMETRY[exclude] = WorldGeometry(exclude)
    return geo
