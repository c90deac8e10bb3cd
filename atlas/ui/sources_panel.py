"""The Sources dock: one checkbox per loaded file (the ``dataset`` column), each a source of its own.

Unticking a source sets a ``Categories("dataset", ticked)`` term in the model's filter; with every
source ticked the term is removed. The panel owns exactly that term (other terms are left alone)
and follows the model: a filter set elsewhere (a restored workspace) re-ticks the boxes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from atlas.model import AtlasModel, Categories, Filter
from atlas.model.filters import All, And


def dataset_term(flt: Filter) -> Categories | None:
    for p in flt.parts():
        if type(p) is Categories and p.field == "dataset":
            return p
    return None


def with_dataset_term(flt: Filter, term: Categories | None) -> Filter:
    """``flt`` with its dataset term replaced (or removed when ``term`` is None)."""
    kept = [p for p in flt.parts() if not (type(p) is Categories and p.field == "dataset")]
    if term is not None:
        kept.append(term)
    if not kept:
        return All()
    return kept[0] if len(kept) == 1 else And(tuple(kept))


class SourcesPanel(QWidget):
    def __init__(self, model: AtlasModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.list = QListWidget()
        self.list.setObjectName("sources_list")
        self.list.setToolTip("Each loaded file is a source; untick one to hide its events")
        self.all_button = QPushButton("Show all")
        self.all_button.clicked.connect(self.show_all)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.all_button)
        lay.addLayout(row)
        self._syncing = False
        self.list.itemChanged.connect(self._on_item_changed)
        model.table_changed.connect(self.rebuild)
        model.filter_changed.connect(self._sync_from_filter)
        self.rebuild()

    def datasets(self) -> list[str]:
        return list(self.atlas.table.categorical["dataset"].categories) if len(self.atlas.table) else []

    def rebuild(self) -> None:
        counts = self.atlas.table.counts("dataset") if len(self.atlas.table) else {}
        self._syncing = True
        try:
            self.list.clear()
            for name in self.datasets():
                item = QListWidgetItem(f"{name}  ({counts.get(name, 0):,})")
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.list.addItem(item)
        finally:
            self._syncing = False
        self._sync_from_filter()

    def checked(self) -> frozenset[str]:
        out = set()
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.add(str(it.data(Qt.ItemDataRole.UserRole)))
        return frozenset(out)

    def set_checked(self, name: str, on: bool) -> None:
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(Qt.ItemDataRole.UserRole) == name:
                it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def show_all(self) -> None:
        self.atlas.set_filter(with_dataset_term(self.atlas.filter, None))

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        if self._syncing:
            return
        ticked = self.checked()
        term = None if ticked == frozenset(self.datasets()) else Categories("dataset", ticked)
        self.atlas.set_filter(with_dataset_term(self.atlas.filter, term))

    def _sync_from_filter(self) -> None:
        term = dataset_term(self.atlas.filter)
        wanted = set(self.datasets()) if term is None else set(term.values)
        self._syncing = True
        try:
            for i in range(self.list.count()):
                it = self.list.item(i)
                on = it.data(Qt.ItemDataRole.UserRole) in wanted
                state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
                if it.checkState() != state:
                    it.setCheckState(state)
        finally:
            self._syncing = False
