"""The basemap's geometry, prepared once for fast drawing: the bundled layers (``atlas.geo.basemap_data``)
projected to EPSG:3857, simplified at a few tolerances (levels of detail) and cut into short chunks,
each a ``QPainterPath`` in Mercator metres with its bounding box, plus the river lines, oblast names
and places the label layers place. A redraw picks the level whose tolerance is below half a pixel
and culls chunks by bounding box (atlas.render.basemap_layers).

What a start would compute again from the same data is kept in the user's cache
(atlas.geo.prepared_cache): the cut polygons, the simplified outlines the labels are placed in and,
as each is first drawn, every level of detail as the paths themselves (Qt's serialised form, read
back ~10x quicker than simplifying and building them: the first paint's outlines ~40 ms -> ~5 ms).
All of it is keyed by the data files' bytes, this module's source and the versions of GEOS, Qt,
NumPy and shapely, so what is read back is what would have been built."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
import shapely
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, Qt, qVersion
from PySide6.QtGui import QPainterPath, QPolygonF
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from atlas.geo import prepared_cache
from atlas.geo.basemap_data import LAYER_FILES, Basemap, load_basemap
from atlas.geo.projection import lonlat_to_merc

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


#: The QDataStream format of cached paths (fixed, so a later Qt reads what an earlier one wrote).
_STREAM_VERSION = QDataStream.Version.Qt_6_0


def paths_to_bytes(paths: Sequence[QPainterPath]) -> bytes:
    """The paths in Qt's serialised form (every element's type and float64 coordinates, the fill rule)."""
    buf = QByteArray()
    stream = QDataStream(buf, QIODevice.OpenModeFlag.WriteOnly)
    stream.setVersion(_STREAM_VERSION)
    for path in paths:
        stream << path  # noqa: B015 (QDataStream's operator writes)
    return bytes(buf.data())


def paths_from_bytes(data: bytes, count: int) -> list[QPainterPath]:
    """``count`` paths written by :func:`paths_to_bytes`; ValueError if ``data`` is not exactly that."""
    buf = QByteArray(data)
    stream = QDataStream(buf)
    stream.setVersion(_STREAM_VERSION)
    out = []
    for _ in range(count):
        path = QPainterPath()
        stream >> path  # noqa: B015 (QDataStream's operator reads)
        out.append(path)
    if stream.status() != QDataStream.Status.Ok or not stream.atEnd():
        raise ValueError("not the serialised paths of a level")
    return out


class LevelStore:
    """The levels of detail of one basemap layer in the user's cache, one file per level, written
    when a level is first built and read back on a later start instead of building it."""

    def __init__(self, layer: str, key: str) -> None:
        self.layer = layer
        self.key = key

    def _kind(self, i: int) -> str:
        return f"lod-{self.layer}-{i}"

    def read(self, i: int) -> PathSet | None:
        got = prepared_cache.read(self._kind(i), self.key)
        if got is None:
            return None
        try:
            n = int(got.meta["paths"])
            boxes, tags = got.arrays["boxes"], got.arrays["tags"]
            paths = paths_from_bytes(got.arrays["stream"].tobytes(), n)
        except (KeyError, TypeError, ValueError):
            return None  # another layout or a damaged file: build the level (and write it anew)
        if boxes.shape != (n, 4) or tags.shape != (n,):
            return None
        return PathSet(paths, boxes.astype(np.float64), tags.astype(np.int64))

    def write(self, i: int, level: PathSet) -> None:
        out = prepared_cache.Prepared(meta={"paths": len(level.paths)})
        out.arrays["stream"] = np.frombuffer(paths_to_bytes(level.paths), dtype=np.uint8)
        out.arrays["boxes"] = np.asarray(level.boxes, dtype=np.float64).reshape(-1, 4)
        out.arrays["tags"] = np.asarray(level.tags, dtype=np.int64)
        prepared_cache.write(self._kind(i), self.key, out)


class Lod:
    """The levels of detail of one layer, built on first use (or read from ``store``, where a
    level built before was kept); :meth:`pick` the one for a view."""

    def __init__(self, build: Callable[[float], PathSet], tolerances: Sequence[float] = LOD_TOLERANCES_M,
                 store: LevelStore | None = None) -> None:
        self.build = build
        self.tolerances = list(tolerances)
        self.store = store
        self._levels: list[PathSet | None] = [None] * len(self.tolerances)

    def level(self, i: int) -> PathSet:
        lvl = self._levels[i]
        if lvl is None:
            lvl = self.store.read(i) if self.store is not None else None
            if lvl is None:
                lvl = self.build(self.tolerances[i])
                if self.store is not None:
                    self.store.write(i, lvl)
            self._levels[i] = lvl
        return lvl

    def pick(self, vp: Viewport) -> PathSet:
        # The coarsest level whose tolerance stays under half a pixel of this view.
        limit = 0.5 * vp.merc_per_px
        best = 0
        for i, tol in enumerate(self.tolerances):
            if tol <= limit:
                best = i
        return self.level(best)


def line_lod(geoms_merc: Sequence[BaseGeometry], tags: Sequence[int], store: LevelStore | None = None) -> Lod:
    geoms = list(geoms_merc)
    tags = list(tags)

    def build(tol: float) -> PathSet:
        gs = [shapely.simplify(g, tol, preserve_topology=False) if tol > 0 else g for g in geoms]
        # Chunks pay off when zoomed in (culling, cheap dashes); at the coarse levels most of a
        # line is in view and every drawPath costs a fixed ~30 µs, so keep lines whole there.
        chunk = CHUNK_VERTICES if tol < 100 else (4 * CHUNK_VERTICES if tol < 500 else 1_000_000)
        return line_pathset(gs, tags, chunk)

    return Lod(build, store=store)


def fill_lod(geoms_lonlat: Sequence[BaseGeometry], tags: Sequence[int], cell_deg: float = FILL_CELL_DEG,
             tolerances: Sequence[float] = LOD_TOLERANCES_M) -> Lod:
    pieces, piece_tags = cut_into_cells(geoms_lonlat, tags, cell_deg)
    return pieces_lod(pieces, piece_tags, tolerances)


def pieces_lod(pieces_merc: np.ndarray, tags: Sequence[int], tolerances: Sequence[float] = LOD_TOLERANCES_M,
               store: LevelStore | None = None) -> Lod:
    """The levels of detail of polygon pieces already cut and projected (:func:`cut_into_cells`)."""
    return Lod(lambda tol: fill_pathset(pieces_merc, tags, tol), tolerances, store)


#: The cut polygon layers: name -> (basemap layer, cell size in degrees).
_CUT_LAYERS = {"context": ("context", 2.0), "countries": ("countries", FILL_CELL_DEG),
               "water": ("water", FILL_CELL_DEG)}


#: What the "cut" cache file holds besides the pieces of :data:`_CUT_LAYERS`.
_PREPARED_GEOMS = {"context_border", "coast", "oblast_label", "country_label", "country_fine", "border_line"}
_PREPARED_ARRAYS = {"oblast_anchor", "oblast_area"}


def _versions() -> str:
    """What the prepared shapes depend on besides the data and this module: GEOS cuts and
    simplifies them, Qt builds and serialises the paths, NumPy and shapely hand them over."""
    return f"shapely {shapely.__version__}; GEOS {shapely.geos_version_string}; Qt {qVersion()}; NumPy {np.__version__}"


def _prepare(bm: Basemap) -> tuple[prepared_cache.Prepared, str | None]:
    """(the costly part of preparing, the cache key of this data and code, None if a data file
    cannot be read). The costly part: the polygon layers cut into cells and projected (~0.2 s),
    the context borders and coasts, and the simplified outlines the names are placed in (~20 ms).
    Read from the user's cache when the data, this module and the libraries are unchanged
    (atlas.geo.prepared_cache)."""
    try:
        key = prepared_cache.cache_key([bm.data_dir / f for f in LAYER_FILES.values()], [Path(__file__)],
                                       extra=_versions())
    except OSError:
        key = None
    if key is not None:
        cached = prepared_cache.read("cut", key)
        if cached is not None and all(f"{n}_pieces" in cached.geoms for n in _CUT_LAYERS) \
                and _PREPARED_GEOMS <= cached.geoms.keys() and _PREPARED_ARRAYS <= cached.arrays.keys() \
                and len(cached.geoms["oblast_label"]) == len(cached.arrays["oblast_anchor"]) == len(bm.oblasts) \
                and len(cached.geoms["country_label"]) == len(cached.geoms["country_fine"]) == len(bm.countries):
            return cached, key
    out = prepared_cache.Prepared()
    for name, (layer_key, cell) in _CUT_LAYERS.items():
        layer = getattr(bm, layer_key)
        tags = list(range(len(layer))) if name != "water" else [0] * len(layer)
        pieces, piece_tags = cut_into_cells(list(layer.geoms), tags, cell)
        out.geoms[f"{name}_pieces"] = pieces
        out.arrays[f"{name}_tags"] = np.asarray(piece_tags, dtype=np.int64)
    ctx_borders, ctx_coast = _context_lines(list(bm.context.geoms), shapely.box(*bm.roi), bm.context_bbox)
    out.geoms["context_border"] = np.array([to_merc(ctx_borders)], dtype=object)
    out.geoms["coast"] = np.array([to_merc(ctx_coast)], dtype=object)
    # The outlines the oblast and country names are placed in, and where an oblast's name goes.
    labels, anchors, areas = [], [], []
    for g in bm.oblasts.geoms:
        m = shapely.simplify(to_merc(g), 300.0, preserve_topology=True)
        big = max(_parts(m), key=lambda q: q.area)
        pt = polylabel(big, tolerance=500.0)
        labels.append(m)
        anchors.append((pt.x, pt.y))
        areas.append(big.area)
    out.geoms["oblast_label"] = _objects(labels)
    out.arrays["oblast_anchor"] = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    out.arrays["oblast_area"] = np.asarray(areas, dtype=np.float64)
    # Country polygons, coarsely simplified, for placing RUSSIA / UKRAINE in the view; the same
    # countries as drawn (simplified only to 20 m) and the border itself, for putting them beside
    # the border on the right side at village scale, where the coarse outlines are a hundred pixels off.
    out.geoms["country_label"] = _objects([shapely.simplify(to_merc(g), 1500.0, preserve_topology=True)
                                           for g in bm.countries.geoms])
    out.geoms["country_fine"] = _objects([shapely.simplify(to_merc(g), 20.0, preserve_topology=True)
                                          for g in bm.countries.geoms])
    out.geoms["border_line"] = _objects([shapely.union_all([to_merc(g) for g in bm.border.geoms])])
    if key is not None:
        prepared_cache.write("cut", key, out)
    return out, key


def _objects(geoms: Sequence[BaseGeometry]) -> np.ndarray:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return arr


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
        cut, key = _prepare(bm)

        def store(layer: str) -> LevelStore | None:
            return LevelStore(layer, key) if key is not None else None

        # --- land: coarse context first (outside the ROI), then the detailed countries on top.
        self.context_iso = list(bm.context["iso_a3"])
        # The context layer is coarse already (~1.5 km): big cells, few levels.
        self.context_fill = pieces_lod(cut.geoms["context_pieces"], cut.arrays["context_tags"].tolist(),
                                       tolerances=(0.0, 800.0, 3000.0), store=store("context_fill"))
        self.country_iso = list(bm.countries["iso_a3"])
        self.country_fill = pieces_lod(cut.geoms["countries_pieces"], cut.arrays["countries_tags"].tolist(),
                                       store=store("country_fill"))
        # --- context lines outside the ROI: borders (edges two countries share) and coasts.
        self.context_border = line_lod(list(cut.geoms["context_border"]), [0], store("context_border"))
        self.coast = line_lod(list(cut.geoms["coast"]), [0], store("coast"))
        # --- detailed lines
        self.border = line_lod([to_merc(g) for g in bm.border.geoms], [0] * len(bm.border), store("border"))
        self.oblast_lines = line_lod([to_merc(g) for g in bm.oblast_lines.geoms], [0] * len(bm.oblast_lines),
                                     store("oblast_lines"))
        approx = [bool(a) for a in bm.rivers["approximate"]]
        self.rivers = line_lod([to_merc(g) for g in bm.rivers.geoms], [int(a) for a in approx], store("rivers"))
        self.water = pieces_lod(cut.geoms["water_pieces"], cut.arrays["water_tags"].tolist(), store=store("water"))
        self.water_edge = line_lod([to_merc(g).boundary for g in bm.water.geoms], [0] * len(bm.water),
                                   store("water_edge"))
        # --- names
        self.river_lines = []
        for g, en, loc, a in zip(bm.rivers.geoms, bm.rivers["name_en"], bm.rivers["name_local"], approx):
            m = to_merc(g)
            self.river_lines.append(RiverLine(str(en or ""), str(loc or en or ""), a,
                                              [np.asarray(p.coords)[:, :2] for p in _parts(m)]))
        self.oblast_names = [
            OblastName(str(en or "").replace(" Oblast", ""), str(loc or en or ""), m, (float(a[0]), float(a[1])),
                       float(area))
            for en, loc, m, a, area in zip(bm.oblasts["name_en"], bm.oblasts["name_local"], cut.geoms["oblast_label"],
                                           cut.arrays["oblast_anchor"], cut.arrays["oblast_area"])
        ]
        # Country polygons, coarsely simplified, for placing RUSSIA / UKRAINE in the view (_prepare).
        self.country_names = [
            OblastName(str(en or iso), str(loc or en or iso), m, (0.0, 0.0), 0.0)
            for m, iso, en, loc in zip(cut.geoms["country_label"], bm.countries["iso_a3"], bm.countries["name_en"],
                                       bm.countries["name_local"])
        ]
        self.country_fine = list(cut.geoms["country_fine"])
        self.border_line = cut.geoms["border_line"][0]
        s = bm.settlements
        x, y = lonlat_to_merc(s.lon, s.lat)
        self.places = Places(x, y, s.population, s.names, s.names_local, s.approximate)


def _context_lines(polys: list[BaseGeometry], roi_box: BaseGeometry,
                   extent: tuple[float, float, float, float] | None = None) -> tuple[BaseGeometry, BaseGeometry]:
    """Borders (edges two countries share) and coasts of the context countries, outside the ROI.
    Edges along the layer's own ``extent`` are where it was cut, not coast: the world's land
    continues beyond them (atlas.render.world_layer), so they are left out.

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
        if extent is not None:
            # Both ends on the same side of the extent's box: a cut edge.
            a, b = xy[:-1], xy[1:]
            eps = 1e-6
            for col, v in ((0, extent[0]), (1, extent[1]), (0, extent[2]), (1, extent[3])):
                in_roi |= (np.abs(a[:, col] - v) < eps) & (np.abs(b[:, col] - v) < eps)
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
