"""One facet of the filters dock: its values with live counts, multi-select, search, only/clear.

The widget holds no filter state of its own: it shows the model's term for its facet (checked
values, mode) and the counts the filters dock gives it, and reports the user's edits through
:attr:`FacetList.edited` for the dock to write into the model.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from atlas.model.facets import MODE_LABELS, MODES, MULTI_VALUED, Facet

from .details_panel import plain_tooltip

NONE_LABEL = "(none)"
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1


class FacetList(QWidget):
    """Checkable values of one facet.

    Signals
    -------
    edited(values, mode)
        The user changed the chosen values (a ``frozenset[str]``; empty means no term) or the mode.
    """

    edited = Signal(object, str)

    def __init__(self, field: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.title = title
        self._values: tuple[str, ...] = ()
        self._syncing = False

        self.search = QLineEdit()
        self.search.setPlaceholderText(f"Search {title.lower()}…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_search)
        self.mode = QComboBox()
        for m in MODES:
            if m == "all" and field not in MULTI_VALUED:
                continue  # one value per event: "all of two types" would match nothing
            self.mode.addItem(MODE_LABELS[m], m)
        self.mode.setToolTip("How the ticked values combine with each other and the other filters")
        self.mode.currentIndexChanged.connect(self._emit)
        self.only_btn = QToolButton()
        self.only_btn.setText("Only this")
        self.only_btn.setToolTip("Keep only the highlighted value (or double-click a value)")
        self.only_btn.clicked.connect(self.only_current)
        self.clear_btn = QToolButton()
        self.clear_btn.setText("Clear")
        self.clear_btn.setToolTip(f"Remove the {title.lower()} filter")
        self.clear_btn.clicked.connect(self.clear)

        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.list.itemChanged.connect(self._emit)
        self.list.itemDoubleClicked.connect(lambda it: self.only(str(it.data(VALUE_ROLE))))

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.only_btn)
        top.addWidget(self.clear_btn)
        row2 = QHBoxLayout()
        row2.setContentsMargins(0, 0, 0, 0)
        lbl = QLabel("Match")
        row2.addWidget(lbl)
        row2.addWidget(self.mode, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addLayout(row2)
        lay.addWidget(self.list, 1)

    # ------------------------------------------------------------------ content
    def set_values(self, values: Iterable[str], order_counts: npt.NDArray[np.int64] | None = None) -> None:
        """The facet's vocabulary (a new table). ``order_counts`` (per value, then "(none)") orders
        the list by frequency over the whole table, which then stays put while filters change."""
        vals = list(values) + [""]
        if order_counts is not None and len(order_counts) == len(vals):
            order = sorted(range(len(vals)), key=lambda i: (-int(order_counts[i]), vals[i].casefold()))
            order = [i for i in order if order_counts[i] > 0 or vals[i]]
        else:
            order = list(range(len(vals)))
        self._syncing = True
        try:
            self.list.clear()
            self._index: dict[str, QListWidgetItem] = {}
            self._pos = np.array(order, dtype=np.intp)
            for i in order:
                v = vals[i]
                it = QListWidgetItem(v or NONE_LABEL)
                it.setData(VALUE_ROLE, v)
                it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
                it.setCheckState(Qt.CheckState.Unchecked)
                # Imported text: Qt would render a value like "<b>x</b>" as rich text in a tooltip.
                it.setToolTip(plain_tooltip(v) if v else "Events without a value")
                self.list.addItem(it)
                self._index[v] = it
            self._values = tuple(vals)
        finally:
            self._syncing = False
        self._apply_search(self.search.text())

    def set_counts(self, counts: npt.NDArray[np.int64]) -> None:
        """Live counts (per value, then "(none)"), given the other active filters."""
        self._syncing = True
        try:
            grey = QBrush(QColor("#8a8a8a"))
            normal = QBrush()
            for i, pos in enumerate(self._pos.tolist()):
                it = self.list.item(i)
                c = int(counts[pos]) if pos < len(counts) else 0
                v = self._values[pos]
                it.setText(f"{v or NONE_LABEL}  ({c:,})")
                it.setForeground(grey if c == 0 else normal)
        finally:
            self._syncing = False

    def count_of(self, value: str) -> int | None:
        it = self._index.get(value)
        if it is None:
            return None
        text = it.text()
        return int(text.rsplit("(", 1)[1].rstrip(")").replace(",", "")) if "(" in text else None

    def show_term(self, term: Facet | None) -> None:
        """Reflect the model's term: ticks and mode (never emits)."""
        chosen = term.values if term is not None else frozenset()
        self._syncing = True
        try:
            for v, it in self._index.items():
                want = Qt.CheckState.Checked if v in chosen else Qt.CheckState.Unchecked
                if it.checkState() != want:
                    it.setCheckState(want)
            mode = term.mode if term is not None else "any"
            i = self.mode.findData(mode)
            if i >= 0:
                self.mode.setCurrentIndex(i)
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ edits
    def checked(self) -> frozenset[str]:
        return frozenset(v for v, it in self._index.items() if it.checkState() == Qt.CheckState.Checked)

    def current_mode(self) -> str:
        return str(self.mode.currentData() or "any")

    def _emit(self, *_args: object) -> None:
        if not self._syncing:
            self.edited.emit(self.checked(), self.current_mode())

    def only(self, value: str) -> None:
        self.edited.emit(frozenset([value]), self.current_mode())

    def only_current(self) -> None:
        it = self.list.currentItem()
        if it is not None:
            self.only(str(it.data(VALUE_ROLE)))

    def toggle(self, value: str) -> None:
        vals = set(self.checked())
        vals ^= {value}
        self.edited.emit(frozenset(vals), self.current_mode())

    def clear(self) -> None:
        self.edited.emit(frozenset(), self.current_mode())

    def _apply_search(self, text: str) -> None:
        q = text.strip().casefold()
        for i in range(self.list.count()):
            it = self.list.item(i)
            v = str(it.data(VALUE_ROLE)) or NONE_LABEL
            it.setHidden(bool(q) and q not in v.casefold())
