"""The event list: a thin QAbstractTableModel over the model's visible-row array, and its panel.

No QSortFilterProxyModel, no QStandardItemModel (0.8–46 s at 1M rows): a filter change is an
index-array reset (~1 ms), and sorting is a stable ``np.argsort`` of a cached integer rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atlas.model import AtlasModel, Text, find_part, replace_part
from atlas.model.atlas_model import sorted_unique
from atlas.model.table import DATE_PRECISION_LABELS
from atlas.render.style import event_type_colour

from .search_runner import SearchRunner

#: (header, field) of each column.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Date", "event_date"),
    ("Type", "event_type"),
    ("Title", "title"),
    ("Location", "location"),
    ("Side", "side"),
    ("Confidence", "confidence"),
)
#: Starting widths of the columns; the Title column (index 2) stretches over the spare width.
COLUMN_WIDTHS: tuple[int, ...] = (90, 104, 0, 110, 62, 78)
TITLE_COLUMN = 2
#: The Title column never gets narrower than this while another column could make room for it.
TITLE_MIN_WIDTH = 130
#: Columns that step aside, first to last, when the list is too narrow for them and a readable
#: title (the details pane shows every field of the current event).
OPTIONAL_COLUMNS: tuple[int, ...] = (5, 4, 3, 1)
NO_COORDS_MARK = "⌀ "  # shown before the location of an event that has no point on the map

#: The search runs once typing pauses this long; a long search then streams in on a worker and
#: the next keystroke cancels it, so the pause only saves scans of words half typed.
SEARCH_DEBOUNCE_MS = 100
#: A selection that falls into more separate runs of list rows than this is not mirrored into
#: Qt's selection model (100,000 scattered rows took Qt 10 s to select and 2 s to clear): the
#: list model marks those rows itself (background and text colour from the row mask) instead.
MAX_MIRRORED_RUNS = 2000


class EventTableModel(QAbstractTableModel):
    """Rows are positions in :attr:`order`, a permutation of the model's visible rows."""

    def __init__(self, model: AtlasModel) -> None:
        super().__init__()
        self.atlas = model
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.order: npt.NDArray[np.intp] = model.list_rows
        #: A remote store's list: ``order`` holds the rows read, from list position ``base`` on;
        #: ``tail`` rows after them are known to exist (the server's count) but not read yet.
        #: Rows outside the read stretch show a placeholder and are read when painted: a page
        #: after or before it as the user scrolls, or a jump (one seek) when the scroll bar is
        #: dragged far. 0 and 0 for a file's events (all rows are in ``order``).
        self.base = 0
        self.tail = 0
        self._end_cap: int | None = None
        self._wanted: int | None = None
        self._position: npt.NDArray[np.intp] | None = None
        #: Table rows drawn as selected by the model itself (a selection too scattered for Qt's
        #: selection model), or None when Qt's selection model shows the selection.
        self.marked: npt.NDArray[np.bool_] | None = None
        #: The filter and sort whose rows are streaming in (a long search), while they do.
        self._streaming: tuple[object, int, Qt.SortOrder] | None = None
        model.table_changed.connect(self.reset_rows)
        model.filter_changed.connect(self._on_filter)
        model.filter_extended.connect(self._on_extended)
        model.list_extended.connect(self._rows_appended)
        model.list_refreshed.connect(self._rows_refreshed)
        model.list_jumped.connect(self._segment_changed)
        model.list_total_changed.connect(self._segment_changed)
        model.aggregates_changed.connect(self._segment_changed)
        model.resident_changed.connect(self._rows_rewritten)
        #: True while the list moves its rows for a colleague's publish or delete (the panel
        #: then keeps the event at the top of the view at the top).
        self.refreshing = False

    # ------------------------------------------------------------------ rows
    def reset_rows(self) -> None:
        self._streaming = None
        self.beginResetModel()
        self.order = self._sorted(self.atlas.list_rows)
        self._end_cap = None
        self.base = self.atlas.list_start
        self.tail = self._tail(self.base, self.order)
        self._position = None
        self.endResetModel()

    def _on_filter(self) -> None:
        m = self.atlas
        state = (m.filter, self.sort_column, self.sort_order)
        if m.filter_pending:
            self.reset_rows()  # the first results: a screenful
            self._streaming = state
            return
        if self._streaming == state and len(self.order) == m.visible_count:
            # The search's rows all streamed in, in list order: the list already shows them.
            self._streaming = None
            return
        self.reset_rows()

    def _on_extended(self, rows: npt.NDArray[np.intp]) -> None:
        """More rows of a running search: they come after every row shown, in list order."""
        if self._streaming != (self.atlas.filter, self.sort_column, self.sort_order):
            # Sorted another way meanwhile: the scan still goes in the old order, so each batch
            # re-sorts what has been found so far (and the last one too).
            self.reset_rows()
            return
        n = len(self.order)
        self.beginInsertRows(QModelIndex(), n, n + len(rows) - 1)
        self.order = np.concatenate([self.order, rows])
        self._position = None
        self.endInsertRows()

    def full_order(self) -> npt.NDArray[np.intp] | None:
        """Every table row in the list's order (None: by row), for a search to go in that order."""
        if self.sort_column < 0:
            return None
        return self.atlas.table.sort_order(COLUMNS[self.sort_column][1],
                                           self.sort_order == Qt.SortOrder.DescendingOrder)

    # A remote store's list (atlas/model/remote.py) arrives a page at a time as the user scrolls
    # to its end: Qt asks canFetchMore/fetchMore, the model reads the next keyset page, and the
    # new rows are inserted after the old ones (the scroll position and the selection stay).
    # Once the server's count is known (estimate first, exact later) the list has that many rows
    # and its scroll bar can be dragged anywhere: the rows painted but not read are read then.
    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802
        res = self.atlas.resident
        return not parent.isValid() and res is not None and res.more and self.tail == 0

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: N802
        if parent.isValid():
            return
        try:
            self.atlas.fetch_more()
        except Exception:  # noqa: BLE001 - a lost server: the rows already listed stay
            import logging

            logging.getLogger(__name__).warning("could not read the next page", exc_info=True)

    def _rows_appended(self) -> None:
        self._segment_changed()

    def _tail(self, base: int, order: npt.NDArray[np.intp]) -> int:
        """Rows after the read stretch that the server's count says exist."""
        res = self.atlas.resident
        if res is None or not res.more:
            return 0  # a file's events, or the list is read to its end
        total = self.atlas.list_total
        if total is None:
            return 0  # not counted yet: the list grows a page at a time (canFetchMore)
        if self._end_cap is not None:
            total = min(total, self._end_cap)
        return max(0, total - base - len(order))

    def _segment_changed(self) -> None:
        """The read stretch moved or grew, or the count arrived: rows already shown keep their
        positions (so the selection and scroll position stay); the row count follows the count."""
        if self.atlas.resident is None:
            return
        old = self.rowCount()
        base, order = self.atlas.list_start, self.atlas.list_rows
        tail = self._tail(base, order)
        new = base + len(order) + tail
        if new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
        elif new < old:
            self.beginRemoveRows(QModelIndex(), new, old - 1)
        self.base, self.order, self.tail = base, order, tail
        self._position = None
        if new > old:
            self.endInsertRows()
        elif new < old:
            self.endRemoveRows()
        if new:
            self.dataChanged.emit(self.index(0, 0), self.index(new - 1, len(COLUMNS) - 1))

    def is_read(self, position: int) -> bool:
        """Whether list row ``position`` has its event read (else it shows a placeholder)."""
        return 0 <= position - self.base < len(self.order)

    def _want(self, position: int) -> None:
        """A row painted but not read: read it (and its page) once the paint is over."""
        if self._wanted is None:
            QTimer.singleShot(0, self._read_wanted)
            self._wanted = position
        else:
            self._wanted = min(self._wanted, position)

    def _read_wanted(self) -> None:
        r, self._wanted = self._wanted, None
        res, remote = self.atlas.resident, self.atlas.remote
        if r is None or res is None or remote is None or self.is_read(r):
            return
        page, end = remote.page_size, self.base + len(self.order)
        got = 0
        try:
            if end <= r < end + page and res.more:
                got = self.atlas.fetch_more()  # scrolled just past the end: the next page
            elif self.base - page <= r < self.base:
                got = self.atlas.fetch_before()  # scrolled just above: the page before
            if not got and not self.atlas.jump_to(r):  # dragged far: one seek to row r
                # Nothing there: the estimate was above the truth; the list ends at r.
                self._end_cap = r
                self._segment_changed()
        except Exception:  # noqa: BLE001 - a lost server: the rows already read stay
            import logging

            logging.getLogger(__name__).warning("could not read the list at row %s", r, exc_info=True)

    def _rows_refreshed(self) -> None:
        """A colleague's publish or delete: rows came and went anywhere in the list. One layout
        change that moves every index Qt keeps (the selection, the current row) to its event's
        new place, instead of a reset that would forget them and the scroll position."""
        old, old_base = self.order, self.base
        new = self._sorted(self.atlas.list_rows)
        base = self.atlas.list_start
        self.refreshing = True
        try:
            self.layoutAboutToBeChanged.emit()
            pos = np.full(len(self.atlas.table), -1, dtype=np.intp)
            pos[new] = np.arange(len(new), dtype=np.intp)
            kept = self.persistentIndexList()
            moved = []
            for idx in kept:
                r = idx.row() - old_base
                p = int(pos[old[r]]) if 0 <= r < len(old) and old[r] < len(pos) else -1
                moved.append(self.index(p + base, idx.column()) if p >= 0 else QModelIndex())
            self.order, self.base = new, base
            self.tail = self._tail(base, new)
            self._position = None
            self.changePersistentIndexList(kept, moved)
            self.layoutChanged.emit()
        finally:
            self.refreshing = False

    def _rows_rewritten(self) -> None:
        """Rows kept their positions but their values may have changed (a colleague's edit)."""
        self._position = None
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def _sorted(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        if self.sort_column < 0 or rows.size == 0 or self.atlas.remote is not None:
            # A remote store's list is in the server's order (day, id): a page sorted on its own
            # would pretend to be the whole list's order.
            return rows
        t = self.atlas.table
        field = COLUMNS[self.sort_column][1]
        descending = self.sort_order == Qt.SortOrder.DescendingOrder
        if rows.size * 8 >= len(t):
            # Many rows: the table's whole order (one sort per column, kept) with the others
            # left out is one pass, where a sort of the rows' keys is n log n.
            order = t.sort_order(field, descending)
            keep = np.zeros(len(t), dtype=bool)
            keep[rows] = True
            return order[keep[order]]
        key = t.sort_key(field)[rows]
        if descending:
            key = -key
        return rows[np.argsort(key, kind="stable")]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.sort_column, self.sort_order = column, order
        self.order = self._sorted(self.atlas.list_rows)
        self._position = None
        self.layoutChanged.emit()

    def position_of_rows(self, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        """List positions of table rows (-1 for rows not shown)."""
        if not rows.size:  # no selection: no need to build the million-row position map
            return np.zeros(0, np.intp)
        if self._position is None:
            pos = np.full(len(self.atlas.table), -1, dtype=np.intp)
            pos[self.order] = np.arange(self.base, self.base + len(self.order), dtype=np.intp)
            self._position = pos
        return self._position[rows] if rows.size else np.zeros(0, np.intp)

    def set_marked(self, mask: npt.NDArray[np.bool_] | None) -> None:
        """Draw the rows of ``mask`` as selected (None: leave it to Qt's selection model)."""
        if mask is None and self.marked is None:
            return
        self.marked = mask
        if self.rowCount():
            # The view repaints only the rows on screen, so one range over everything is cheap.
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1),
                                  [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole])

    def row_at(self, position: int) -> int:
        return int(self.order[position - self.base])

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.base + len(self.order) + self.tail

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if not self.is_read(index.row()):
            if role == Qt.ItemDataRole.DisplayRole:
                self._want(index.row())
                return "…" if index.column() == TITLE_COLUMN else ""
            return None
        row = int(self.order[index.row() - self.base])
        field = COLUMNS[index.column()][1]
        t = self.atlas.table
        if role == Qt.ItemDataRole.DisplayRole:
            if field == "event_date":
                d = t.date[row]
                if np.isnat(d):
                    return "undated"
                s = str(d)
                prec = int(t.date_precision[row])
                return s[:7] if prec == 3 else (f"~{s}" if prec == 2 else s)
            val = str(t.value(field, row))
            if field == "location" and not t.has_coords[row]:
                return NO_COORDS_MARK + (val or "no place")
            return val
        if role == Qt.ItemDataRole.ToolTipRole:
            # Plain text only: imported text must never be interpreted as rich text.
            if field == "location" and not t.has_coords[row]:
                return "No coordinates: listed and on the timeline, not on the map."
            if field == "event_date":
                return f"date precision: {DATE_PRECISION_LABELS.get(int(t.date_precision[row]), '?')}"
            return None
        if self.marked is not None and role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) \
                and self.marked[row]:
            pal = QGuiApplication.palette()
            return pal.highlight() if role == Qt.ItemDataRole.BackgroundRole else pal.highlightedText()
        if role == Qt.ItemDataRole.DecorationRole and field == "event_type":
            return QColor(event_type_colour(t.value("event_type", row)))
        if role == Qt.ItemDataRole.ForegroundRole and field == "location" and not t.has_coords[row]:
            return QBrush(QColor("#7a6a50"))
        return None


def count_text(model: AtlasModel) -> str:
    """"N of M events"; a remote store's totals come from the server, "counting…" until then."""
    shown, total = model.shown_count, model.event_total
    if shown is not None and total is not None:
        # A store's stale copy counts the rows it holds, not the store's.
        return f"{shown:,} of {total:,} {'cached ' if model.stale_note else ''}events"
    listed = len(model.list_rows)
    res = model.resident
    more = res is not None and res.more
    return f"{listed:,}{'+' if more else ''} events listed (counting…)"


def visible_columns(width: int) -> list[int]:
    """The columns shown in a list ``width`` pixels wide: every column when the title still gets
    :data:`TITLE_MIN_WIDTH`, else the optional ones step aside in :data:`OPTIONAL_COLUMNS` order."""
    shown = list(range(len(COLUMNS)))
    for col in OPTIONAL_COLUMNS:
        if sum(COLUMN_WIDTHS[c] for c in shown) + TITLE_MIN_WIDTH <= width:
            break
        shown.remove(col)
    return shown


class EventTableView(QTableView):
    """The table; Esc clears the selection (through the model, like every other change). The
    Title column takes the spare width; in a narrow list the optional columns step aside."""

    def __init__(self, atlas: AtlasModel) -> None:
        super().__init__()
        self.atlas = atlas

    def fit_columns(self) -> None:
        shown = set(visible_columns(self.viewport().width()))
        hh = self.horizontalHeader()
        for col in range(hh.count()):
            hh.setSectionHidden(col, col not in shown)

    def resizeEvent(self, ev: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(ev)
        self.fit_columns()

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        if ev.key() == Qt.Key.Key_Escape:
            self.atlas.clear_selection()
            return
        super().keyPressEvent(ev)


class EventListPanel(QWidget):
    """Search box, shown/total count and the table. Writes selection and text filter to the model,
    and follows the model's selection (guarded against echo)."""

    def __init__(self, model: AtlasModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search events (Ctrl+F)")
        self.search.setToolTip("Case-insensitive search over title, notes, place and actors; every word must occur")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.table_model = EventTableModel(model)
        self.view = EventTableView(model)
        self.view.setModel(self.table_model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh = self.view.horizontalHeader()
        hh.setStretchLastSection(False)
        for col, width in enumerate(COLUMN_WIDTHS):
            if col != TITLE_COLUMN:
                self.view.setColumnWidth(col, width)
        hh.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.view)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        # Long searches stream in on a worker, in the list's order; the next keystroke cancels.
        self.runner = SearchRunner(model, self.table_model.full_order, parent=self)
        self.runner.progress.connect(self._on_progress)
        model.filter_extended.connect(lambda _rows: self._update_count())

        self._syncing = False
        self._pulled: tuple[object, object] | None = None
        self.view.selectionModel().selectionChanged.connect(self._push_selection)
        self.view.selectionModel().currentChanged.connect(self._push_selection)
        model.selection_changed.connect(self._pull_selection)
        model.current_changed.connect(self._pull_selection)
        model.table_changed.connect(self._after_reset)
        model.filter_changed.connect(self._after_reset)
        model.aggregates_changed.connect(self._update_count)
        model.list_extended.connect(self._update_count)
        model.list_refreshed.connect(self._update_count)
        self.table_model.modelReset.connect(self._pull_selection)
        self.table_model.layoutChanged.connect(self._pull_selection)
        self._top_event: int | None = None
        self.table_model.layoutAboutToBeChanged.connect(self._remember_top)
        self.table_model.layoutChanged.connect(self._restore_top)
        self._update_count()

    # ------------------------------------------------------------------ search
    def apply_search(self) -> None:
        """Swap the model filter's text term (other terms are kept)."""
        self._debounce.stop()
        q = self.search.text().strip()
        new = Text(q) if q else None
        if find_part(self.atlas.filter, Text) == new and not self.atlas.filter_pending:
            return
        self.runner.apply(replace_part(self.atlas.filter, Text, new))

    def _on_progress(self, scanned: int, total: int) -> None:
        self._progress = (scanned, total)
        self._update_count()

    def _after_reset(self) -> None:
        cur = find_part(self.atlas.filter, Text)
        text = cur.query if isinstance(cur, Text) else ""
        # While the user is typing (the debounce runs), a search finishing for an earlier
        # keystroke must not put its shorter text back into the box.
        if text.strip() != self.search.text().strip() and not self._debounce.isActive():
            self.search.blockSignals(True)
            self.search.setText(text)
            self.search.blockSignals(False)
        self._update_count()

    def _update_count(self) -> None:
        text = count_text(self.atlas)
        scanned, of = getattr(self, "_progress", (0, 0))
        if self.atlas.filter_pending and of:
            text += f" (searching, {100 * scanned // of} %)"
        self.count_label.setText(text)

    # ------------------------------------------------------------------ scroll position
    def _remember_top(self) -> None:
        """Before a colleague's publish moves the rows: which event is at the top of the view."""
        self._top_event = None
        if self.table_model.refreshing:
            p = self.view.rowAt(0)
            if self.table_model.is_read(p):
                self._top_event = self.table_model.row_at(p)

    def _restore_top(self) -> None:
        """After it: the same event at the top, whatever came or went above it."""
        top, self._top_event = self._top_event, None
        if top is None:
            return
        (p,) = self.table_model.position_of_rows(np.array([top], dtype=np.intp))
        if p >= 0:
            self.view.scrollTo(self.table_model.index(int(p), 0), QAbstractItemView.ScrollHint.PositionAtTop)

    # ------------------------------------------------------------------ selection sync
    def _push_selection(self, *_args: object) -> None:
        if self._syncing:
            return
        sm = self.view.selectionModel()
        # Row ranges, not one index per cell: a shift-click over a million rows is one range.
        spans = [np.arange(r.top(), r.bottom() + 1, dtype=np.intp) for r in sm.selection()]
        positions = sorted_unique(np.concatenate(spans)) if spans else np.zeros(0, np.intp)
        tm = self.table_model
        positions = positions[(positions >= tm.base) & (positions < tm.base + len(tm.order))] - tm.base
        self.table_model.set_marked(None)  # the list's own selection is now the selection
        # Rows straight to the model: the list's selection is table rows, no ids in between.
        rows = np.sort(self.table_model.order[positions]) if positions.size else positions
        cur_idx = sm.currentIndex()
        current = -1
        if rows.size and cur_idx.isValid() and self.table_model.is_read(cur_idx.row()):
            crow = int(self.table_model.row_at(cur_idx.row()))
            i = int(np.searchsorted(rows, crow))
            current = crow if i < rows.size and int(rows[i]) == crow else -1
        self._syncing = True
        try:
            self.atlas.select_rows(rows, current=current)
        finally:
            self._syncing = False

    def _pull_selection(self, *_args: object) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            sm = self.view.selectionModel()
            rows = self.atlas.selected_rows()
            # The model says "selection changed" and then "current changed" for one click: the
            # rows are mirrored once (at 10M rows each mirroring is a pass over 100k positions).
            same = self._pulled is not None and self._pulled[0] is rows and self._pulled[1] is self.table_model.order
            self._pulled = (rows, self.table_model.order)
            pos = np.zeros(0, np.intp) if same else self.table_model.position_of_rows(rows)
            pos = sorted_unique(pos[pos >= 0])
            sel = QItemSelection()
            breaks = np.flatnonzero(np.diff(pos) != 1) + 1 if pos.size else np.zeros(0, np.intp)
            if same:
                pass
            elif breaks.size + 1 > MAX_MIRRORED_RUNS:
                sm.clearSelection()
                self.table_model.set_marked(self.atlas.selection_mask())
            else:
                self.table_model.set_marked(None)
                if pos.size:
                    last_col = self.table_model.columnCount() - 1
                    starts = np.concatenate(([0], breaks))
                    ends = np.concatenate((breaks, [pos.size])) - 1
                    for a, b in zip(pos[starts].tolist(), pos[ends].tolist()):
                        sel.select(self.table_model.index(a, 0), self.table_model.index(b, last_col))
                sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            cur_row = self.atlas.current_row()
            if cur_row is not None:
                (p,) = self.table_model.position_of_rows(np.array([cur_row], dtype=np.intp))
                if p >= 0:
                    idx = self.table_model.index(int(p), 0)
                    sm.setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.NoUpdate)
                    self.view.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)
            elif not rows.size:
                sm.clearCurrentIndex()
        finally:
            self._syncing = False
