"""What map labels must keep clear of, in the viewport's pixels: event markers, the selection
rings and focus marker, annotations and page or screen decorations (scale bar, legends, ...).

Markers are many (up to a million in view), so they are not boxes in a list but a raster of
occupied cells (:class:`MarkerGrid`): built with a few NumPy passes over the points, tested with
one slice per candidate label box, so placing labels costs the same at 100 or 1,000,000 markers.
A cell is marked when any marker's box touches it, so a label box that finds its cells free
overlaps no marker box (the grid errs on the side of space)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from . import style
from .viewport import Viewport

#: A box in pixels: left, top, right, bottom.
Box = tuple[float, float, float, float]
IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

#: Up to this many markers in view the layout lists each marker's own box (with its row);
#: above it, the occupied cells of the grid stand for them (aggregate boxes).
EXACT_MARKER_LIMIT = 5000


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share area (touching edges do not count)."""
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def marker_radius(marker_size: float, ui_scale: float) -> float:
    """Half the width of the widest marker sprite (a vague-date diamond is 1.15 × the dot, the
    sprite has a pixel of rim) at this scale."""
    return marker_size * ui_scale * 1.15 / 2 + 1.0


class MarkerGrid:
    """Cells of ``cell`` px that some marker box touches, as a boolean raster over the view."""

    def __init__(self, width: float, height: float, cell: float) -> None:
        self.cell = float(cell)
        self.cols = max(1, math.ceil(width / self.cell))
        self.rows = max(1, math.ceil(height / self.cell))
        self.occupied = np.zeros((self.rows, self.cols), dtype=bool)
        self.empty = True  # nothing marked yet: every box is free, at no cost

    @classmethod
    def build(cls, px: FloatArray, py: FloatArray, r: float | FloatArray, width: float, height: float,
              cell: float) -> MarkerGrid:
        """Mark every cell that the boxes ``(px ± r, py ± r)`` touch. One fancy-index pass over
        the points marks each box's top-left cell; a dilation of the (small) raster by the box
        width in cells then covers the rest, however many points there are."""
        g = cls(width, height, cell)
        g.add(px, py, r)
        return g

    def add(self, px: FloatArray, py: FloatArray, r: float | FloatArray) -> None:
        px = np.asarray(px, dtype=np.float64)
        py = np.asarray(py, dtype=np.float64)
        if px.size == 0:
            return
        rr = np.broadcast_to(np.asarray(r, dtype=np.float64), px.shape)
        c = self.cell
        # Boxes of very different sizes (a focus ring among dots) are dilated in size classes.
        for size in np.unique(np.ceil(rr * 2 / c).astype(np.int64)):
            m = np.ceil(rr * 2 / c).astype(np.int64) == size
            k = int(size) + 1  # cells a box of this width can touch
            i0 = np.floor((px[m] - rr[m]) / c).astype(np.int64) + k
            j0 = np.floor((py[m] - rr[m]) / c).astype(np.int64) + k
            origin = np.zeros((self.rows + 2 * k, self.cols + 2 * k), dtype=bool)
            keep = (i0 >= 0) & (i0 < origin.shape[1]) & (j0 >= 0) & (j0 < origin.shape[0])
            origin[j0[keep], i0[keep]] = True
            grown = np.zeros_like(origin)
            for dj in range(k):
                for di in range(k):
                    grown[dj:, di:] |= origin[:origin.shape[0] - dj, :origin.shape[1] - di]
            self.occupied |= grown[k:k + self.rows, k:k + self.cols]
        self.empty = not bool(self.occupied.any())

    def _span(self, box: Box) -> tuple[int, int, int, int] | None:
        c = self.cell
        i0, i1 = max(0, math.floor(box[0] / c)), min(self.cols - 1, math.floor(box[2] / c))
        j0, j1 = max(0, math.floor(box[1] / c)), min(self.rows - 1, math.floor(box[3] / c))
        if i0 > i1 or j0 > j1:
            return None
        return i0, i1, j0, j1

    def free(self, box: Box) -> bool:
        if self.empty:
            return True
        s = self._span(box)
        return s is None or not bool(self.occupied[s[2]:s[3] + 1, s[0]:s[1] + 1].any())

    def near(self, px: FloatArray, py: FloatArray, reach: float) -> npt.NDArray[np.bool_]:
        """For each point, whether a marked cell lies within ``reach`` px of its cell (a marker on
        or beside it), in one pass: the raster is grown by ``reach`` and read at the points."""
        px = np.asarray(px, dtype=np.float64)
        out = np.zeros(px.shape, dtype=bool)
        if self.empty or px.size == 0:
            return out
        k = math.ceil(reach / self.cell)
        grown = np.zeros((self.rows + 2 * k, self.cols + 2 * k), dtype=bool)
        grown[k:k + self.rows, k:k + self.cols] = self.occupied
        acc = np.zeros_like(grown)
        # Separable dilation: along rows, then along columns (2 x (2k+1) shifts, not (2k+1)²).
        for d in range(-k, k + 1):
            acc[:, max(0, d):grown.shape[1] + min(0, d)] |= grown[:, max(0, -d):grown.shape[1] - max(0, d)]
        grown = acc.copy()
        for d in range(-k, k + 1):
            acc[max(0, d):grown.shape[0] + min(0, d), :] |= grown[max(0, -d):grown.shape[0] - max(0, d), :]
        i = np.floor(px / self.cell).astype(np.int64) + k
        j = np.floor(np.asarray(py, dtype=np.float64) / self.cell).astype(np.int64) + k
        ok = (i >= 0) & (i < acc.shape[1]) & (j >= 0) & (j < acc.shape[0])
        out[ok] = acc[j[ok], i[ok]]
        return out

    def count(self) -> int:
        return int(self.occupied.sum())

    def boxes(self) -> list[Box]:
        """The occupied cells as boxes, each row's runs of cells merged (the aggregate markers of
        a dense view)."""
        out: list[Box] = []
        c = self.cell
        occ = self.occupied
        padded = np.zeros((self.rows, self.cols + 2), dtype=np.int8)
        padded[:, 1:-1] = occ
        d = np.diff(padded, axis=1)
        starts = np.argwhere(d == 1)
        ends = np.argwhere(d == -1)
        for (j, i0), (_, i1) in zip(starts.tolist(), ends.tolist()):
            out.append((i0 * c, j * c, i1 * c, (j + 1) * c))
        return out


@dataclass
class MarkerObstacles:
    """The event markers of one view: the grid labels test against, and for a sparse view each
    marker's box with its table row (for the layout file)."""

    grid: MarkerGrid
    boxes: list[Box] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    count: int = 0
    #: The events layer drew one marker per occupied cell (atlas.render.point_aggregate): the
    #: grid holds those markers, and the layout file lists aggregate boxes.
    aggregated: bool = False

    @property
    def exact(self) -> bool:
        return not self.aggregated and self.count <= EXACT_MARKER_LIMIT


def event_marker_obstacles(events: object, vp: Viewport, exact_limit: int = EXACT_MARKER_LIMIT) -> MarkerObstacles:
    """The markers the events layer draws in ``vp`` (none when it is hidden or shows a density
    surface). ``events`` is duck-typed: ``groups`` (with Mercator ``x``/``y`` and ``rows``),
    ``marker_size``, ``visible``, ``showing_density``."""
    u = vp.ui_scale
    r = marker_radius(float(getattr(events, "marker_size", style.MARKER_SIZE_PX)), u)
    grid = MarkerGrid(vp.width, vp.height, max(2.0, 3.0 * u))
    if events is None or not getattr(events, "visible", False) or getattr(events, "showing_density", False):
        return MarkerObstacles(grid)
    aggregate_for = getattr(events, "aggregate_for", None)
    agg = aggregate_for(vp, float(getattr(events, "marker_size", style.MARKER_SIZE_PX)) * u) \
        if callable(aggregate_for) else None
    if agg is not None:
        # More events in view than cells: the layer stamps the event on top of each occupied
        # cell, and so many markers are bound by the cells, not by the events.
        m = agg.in_view(vp, pad_px=r)
        px, py = vp.to_px(agg.x[m], agg.y[m])
        grid.add(px, py, r)
        return MarkerObstacles(grid, count=int(px.size), aggregated=True)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    rows: list[IntArray] = []
    for g in getattr(events, "groups", ()):
        m = vp.contains_mask(g.x, g.y, pad=r)
        if m.any():
            px, py = vp.to_px(g.x[m], g.y[m])
            xs.append(px)
            ys.append(py)
            rows.append(g.rows[m])
    if not xs:
        return MarkerObstacles(grid)
    x, y = np.concatenate(xs), np.concatenate(ys)
    grid.add(x, y, r)
    out = MarkerObstacles(grid, count=int(x.size))
    if x.size <= exact_limit:
        out.boxes = [(a - r, b - r, a + r, b + r) for a, b in zip(x.tolist(), y.tolist())]
        out.rows = np.concatenate(rows).tolist()
    return out


def selection_obstacles(selection: object, vp: Viewport, exact_limit: int = EXACT_MARKER_LIMIT
                        ) -> tuple[list[tuple[str, Box]], FloatArray, FloatArray, float]:
    """The selection layer's rings and focus marker: (kind, box) for each ("selected" rings up
    to ``exact_limit``, and the "focus" marker with its cross-hair), plus all ring centres in
    pixels and the ring's radius (for the grid). Mirrors :class:`SelectionLayer.draw`."""
    empty = np.zeros(0)
    if selection is None or not getattr(selection, "visible", False):
        return [], empty, empty, 0.0
    u = vp.ui_scale
    ring = style.MARKER_SIZE_PX * u * 0.9
    reach = ring + 3.5 * u / 2 + 0.5  # the dark under-stroke is 3.5 px wide
    sx, sy = getattr(selection, "x", empty), getattr(selection, "y", empty)
    inview = vp.contains_mask(sx, sy, pad=reach)
    px, py = vp.to_px(sx[inview], sy[inview]) if inview.any() else (empty, empty)
    out: list[tuple[str, Box]] = []
    if px.size <= exact_limit:
        out = [("selected", (a - reach, b - reach, a + reach, b + reach)) for a, b in zip(px.tolist(), py.tolist())]
    cur = getattr(selection, "current", None)
    if cur is not None:
        (cx,), (cy,) = vp.to_px([cur[0]], [cur[1]])
        big = ring * 1.9
        tick = big * 1.8 + 2.5 * u / 2 + 0.5
        if -tick < cx < vp.width + tick and -tick < cy < vp.height + tick:
            out.append(("focus", (cx - tick, cy - tick, cx + tick, cy + tick)))
    return out, px, py, reach


@dataclass
class LabelObstacles:
    """Everything labels keep clear of in one view. ``markers`` (events) and the selection are
    rasters; ``boxes`` are the few solid things (annotations, decorations) with their kinds."""

    markers: MarkerObstacles
    selection: list[tuple[str, Box]] = field(default_factory=list)
    selection_grid: MarkerGrid | None = None
    annotations: list[tuple[str, Box]] = field(default_factory=list)
    decorations: list[tuple[str, Box]] = field(default_factory=list)
    #: Changes whenever any of the above does (the label layout is memoised on it).
    key: tuple[object, ...] = ()

    def solid_boxes(self) -> Iterable[Box]:
        for _, b in self.annotations:
            yield b
        for _, b in self.decorations:
            yield b

    def grids(self) -> list[MarkerGrid]:
        out = [self.markers.grid]
        if self.selection_grid is not None:
            out.append(self.selection_grid)
        return out


def line_boxes(xs: Sequence[float], ys: Sequence[float], half_width: float, step: float) -> list[Box]:
    """Small squares along a polyline (every ``step`` px, ``half_width`` either side): a label
    may sit beside a drawn line but not across it, and the squares cost little to test."""
    out: list[Box] = []
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if x.size == 0:
        return out
    if x.size == 1:
        return [(x[0] - half_width, y[0] - half_width, x[0] + half_width, y[0] + half_width)]
    seg = np.hypot(np.diff(x), np.diff(y))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = float(cum[-1])
    n = max(2, math.ceil(total / max(step, 1.0)) + 1)
    t = np.linspace(0.0, total, n)
    sx = np.interp(t, cum, x)
    sy = np.interp(t, cum, y)
    h = half_width + step / 2
    return [(a - h, b - h, a + h, b + h) for a, b in zip(sx.tolist(), sy.tolist())]
