"""The timeline dock under the map: a stacked histogram of the filtered events, a draggable date
range, and playback.

The bars count the events that pass the filter, per day, week or month (chosen by the span of
the data), stacked by event type in the map's colours; when a date range is set, the events the
range leaves out (but every other filter keeps) show as grey bars behind, for context. Selected
events are marked under the axis.

Dragging on the plot draws a range; the range can be moved and resized; on release it becomes the
filter's :class:`DateRange` term and the model's :attr:`~AtlasModel.time_window` (the map and list
follow through the model). A double-click clears it. Playback moves a window of chosen length
(sliding, or cumulative from the first day) at a chosen speed; Space plays and pauses, the arrow
keys step a day.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from atlas.model import AtlasModel, DateRange, find_part, replace_part
from atlas.model.atlas_model import sorted_unique
from atlas.model.part_masks import PartMasks
from atlas.render.style import event_type_colour

from .details_panel import plain_tooltip
from .fitting_label import FittingLabel
from .timeline_axes import CountAxis, DayAxis

DAY_S = 86400.0
#: What the bar says before a range is chosen, longest first (FittingLabel shows what fits).
HINT_WORDINGS = ("Drag on the timeline to choose dates; double-click clears.",
                 "Drag to choose dates; double-click clears", "Drag to choose dates", "Drag: dates")
#: Speeds offered for playback, in days of data per second of wall time.
SPEEDS: tuple[float, ...] = (1, 2, 4, 7, 14, 30)
#: Playback never ticks faster than this (ms); faster speeds move more than a day per tick.
MIN_TICK_MS = 100
CONTEXT_BRUSH = QColor(160, 160, 160, 110)


def day_number(d: _dt.date | np.datetime64) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def date_of(day: int) -> _dt.date:
    return np.datetime64(int(day), "D").astype(object)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Bins:
    """Histogram bins over day numbers: ``edges`` (n+1 day numbers) and a unit name."""

    unit: str
    edges: npt.NDArray[np.int64]

    @classmethod
    def for_span(cls, first: int, last: int) -> Bins:
        span = last - first + 1
        if span <= 200:
            return cls("day", np.arange(first, last + 2, dtype=np.int64))
        if span <= 3 * 365:
            start = first - ((first + 3) % 7)  # Mondays (1970-01-01 was a Thursday)
            return cls("week", np.arange(start, last + 8, 7, dtype=np.int64))
        d0, d1 = np.datetime64(first, "D").astype("datetime64[M]"), np.datetime64(last, "D").astype("datetime64[M]")
        months = np.arange(d0, d1 + 2, dtype="datetime64[M]")
        return cls("month", months.astype("datetime64[D]").astype(np.int64))

    def index(self, days: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        if self.unit == "day":
            return days - self.edges[0]
        if self.unit == "week":
            return (days - self.edges[0]) // 7
        return np.searchsorted(self.edges, days, side="right") - 1


def stacked_counts(bins: Bins, days: npt.NDArray[np.int64], codes: npt.NDArray[np.int32], n_types: int) -> npt.NDArray[np.int64]:
    """Events per (bin, type) in one ``np.bincount``; type -1 (missing) goes in the last column."""
    nb = len(bins.edges) - 1
    k = n_types + 1
    b = bins.index(days)
    ok = (b >= 0) & (b < nb)
    c = np.where(codes < 0, n_types, codes)
    flat = np.bincount(b[ok] * k + c[ok], minlength=nb * k)
    return flat[: nb * k].reshape(nb, k)


class TimelineViewBox(pg.ViewBox):
    """A ViewBox where a left drag draws the date range and a double-click clears it."""

    def __init__(self, panel: TimelinePanel) -> None:
        super().__init__(enableMenu=False)
        self.panel = panel
        self.setMouseEnabled(x=True, y=False)
        self._drag_start: float | None = None

    def mouseDragEvent(self, ev: Any, axis: int | None = None) -> None:  # noqa: N802
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        x = self.mapSceneToView(ev.scenePos()).x()
        if ev.isStart():
            self._drag_start = self.mapSceneToView(ev.buttonDownScenePos()).x()
        if self._drag_start is None:
            return
        self.panel.preview_range(self._drag_start, x)
        if ev.isFinish():
            self._drag_start = None
            self.panel.apply_region()

    def mouseClickEvent(self, ev: Any) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.LeftButton and ev.double():
            ev.accept()
            self.panel.clear_range()
            return
        super().mouseClickEvent(ev)


class TimelinePanel(QWidget):
    """Histogram, range and playback controls.

    Signals
    -------
    playing_changed(bool)
        Playback started or stopped (the filter history coalesces a playback into one step).
    """

    playing_changed = Signal(bool)

    def __init__(self, model: AtlasModel, part_masks: PartMasks | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.part_masks = part_masks or model.part_masks
        self.bins: Bins | None = None
        self.counts: npt.NDArray[np.int64] = np.zeros((0, 1), np.int64)
        self.context: npt.NDArray[np.int64] | None = None
        self._applying = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        # -- controls
        self.play_btn = QToolButton()
        self.play_btn.setText("▶ Play")
        self.play_btn.setToolTip("Play or pause (Space)")
        self.play_btn.clicked.connect(self.toggle_play)
        self.back_btn = QToolButton()
        self.back_btn.setText("◀")
        self.back_btn.setToolTip("One day back (Left)")
        self.back_btn.clicked.connect(lambda: self.step(-1))
        self.fwd_btn = QToolButton()
        self.fwd_btn.setText("▶")
        self.fwd_btn.setToolTip("One day forward (Right)")
        self.fwd_btn.clicked.connect(lambda: self.step(1))
        self.length = QSpinBox()
        self.length.setRange(1, 3650)
        self.length.setValue(7)
        self.length.setSuffix(" days")
        self.length.setToolTip("Length of the playback window")
        self.mode = QComboBox()
        self.mode.addItem("sliding window", "sliding")
        self.mode.addItem("cumulative", "cumulative")
        self.mode.setToolTip("Sliding: a window of fixed length moves. Cumulative: everything since the first day.")
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g} day{'s' if s != 1 else ''}/s", s)
        self.speed.setCurrentIndex(2)
        self.speed.setToolTip("Playback speed")
        self.speed.currentIndexChanged.connect(self._retime)
        self.range_label = FittingLabel()
        self.range_label.set_wordings(HINT_WORDINGS)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.back_btn, self.play_btn, self.fwd_btn, QLabel("Window"), self.length, self.mode, self.speed):
            bar.addWidget(w)
        bar.addWidget(self.range_label, 1)

        # -- plot
        self.vb = TimelineViewBox(self)
        self.axis = DayAxis(orientation="bottom")
        self.count_axis = CountAxis(orientation="left")
        self.plot = pg.PlotWidget(viewBox=self.vb, axisItems={"bottom": self.axis, "left": self.count_axis},
                                  background="#fbfaf6")
        self.plot.setMinimumHeight(60)
        self.plot.hideButtons()
        self.plot.getPlotItem().setMenuEnabled(False)
        self.plot.getPlotItem().getAxis("left").setWidth(38)
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.region = pg.LinearRegionItem(brush=QColor(255, 212, 0, 60), hoverBrush=QColor(255, 212, 0, 90), swapMode="sort")
        # Behind the bars (and their grey context): a tint over them would change the categories'
        # colours. The bars take no mouse events, so the range still drags.
        self.region.setZValue(-10)
        self.region.hide()
        self.region.sigRegionChanged.connect(self._region_moving)
        self.region.sigRegionChangeFinished.connect(self.apply_region)
        self.plot.addItem(self.region, ignoreBounds=True)
        self.bar_items: list[pg.BarGraphItem] = []
        self._cells: npt.NDArray[np.int32] = np.zeros(0, np.int32)
        self._cells_for: tuple[object, object] | None = None
        self.context_item: pg.BarGraphItem | None = None
        self.sel_item = pg.ScatterPlotItem(symbol="t1", size=9, brush=pg.mkBrush("#00acc1"), pen=pg.mkPen("#004d57"))
        self.sel_item.setZValue(20)
        self.plot.addItem(self.sel_item)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(bar)
        lay.addWidget(self.plot, 1)
        self._follow_palette()

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._context_timer = QTimer(self)
        self._context_timer.setSingleShot(True)
        self._context_timer.setInterval(0)
        self._context_timer.timeout.connect(self.draw_context)
        self._retime()

        self._all_counts: tuple[np.ndarray, np.ndarray] | None = None
        model.table_changed.connect(self._on_table)
        model.aggregates_changed.connect(self._on_aggregates)
        model.filter_changed.connect(self.refresh)
        model.selection_changed.connect(self._on_selection)
        model.current_changed.connect(self._on_selection)
        self._on_table()

    # ------------------------------------------------------------------ data
    def _on_aggregates(self) -> None:
        if self.atlas.remote is not None:
            self._on_table()

    def _on_table(self) -> None:
        span = self.atlas.table.date_span()
        if self.atlas.remote is not None:
            # A remote store: the bars are the server's counts per day (atlas/model/remote.py).
            agg = self.atlas.aggregates
            span = (agg.day.min(), agg.day.max()) if agg is not None and agg.day.size else None
        if span is None:
            self.bins = None
        else:
            self.bins = Bins.for_span(day_number(span[0]), day_number(span[1]))
        self.refresh()
        if self.bins is not None:
            self.vb.setXRange(self.bins.edges[0] * DAY_S, self.bins.edges[-1] * DAY_S, padding=0.01)

    def _row_cells(self) -> npt.NDArray[np.int32]:
        """Each row's (bin, type) cell of :func:`stacked_counts` as one integer, undated rows and
        rows outside the bins in one extra cell: computed once per table and bins, so a filter
        change counts its rows without converting the whole table's dates again."""
        t = self.atlas.table
        if self._cells_for is not None and self._cells_for[0] is t and self._cells_for[1] is self.bins:
            return self._cells
        assert self.bins is not None
        cat = t.categorical["event_type"]
        nb, n_types = len(self.bins.edges) - 1, len(cat.categories)
        k = n_types + 1
        b = self.bins.index(t.date.astype(np.int64))
        ok = ~np.isnat(t.date) & (b >= 0) & (b < nb)
        c = np.where(cat.codes < 0, n_types, cat.codes)
        self._cells = np.where(ok, b * k + c, nb * k).astype(np.int32)
        self._cells_for = (t, self.bins)
        return self._cells

    def refresh(self) -> None:
        """Recount the bars (after every filter change) and move the range to the date term."""
        t = self.atlas.table
        for it in self.bar_items:
            self.plot.removeItem(it)
        self.bar_items = []
        if self.context_item is not None:
            self.plot.removeItem(self.context_item)
            self.context_item = None
        self._sync_range()
        remote = self.atlas.remote is not None
        if self.bins is None or (len(t) == 0 and not remote):
            self.counts = np.zeros((0, 1), np.int64)
            return
        left = self.bins.edges[:-1].astype(np.float64) * DAY_S
        width = np.diff(self.bins.edges).astype(np.float64) * DAY_S * 0.92
        self.context = None
        if remote:
            names = self._remote_counts(left, width)
        else:
            cat = t.categorical["event_type"]
            keys = self._row_cells()
            nb, k = len(self.bins.edges) - 1, len(cat.categories) + 1
            n_shown = self.atlas.visible_count
            if n_shown == len(t):
                # Every event (a cleared filter): the whole table's counts, counted once per table.
                if self._all_counts is None or self._all_counts[0] is not keys:
                    self._all_counts = (keys, np.bincount(keys, minlength=nb * k + 1)[: nb * k].reshape(nb, k))
                counts = self._all_counts[1]
            else:
                # One pick and one bincount per change; the cell after the last counts undated rows.
                # Many rows are picked by the mask (a compress), few by their positions.
                shown = keys[self.atlas.visible_mask] if n_shown * 16 > len(t) else keys[self.atlas.visible_rows]
                counts = np.bincount(shown, minlength=nb * k + 1)[: nb * k].reshape(nb, k)
            self.counts = counts.astype(np.int64)
            if find_part(self.atlas.filter, DateRange) is not None:
                # The grey context needs every term but the date over the whole table (a text term's
                # full mask is ~0.3 s at 1M the first time): drawn just after, off the critical path.
                self._context_timer.start()
            names = list(cat.categories) + [""]
        base = np.zeros(len(left), np.float64)
        for j in np.argsort(-self.counts.sum(axis=0), kind="stable"):
            h = self.counts[:, j].astype(np.float64)
            if not h.any():
                continue
            keep = h > 0
            item = pg.BarGraphItem(
                x0=left[keep], width=width[keep], y0=base[keep], height=h[keep],
                brush=QColor(event_type_colour(names[j])), pen=pg.mkPen(None),
            )
            item.setToolTip(plain_tooltip(names[j] or "(no type)"))
            self.plot.addItem(item)
            self.bar_items.append(item)
            base += h
        top = max(float(base.max()) if base.size else 1.0, 1.0)
        if self.context is not None and self.context.size:
            top = max(top, float(self.context.max()))
        if self.context is None and find_part(self.atlas.filter, DateRange) is not None:
            # The grey context (drawn next) sets the height: keep the axis still while playing.
            top = max(top, self.vb.viewRange()[1][1] / 1.05)
        self.vb.setYRange(-0.12 * top, top * 1.05, padding=0)
        self._on_selection()

    def _remote_counts(self, left: npt.NDArray[np.float64], width: npt.NDArray[np.float64]) -> list[str]:
        """A remote store's bars: the server counted events per (day, type) under every term but
        the date; the range's days are the bars, all of them the grey context."""
        assert self.bins is not None
        agg = self.atlas.aggregates
        nb = len(self.bins.edges) - 1
        if agg is None or not agg.day.size:
            self.counts = np.zeros((nb, 1), np.int64)
            return [""]
        names = sorted(set(agg.day_type))
        code = {n: i for i, n in enumerate(names)}
        codes = np.array([code[n] for n in agg.day_type], np.int64)
        days = agg.day.astype(np.int64)
        b = self.bins.index(days)
        ok = (b >= 0) & (b < nb)
        k = len(names)
        everything = np.bincount(b[ok] * k + codes[ok], weights=agg.day_count[ok], minlength=nb * k)
        rng = self.current_range()
        if rng is not None:
            inside = ok & (days >= day_number(rng[0])) & (days <= day_number(rng[1]))
            shown = np.bincount(b[inside] * k + codes[inside], weights=agg.day_count[inside], minlength=nb * k)
            self.context = everything.reshape(nb, k).sum(axis=1).astype(np.int64)
            self.context_item = pg.BarGraphItem(x0=left, width=width, height=self.context, brush=CONTEXT_BRUSH,
                                                pen=pg.mkPen(None))
            self.context_item.setZValue(-5)
            self.plot.addItem(self.context_item)
        else:
            shown = everything
        self.counts = shown.reshape(nb, k).astype(np.int64)
        return names

    def draw_context(self) -> None:
        """Grey bars: the events every term except the date keeps (what the range leaves out)."""
        if self.atlas.remote is not None:
            return  # drawn with the bars from the server's counts
        if self.context_item is not None:
            self.plot.removeItem(self.context_item)
            self.context_item = None
        self.context = None
        t = self.atlas.table
        flt = self.atlas.filter
        if self.bins is None or find_part(flt, DateRange) is None:
            return
        if self.atlas.filter_pending:
            return  # a search still streaming in: drawn when its whole answer is in
        dated = ~np.isnat(t.date)
        ctx_mask = self.part_masks.mask_except(t, flt, lambda p: isinstance(p, DateRange)) & dated
        ctx_rows = np.flatnonzero(ctx_mask)
        b = self.bins.index(t.date[ctx_rows].astype(np.int64))
        nb = len(self.bins.edges) - 1
        ok = (b >= 0) & (b < nb)
        self.context = np.bincount(b[ok], minlength=nb)[:nb]
        left = self.bins.edges[:-1].astype(np.float64) * DAY_S
        width = np.diff(self.bins.edges).astype(np.float64) * DAY_S * 0.92
        self.context_item = pg.BarGraphItem(x0=left, width=width, height=self.context, brush=CONTEXT_BRUSH, pen=pg.mkPen(None))
        self.context_item.setZValue(-5)
        self.plot.addItem(self.context_item)
        top = max(float(self.counts.sum(axis=1).max()) if self.counts.size else 1.0, float(self.context.max()) if self.context.size else 0.0, 1.0)
        self.vb.setYRange(-0.12 * top, top * 1.05, padding=0)

    def _on_selection(self, *_args: object) -> None:
        t = self.atlas.table
        rows = self.atlas.selected_rows()
        if rows.size == 0 or self.bins is None:
            self.sel_item.setData([], [])
            return
        d = t.date[rows]
        d = d[~np.isnat(d)].astype(np.int64)
        days = sorted_unique(d)[:5000]
        top = self.vb.viewRange()[1][0]
        self.sel_item.setData((days + 0.5) * DAY_S, np.full(len(days), top * 0.5))

    # ------------------------------------------------------------------ range ↔ filter
    def current_range(self) -> tuple[_dt.date, _dt.date] | None:
        dr = find_part(self.atlas.filter, DateRange)
        if not isinstance(dr, DateRange) or dr.start is None or dr.end is None:
            return None
        return dr.start, dr.end

    def _sync_range(self) -> None:
        rng = self.current_range()
        self._applying = True
        try:
            if rng is None:
                self.region.hide()
                self._label(None)
                if not self.timer.isActive():
                    self.atlas.set_time_window(None)
            else:
                a, b = day_number(rng[0]), day_number(rng[1]) + 1
                self.region.setRegion((a * DAY_S, b * DAY_S))
                self.region.show()
                self.atlas.set_time_window(rng)
                self._label(rng)
        finally:
            self._applying = False

    def _label(self, rng: tuple[_dt.date, _dt.date] | None) -> None:
        if rng is None:
            self.range_label.set_wordings(HINT_WORDINGS)
            return
        n = (rng[1] - rng[0]).days + 1
        a, b = rng
        self.range_label.set_wordings((
            f"{a:%d %b %Y} – {b:%d %b %Y}  ({n} day{'s' if n != 1 else ''}, {self._shown_text()} events)",
            f"{a:%d %b %Y} – {b:%d %b %Y}  ({n} day{'s' if n != 1 else ''})",
            f"{a:%d %b %Y} – {b:%d %b %Y}", f"{a:%d %b} – {b:%d %b %y}", f"{a:%d.%m} – {b:%d.%m.%y}"))

    def _shown_text(self) -> str:
        n = self.atlas.shown_count
        return "…" if n is None else f"{n:,}"

    def region_days(self) -> tuple[_dt.date, _dt.date]:
        """The region snapped to whole days (the end day inclusive)."""
        lo, hi = self.region.getRegion()
        a = int(np.floor(lo / DAY_S + 0.5))
        b = int(np.floor(hi / DAY_S + 0.5)) - 1
        return date_of(a), date_of(max(a, b))

    def preview_range(self, x0: float, x1: float) -> None:
        """While dragging out a new range: show it, apply nothing yet."""
        lo, hi = sorted((x0, x1))
        self._applying = True
        try:
            self.region.setRegion((lo, hi))
            self.region.show()
        finally:
            self._applying = False
        a, b = self.region_days()
        self.range_label.set_wordings((f"{a:%d %b %Y} – {b:%d %b %Y}  (release to apply)",
                                       f"{a:%d %b %Y} – {b:%d %b %Y}", f"{a:%d %b} – {b:%d %b %y}"))

    def _region_moving(self) -> None:
        if not self._applying:
            a, b = self.region_days()
            self.range_label.set_wordings((f"{a:%d %b %Y} – {b:%d %b %Y}  (release to apply)",
                                       f"{a:%d %b %Y} – {b:%d %b %Y}", f"{a:%d %b} – {b:%d %b %y}"))

    def apply_region(self, *_args: object) -> None:
        if self._applying or not self.region.isVisible():
            return
        self.set_range(*self.region_days())

    def set_range(self, start: _dt.date | None, end: _dt.date | None) -> None:
        """Write the date term and the time window (the only place the timeline writes the filter)."""
        new = DateRange(start, end) if (start or end) else None
        self.atlas.set_filter(replace_part(self.atlas.filter, DateRange, new))
        self.atlas.set_time_window((start, end) if start and end else None)
        self._sync_range()
        self._label((start, end) if start and end else None)

    def clear_range(self) -> None:
        self.stop()
        self.set_range(None, None)

    # ------------------------------------------------------------------ playback
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def _retime(self, *_args: object) -> None:
        speed = float(self.speed.currentData() or 1.0)
        self._days_per_tick = max(1, int(round(speed * MIN_TICK_MS / 1000.0)))
        self.timer.setInterval(int(round(1000.0 * self._days_per_tick / speed)))

    def toggle_play(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.play()

    def play(self) -> None:
        if self.bins is None or self.playing:
            return
        span = self.atlas.table.date_span()
        assert span is not None
        first, last = span[0].astype(object), span[1].astype(object)
        rng = self.current_range()
        if rng is None or rng[1] >= last:
            n = self.length.value()
            start = first
            end = first + _dt.timedelta(days=n - 1)
            self.playing_changed.emit(True)
            self.timer.start()
            self.set_range(start, min(end, last))
        else:
            self.playing_changed.emit(True)
            self.timer.start()
        self.play_btn.setText("❚❚ Pause")

    def stop(self) -> None:
        if not self.playing:
            return
        self.timer.stop()
        self.play_btn.setText("▶ Play")
        self.playing_changed.emit(False)

    def _tick(self) -> None:
        if not self.step(self._days_per_tick):
            self.stop()

    def step(self, days: int) -> bool:
        """Move the window by ``days`` (sliding: both ends; cumulative: the end). False at an end."""
        span = self.atlas.table.date_span()
        if span is None:
            return False
        first, last = span[0].astype(object), span[1].astype(object)
        rng = self.current_range()
        if rng is None:
            n = self.length.value()
            self.set_range(first, min(last, first + _dt.timedelta(days=n - 1)))
            return True
        start, end = rng
        delta = _dt.timedelta(days=days)
        if days > 0 and end >= last:
            return False
        if days < 0 and (start <= first if self.mode.currentData() == "sliding" else end <= start):
            return False
        if self.mode.currentData() == "cumulative":
            end = min(max(end + delta, start), last)
        else:
            if days > 0 and end + delta > last:
                delta = last - end  # land exactly on the last day
            start, end = start + delta, end + delta
        self.set_range(start, end)
        return True

    def changeEvent(self, ev: QEvent) -> None:  # noqa: N802
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.PaletteChange:
            self._follow_palette()

    def _follow_palette(self) -> None:
        """The plot's background and axes follow the window's palette (the dark theme)."""
        pal = self.palette()
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        self.plot.setBackground(pal.color(QPalette.ColorRole.Base) if dark else QColor("#fbfaf6"))
        ink = pal.color(QPalette.ColorRole.WindowText) if dark else QColor("#333333")
        for name in ("left", "bottom"):
            axis = self.plot.getPlotItem().getAxis(name)
            axis.setPen(ink)
            axis.setTextPen(ink)

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        if ev.key() == Qt.Key.Key_Space:
            self.toggle_play()
        elif ev.key() == Qt.Key.Key_Right:
            self.step(1)
        elif ev.key() == Qt.Key.Key_Left:
            self.step(-1)
        else:
            super().keyPressEvent(ev)
