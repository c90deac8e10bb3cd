"""The filters dock: date range, "only in map view", drawn area, and the facet lists.

Every control owns one top-level term of the model's filter and swaps only that term (dates own the
:class:`DateRange`, the view box owns :class:`InView`, the drawn area owns :class:`Area`, each facet
owns its :class:`Facet`). Facet counts reflect the *other* active terms: the masks of the terms are
cached (:class:`PartMasks`) and each facet's count is one ``np.bincount`` over the rows they leave.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QToolBox,
    QVBoxLayout,
    QWidget,
)

from atlas.model import All, AtlasModel, DateRange, InView, find_part, replace_part
from atlas.model.facets import (
    FACETS,
    Area,
    Facet,
    combine_area,
    facet_index,
    find_facet,
    replace_facet,
)
from atlas.model.part_masks import PartMasks
from atlas.render.viewport import Viewport

from .facet_list import FacetList

#: The view-box term follows pans and zooms after the view has been still this long.
IN_VIEW_DEBOUNCE_MS = 250
DATE_DEBOUNCE_MS = 400
AREA_MODE_LABELS = {
    "replace": "New area replaces",
    "or": "Add to area (OR)",
    "and": "Intersect area (AND)",
    "not": "Cut from area (AND NOT)",
}


def qdate(d: _dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> _dt.date:
    return _dt.date(q.year(), q.month(), q.day())


def facet_skip(field: str) -> Any:
    return lambda p: isinstance(p, Facet) and p.field == field


class FilterPanel(QWidget):
    """Date range, map-view and area terms, and one :class:`FacetList` per facet.

    Signals
    -------
    draw_area_requested(kind)
        "rectangle" or "lasso": the window switches the map to that tool.
    """

    draw_area_requested = Signal(str)

    def __init__(self, model: AtlasModel, part_masks: PartMasks | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.part_masks = part_masks or model.part_masks
        self._syncing = False
        self._last_view: Viewport | None = None
        #: Returns the map's current view (set by the window); without it the last view_changed is used.
        self.view_provider: Any = None

        # -- dates
        self.date_on = QCheckBox("Dates")
        self.date_on.setToolTip("Only events dated in this range (both days included)")
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for w in (self.date_from, self.date_to):
            w.setCalendarPopup(True)
            w.setDisplayFormat("d MMM yyyy")
            w.setDate(QDate(2024, 8, 6))
            w.dateChanged.connect(self._date_typed)
        self.date_on.toggled.connect(self._date_edited)
        # Typing a date changes it section by section: apply once the typing pauses (one undo step).
        self._date_timer = QTimer(self)
        self._date_timer.setSingleShot(True)
        self._date_timer.setInterval(DATE_DEBOUNCE_MS)
        self._date_timer.timeout.connect(self._date_edited)
        # Two rows, "from" above "to": one row of two dates is wider than a laptop's filter column.
        dates = QGridLayout()
        dates.addWidget(self.date_on, 0, 0)
        dates.addWidget(self.date_from, 0, 1)
        to_label = QLabel("to")
        to_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        dates.addWidget(to_label, 1, 0)
        dates.addWidget(self.date_to, 1, 1)
        dates.setColumnStretch(1, 1)

        # -- space
        self.in_view = QCheckBox("Only events in the map view")
        self.in_view.setToolTip("Only events in the current map view (follows pans and zooms)")
        self.in_view.toggled.connect(self._in_view_toggled)
        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(IN_VIEW_DEBOUNCE_MS)
        self._view_timer.timeout.connect(self._apply_in_view)
        self.rect_btn = QPushButton("Rectangle")
        self.rect_btn.setToolTip("Draw a rectangle on the map to filter to it")
        self.rect_btn.clicked.connect(lambda: self.draw_area_requested.emit("rectangle"))
        self.lasso_btn = QPushButton("Lasso")
        self.lasso_btn.setToolTip("Draw a free-hand area on the map to filter to it")
        self.lasso_btn.clicked.connect(lambda: self.draw_area_requested.emit("lasso"))
        self.area_mode = QComboBox()
        for k, v in AREA_MODE_LABELS.items():
            self.area_mode.addItem(v, k)
        self.area_mode.setToolTip("How the next drawn area combines with the current one")
        self.outside = QCheckBox("Outside")
        self.outside.setToolTip("Keep the events outside the drawn area instead (AND NOT)")
        self.outside.toggled.connect(self._outside_toggled)
        self.clear_area_btn = QPushButton("Clear area")
        self.clear_area_btn.clicked.connect(self.clear_area)
        space = QGridLayout()
        # Two columns, so the group fits the narrow filter column of a laptop screen.
        space.addWidget(self.in_view, 0, 0, 1, 2)
        space.addWidget(self.rect_btn, 1, 0)
        space.addWidget(self.lasso_btn, 1, 1)
        space.addWidget(self.area_mode, 2, 0, 1, 2)
        space.addWidget(self.outside, 3, 0)
        space.addWidget(self.clear_area_btn, 3, 1)
        self.area_label = QLabel("")
        self.area_label.setTextFormat(Qt.TextFormat.PlainText)
        self.area_label.setWordWrap(True)
        space.addWidget(self.area_label, 4, 0, 1, 2)

        when_where = QGroupBox("When and where")
        ww = QVBoxLayout(when_where)
        ww.addLayout(dates)
        ww.addLayout(space)

        # -- facets
        self.toolbox = QToolBox()
        self.facets: dict[str, FacetList] = {}
        for field, title in FACETS.items():
            fl = FacetList(field, title)
            fl.edited.connect(lambda vals, mode, f=field: self.set_facet(f, vals, mode))
            self.facets[field] = fl
            self.toolbox.addItem(fl, title)
        self.toolbox.currentChanged.connect(lambda _i: self.update_counts())
        # Room for a facet's list: below this the dock scrolls rather than squashing the list.
        self.toolbox.setMinimumHeight(380)

        self.clear_all_btn = QPushButton("Clear all filters")
        self.clear_all_btn.clicked.connect(self.clear_all)
        # A store's stale copy: the facet counts are of the rows held, which the dock says.
        self.counts_note = QLabel("")
        self.counts_note.setTextFormat(Qt.TextFormat.PlainText)
        self.counts_note.setWordWrap(True)
        self.counts_note.setStyleSheet("color: #b00020")
        self.counts_note.hide()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(when_where)
        lay.addWidget(self.counts_note)
        lay.addWidget(self.toolbox, 1)
        lay.addWidget(self.clear_all_btn)

        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)  # after the list, map and timeline have redrawn
        self._counts_timer.timeout.connect(self.update_counts)
        model.table_changed.connect(self._on_table)
        model.filter_changed.connect(self._on_filter)
        model.aggregates_changed.connect(self._on_aggregates)
        model.stale_changed.connect(self._say_whose_counts)
        model.table_changed.connect(self._say_whose_counts)
        self._on_table()
        self._say_whose_counts()

    def _say_whose_counts(self) -> None:
        """Above the facets, while the events are a stale copy of a store: whose counts they are."""
        if not self.atlas.stale_note:
            self.counts_note.hide()
            return
        n = len(self.atlas.table)
        self.counts_note.setText(f"Counts are of the {n:,} cached events only, not of the whole store "
                                 "(its server is unreachable)")
        self.counts_note.setToolTip(self.atlas.stale_note)
        self.counts_note.show()

    def _on_aggregates(self) -> None:
        """A remote store's counts arrived: its facets' values and counts come from them."""
        if self.atlas.remote is None:
            return
        self._on_table()  # the server's vocabulary and dates

    # ------------------------------------------------------------------ model → widgets
    def _on_table(self) -> None:
        t = self.atlas.table
        # Facet indexes are built when a facet is first opened (or its term is used): the outlet
        # index walks every event's sources, ~1 s at 1M rows, and most sessions never open it.
        self._loaded: set[str] = set()
        cur = self.toolbox.currentWidget()
        if isinstance(cur, FacetList):
            self.ensure_facet(cur.field)
        span = t.date_span()
        if self.atlas.remote is not None:
            # A remote store: the dates the server counted (the rows held are only a page).
            agg = self.atlas.aggregates
            span = (agg.day.min(), agg.day.max()) if agg is not None and agg.day.size else None
        if span is not None:
            lo, hi = (s.astype(object) for s in span)
            self._syncing = True
            # No setDateRange: Qt rejects keystrokes that pass through an out-of-range date
            # (typing the year 2025 into "6 Aug 2024" would stop at a maximum of 28 Apr 2025).
            if find_part(self.atlas.filter, DateRange) is None:
                self.date_from.setDate(qdate(lo))
                self.date_to.setDate(qdate(hi))
            self._syncing = False
        self._on_filter()

    def _on_filter(self) -> None:
        flt = self.atlas.filter
        self._syncing = True
        try:
            dr = find_part(flt, DateRange)
            self.date_on.setChecked(dr is not None)
            if isinstance(dr, DateRange):
                if dr.start:
                    self.date_from.setDate(qdate(dr.start))
                if dr.end:
                    self.date_to.setDate(qdate(dr.end))
            self.in_view.setChecked(find_part(flt, InView) is not None)
            area = find_part(flt, Area)
            self.outside.setChecked(isinstance(area, Area) and area.outside)
            self.area_label.setText(area.describe() if area is not None else "no area drawn")
            self.clear_area_btn.setEnabled(area is not None)
            for field, fl in self.facets.items():
                term = find_facet(flt, field)
                if term is not None:
                    self.ensure_facet(field)
                if field in self._loaded:
                    fl.show_term(term)
                n = len(term.values) if term is not None else 0
                i = self.toolbox.indexOf(fl)
                self.toolbox.setItemText(i, FACETS[field] + (f"  ({n} chosen)" if n else ""))
        finally:
            self._syncing = False
        self._counts_timer.start()

    def ensure_facet(self, field: str) -> FacetList:
        """The facet's list, filled with its values (built on first use per table)."""
        fl = self.facets[field]
        if field not in self._loaded:
            self._loaded.add(field)
            server = self._server_counts(field)
            if server is not None:
                values = sorted(v for v in server if v)
                fl.set_values(values, np.array([server.get(v, 0) for v in values] + [server.get("", 0)], np.int64))
            else:
                idx = facet_index(self.atlas.table, field)
                fl.set_values(idx.categories, idx.counts())
            was, self._syncing = self._syncing, True
            try:
                fl.show_term(find_facet(self.atlas.filter, field))
            finally:
                self._syncing = was
        return fl

    def update_counts(self) -> None:
        """Counts of the open facet's values among the rows that pass every *other* term."""
        if not self.isVisible():
            self._stale = True  # a hidden dock counts nothing; showEvent catches up
            return
        self._stale = False
        if self.atlas.filter_pending:
            return  # a search still streaming in: counted when its whole answer is in
        fl = self.toolbox.currentWidget()
        if isinstance(fl, FacetList):
            self.ensure_facet(fl.field)
            fl.set_counts(self.facet_counts(fl.field))

    def showEvent(self, ev: Any) -> None:  # noqa: N802
        super().showEvent(ev)
        if getattr(self, "_stale", False):
            self._counts_timer.start()

    def _server_counts(self, field: str) -> dict[str, int] | None:
        """A remote store's counts of ``field`` (None: the events are local, or not counted yet;
        a facet the server does not count shows no values rather than the few rows held)."""
        if self.atlas.remote is None:
            return None
        agg = self.atlas.aggregates
        return {} if agg is None else agg.facets.get(field, {})

    def facet_counts(self, field: str) -> np.ndarray:
        server = self._server_counts(field)
        if server is not None:
            fl = self.facets[field]
            return np.array([server.get(v, 0) for v in fl._values], np.int64)
        t = self.atlas.table
        flt = self.atlas.filter
        skip = facet_skip(field)
        mask: np.ndarray | None
        if isinstance(flt, All):
            mask = None  # every row: no pick at all
        elif not self.atlas.filter_pending and not any(skip(p) for p in flt.parts()):
            # The facet has no term: the rows every term leaves are the shown rows, whose mask
            # the model holds (ANDing the terms again cost ~5 ms per facet at 3M events).
            mask = self.atlas.visible_mask
        else:
            mask = self.part_masks.mask_except(t, flt, skip)
        return facet_index(t, field).counts(mask)

    # ------------------------------------------------------------------ widgets → model
    def set_facet(self, field: str, values: frozenset[str], mode: str = "any") -> None:
        new = Facet(field, values, mode) if values else None
        self.atlas.set_filter(replace_facet(self.atlas.filter, field, new))

    def set_dates(self, start: _dt.date | None, end: _dt.date | None) -> None:
        new = DateRange(start, end) if (start or end) else None
        self.atlas.set_filter(replace_part(self.atlas.filter, DateRange, new))

    def _date_typed(self, *_args: object) -> None:
        if not self._syncing:  # a change the panel made itself to show the model is not an edit
            self._date_timer.start()

    def _date_edited(self, *_args: object) -> None:
        self._date_timer.stop()
        if self._syncing:
            return
        if not self.date_on.isChecked():
            self.set_dates(None, None)
            return
        a, b = pydate(self.date_from.date()), pydate(self.date_to.date())
        self.set_dates(min(a, b), max(a, b))

    def _in_view_toggled(self, on: bool) -> None:
        if self._syncing:
            return
        if on:
            self._apply_in_view()
        else:
            self.atlas.set_filter(replace_part(self.atlas.filter, InView, None))

    def view_changed(self, vp: Viewport) -> None:
        """Connected to the canvas's ``view_changed``: the in-view term follows after a pause."""
        self._last_view = vp
        if find_part(self.atlas.filter, InView) is not None:
            self._view_timer.start()

    def _apply_in_view(self) -> None:
        vp = self.view_provider() if self.view_provider is not None else self._last_view
        if vp is None:
            return
        lon0, lat0, lon1, lat1 = vp.lonlat_bounds()
        term = InView(round(lon0, 5), round(lat0, 5), round(lon1, 5), round(lat1, 5))
        self.atlas.set_filter(replace_part(self.atlas.filter, InView, term))

    def apply_area(self, geometry: Any, label: str) -> None:
        """A drawn area (from the rectangle or lasso tool), combined per the mode chosen."""
        cur = find_part(self.atlas.filter, Area)
        mode = str(self.area_mode.currentData() or "replace")
        new = combine_area(cur if isinstance(cur, Area) else None, geometry, mode, label)
        if new is not None and self.outside.isChecked() and not new.outside and mode == "replace":
            new = Area(new.geometry, new.label, outside=True)
        self.atlas.set_filter(replace_part(self.atlas.filter, Area, new))

    def _outside_toggled(self, on: bool) -> None:
        if self._syncing:
            return
        cur = find_part(self.atlas.filter, Area)
        if isinstance(cur, Area) and cur.outside != on:
            self.atlas.set_filter(replace_part(self.atlas.filter, Area, Area(cur.geometry, cur.label, outside=on)))

    def clear_area(self) -> None:
        self.atlas.set_filter(replace_part(self.atlas.filter, Area, None))

    def clear_all(self) -> None:
        self.atlas.set_filter(All())
