"""Go to a place: a search box over the basemap's settlements (Latin or Cyrillic, any spelling).

Typing lists matches (atlas.geo.gazetteer folds Суджа / Sudzha / Sudja together); Enter, or a
double-click on a match, flies the map there. Lives in a toolbar-like dock, Ctrl+G focuses it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from atlas.geo.basemap_data import BasemapError
from atlas.geo.gazetteer import NO_POINT_NOTE, Gazetteer, Match, Place

ROLE_PLACE = Qt.ItemDataRole.UserRole + 1


class GazetteerBox(QWidget):
    """A line edit and the list of matching places.

    ``go(place)`` is called with the chosen :class:`Place` (the installer flies the canvas there)."""

    def __init__(self, gazetteer: Gazetteer | None, go: Callable[[Place], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gazetteer = gazetteer
        self.go = go
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Go to place… (Суджа, Sudzha, Sudja)")
        self.edit.setClearButtonEnabled(True)
        self.edit.setToolTip("Type a place name in Latin or Cyrillic; Enter flies the map there (Ctrl+G)")
        self.results = QListWidget()
        self.results.setUniformItemSizes(True)
        self.results.setMaximumHeight(160)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet("color: #666;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.edit)
        lay.addWidget(self.results)
        lay.addWidget(self.status)
        self.edit.textChanged.connect(self.update_matches)
        self.edit.returnPressed.connect(self.activate_current)
        self.results.itemActivated.connect(lambda item: self._go_item(item))
        self.edit.installEventFilter(self)
        if gazetteer is None:
            self.edit.setEnabled(False)
            self.status.setText("No place names: the basemap data could not be read.")

    def update_matches(self, text: str | None = None) -> list[Match]:
        text = self.edit.text() if text is None else text
        self.results.clear()
        if self.gazetteer is None or not text.strip():
            self.status.setText("")
            return []
        matches = self.gazetteer.search(text)
        for m in matches:
            item = QListWidgetItem(m.place.label)
            item.setData(ROLE_PLACE, m.place)
            self.results.addItem(item)
        if matches:
            self.results.setCurrentRow(0)
            self.status.setText(f"{len(matches)} match{'es' if len(matches) != 1 else ''}; Enter goes to the highlighted one")
        else:
            self.status.setText(f"No place called “{text.strip()}” in the basemap")
        return matches

    def activate_current(self) -> Place | None:
        item = self.results.currentItem()
        if item is None and self.results.count():
            item = self.results.item(0)
        if item is None:
            return None
        return self._go_item(item)

    def _go_item(self, item: QListWidgetItem) -> Place | None:
        place = item.data(ROLE_PLACE)
        if not isinstance(place, Place):
            return None
        if not place.has_point:
            # Known by name only (events name it): say so rather than fly to a guessed point.
            self.status.setText(f"{place.name}: {NO_POINT_NOTE}, so the map cannot go there")
            return place
        self.go(place)
        return place

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        # Up/Down in the line edit move through the matches without leaving the box.
        if obj is self.edit and ev.type() == QEvent.Type.KeyPress and isinstance(ev, QKeyEvent):
            if ev.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
                row = self.results.currentRow() + (1 if ev.key() == Qt.Key.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, row)))
                return True
        return super().eventFilter(obj, ev)


def load_gazetteer() -> Gazetteer | None:
    try:
        return Gazetteer.from_basemap()
    except BasemapError:
        return None
