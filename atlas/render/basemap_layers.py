"""The vector basemap drawn through :class:`MapScene`: land tinted by country, water, rivers, oblast
lines, the international border, and the names (places, rivers, oblasts).

Why it is fast: the bundled layers (``atlas.geo.basemap_data``) are projected to EPSG:3857 ONCE,
simplified at a few tolerances (levels of detail) and cut into short chunks, each kept as a
``QPainterPath`` in Mercator metres with its bounding box. A redraw picks the level whose tolerance
is below half a pixel, culls chunks by bounding box, sets one ``QTransform`` (metres -> pixels) on the
painter and strokes with cosmetic pens. Labels are pre-rendered sprites (text + halo) placed by a
greedy, population-first collision test on a coarse grid. The screen canvas and every export draw
these same layers (one render path).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from atlas.geo.basemap_data import Basemap, BasemapError, load_basemap
from atlas.geo.projection import lonlat_to_merc

from .layers import MapLayer
from .themes import LIGHT, Theme
from .viewport import Viewport

FloatArray = npt.NDArray[np.float64]

#: Simplification tolerances (Mercator metres) of the levels of detail; level 0 is the data itself.
LOD_TOLERANCES_M = (0.0, 40.0, 150.0, 600.0, 2500.0)
#: Vertices per line chunk: short chunks make bounding-box culling effective and keep dashed
#: strokes cheap when zoomed in (Qt dashes the whole path it is given, visible or not).
CHUNK_VERTICES = 64
#: Polygons are cut into cells of this size (degrees) so a zoomed-in view fills only what it shows.
FILL_CELL_DEG = 0.5
FONT_FAMILY = "DejaVu Sans"


# ============================================================================ geometry
def to_merc(g: BaseGeometry) -> BaseGeometry:
    def f(xy: FloatArray) -> FloatArray:
        x, y = lonlat_to_merc(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(g, f)


def _qpolygon(xy: FloatArray) -> QPolygonF:
    poly = pg.functions.create_qpolygonf(len(xy))
    arr = pg.functions.ndarray_from_qpolygonf(poly)
    arr[:, 0] = xy[:, 0]
    arr[:, 1] = xy[:, 1]
    return poly


def _parts(g: BaseGeometry) -> list[BaseGeometry]:
    if g.is_empty:
        return []
    if hasattr(g, "geoms"):
        out: list[BaseGeometry] = []
        for sub in g.geoms:
            out += _parts(sub)
        return out
    return [g]


@dataclass
class PathSet:
    """One level of detail of one layer: paths in Mercator metres, their boxes and a group tag."""

    paths: list[QPainterPath]
    boxes: FloatArray  # (n, 4) x0, y0, x1, y1
    tags: npt.NDArray[np.int64]

    @classmethod
    def empty(cls) -> PathSet:
        return cls([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64))

    def visible(self, vp: Viewport, pad_px: float = 2.0) -> npt.NDArray[np.intp]:
        if not self.paths:
            return np.zeros(0, dtype=np.intp)
        d = pad_px * vp.merc_per_px
        b = self.boxes
        m = (b[:, 2] >= vp.x0 - d) & (b[:, 0] <= vp.x1 + d) & (b[:, 3] >= vp.y0 - d) & (b[:, 1] <= vp.y1 + d)
        return np.flatnonzero(m)

    def __len__(self) -> int:
        return len(self.paths)


def line_pathset(geoms: Sequence[BaseGeometry], tags: Sequence[int], chunk: int = CHUNK_VERTICES) -> PathSet:
    """(Multi)line strings (or polygon boundaries) in metres -> chunked open paths."""
    paths: list[QPainterPath] = []
    boxes: list[tuple[float, float, float, float]] = []
    out_tags: list[int] = []
    for g, tag in zip(geoms, tags):
        for part in _parts(g):
            if part.geom_type in ("Polygon",):
                rings = [part.exterior, *part.interiors]
            else:
                rings = [part]
            for ring in rings:
                xy = np.asarray(ring.coords)[:, :2]
                n = len(xy)
                if n < 2:
                    continue
                for s in range(0, n - 1, chunk):
                    seg = xy[s:min(n, s + chunk + 1)]
                    path = QPainterPath()
                    path.addPolygon(_qpolygon(seg))
                    paths.append(path)
                    boxes.append((seg[:, 0].min(), seg[:, 1].min(), seg[:, 0].max(), seg[:, 1].max()))
                    out_tags.append(tag)
    if not paths:
        return PathSet.empty()
    return PathSet(paths, np.array(boxes, dtype=np.float64), np.array(out_tags, dtype=np.int64))


def _fill_path(poly: BaseGeometry) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for part in _parts(poly):
        if part.geom_type != "Polygon":
            continue
        for ring in (part.exterior, *part.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) >= 3:
                path.addPolygon(_qpolygon(xy))
                path.closeSubpath()
    return path


def cut_into_cells(geoms_lonlat: Sequence[BaseGeometry], tags: Sequence[int],
                   cell_deg: float = FILL_CELL_DEG) -> tuple[np.ndarray, list[int]]:
    """Polygons (lon/lat) cut along a grid of ``cell_deg`` cells (vectorised), projected to metres."""
    pieces: list[BaseGeometry] = []
    out_tags: list[int] = []
    for g, tag in zip(geoms_lonlat, tags):
        if g.is_empty:
            continue
        x0, y0, x1, y1 = g.bounds
        if (x1 - x0) <= cell_deg and (y1 - y0) <= cell_deg:
            pieces.append(g)
            out_tags.append(tag)
            continue
        gx = np.arange(math.floor(x0 / cell_deg) * cell_deg, x1, cell_deg)
        gy = np.arange(math.floor(y0 / cell_deg) * cell_deg, y1, cell_deg)
        X, Y = np.meshgrid(gx, gy)
        boxes = shapely.box(X.ravel(), Y.ravel(), X.ravel() + cell_deg, Y.ravel() + cell_deg)
        shapely.prepare(g)
        boxes = boxes[shapely.intersects(g, boxes)]
        for piece in shapely.intersection(g, boxes):
            if not piece.is_empty and piece.area > 0:
                pieces.append(piece)
                out_tags.append(tag)
    arr = np.array(pieces, dtype=object)
    if len(arr):
        arr = shapely.transform(arr, _merc_xy)
    return arr, out_tags


def _merc_xy(xy: FloatArray) -> FloatArray:
    x, y = lonlat_to_merc(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def fill_pathset(pieces_merc: np.ndarray, tags: Sequence[int], tolerance_m: float) -> PathSet:
    """Projected polygon pieces, simplified at ``tolerance_m`` -> one fill path per piece."""
    if not len(pieces_merc):
        return PathSet.empty()
    geoms = shapely.simplify(pieces_merc, tolerance_m, preserve_topology=True) if tolerance_m > 0 else pieces_merc
    paths: list[QPainterPath] = []
    boxes: list[tuple[float, float, float, float]] = []
    out_tags: list[int] = []
    bounds = shapely.bounds(geoms)
    for m, b, tag in zip(geoms, bounds, tags):
        if m is None or m.is_empty:
            continue
        paths.append(_fill_path(m))
        boxes.append((b[0], b[1], b[2], b[3]))
        out_tags.append(tag)
    if not paths:
        return PathSet.empty()
    return PathSet(paths, np.array(boxes, dtype=np.float64), np.array(out_tags, dtype=np.int64))


class Lod:
    """The levels of detail of one layer, built on first use; :meth:`pick` the one for a view."""

    def __init__(self, build: Callable[[float], PathSet], tolerances: Sequence[float] = LOD_TOLERANCES_M) -> None:
        self.build = build
        self.tolerances = list(tolerances)
        self._levels: list[PathSet | None] = [None] * len(self.tolerances)

    def level(self, i: int) -> PathSet:
        lvl = self._levels[i]
        if lvl is None:
            lvl = self._levels[i] = self.build(self.tolerances[i])
        return lvl

    def pick(self, vp: Viewport) -> PathSet:
        # The coarsest level whose tolerance stays under half a pixel of this view.
        limit = 0.5 * vp.merc_per_px
        best = 0
        for i, tol in enumerate(self.tolerances):
            if tol <= limit:
                best = i
        return self.level(best)


def line_lod(geoms_merc: Sequence[BaseGeometry], tags: Sequence[int]) -> Lod:
    geoms = list(geoms_merc)
    tags = list(tags)

    def build(tol: float) -> PathSet:
        gs = [shapely.simplify(g, tol, preserve_topology=False) if tol > 0 else g for g in geoms]
        # Chunks pay off when zoomed in (culling, cheap dashes); at the coarse levels most of a
        # line is in view and every drawPath costs a fixed ~30 µs, so keep lines whole there.
        chunk = CHUNK_VERTICES if tol < 100 else (4 * CHUNK_VERTICES if tol < 500 else 1_000_000)
        return line_pathset(gs, tags, chunk)

    return Lod(build)


def fill_lod(geoms_lonlat: Sequence[BaseGeometry], tags: Sequence[int], cell_deg: float = FILL_CELL_DEG,
             tolerances: Sequence[float] = LOD_TOLERANCES_M) -> Lod:
    pieces, piece_tags = cut_into_cells(geoms_lonlat, tags, cell_deg)
    return Lod(lambda tol: fill_pathset(pieces, piece_tags, tol), tolerances)


@dataclass
class RiverLine:
    name_en: str
    name_local: str
    approximate: bool
    xy: list[FloatArray]  # merc parts (level 0)


@dataclass
class OblastName:
    name_en: str
    name_local: str
    geom: BaseGeometry  # merc, simplified
    anchor: tuple[float, float]  # merc: pole of inaccessibility of the largest part
    area: float  # merc m²


@dataclass
class Places:
    """Settlements in Mercator metres, in priority order (population, largest first)."""

    x: FloatArray
    y: FloatArray
    population: npt.NDArray[np.int64]
    names: tuple[str, ...]
    names_local: tuple[str, ...]
    approximate: npt.NDArray[np.bool_]


class BasemapGeometry:
    """Everything the basemap layers draw, projected and prepared once per data folder."""

    def __init__(self, bm: Basemap) -> None:
        self.basemap = bm
        roi_box = shapely.box(*bm.roi)
        # --- land: coarse context first (outside the ROI), then the detailed countries on top.
        ctx_iso = list(bm.context["iso_a3"])
        self.context_iso = ctx_iso
        # The context layer is coarse already (~1.5 km): big cells, few levels.
        self.context_fill = fill_lod(list(bm.context.geoms), list(range(len(ctx_iso))), cell_deg=2.0,
                                     tolerances=(0.0, 800.0, 3000.0))
        self.country_iso = list(bm.countries["iso_a3"])
        self.country_fill = fill_lod(list(bm.countries.geoms), list(range(len(self.country_iso))))
        # --- context lines outside the ROI: borders (edges two countries share) and coasts.
        ctx_borders, ctx_coast = _context_lines(list(bm.context.geoms), roi_box)
        self.context_border = line_lod([to_merc(ctx_borders)], [0])
        self.coast = line_lod([to_merc(ctx_coast)], [0])
        # --- detailed lines
        self.border = line_lod([to_merc(g) for g in bm.border.geoms], [0] * len(bm.border))
        self.oblast_lines = line_lod([to_merc(g) for g in bm.oblast_lines.geoms], [0] * len(bm.oblast_lines))
        approx = [bool(a) for a in bm.rivers["approximate"]]
        self.rivers = line_lod([to_merc(g) for g in bm.rivers.geoms], [int(a) for a in approx])
        self.water = fill_lod(list(bm.water.geoms), [0] * len(bm.water))
        self.water_edge = line_lod([to_merc(g).boundary for g in bm.water.geoms], [0] * len(bm.water))
        # --- names
        self.river_lines = []
        for g, en, loc, a in zip(bm.rivers.geoms, bm.rivers["name_en"], bm.rivers["name_local"], approx):
            m = to_merc(g)
            self.river_lines.append(RiverLine(str(en or ""), str(loc or en or ""), a,
                                              [np.asarray(p.coords)[:, :2] for p in _parts(m)]))
        self.oblast_names = []
        for g, en, loc in zip(bm.oblasts.geoms, bm.oblasts["name_en"], bm.oblasts["name_local"]):
            m = shapely.simplify(to_merc(g), 300.0, preserve_topology=True)
            big = max(_parts(m), key=lambda q: q.area)
            pt = polylabel(big, tolerance=500.0)
            self.oblast_names.append(OblastName(str(en or "").replace(" Oblast", ""), str(loc or en or ""), m,
                                                (pt.x, pt.y), big.area))
        # Country polygons, coarsely simplified, for placing RUSSIA / UKRAINE in the view.
        self.country_names = [
            OblastName(str(en or iso), str(loc or en or iso),
                       shapely.simplify(to_merc(g), 1500.0, preserve_topology=True), (0.0, 0.0), 0.0)
            for g, iso, en, loc in zip(bm.countries.geoms, bm.countries["iso_a3"], bm.countries["name_en"],
                                       bm.countries["name_local"])
        ]
        s = bm.settlements
        x, y = lonlat_to_merc(s.lon, s.lat)
        self.places = Places(x, y, s.population, s.names, s.names_local, s.approximate)


def _context_lines(polys: list[BaseGeometry], roi_box: BaseGeometry) -> tuple[BaseGeometry, BaseGeometry]:
    """Borders (edges two countries share) and coasts of the context countries, outside the ROI.

    The context polygons are noded on a 1e-4° grid so neighbours share vertices: a ring segment
    that occurs in two countries is a border, one that occurs once is coast. Counting segments by
    their rounded end points (vectorised) is ~20x faster than intersecting the boundaries."""
    rings: list[tuple[int, FloatArray]] = []
    for k, g in enumerate(polys):
        for part in _parts(g):
            if part.geom_type == "Polygon":
                for ring in (part.exterior, *part.interiors):
                    rings.append((k, np.asarray(ring.coords)[:, :2]))
    if not rings:
        empty = shapely.MultiLineString([])
        return empty, empty
    segs = []
    for k, xy in rings:
        q = np.round(xy * 1e4).astype(np.int64)
        a, b = q[:-1], q[1:]
        # An edge is the same whichever way a ring runs along it.
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        segs.append(np.hstack([lo, hi]))
    allseg = np.vstack(segs)
    _, inv = np.unique(allseg, axis=0, return_inverse=True)
    inv = inv.ravel()
    # An edge is a border when it occurs twice (two countries' rings run along it).
    shared = np.bincount(inv)[inv] > 1
    x0, y0, x1, y1 = roi_box.bounds
    borders: list[FloatArray] = []
    coasts: list[FloatArray] = []
    start = 0
    for k, xy in rings:
        n = len(xy) - 1
        is_border = shared[start:start + n]
        mid = (xy[:-1] + xy[1:]) / 2
        in_roi = (mid[:, 0] > x0) & (mid[:, 0] < x1) & (mid[:, 1] > y0) & (mid[:, 1] < y1)
        start += n
        for flag, bucket in ((is_border & ~in_roi, borders), (~is_border & ~in_roi, coasts)):
            idx = np.flatnonzero(flag)
            if not idx.size:
                continue
            runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
            for run in runs:
                bucket.append(xy[run[0]:run[-1] + 2])
    # Each shared edge was collected from both neighbours; drawing it twice is harmless but
    # doubles the work, so keep the runs of the lower-numbered owner only.
    return _multiline(borders, dedupe=True), _multiline(coasts)


def _multiline(parts: list[FloatArray], dedupe: bool = False) -> BaseGeometry:
    lines = [p for p in parts if len(p) >= 2]
    if dedupe and lines:
        seen: set[bytes] = set()
        keep = []
        for p in lines:
            key = np.round(np.vstack([p[0], p[-1]]) * 1e4).astype(np.int64)
            k1 = key.tobytes()
            k2 = key[::-1].tobytes()
            if k1 in seen or k2 in seen:
                continue
            seen.add(k1)
            keep.append(p)
        lines = keep
    return shapely.MultiLineString(lines) if lines else shapely.MultiLineString([])


@lru_cache(maxsize=2)
def _geometry_for(data_dir: Path | None) -> BasemapGeometry:
    return BasemapGeometry(load_basemap(data_dir))


def basemap_geometry(data_dir: Path | None = None) -> BasemapGeometry:
    """The prepared basemap (cached); raises BasemapError if the data cannot be read."""
    return _geometry_for(Path(data_dir).resolve() if data_dir else None)


# ============================================================================ drawing helpers
def merc_transform(vp: Viewport) -> QTransform:
    """Mercator metres -> this viewport's pixels (y flipped)."""
    return QTransform(vp.sx, 0.0, 0.0, -vp.sy, -vp.x0 * vp.sx, vp.y1 * vp.sy)


def cosmetic_pen(colour: str | QColor, width_px: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
                 dashes: Sequence[float] | None = None) -> QPen:
    pen = QPen(QColor(colour), width_px)
    pen.setCosmetic(True)
    # Flat caps and bevel joins: round ones make Qt's stroker 3-10x slower for lines wider than
    # a pixel (measured: the border at 2.2 px, 6 ms -> 2 ms), and look the same at these widths.
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
    if dashes:
        pen.setDashPattern(list(dashes))
    else:
        pen.setStyle(style)
    return pen


def ground_m_per_px(vp: Viewport) -> float:
    """Ground metres per screen pixel (96 dpi) at the view centre: Mercator metres shrink by
    cos(lat), and an export at ``ui_scale`` k has k pixels for each screen pixel."""
    lat = vp.center_lonlat[1]
    return vp.merc_per_px * math.cos(math.radians(lat)) * vp.ui_scale


class _BasemapLayer(MapLayer):
    """Common base: holds the prepared geometry, the theme, and a shared options object."""

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions) -> None:
        super().__init__()
        self.geo = geo
        self.options = options
        self.theme: Theme = options.theme

    def set_theme(self, theme: Theme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed()

    def _stroke(self, p: QPainter, vp: Viewport, lod: Lod, pen: QPen, tag: int | None = None) -> int:
        ps = lod.pick(vp)
        idx = ps.visible(vp, pad_px=pen.widthF() + 2)
        if tag is not None and idx.size:
            idx = idx[ps.tags[idx] == tag]
        if idx.size == 0:
            return 0
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for i in idx.tolist():
            p.drawPath(ps.paths[i])
        return int(idx.size)


@dataclass
class BasemapOptions:
    """Settings every basemap layer reads (theme, label script). Shared by the layers of a scene."""

    theme: Theme = LIGHT
    cyrillic: bool = False


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
        p.setTransform(merc_transform(vp))
        p.setPen(Qt.PenStyle.NoPen)
        if not self.fill:
            self._stroke(p, vp, self.geo.coast, cosmetic_pen(t.coast, 0.8 * vp.ui_scale))
            self._stroke(p, vp, self.geo.context_border, cosmetic_pen(t.context_border, 1.0 * vp.ui_scale))
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
                p.drawPath(ps.paths[i])
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        u = vp.ui_scale
        self._stroke(p, vp, self.geo.coast, cosmetic_pen(t.coast, 0.8 * u))
        self._stroke(p, vp, self.geo.context_border, cosmetic_pen(t.context_border, 1.0 * u))


class WaterLayer(_BasemapLayer):
    key, title = "water", "Water bodies"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        p.setTransform(merc_transform(vp))
        ps = self.geo.water.pick(vp)
        idx = ps.visible(vp)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(t.water))
        for i in idx.tolist():
            p.drawPath(ps.paths[i])
        self._stroke(p, vp, self.geo.water_edge, cosmetic_pen(t.water_edge, 0.7 * vp.ui_scale))


class RiversLayer(_BasemapLayer):
    """Rivers in blue, wider when zoomed in; the hand-digitised (approximate) ones dashed, lighter."""

    key, title = "rivers", "Rivers"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        u = vp.ui_scale
        g = ground_m_per_px(vp)
        w = 1.1 if g > 400 else (1.5 if g > 80 else 2.2)
        p.setTransform(merc_transform(vp))
        self._stroke(p, vp, self.geo.rivers, cosmetic_pen(t.river, w * u), tag=0)
        self._stroke(p, vp, self.geo.rivers, cosmetic_pen(t.river_approx, w * u, dashes=(5, 2.5)), tag=1)


class OblastLinesLayer(_BasemapLayer):
    key, title = "oblast_lines", "Oblast boundaries"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        p.setTransform(merc_transform(vp))
        self._stroke(p, vp, self.geo.oblast_lines, cosmetic_pen(self.theme.oblast_line, 1.1 * vp.ui_scale, dashes=(6, 3, 1.5, 3)))


class BorderLayer(_BasemapLayer):
    """The Russia–Ukraine border (OSM 2024): a soft band under a bold line, atlas-style."""

    key, title = "border", "International border"

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        u = vp.ui_scale
        p.setTransform(merc_transform(vp))
        halo = QColor(t.border_halo)
        halo.setAlpha(150)
        # The soft band needs no antialiasing (it is translucent and wide); that makes it ~10x cheaper.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._stroke(p, vp, self.geo.border, cosmetic_pen(halo, 7.0 * u))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._stroke(p, vp, self.geo.border, cosmetic_pen(t.border, 2.2 * u))


# ============================================================================ labels
@dataclass(frozen=True)
class LabelStyle:
    size_px: float
    bold: bool = False
    italic: bool = False
    letter_spacing: float = 0.0
    colour: str = "text"  # a Theme attribute name
    halo: float = 2.2
    caps: bool = False


class SpriteCache:
    """Label images (text with its halo), rendered once per text, style, theme and scale."""

    def __init__(self, limit: int = 4000) -> None:
        self._cache: dict[tuple[object, ...], QImage] = {}
        self.limit = limit

    def get(self, text: str, style: LabelStyle, theme: Theme, ui_scale: float, dpr: float) -> QImage:
        key = (text, style, theme.name, round(ui_scale, 3), round(dpr, 2))
        img = self._cache.get(key)
        if img is not None:
            return img
        if len(self._cache) >= self.limit:
            self._cache.clear()
        font = label_font(style, ui_scale)
        fm = QFontMetricsF(font)
        shown = text.upper() if style.caps else text
        halo = style.halo * ui_scale
        w = fm.horizontalAdvance(shown) + 2 * halo + 2
        h = fm.height() + 2 * halo
        img = QImage(max(1, math.ceil(w * dpr)), max(1, math.ceil(h * dpr)), QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(Qt.GlobalColor.transparent)
        ip = QPainter(img)
        ip.setRenderHint(QPainter.RenderHint.Antialiasing)
        ip.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        path = QPainterPath()
        path.addText(QPointF(halo + 1, halo + fm.ascent()), font, shown)
        if halo > 0:
            hp = QPen(QColor(theme.text_halo), 2 * halo)
            hp.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            ip.strokePath(path, hp)
        ip.fillPath(path, QColor(getattr(theme, style.colour)))
        ip.end()
        self._cache[key] = img
        return img


def label_font(style: LabelStyle, ui_scale: float) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(1, round(style.size_px * ui_scale)))
    f.setBold(style.bold)
    f.setItalic(style.italic)
    if style.letter_spacing:
        f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, style.letter_spacing * ui_scale)
    return f


_SPRITES = SpriteCache()


def _place_class(pop: int) -> int:
    """0 = city ≥ 200k … 4 = village or unknown."""
    if pop >= 200_000:
        return 0
    if pop >= 50_000:
        return 1
    if pop >= 10_000:
        return 2
    if pop >= 2_000:
        return 3
    return 4


PLACE_STYLES = (
    LabelStyle(15, bold=True),
    LabelStyle(13, bold=True),
    LabelStyle(12),
    LabelStyle(11),
    LabelStyle(10.5),
)
PLACE_DOT_PX = (7.0, 6.0, 5.0, 4.2, 3.6)


def min_population(ground_px_m: float) -> int:
    """The smallest place worth a label at this scale (ground metres per pixel at 96 dpi).

    Roughly: cities at the overview of the whole region, towns at district scale, every village
    at 1:100,000 and closer. Collision avoidance then thins what does not fit."""
    if ground_px_m > 1500:
        return 300_000
    if ground_px_m > 600:
        return 50_000
    if ground_px_m > 250:
        return 5_000
    if ground_px_m > 120:
        return 2_000
    if ground_px_m > 60:
        return 700
    return 0


class Occupancy:
    """Rectangles already taken by labels and symbols, bucketed on a coarse grid."""

    def __init__(self, width: float, height: float, cell: float = 48.0) -> None:
        self.cell = cell
        self.w, self.h = width, height
        self.grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _cells(self, r: tuple[float, float, float, float]) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(r[0] // c), int(r[2] // c) + 1):
            for j in range(int(r[1] // c), int(r[3] // c) + 1):
                yield i, j

    def free(self, r: tuple[float, float, float, float], inside: bool = True) -> bool:
        if inside and (r[0] < 0 or r[1] < 0 or r[2] > self.w or r[3] > self.h):
            return False
        for k in self._cells(r):
            for o in self.grid.get(k, ()):
                if r[0] < o[2] and r[2] > o[0] and r[1] < o[3] and r[3] > o[1]:
                    return False
        return True

    def take(self, r: tuple[float, float, float, float]) -> None:
        for k in self._cells(r):
            self.grid.setdefault(k, []).append(r)


@dataclass
class PlacedLabel:
    index: int  # settlement index
    dot: tuple[float, float, float]  # x, y, radius (px)
    text: str
    style: LabelStyle
    pos: tuple[float, float]  # top-left of the sprite (px)
    show_dot: bool = True  # False when an event marker sits on the place: the marker marks the spot


class LabelLayout:
    """Where the place names go in a viewport; shared by the places layer and the names layer so
    river and oblast names keep clear of places. Memoised per viewport and options."""

    #: Above this many event markers in view the labels stop avoiding them (density view, cost).
    MAX_OBSTACLES = 3000

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions) -> None:
        self.geo = geo
        self.options = options
        #: The events layer whose markers labels keep clear of (set by the scene); duck-typed:
        #: ``groups`` with merc ``x``/``y`` arrays, ``marker_size``, ``visible``, ``version``.
        self.obstacles: object | None = None
        self._key: tuple[object, ...] | None = None
        self._placed: list[PlacedLabel] = []
        self._occ: Occupancy | None = None

    def places(self, vp: Viewport, dpr: float = 1.0) -> tuple[list[PlacedLabel], Occupancy]:
        ev = self.obstacles
        ev_key = (getattr(ev, "version", 0), getattr(ev, "visible", False)) if ev is not None else None
        key = (vp, self.options.cyrillic, self.options.theme.name, round(dpr, 2), ev_key)
        if key != self._key or self._occ is None:
            self._placed, self._occ = self._layout(vp, dpr)
            self._key = key
        occ = Occupancy(self._occ.w, self._occ.h, self._occ.cell)
        occ.grid = {k: list(v) for k, v in self._occ.grid.items()}
        return self._placed, occ

    def _take_event_markers(self, vp: Viewport, occ: Occupancy) -> None:
        """Labels are drawn above the events (so halos do not veil them) but never on a marker."""
        for box in _event_marker_boxes(self.obstacles, vp, self.MAX_OBSTACLES):
            occ.take(box)

    def _layout(self, vp: Viewport, dpr: float) -> tuple[list[PlacedLabel], Occupancy]:
        pl = self.geo.places
        u = vp.ui_scale
        occ = Occupancy(vp.width, vp.height, 48.0 * u)
        # Event markers: a label must not cover one, but a place dot may lie under one (events
        # are often located at the settlement itself), so they go in a grid of their own.
        markers = Occupancy(vp.width, vp.height, 48.0 * u)
        self._take_event_markers(vp, markers)
        marker_r = float(getattr(self.obstacles, "marker_size", 10.0)) * u / 2 + 1.5
        inview = vp.contains_mask(pl.x, pl.y, pad=-4 * u)
        min_pop = min_population(ground_m_per_px(vp))
        cand = np.flatnonzero(inview & (pl.population >= min_pop))
        # At village scale places of unknown population (0) come last but do come.
        if min_pop == 0:
            cand = cand[np.argsort(pl.population[cand] == 0, kind="stable")]
        px, py = vp.to_px(pl.x[cand], pl.y[cand])
        names = pl.names_local if self.options.cyrillic else pl.names
        placed: list[PlacedLabel] = []
        gap = 3 * u
        max_labels = max(12, int(vp.width * vp.height / (u * u) / 9000))
        for k, i in enumerate(cand.tolist()):
            if len(placed) >= max_labels:
                break
            text = names[i] or pl.names[i]
            cls = _place_class(int(pl.population[i]))
            style = PLACE_STYLES[cls]
            r = PLACE_DOT_PX[cls] * u / 2
            x, y = float(px[k]), float(py[k])
            dot_rect = (x - r - 1, y - r - 1, x + r + 1, y + r + 1)
            if not occ.free(dot_rect):
                continue
            sprite = _SPRITES.get(text, style, self.options.theme, u, dpr)
            sw = sprite.width() / dpr
            sh = sprite.height() / dpr
            halo = style.halo * u
            show_dot = markers.free(dot_rect, inside=False)
            # An event marker on the place: set the name off the marker instead of the dot.
            rr = r if show_dot else max(r, marker_r)
            # Right, left, above-right, below-right, above, below: the usual cartographic order.
            spots = (
                (x + rr + gap - halo, y - sh / 2),
                (x - rr - gap - sw + halo, y - sh / 2),
                (x + rr - halo, y - rr - sh + halo * 0.8),
                (x + rr - halo, y + rr - halo * 0.8),
                (x - sw / 2, y - rr - sh + halo * 0.5),
                (x - sw / 2, y + rr - halo * 0.5),
            )
            for sx, sy in spots:
                rect = (sx + halo * 0.5, sy + halo * 0.5, sx + sw - halo * 0.5, sy + sh - halo * 0.5)
                if occ.free(rect) and markers.free(rect, inside=False):
                    occ.take(rect)
                    occ.take(dot_rect)
                    placed.append(PlacedLabel(i, (x, y, r), text, style, (sx, sy), show_dot=show_dot))
                    break
        # River, oblast and country names (placed next) keep clear of both.
        for k, boxes in markers.grid.items():
            occ.grid.setdefault(k, []).extend(boxes)
        return placed, occ


def _event_marker_boxes(ev: object, vp: Viewport, limit: int) -> list[tuple[float, float, float, float]]:
    if ev is None or not getattr(ev, "visible", False) or getattr(ev, "showing_density", False):
        return []  # no markers to avoid (hidden), or a density surface instead of markers
    groups = getattr(ev, "groups", ())
    r = float(getattr(ev, "marker_size", 10.0)) * vp.ui_scale / 2 + 1
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    n = 0
    for g in groups:
        m = vp.contains_mask(g.x, g.y, pad=r)
        n += int(m.sum())
        if n > limit:
            return []
        if m.any():
            px, py = vp.to_px(g.x[m], g.y[m])
            xs.append(px)
            ys.append(py)
    if not xs:
        return []
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    return [(a - r, b - r, a + r, b + r) for a, b in zip(x.tolist(), y.tolist())]


class PlacesLayer(_BasemapLayer):
    """Settlement dots with their names, largest places first, never overlapping.

    A hollow dot marks a place whose position no source gives (estimated; see SOURCES.md)."""

    key, title = "places", "Place names"

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions, layout: LabelLayout) -> None:
        super().__init__(geo, options)
        self.layout = layout

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        dpr = _device_dpr(p)
        placed, _ = self.layout.places(vp, dpr)
        u = vp.ui_scale
        halo = QColor(t.text_halo)
        halo.setAlpha(200)
        approx = self.geo.places.approximate
        p.setPen(QPen(halo, 1.6 * u))
        p.setBrush(Qt.BrushStyle.NoBrush)
        placed_dots = [lab for lab in placed if lab.show_dot]
        for lab in placed_dots:
            x, y, r = lab.dot
            p.drawEllipse(QPointF(x, y), r + 0.8 * u, r + 0.8 * u)
        dot_pen = QPen(QColor(t.dot), 1.2 * u)
        solid = QBrush(QColor(t.dot))
        hollow = QBrush(QColor(t.dot_fill))
        p.setPen(dot_pen)
        for lab in placed_dots:
            x, y, r = lab.dot
            p.setBrush(hollow if approx[lab.index] else solid)
            p.drawEllipse(QPointF(x, y), r, r)
            if lab.style.size_px >= 15 and not approx[lab.index]:
                # Cities: a ring with a dot, the classic atlas symbol.
                p.setBrush(hollow)
                p.drawEllipse(QPointF(x, y), r, r)
                p.setBrush(solid)
                p.drawEllipse(QPointF(x, y), r * 0.45, r * 0.45)
        for lab in placed:
            img = _SPRITES.get(lab.text, lab.style, t, u, dpr)
            p.drawImage(QPointF(*lab.pos), img)

    def hits(self, vp: Viewport, dpr: float = 1.0) -> list[str]:
        """The names placed in this view (for tests and the gazetteer's "what is here")."""
        return [lab.text for lab in self.layout.places(vp, dpr)[0]]


RIVER_STYLE = LabelStyle(11.5, italic=True, colour="river_text", halo=2.0, letter_spacing=0.6)
OBLAST_STYLE = LabelStyle(13, colour="region_text", halo=1.8, letter_spacing=2.2, caps=True)
COUNTRY_STYLE = LabelStyle(20, bold=True, colour="country_text", halo=2.0, letter_spacing=6.0, caps=True)


class NamesLayer(_BasemapLayer):
    """River names along the rivers (at district scale and closer) and oblast names at overview."""

    key, title = "names", "River and oblast names"

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions, layout: LabelLayout) -> None:
        super().__init__(geo, options)
        self.layout = layout

    def draw(self, p: QPainter, vp: Viewport) -> None:
        dpr = _device_dpr(p)
        _, occ = self.layout.places(vp, dpr)
        g = ground_m_per_px(vp)
        if 12 < g < 700:
            self._country_names(p, vp, occ, dpr)
        if g > 90:
            self._oblast_names(p, vp, occ, dpr)
        if g < 900:
            self._river_names(p, vp, occ, dpr)

    def _country_names(self, p: QPainter, vp: Viewport, occ: Occupancy, dpr: float) -> None:
        """RUSSIA / UKRAINE on each side of the border, in the largest visible part of each."""
        view = shapely.box(vp.x0, vp.y0, vp.x1, vp.y1)
        u = vp.ui_scale
        min_area = (220 * u * vp.merc_per_px) ** 2
        for c in self.geo.country_names:
            part = shapely.intersection(c.geom, view)
            if part.is_empty or part.area < min_area:
                continue
            piece = max(_parts(part), key=lambda q: q.area)
            if piece.geom_type != "Polygon" or piece.area < min_area:
                continue
            pt = polylabel(piece, tolerance=8 * vp.merc_per_px)
            text = c.name_local if self.options.cyrillic else c.name_en
            img = _SPRITES.get(text, COUNTRY_STYLE, self.theme, u, dpr)
            (x,), (y,) = vp.to_px([pt.x], [pt.y])
            w, h = img.width() / dpr, img.height() / dpr
            for dy in (0.0, -h * 1.5, h * 1.5, -h * 3, h * 3):
                rect = (x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2)
                if occ.free(rect):
                    occ.take(rect)
                    p.drawImage(QPointF(rect[0], rect[1]), img)
                    break

    def _oblast_names(self, p: QPainter, vp: Viewport, occ: Occupancy, dpr: float) -> None:
        view = shapely.box(vp.x0, vp.y0, vp.x1, vp.y1)
        u = vp.ui_scale
        min_area = (160 * u * vp.merc_per_px) ** 2
        for ob in self.geo.oblast_names:
            ax, ay = ob.anchor
            inside = vp.x0 < ax < vp.x1 and vp.y0 < ay < vp.y1
            if inside and ob.area >= min_area:
                pt_x, pt_y = ax, ay  # the oblast's own label point (precomputed, the usual case)
            else:
                # Its label point is off screen: label the largest visible piece, if big enough.
                part = shapely.intersection(ob.geom, view)
                if part.is_empty or part.area < min_area:
                    continue
                piece = max(_parts(part), key=lambda q: q.area)
                if piece.geom_type != "Polygon" or piece.area < min_area:
                    continue
                pt = polylabel(piece, tolerance=10 * vp.merc_per_px)
                pt_x, pt_y = pt.x, pt.y
            text = ob.name_local if self.options.cyrillic else ob.name_en
            img = _SPRITES.get(text, OBLAST_STYLE, self.theme, u, dpr)
            (x,), (y,) = vp.to_px([pt_x], [pt_y])
            w, h = img.width() / dpr, img.height() / dpr
            for dy in (0.0, -h * 1.2, h * 1.2, -h * 2.4, h * 2.4):
                rect = (x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2)
                if occ.free(rect):
                    occ.take(rect)
                    p.drawImage(QPointF(rect[0], rect[1]), img)
                    break

    def _river_names(self, p: QPainter, vp: Viewport, occ: Occupancy, dpr: float) -> None:
        u = vp.ui_scale
        for river in self.geo.river_lines:
            text = river.name_local if self.options.cyrillic else river.name_en
            if not text:
                continue
            img = _SPRITES.get(text, RIVER_STYLE, self.theme, u, dpr)
            w, h = img.width() / dpr, img.height() / dpr
            spacing = max(420 * u, 3 * w)
            for xy in river.xy:
                for window in _label_spots(vp, xy, w, spacing):
                    self._place_river_label(p, occ, img, w, h, window)

    def _place_river_label(self, p: QPainter, occ: Occupancy, img: QImage, w: float, h: float,
                           window: list[tuple[float, float, float]]) -> None:
        for cx, cy, ang in window:
            # A rotated label's bounding box is mostly empty: test a row of small squares
            # along the text instead, so a slanted name fits between places.
            c, s = math.cos(ang), math.sin(ang)
            k = max(1, math.ceil(w / (0.8 * h)))
            half = 0.4 * h
            # The text sits above the line: centre the boxes half a line height off it.
            ox, oy = 0.35 * h * s, -0.35 * h * c
            boxes = []
            for j in range(k):
                t = (j + 0.5) / k * w - w / 2
                bx, by = cx + t * c + ox, cy + t * s + oy
                boxes.append((bx - half, by - half, bx + half, by + half))
            if not all(occ.free(b) for b in boxes):
                continue
            for b in boxes:
                occ.take(b)
            p.save()
            p.translate(cx, cy)
            p.rotate(math.degrees(ang))
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            # Offset the name off the line so it sits beside the river, not on it.
            p.drawImage(QPointF(-w / 2, -h + 0.3 * h), img)
            p.restore()
            return


def _label_spots(vp: Viewport, xy: FloatArray, width: float, spacing: float) -> list[list[tuple[float, float, float]]]:
    """Points (px) and angles where a straight label of ``width`` px lies along a river line.

    Walks the visible stretches of the line; at every ``spacing`` px of arc length takes the chord
    of the label's length and keeps it if the line stays close to the chord (a straight-ish reach).
    Returns, per stretch, the candidate spots in order of preference (the caller takes the first
    that collides with nothing)."""
    px, py = vp.to_px(xy[:, 0], xy[:, 1])
    margin = 10 * vp.ui_scale
    inside = (px > margin) & (px < vp.width - margin) & (py > margin) & (py < vp.height - margin)
    if inside.sum() < 2:
        return []
    out: list[list[tuple[float, float, float]]] = []
    # Split into runs of consecutive inside vertices.
    idx = np.flatnonzero(inside)
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    for run in np.split(idx, breaks):
        if len(run) < 2:
            continue
        rx, ry = px[run], py[run]
        seg = np.hypot(np.diff(rx), np.diff(ry))
        s = np.concatenate([[0.0], np.cumsum(seg)])
        total = s[-1]
        if total < width * 1.3:
            continue
        n = max(1, int(total // spacing))
        for k in range(n):
            window: list[tuple[float, float, float]] = []
            # Try the middle of each stretch first, then points either side of it.
            for f in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
                mid = total * (k + f) / n
                a, b = mid - width / 2, mid + width / 2
                if a < 0 or b > total:
                    continue
                xa, ya = np.interp(a, s, rx), np.interp(a, s, ry)
                xb, yb = np.interp(b, s, rx), np.interp(b, s, ry)
                chord = math.hypot(xb - xa, yb - ya)
                if chord < width * 0.8:
                    continue  # too curvy here
                ang = math.atan2(yb - ya, xb - xa)
                if ang > math.pi / 2:
                    ang -= math.pi
                elif ang < -math.pi / 2:
                    ang += math.pi
                if abs(ang) > math.radians(89):
                    continue  # near-vertical text is hard to read
                window.append(((xa + xb) / 2, (ya + yb) / 2, ang))
            if window:
                out.append(window)
    return out


def _device_dpr(p: QPainter) -> float:
    dev = p.device()
    try:
        return float(dev.devicePixelRatioF()) if dev is not None else 1.0
    except AttributeError:
        return 1.0


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
