"""The points view bound by pixels: above a density threshold, one sprite per occupied cell.

Stamping every event costs time in proportion to the events (~0.2 s per million sprites), yet at a
million events in view most sprites land under others and the picture is a carpet. Above
:func:`aggregate_wanted`'s threshold the events layer draws instead, per occupied cell of a grid
about :data:`CELL_PX` pixels wide, the one event a full stamp would leave on top there: the last
event of the last-drawn group in that cell, at its own position (so the carpet keeps the events'
scatter, not a grid). The cost is then bound by the cells in view, whatever the number of events.

Cells belong to a grid fixed in Mercator metres for each *zoom level* (the cell width rounded down
to a step of 2^(1/4)), so a pan at the same zoom finds the cells it already has: an aggregate
covers the view and one view's width and height around it, and is cached per zoom level until the
layer's rows change (:class:`AggregateCache`, one per set of visible rows). Screen and export call
the same function at their own size and ``ui_scale``, so an export aggregates at its resolution.

Each cell also counts the visible events in it (``counts``), which is what the tests check
against the row mask, and what tells a view that is zoomed in far enough to draw every point.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .viewport import Viewport

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Cell width in pixels (× ui_scale): half a marker, so neighbouring sprites overlap as the
#: full stamp's carpet does. Cells in view at 1600×1000: 64,000 at most.
CELL_PX = 5.0
#: Zoom levels per doubling of the scale: a cell is 2^(-1/4) to 1 times CELL_PX wide on screen.
LEVELS_PER_OCTAVE = 4
#: An aggregate covers the view and this many view widths (heights) on each side, so short pans
#: at the same zoom reuse it.
MARGIN_VIEWS = 1.0
#: Zoom levels kept per set of rows (zooming back and forth finds them again).
CACHE_LEVELS = 6
#: Events binned per step of :func:`build_aggregate` (its buffers stay in the CPU's cache).
CHUNK = 1 << 16


def zoom_level(vp: Viewport) -> int:
    """The zoom level of ``vp``: cells of ``2**(level/LEVELS_PER_OCTAVE)`` Mercator metres, the
    largest step not wider than :data:`CELL_PX` × ui_scale pixels."""
    target = CELL_PX * vp.ui_scale * vp.merc_per_px
    return math.floor(math.log2(max(target, 1e-9)) * LEVELS_PER_OCTAVE + 1e-9)


def cell_metres(level: int) -> float:
    return float(2.0 ** (level / LEVELS_PER_OCTAVE))


def cells_in_view(vp: Viewport) -> int:
    """How many cells of the view's zoom level the view shows (the aggregate's largest size)."""
    c = cell_metres(zoom_level(vp))
    return (math.ceil((vp.x1 - vp.x0) / c) + 1) * (math.ceil((vp.y1 - vp.y0) / c) + 1)


def aggregate_wanted(points_in_view: int, vp: Viewport) -> bool:
    """Draw the aggregate when more events are in view than cells: then some cell holds two
    events, and stamping them all costs more than the pixels can show. Below it every event is
    stamped, which costs at most as many sprites as the aggregate would."""
    return points_in_view > cells_in_view(vp)


@dataclass(frozen=True)
class CellAggregate:
    """The occupied cells of a block of the grid of one zoom level, in ascending cell order.

    ``top`` is the index (in the draw order of the groups given) of the group drawn on top in the
    cell, ``x``/``y`` the Mercator position of the event left on top there,
    ``counts`` how many of the groups' events fall in the cell."""

    level: int
    cell: float
    ix0: int
    iy0: int
    nx: int
    ny: int
    cells: IntArray
    counts: npt.NDArray[np.int64]
    top: npt.NDArray[np.int32]
    x: FloatArray
    y: FloatArray

    def covers(self, vp: Viewport, pad_px: float = 0.0) -> bool:
        """Whether the block holds every cell the view (``pad_px`` beyond its edges) touches."""
        ix0, iy0, ix1, iy1 = _cell_range(vp, self.cell, pad_px)
        return ix0 >= self.ix0 and iy0 >= self.iy0 and ix1 < self.ix0 + self.nx and iy1 < self.iy0 + self.ny

    def in_view(self, vp: Viewport, pad_px: float = 0.0) -> npt.NDArray[np.bool_]:
        """Which occupied cells' top events are drawn in ``vp`` (``pad_px`` beyond its edges)."""
        return vp.contains_mask(self.x, self.y, pad=pad_px)

    def count_in_view(self, vp: Viewport) -> int:
        """Events in the cells the view touches (cells cut by the view's edge counted whole)."""
        ix0, iy0, ix1, iy1 = _cell_range(vp, self.cell, 0.0)
        cx = self.cells % self.nx + self.ix0
        cy = self.cells // self.nx + self.iy0
        m = (cx >= ix0) & (cx <= ix1) & (cy >= iy0) & (cy <= iy1)
        return int(self.counts[m].sum())


def _cell_range(vp: Viewport, cell: float, pad_px: float) -> tuple[int, int, int, int]:
    pad = pad_px * vp.merc_per_px
    return (math.floor((vp.x0 - pad) / cell), math.floor((vp.y0 - pad) / cell),
            math.floor((vp.x1 + pad) / cell), math.floor((vp.y1 + pad) / cell))


def group_bounds(groups: Sequence[Any]) -> list[tuple[float, float, float, float] | None]:
    """Each group's Mercator bounds (None for an empty group): four passes, done once per set of
    groups, that spare the culling pass of every group lying wholly in an aggregate's block."""
    return [None if not len(g.x) else (float(g.x.min()), float(g.y.min()), float(g.x.max()), float(g.y.max()))
            for g in groups]


def build_aggregate(groups: Sequence[Any], vp: Viewport, margin_views: float = MARGIN_VIEWS,
                    bounds: Sequence[tuple[float, float, float, float] | None] | None = None) -> CellAggregate:
    """The aggregate of ``groups`` (objects with Mercator ``x`` and ``y`` arrays, in draw
    order: later groups draw over earlier ones) over ``vp`` and ``margin_views`` around it, on the
    grid of the view's zoom level.

    One pass over the events: each group's events in the block are binned into one key array, in
    draw order; the event a full stamp leaves on top of a cell is the one with the largest position
    in that order (``np.maximum.at``, whose result does not depend on the order NumPy writes in, as
    a fancy assignment's would), and one bincount counts every cell. ``bounds``
    (:func:`group_bounds`) lets groups wholly inside the block skip their culling pass.

    The events are binned in blocks of :data:`CHUNK` through buffers made once per build, so no
    column-sized temporary is allocated: 10M events in view at 1600×1000 took 126–175 ms with
    three scattered writes per event and fresh arrays per group, 91–106 ms this way (load 1.2)."""
    level = zoom_level(vp)
    cell = cell_metres(level)
    mx, my = (vp.x1 - vp.x0) * margin_views, (vp.y1 - vp.y0) * margin_views
    ix0, iy0 = math.floor((vp.x0 - mx) / cell), math.floor((vp.y0 - my) / cell)
    ix1, iy1 = math.floor((vp.x1 + mx) / cell), math.floor((vp.y1 + my) / cell)
    nx, ny = ix1 - ix0 + 1, iy1 - iy0 + 1
    bx0, by0 = ix0 * cell, iy0 * cell
    bx1, by1 = (ix1 + 1) * cell, (iy1 + 1) * cell
    ncell = nx * ny
    inv = 1.0 / cell
    # The groups' events inside the block, in draw order: the arrays themselves when a group lies
    # wholly inside (no copy), else the culled copies.
    parts: list[tuple[int, FloatArray, FloatArray]] = []
    for rank, g in enumerate(groups):
        x, y = g.x, g.y
        if not len(x):
            continue
        b = bounds[rank] if bounds is not None else None
        if b is None or not (b[0] >= bx0 and b[1] >= by0 and b[2] < bx1 and b[3] < by1):
            m = (x >= bx0) & (x < bx1) & (y >= by0) & (y < by1)
            if not m.any():
                continue
            x, y = x[m], y[m]
        parts.append((rank, x, y))
    # Each cell's top event (its largest position in draw order) and its count. Both intp, as the
    # indices are: ufunc.at takes its fast path only then (int32 counts made the build 10× slower).
    last = np.full(ncell, -1, np.intp)
    counts_all = np.zeros(ncell, np.intp)
    starts = np.empty(len(parts), np.intp)
    # Fixed-size buffers reused for every block of events: column-sized temporaries would be fresh
    # pages, and at 10M events the kernel's page faults cost as much as the arithmetic.
    size = min(CHUNK, max((len(x) for _, x, _ in parts), default=0))
    f = np.empty(size, np.float64)
    c = np.empty(size, np.intp)
    key = np.empty(size, np.intp)
    pos = np.empty(size, np.intp)
    step = np.arange(size, dtype=np.intp)
    off = 0
    for i, (_, x, y) in enumerate(parts):
        starts[i] = off
        for lo in range(0, len(x), CHUNK):
            xs, ys = x[lo:lo + CHUNK], y[lo:lo + CHUNK]
            k = len(xs)
            fk, ck, kk, pk = f[:k], c[:k], key[:k], pos[:k]
            # Cell indices within the block: non-negative there, so truncation is floor; the
            # minimum guards the last ulp at the block's far edges.
            np.subtract(ys, by0, out=fk)
            np.multiply(fk, inv, out=fk)
            np.copyto(kk, fk, casting="unsafe")
            np.minimum(kk, ny - 1, out=kk)
            np.multiply(kk, nx, out=kk)
            np.subtract(xs, bx0, out=fk)
            np.multiply(fk, inv, out=fk)
            np.copyto(ck, fk, casting="unsafe")
            np.minimum(ck, nx - 1, out=ck)
            np.add(kk, ck, out=kk)
            np.add(step[:k], off + lo, out=pk)
            np.maximum.at(last, kk, pk)
            np.add.at(counts_all, kk, 1)
        off += len(x)
    occupied = np.flatnonzero(last >= 0)
    pos = last[occupied]
    part = np.searchsorted(starts, pos, side="right") - 1
    local = pos - starts[part]
    ranks = np.array([r for r, _, _ in parts], np.int32)
    rep_x = np.empty(occupied.size, np.float64)
    rep_y = np.empty(occupied.size, np.float64)
    for i, (_, x, y) in enumerate(parts):
        sel = part == i
        rep_x[sel] = x[local[sel]]
        rep_y[sel] = y[local[sel]]
    return CellAggregate(level, cell, ix0, iy0, nx, ny, occupied, counts_all[occupied].astype(np.int64),
                         ranks[part], rep_x, rep_y)


class AggregateCache:
    """The aggregates of one set of groups (one set of visible rows), per zoom level.

    A layer makes a new cache whenever its rows change, so an entry never outlives its rows; a
    snapshot drawn on an export worker shares the cache of the rows it copied (a lock keeps the
    two threads from building into it at once)."""

    def __init__(self, groups: Sequence[Any]) -> None:
        self.groups = groups
        self._levels: OrderedDict[int, CellAggregate] = OrderedDict()
        self._lock = threading.Lock()
        self._bounds: list[tuple[float, float, float, float] | None] | None = None
        self.builds = 0  # how many aggregates were built (tests and the bench read it)

    def get(self, vp: Viewport, pad_px: float = 0.0) -> CellAggregate:
        level = zoom_level(vp)
        with self._lock:
            agg = self._levels.get(level)
            if agg is not None and agg.covers(vp, pad_px):
                self._levels.move_to_end(level)
                return agg
            if self._bounds is None:
                self._bounds = group_bounds(self.groups)
            agg = build_aggregate(self.groups, vp, bounds=self._bounds)
            self.builds += 1
            self._levels[level] = agg
            self._levels.move_to_end(level)
            while len(self._levels) > CACHE_LEVELS:
                self._levels.popitem(last=False)
            return agg

    def clear(self) -> None:
        with self._lock:
            self._levels.clear()
