"""How the map shows what is uncertain, and the density view that replaces points when crowded.

* Geo precision above 1 (the point is "near" a place, or only the region is known) draws an
  *approximate location*: a light disc of the uncertainty radius with a dashed edge, in the event
  type's colour, its fill stronger for a better confidence grade (:class:`UncertaintyStyle`). The
  radius is in ground metres converted to pixels at the view, so it grows as you zoom in: the
  event's own radius where it states one (the curated dataset's ``coord_uncertainty_km``, e.g.
  8 km for a village placed from a description), else the default of its precision
  (:data:`HALO_RADIUS_M`). Shapes, not stretched sprites: the same calls draw the screen, PNG,
  SVG and PDF, and a 20 km edge stays crisp.
* Date precision above 1 (about a week, or a month) draws the event as a diamond instead of a dot
  (the sprite shape, see :func:`atlas.render.layers.make_marker`).
* Claims (claimed or disputed) are rings, confirmed or reported events filled dots.

The density view bins the visible points into screen cells with one ``np.bincount`` and draws the
counts as a colour ramp in one QImage: at 1M events that is faster, and more honest, than a
million overlapping dots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from atlas.model.table import CONFIDENCE_LEVELS

from .viewport import Viewport

#: Uncertainty radius on the ground by geo precision (2: near the named place; 3: region only).
HALO_RADIUS_M: dict[int, float] = {2: 5_000.0, 3: 25_000.0}
#: Date precisions drawn as a diamond (2: about a week; 3: the month only).
DIAMOND_DATE_PRECISIONS: tuple[int, ...] = (2, 3)
#: Automatic density view when more than this many points are in view.
DENSITY_AUTO_THRESHOLD = 20_000
#: Density cell size in pixels (× ui_scale).
DENSITY_CELL_PX = 6
DENSITY_MODES: tuple[str, ...] = ("auto", "points", "density")
#: Above this many haloed events in view the halos are left out: thousands of overlapping discs
#: only fog the map (and cost ~20 µs each to blend); zooming in brings them back.
HALO_MAX_IN_VIEW = 800
EARTH_R = 6_378_137.0
FloatArray = npt.NDArray[np.float64]


#: Extra column of an event table holding the stated uncertainty radius in km.
RADIUS_COLUMN = "coord_uncertainty_km"


def stated_radius_km(values: npt.ArrayLike | None, n: int) -> npt.NDArray[np.float64]:
    """The ``coord_uncertainty_km`` cells as floats (NaN where empty or not a positive number)."""
    out = np.full(n, np.nan)
    if values is None:
        return out
    for i, v in enumerate(np.asarray(values, dtype=object).reshape(-1)[:n]):
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f) and f > 0:
            out[i] = f
    return out


def halo_radius_merc(geo_precision: npt.NDArray[np.int8], lat: npt.NDArray[np.float64],
                     radius_km: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
    """Halo radius in Mercator metres per event (0 for none): ground metres / cos(latitude).

    Events with geo precision 2 or 3 get their stated ``radius_km`` where it is a number, else the
    default of their precision; precision 1 (the place itself) gets no halo."""
    r = np.zeros(len(geo_precision), np.float64)
    for gp, metres in HALO_RADIUS_M.items():
        r[geo_precision == gp] = metres
    if radius_km is not None:
        stated = np.isfinite(radius_km) & (geo_precision >= 2)
        r[stated] = radius_km[stated] * 1000.0
    if r.any():
        r /= np.cos(np.radians(np.clip(lat, -85, 85)))
    return r


@dataclass(frozen=True)
class UncertaintyStyle:
    """How an approximate location looks: a light disc of its radius with a dashed edge, both in
    the event type's colour. The fill is stronger the better the report is graded, so a confirmed
    event placed within 8 km reads firmer than a claim placed within 8 km; the dashed edge is what
    tells it apart from a ring annotation (a solid line) and from a claim's marker ring."""

    #: Fill opacity (0-255) by confidence grade; events without a grade use the weakest.
    fill_alpha: tuple[tuple[str, int], ...] = (
        ("confirmed", 30), ("reported", 22), ("claimed", 14), ("disputed", 9))
    #: The edge's opacity (0-255) and width in pixels (x ui_scale).
    edge_alpha: int = 175
    edge_width_px: float = 1.3
    #: Dash and gap lengths in units of the edge's width (QPen.setDashPattern).
    dashes: tuple[float, ...] = (4.0, 3.0)

    def fill_alpha_of(self, grade: str) -> int:
        return dict(self.fill_alpha).get(grade, self.fill_alpha[-1][1])

    def edge_pen(self, colour: str | QColor, ui_scale: float) -> QPen:
        """The pen of the edge's dashes (each dash is a short stroke of its own: see
        :func:`dash_segments`)."""
        c = QColor(colour)
        c.setAlpha(self.edge_alpha)
        pen = QPen(c, self.edge_width_px * ui_scale)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        return pen

    def dash_gap_px(self, ui_scale: float) -> tuple[float, float]:
        """The length of a dash and of a gap, in pixels."""
        w = self.edge_width_px * ui_scale
        return self.dashes[0] * w, self.dashes[1] * w

    def fill(self, colour: str | QColor, grade: str) -> QColor:
        c = QColor(colour)
        c.setAlpha(self.fill_alpha_of(grade))
        return c


UNCERTAINTY = UncertaintyStyle()
#: What the legends call it.
LEGEND_TEXT = "approximate location (radius)"
#: The grades in order, as the table's confidence codes index them (-1: no grade).
GRADES: tuple[str, ...] = CONFIDENCE_LEVELS


@dataclass(frozen=True)
class Discs:
    """The approximate locations to draw, in pixels: centre, radius, colour and grade per disc."""

    px: FloatArray
    py: FloatArray
    r: FloatArray
    colour: tuple[str, ...]
    grade: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.px)


def uncertainty_discs(vp: Viewport, groups: Sequence[Any], colour_of: Any, min_px: float) -> Discs:
    """The discs to draw: the haloed events of every group that are in view and wider than
    ``min_px``, one per place and radius across all groups (a dozen events at a town's
    coordinate share one disc, whatever their types, or stacked translucent discs turn into an
    opaque blot over the map); of events sharing a disc the best-graded one gives its fill.
    Empty when more than :data:`HALO_MAX_IN_VIEW` would be drawn."""
    xs, ys, rs, cols, grades = [], [], [], [], []
    total = 0
    for g in groups:
        hr = getattr(g, "halo", None)
        if hr is None:
            continue
        has = hr > 0
        if not has.any():
            continue
        x, y, r = g.x[has], g.y[has], hr[has]
        rad_px = r * vp.sx
        inview = vp.contains_mask(x, y, pad=float(rad_px.max())) & (rad_px > min_px)
        n = int(np.count_nonzero(inview))
        if n == 0:
            continue
        total += n
        if total > HALO_MAX_IN_VIEW:
            return Discs(np.zeros(0), np.zeros(0), np.zeros(0), (), ())
        px, py = vp.to_px(x[inview], y[inview])
        xs.append(px)
        ys.append(py)
        rs.append(rad_px[inview])
        colour = colour_of(g.key[0])
        cols.extend([colour] * n)
        gr = getattr(g, "grade", None)
        grades.append(np.full(n, len(GRADES), np.int64) if gr is None
                      else np.where(gr[has][inview] >= 0, gr[has][inview], len(GRADES)).astype(np.int64))
    if not xs:
        return Discs(np.zeros(0), np.zeros(0), np.zeros(0), (), ())
    px, py, r, gi = np.concatenate(xs), np.concatenate(ys), np.concatenate(rs), np.concatenate(grades)
    # The best grade first, then one disc per (place, radius) at half-pixel resolution.
    order = np.argsort(gi, kind="stable")
    key = np.round(np.column_stack((px, py, r))[order] * 2.0)
    _, first = np.unique(key, axis=0, return_index=True)
    keep = np.sort(order[first])
    # Wide discs under narrow ones, so a small stated radius is not buried under a big one.
    keep = keep[np.argsort(-r[keep], kind="stable")]
    names = [*GRADES, ""]
    return Discs(px[keep], py[keep], r[keep], tuple(cols[i] for i in keep.tolist()),
                 tuple(names[int(gi[i])] for i in keep.tolist()))


def dash_segments(cx: float, cy: float, r: float, dash: float, gap: float,
                  clip: tuple[float, float, float, float] | None = None) -> FloatArray:
    """The dashes of a circle's edge as straight segments (n, 4: x0, y0, x1, y1): a whole number
    of dash-and-gap periods round the circle (no stub where it closes), the dashes' ends on the
    circle, those outside ``clip`` (x0, y0, x1, y1, pixels) left out. Drawn as strokes of their
    own, so the screen, PNG, SVG and PDF show the same dashes: a renderer's own dash pattern
    drifts along a long edge (poppler's and Qt's differed by half a dash after a turn)."""
    n = max(6, int(round(2 * math.pi * r / (dash + gap))))
    period = 2 * math.pi / n
    on = period * dash / (dash + gap)
    a0 = np.arange(n) * period
    a1 = a0 + on
    segs = np.column_stack([cx + r * np.cos(a0), cy + r * np.sin(a0), cx + r * np.cos(a1), cy + r * np.sin(a1)])
    if clip is not None:
        x0, y0, x1, y1 = clip
        mx, my = (segs[:, 0] + segs[:, 2]) / 2, (segs[:, 1] + segs[:, 3]) / 2
        segs = segs[(mx >= x0) & (mx <= x1) & (my >= y0) & (my <= y1)]
    return segs


def draw_disc(p: QPainter, cx: float, cy: float, r: float, colour: str | QColor, grade: str,
              ui_scale: float, st: UncertaintyStyle = UNCERTAINTY,
              clip: tuple[float, float, float, float] | None = None) -> int:
    """One approximate location: the light fill of its grade and the dashed edge (the legend's
    symbol is drawn by this too). Returns how many dashes were drawn."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(st.fill(colour, grade))
    p.drawEllipse(QPointF(cx, cy), r, r)
    dash, gap = st.dash_gap_px(ui_scale)
    segs = dash_segments(cx, cy, r, dash, gap, clip)
    if len(segs):
        p.setPen(st.edge_pen(colour, ui_scale))
        p.drawLines([QLineF(*s) for s in segs.tolist()])
    return len(segs)


def draw_uncertainty(p: QPainter, vp: Viewport, groups: Sequence[Any], colour_of: Any, min_px: float,
                     st: UncertaintyStyle = UNCERTAINTY) -> int:
    """Draw every approximate location in view (before any marker, so markers sit on top) as
    shapes: the one path for the screen, PNG, SVG and PDF. Returns how many discs (0 when more
    than :data:`HALO_MAX_IN_VIEW` would be drawn)."""
    discs = uncertainty_discs(vp, groups, colour_of, min_px)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pad = 4 * vp.ui_scale
    clip = (-pad, -pad, vp.width + pad, vp.height + pad)
    for cx, cy, r, c, gr in zip(discs.px.tolist(), discs.py.tolist(), discs.r.tolist(), discs.colour, discs.grade):
        draw_disc(p, cx, cy, r, c, gr, vp.ui_scale, st, clip)
    p.restore()
    return len(discs)


def approximate_count(table: Any, rows: npt.NDArray[np.intp]) -> int:
    """How many of ``rows`` of an event table draw an approximate location."""
    if rows.size == 0:
        return 0
    stated = table.extras.get(RADIUS_COLUMN)
    radius = stated_radius_km(None if stated is None else stated[rows], rows.size)
    return int(np.count_nonzero(uncertain_mask(table.geo_precision[rows], radius)))


def uncertain_mask(geo_precision: npt.NDArray[np.int8], radius_km: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.bool_]:
    """Which events draw an approximate location (the rows :func:`halo_radius_merc` gives a radius)."""
    m = np.isin(geo_precision, tuple(HALO_RADIUS_M))
    if radius_km is not None:
        m |= np.isfinite(radius_km) & (geo_precision >= 2)
    return m


def _ramp() -> npt.NDArray[np.uint32]:
    """256 premultiplied ARGB colours from pale yellow (few) to dark red-purple (many)."""
    stops = np.array([
        (0.0, 255, 240, 170, 90), (0.3, 254, 196, 79, 170), (0.55, 240, 100, 40, 205),
        (0.8, 190, 30, 45, 225), (1.0, 90, 10, 70, 240),
    ], dtype=np.float64)
    t = np.linspace(0, 1, 256)
    ch = [np.interp(t, stops[:, 0], stops[:, i]) for i in range(1, 5)]
    r, g, b, a = (np.round(c).astype(np.uint32) for c in ch)
    # premultiply
    r, g, b = (r * a // 255), (g * a // 255), (b * a // 255)
    return (a << 24) | (r << 16) | (g << 8) | b


_RAMP = _ramp()


#: Points binned per step of :func:`density_counts` (its buffers stay in the CPU's cache).
DENSITY_CHUNK = 1 << 16


def density_counts(vp: Viewport, xs: Sequence[npt.NDArray[np.float64]], ys: Sequence[npt.NDArray[np.float64]],
                   cell: float) -> npt.NDArray[np.intp]:
    """Counts of the Mercator points ``xs``/``ys`` (one pair of arrays per group) per
    ``cell``-pixel square of the view, as a (rows, columns) array.

    Binned in blocks of :data:`DENSITY_CHUNK` through buffers made once, with the same arithmetic
    as projecting every point at once (``vp.to_px``, then the cell by truncation), so the counts
    are those of one whole pass without its column-sized copies: at a million points the copies
    (the groups joined, then projected) cost as much as the counting."""
    nx, ny = max(1, math.ceil(vp.width / cell)), max(1, math.ceil(vp.height / cell))
    counts = np.zeros(nx * ny, np.intp)  # intp, as the keys are: ufunc.at's fast path
    size = min(DENSITY_CHUNK, max((len(x) for x in xs), default=0))
    f = np.empty(size, np.float64)
    ix = np.empty(size, np.intp)
    iy = np.empty(size, np.intp)
    ok = np.empty(size, bool)
    tmp = np.empty(size, bool)
    for x, y in zip(xs, ys):
        for lo in range(0, len(x), DENSITY_CHUNK):
            xc, yc = x[lo:lo + DENSITY_CHUNK], y[lo:lo + DENSITY_CHUNK]
            k = len(xc)
            fk, ixk, iyk, okk, tk = f[:k], ix[:k], iy[:k], ok[:k], tmp[:k]
            np.subtract(xc, vp.x0, out=fk)
            np.multiply(fk, vp.sx, out=fk)
            np.divide(fk, cell, out=fk)
            np.copyto(ixk, fk, casting="unsafe")
            np.subtract(vp.y1, yc, out=fk)
            np.multiply(fk, vp.sy, out=fk)
            np.divide(fk, cell, out=fk)
            np.copyto(iyk, fk, casting="unsafe")
            np.greater_equal(ixk, 0, out=okk)
            np.less(ixk, nx, out=tk)
            okk &= tk
            np.greater_equal(iyk, 0, out=tk)
            okk &= tk
            np.less(iyk, ny, out=tk)
            okk &= tk
            np.multiply(iyk, nx, out=iyk)
            iyk += ixk
            np.add.at(counts, iyk[okk], 1)
    return counts.reshape(ny, nx)


def density_colours(counts: npt.NDArray[np.integer]) -> tuple[QImage, int]:
    """The counts per cell as a colour-ramped QImage (one pixel per cell), and the largest count.
    Empty cells are transparent."""
    ny, nx = counts.shape
    top = int(counts.max()) if counts.size else 0
    argb = np.zeros((ny, nx), np.uint32)
    if top > 0:
        lvl = np.log1p(counts) / math.log1p(top)
        idx = np.clip((lvl * 255).astype(np.int64), 1, 255)
        argb = np.where(counts > 0, _RAMP[idx], 0).astype(np.uint32)
    img = QImage(argb.tobytes(), nx, ny, nx * 4, QImage.Format.Format_ARGB32_Premultiplied).copy()
    return img, top


def density_image(px: npt.NDArray[np.float64], py: npt.NDArray[np.float64], width: int, height: int, cell: float) -> tuple[QImage, int]:
    """Counts of points per ``cell``-pixel square as a colour-ramped QImage (one pixel per cell),
    and the largest count. Empty cells are transparent."""
    nx, ny = max(1, math.ceil(width / cell)), max(1, math.ceil(height / cell))
    ix = (px / cell).astype(np.int64)
    iy = (py / cell).astype(np.int64)
    ok = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    counts = np.bincount(iy[ok] * nx + ix[ok], minlength=nx * ny)[: nx * ny].reshape(ny, nx)
    return density_colours(counts)


def draw_density(p: QPainter, vp: Viewport, xs: Sequence[npt.NDArray[np.float64]], ys: Sequence[npt.NDArray[np.float64]]) -> int:
    """Draw the density of the given Mercator points over the view; returns the largest cell count."""
    if not xs:
        return 0
    cell = DENSITY_CELL_PX * vp.ui_scale
    img, top = density_colours(density_counts(vp, xs, ys, cell))
    p.save()
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(QRectF(0, 0, img.width() * cell, img.height() * cell), img)
    p.restore()
    return top
