"""Events at one spot: a count badge on the stack, spread out ("spiderfied") on demand.

Several events often share one coordinate (three reports placed on Sudzha's point): their markers
lie exactly on top of each other and no zoom separates them. This layer, drawn just above the
event markers,

* puts a small count badge on every stack of two or more shown events at one spot;
* spreads a stack out around its spot when the user clicks it (:meth:`StacksLayer.open`), or every
  stack in view once the map is zoomed in beyond :data:`AUTO_SPREAD_M_PER_PX`: each event gets its
  own marker on a ring (a spiral for many) a few marker widths from the spot, tied to it by a
  thin leg, and the spot itself is marked by a small hub;
* answers which event a click on a spread marker means (:meth:`StacksLayer.pick`) and where a
  spread event is drawn (:meth:`StacksLayer.displace`, so the selection ring follows it).

The spread is laid out in pixels (it is a way of looking, not a place on the ground), so it is
the same size at every zoom and in every export at the page's ``ui_scale``. Stacks are found per
view among the events in it (one sort of their coordinates rounded to :data:`SAME_SPOT_M`), never
over the whole table: a million events cost nothing until a view shows few enough to mark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap

from . import style
from .label_obstacles import line_boxes
from .layers import EventsLayer, MapLayer, device_pixel_ratio, draw_marker_shapes, make_marker
from .uncertainty import DIAMOND_DATE_PRECISIONS
from .viewport import Viewport

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
Box = tuple[float, float, float, float]

#: Coordinates that round to the same Mercator metre are one spot.
SAME_SPOT_M = 1.0
#: Zoomed in to this many ground metres per pixel (at 96 dpi) or closer, every stack in view is
#: spread out (about 1:22,000 on a 96-dpi screen; 1:50,000 is 13 m per pixel).
AUTO_SPREAD_M_PER_PX = 6.0
#: Up to this many events spread on one ring; more follow a spiral.
RING_MAX = 9
#: Stacks are looked for among the events in view up to this many (beyond it the events layer
#: draws an aggregate or a density; a click still spreads the stack under it).
MAX_POINTS_IN_VIEW = 50_000
#: More stacks than this in view get no badges (at a million events the map shows density anyway).
BADGE_MAX_IN_VIEW = 3000
BADGE_FILL = "#1e2a36"
BADGE_TEXT = "#ffffff"


@dataclass(frozen=True)
class Stacks:
    """Spots holding two or more shown events: spot ``i`` is at ``x[i], y[i]`` (Mercator metres)
    and holds the table rows ``rows[starts[i]:starts[i + 1]]`` (in row order)."""

    x: FloatArray
    y: FloatArray
    rows: IntArray
    starts: IntArray

    @classmethod
    def empty(cls) -> Stacks:
        return cls(np.zeros(0), np.zeros(0), np.zeros(0, np.intp), np.zeros(1, np.intp))

    def __len__(self) -> int:
        return len(self.x)

    def members(self, i: int) -> IntArray:
        return self.rows[self.starts[i]:self.starts[i + 1]]

    def sizes(self) -> IntArray:
        return np.diff(self.starts)


def find_stacks(x: FloatArray, y: FloatArray, rows: IntArray) -> Stacks:
    """The spots among these points (Mercator metres, with their rows) that hold two or more:
    coordinates that round to the same :data:`SAME_SPOT_M` are one spot."""
    if rows.size < 2:
        return Stacks.empty()
    # One int64 key per metre cell (Mercator spans ±2.0e7 m: 26 bits each way).
    kx = np.round(x / SAME_SPOT_M).astype(np.int64) + (1 << 26)
    ky = np.round(y / SAME_SPOT_M).astype(np.int64) + (1 << 26)
    key = (kx << 28) | ky
    order = np.lexsort((rows, key))
    sk = key[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sk)) + 1, [len(sk)]))
    sizes = np.diff(starts)
    multi = np.flatnonzero(sizes >= 2)
    if multi.size == 0:
        return Stacks.empty()
    # The sorted positions that belong to spots of two or more, in spot order.
    in_multi = np.repeat(sizes >= 2, sizes)
    out_rows = rows[order[in_multi]].astype(np.intp)
    out_starts = np.concatenate(([0], np.cumsum(sizes[multi]))).astype(np.intp)
    first = order[starts[multi]]
    return Stacks(x[first].astype(np.float64), y[first].astype(np.float64), out_rows, out_starts)


def spread_offsets(n: int, size: float) -> tuple[FloatArray, FloatArray]:
    """Pixel offsets of ``n`` spread markers of ``size`` px around their spot: one ring up to
    :data:`RING_MAX` (first at 12 o'clock, clockwise), else an Archimedean spiral whose turns and
    neighbours stay a marker and a half apart."""
    if n <= RING_MAX:
        r = max(2.4 * size, 1.9 * size * n / (2 * math.pi))
        a = -math.pi / 2 + 2 * math.pi * np.arange(n) / n
        return r * np.cos(a), r * np.sin(a)
    gap = 1.5 * size
    b = gap / (2 * math.pi)  # radius grows one gap per turn
    r0 = 2.4 * size
    theta = np.zeros(n)
    t = r0 / b
    for i in range(n):
        theta[i] = t
        t += gap / (b * t)  # arc length ~ r dθ: one gap to the next marker
    r = b * theta
    a = theta - theta[0] - math.pi / 2
    return r * np.cos(a), r * np.sin(a)


@dataclass(frozen=True)
class Spread:
    """One spread stack as drawn: its spot (px), its events and their markers' centres (px)."""

    cx: float
    cy: float
    rows: IntArray
    px: FloatArray
    py: FloatArray


_BADGES: dict[tuple[str, float], QPixmap] = {}


def _badge_font(u: float) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(9 * u)))
    f.setBold(True)
    return f


def badge_rect(cx: float, cy: float, text: str, size: float, u: float) -> QRectF:
    """Where the badge of a stack at (cx, cy) goes: a pill over the marker's upper right."""
    fm = QFontMetricsF(_badge_font(u))
    h = fm.height() + 1.0 * u
    w = max(h, fm.horizontalAdvance(text) + 5 * u)
    return QRectF(cx + size * 0.2, cy - size * 0.45 - h, w, h).translated(0, h * 0.45)


def draw_badge(p: QPainter, r: QRectF, text: str, u: float) -> None:
    p.setPen(QPen(QColor("#ffffff"), max(1.0, 1.0 * u)))
    p.setBrush(QColor(BADGE_FILL))
    p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
    p.setFont(_badge_font(u))
    p.setPen(QColor(BADGE_TEXT))
    p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)


def _badge_sprite(text: str, size: float, u: float, dpr: float = 1.0) -> tuple[QPixmap, QRectF]:
    """The badge pre-rendered (stamped per stack: thousands of stacks draw in a few ms), at
    ``dpr`` device pixels per pixel."""
    r = badge_rect(0.0, 0.0, text, size, u)
    key = (text, round(size, 2), round(u, 3), round(dpr, 2))
    pm = _BADGES.get(key)
    if pm is None:
        pm = QPixmap(math.ceil((r.width() + 2) * dpr), math.ceil((r.height() + 2) * dpr))
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        draw_badge(p, QRectF(1, 1, r.width(), r.height()), text, u)
        p.end()
        if len(_BADGES) > 512:
            _BADGES.clear()
        _BADGES[key] = pm
    return pm, r


class StacksLayer(MapLayer):
    """Count badges on stacked events and the spread-out stacks (see the module's docstring).

    It reads the events as the events layer holds them (its groups' projected points and rows),
    so it follows every filter change with the events layer's version."""

    key, title = "stacks", "Stacked events"

    def __init__(self, events: EventsLayer) -> None:
        super().__init__()
        self.events = events
        #: Spread every stack in view from this zoom in (ground metres per 96-dpi pixel).
        self.auto_spread_m_per_px = AUTO_SPREAD_M_PER_PX
        #: The stack the user opened by a click (its spot in Mercator metres), or None.
        self.opened: tuple[float, float] | None = None
        self._view_cache: tuple[tuple[object, ...], Stacks] | None = None
        self._spot_cache: tuple[tuple[object, ...], Stacks] | None = None
        self._spread_cache: tuple[tuple[object, ...], list[Spread]] | None = None

    @property
    def marker_size(self) -> float:
        return float(self.events.marker_size)

    # ------------------------------------------------------------------ finding stacks
    def _gather(self, x0: float, y0: float, x1: float, y1: float, limit: int) -> tuple[FloatArray, FloatArray, IntArray] | None:
        """The shown events inside a Mercator box (None when more than ``limit``)."""
        xs, ys, rs = [], [], []
        n = 0
        for g in self.events.groups:
            m = (g.x >= x0) & (g.x <= x1) & (g.y >= y0) & (g.y <= y1)
            k = int(np.count_nonzero(m))
            if not k:
                continue
            n += k
            if n > limit:
                return None
            xs.append(g.x[m])
            ys.append(g.y[m])
            rs.append(g.rows[m])
        if not xs:
            return np.zeros(0), np.zeros(0), np.zeros(0, np.intp)
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(rs).astype(np.intp)

    def view_stacks(self, vp: Viewport) -> Stacks:
        """The stacks in (or just around) this view; none while more than
        :data:`MAX_POINTS_IN_VIEW` events are in view (the events layer then aggregates them)."""
        key = (vp, self.events.version, id(self.events.groups))
        if self._view_cache is not None and self._view_cache[0] == key:
            return self._view_cache[1]
        d = 12 * self.marker_size * vp.ui_scale * vp.merc_per_px
        got = self._gather(vp.x0 - d, vp.y0 - d, vp.x1 + d, vp.y1 + d, MAX_POINTS_IN_VIEW)
        st = find_stacks(*got) if got is not None else Stacks.empty()
        self._view_cache = (key, st)
        return st

    def stack_at(self, x: float, y: float) -> Stacks:
        """The stack at a spot (Mercator metres), found among the events within a few metres of
        it, whatever the view shows; empty when fewer than two events are there."""
        key = (round(x, 3), round(y, 3), self.events.version, id(self.events.groups))
        if self._spot_cache is not None and self._spot_cache[0] == key:
            return self._spot_cache[1]
        d = 2 * SAME_SPOT_M
        got = self._gather(x - d, y - d, x + d, y + d, 1 << 62)
        st = find_stacks(*got) if got is not None else Stacks.empty()
        if len(st) > 1:  # several spots within a few metres: the nearest
            i = int(np.argmin(np.hypot(st.x - x, st.y - y)))
            m = st.members(i)
            st = Stacks(st.x[i:i + 1], st.y[i:i + 1], m, np.array([0, len(m)], np.intp))
        self._spot_cache = (key, st)
        return st

    def spot_of(self, x: float, y: float) -> tuple[float, float] | None:
        """The spot (Mercator metres) of the stack of shown events at (x, y), if there is one."""
        st = self.stack_at(x, y)
        return (float(st.x[0]), float(st.y[0])) if len(st) else None

    def open(self, x: float, y: float) -> bool:
        """Spread the stack at Mercator (x, y); returns whether there is one there."""
        spot = self.spot_of(x, y)
        if spot is None:
            return False
        if spot != self.opened:
            self.opened = spot
            self.changed()
        return True

    def close(self) -> None:
        if self.opened is not None:
            self.opened = None
            self.changed()

    def auto_spread(self, vp: Viewport) -> bool:
        """Whether the view is zoomed in far enough to spread every stack."""
        lat = math.degrees(2 * math.atan(math.exp(vp.center[1] / 6_378_137.0)) - math.pi / 2)
        ground_per_px = vp.merc_per_px * math.cos(math.radians(lat)) * vp.ui_scale
        return ground_per_px <= self.auto_spread_m_per_px

    # ------------------------------------------------------------------ geometry
    def spreads(self, vp: Viewport) -> list[Spread]:
        """The stacks spread out in this view, with their markers' pixel centres."""
        key = (vp, self.version, self.events.version, id(self.events.groups), self.visible)
        if self._spread_cache is not None and self._spread_cache[0] == key:
            return self._spread_cache[1]
        out: list[Spread] = []
        if self.visible and self.events.visible:
            if self.auto_spread(vp):
                st = self.view_stacks(vp)
            elif self.opened is not None:
                st = self.stack_at(*self.opened)
            else:
                st = Stacks.empty()
            size = self.marker_size * vp.ui_scale
            if len(st):
                cxs, cys = vp.to_px(st.x, st.y)
                for i in range(len(st)):
                    m = st.members(i)
                    dx, dy = spread_offsets(len(m), size)
                    cx, cy = float(cxs[i]), float(cys[i])
                    out.append(Spread(cx, cy, m, cx + dx, cy + dy))
        self._spread_cache = (key, out)
        return out

    def displace(self, vp: Viewport, rows: IntArray, px: FloatArray, py: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Pixel positions of ``rows`` as drawn: a spread event at its spread marker."""
        spreads = self.spreads(vp)
        if not spreads or rows.size == 0:
            return px, py
        px, py = px.copy(), py.copy()
        for s in spreads:
            hit = np.isin(rows, s.rows)
            if hit.any():
                pos = {r: k for k, r in enumerate(s.rows.tolist())}
                for j in np.flatnonzero(hit).tolist():
                    k = pos[int(rows[j])]
                    px[j], py[j] = s.px[k], s.py[k]
        return px, py

    def pick(self, vp: Viewport, px: float, py: float, radius_px: float = 4.0) -> list[int]:
        """Rows of the spread markers under a pixel, nearest first."""
        reach = radius_px + self.marker_size * vp.ui_scale / 2
        hits: list[tuple[float, int]] = []
        for s in self.spreads(vp):
            d = np.hypot(s.px - px, s.py - py)
            near = d <= reach
            hits.extend(zip(d[near].tolist(), s.rows[near].tolist()))
        hits.sort()
        return [r for _, r in hits]

    def badges(self, vp: Viewport) -> list[tuple[QRectF, str, float, float]]:
        """The count badges of the stacks in view that are not spread: (rect, text, spot px)."""
        if not (self.visible and self.events.visible) or self.events.showing_density:
            return []
        st = self.view_stacks(vp)
        if not len(st):
            return []
        size = self.marker_size * vp.ui_scale
        inview = vp.contains_mask(st.x, st.y, pad=size * 2)
        idx = np.flatnonzero(inview)
        if idx.size > BADGE_MAX_IN_VIEW:
            return []
        spread = {(round(s.cx, 3), round(s.cy, 3)) for s in self.spreads(vp)}
        sizes = st.sizes()
        px, py = vp.to_px(st.x[idx], st.y[idx])
        out = []
        for i, x, y in zip(idx.tolist(), px.tolist(), py.tolist()):
            if (round(x, 3), round(y, 3)) in spread:
                continue
            n = int(sizes[i])
            text = f"{n}" if n < 1000 else f"{n // 1000}k"
            out.append((badge_rect(x, y, text, size, vp.ui_scale), text, x, y))
        return out

    def layout_items(self, vp: Viewport) -> list[tuple[str, int | str, Box]]:
        """What the layer draws, as boxes in ``vp``'s pixels: ``("badge", count text, box)`` per
        count badge, ``("spread", row, box)`` per spread marker, ``("hub", "", box)`` per spread
        spot and ``("spread_leg", "", box)`` squares along each leg (a name may sit beside a
        leg, not across it). Map names keep clear of all of them; ``render --layout`` lists them."""
        out: list[tuple[str, int | str, Box]] = []
        for r, text, _, _ in self.badges(vp):
            out.append(("badge", text, (r.left(), r.top(), r.right(), r.bottom())))
        size = self.marker_size * vp.ui_scale
        h = size / 2 + 1
        hub = size * 0.32 + 1
        for s in self.spreads(vp):
            out.append(("hub", "", (s.cx - hub, s.cy - hub, s.cx + hub, s.cy + hub)))
            for row, x, y in zip(s.rows.tolist(), s.px.tolist(), s.py.tolist()):
                out.append(("spread", int(row), (x - h, y - h, x + h, y + h)))
                # The leg between the hub and the marker, both ends left to their own boxes.
                d = math.hypot(x - s.cx, y - s.cy)
                if d > hub + h:
                    f0, f1 = hub / d, 1 - h / d
                    legs = line_boxes([s.cx + (x - s.cx) * f0, s.cx + (x - s.cx) * f1],
                                      [s.cy + (y - s.cy) * f0, s.cy + (y - s.cy) * f1],
                                      max(1.0, 0.6 * vp.ui_scale), 4 * vp.ui_scale)
                    out += [("spread_leg", "", b) for b in legs]
        return out

    def label_obstacles(self, vp: Viewport) -> list[tuple[str, Box]]:
        """The badges, spread markers, hubs and legs, as boxes map names keep clear of."""
        names = {"badge": "stack badge", "spread": "spread marker", "hub": "spread hub", "spread_leg": "spread leg"}
        return [(names[k], b) for k, _, b in self.layout_items(vp)]

    # ------------------------------------------------------------------ drawing
    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = getattr(self.events, "table", None)
        spreads = self.spreads(vp)
        u = vp.ui_scale
        size = self.marker_size * u
        dpr = device_pixel_ratio(p)
        if spreads and t is not None:
            conf = t.categorical["confidence"]
            claimed_codes = conf.codes_for(["claimed", "disputed"])
            sprites: dict[tuple[str, bool, str], QPixmap] = {}
            for s in spreads:
                # Legs from the spot to each marker, then the hub over the stacked markers.
                p.setPen(QPen(QColor(40, 48, 56, 200), max(1.0, 1.2 * u)))
                for x, y in zip(s.px.tolist(), s.py.tolist()):
                    p.drawLine(QPointF(s.cx, s.cy), QPointF(x, y))
                p.setPen(QPen(QColor("#28303a"), max(1.0, 1.5 * u)))
                p.setBrush(QColor("#ffffff"))
                p.drawEllipse(QPointF(s.cx, s.cy), size * 0.32, size * 0.32)
                claimed = np.isin(conf.codes[s.rows], claimed_codes)
                vague = np.isin(t.date_precision[s.rows], DIAMOND_DATE_PRECISIONS)
                for k, row in enumerate(s.rows.tolist()):
                    colour = style.event_type_colour(str(t.value("event_type", row) or ""))
                    shape = "diamond" if vague[k] else "circle"
                    if vp.vector:
                        draw_marker_shapes(p, [s.px[k]], [s.py[k]], colour, bool(claimed[k]), size, shape)
                        continue
                    sk = (colour, bool(claimed[k]), shape)
                    pm = sprites.get(sk)
                    if pm is None:
                        pm = sprites[sk] = make_marker(colour, bool(claimed[k]), size, dpr, shape=shape)
                    # A sprite of dpr device pixels per pixel is drawn at its logical size.
                    p.drawPixmap(QPointF(s.px[k] - pm.width() / dpr / 2, s.py[k] - pm.height() / dpr / 2), pm)
        for r, text, _, _ in self.badges(vp):
            if vp.vector:
                draw_badge(p, r, text, u)
            else:
                pm, _ = _badge_sprite(text, size, u, dpr)
                p.drawPixmap(QPointF(r.left() - 1, r.top() - 1), pm)
