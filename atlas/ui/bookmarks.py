"""Bookmarks: named map views the user can add, rename, delete and go to; kept in QSettings.

The bookmarks are a plain list of dicts ``{name, lon1, lat1, lon2, lat2}`` (``window.bookmarks``);
the store mutates that one list in place, so a workspace can read it and hand back a new one with
:meth:`BookmarkStore.replace`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SETTINGS_KEY = "map/bookmarks"

#: The starting set (first run, or after the user deletes the stored list entirely).
DEFAULT_BOOKMARKS: tuple[dict[str, Any], ...] = (
    {"name": "Sudzha", "lon1": 35.10, "lat1": 51.11, "lon2": 35.44, "lat2": 51.27},
    {"name": "Korenevo", "lon1": 34.75, "lat1": 51.33, "lon2": 35.07, "lat2": 51.49},
    {"name": "Glushkovo–Tetkino (Seym)", "lon1": 34.15, "lat1": 51.20, "lon2": 34.80, "lat2": 51.46},
    {"name": "Kursk NPP at Kurchatov", "lon1": 35.50, "lat1": 51.62, "lon2": 35.75, "lat2": 51.72},
    {"name": "Sumy", "lon1": 34.65, "lat1": 50.85, "lon2": 34.95, "lat2": 50.99},
)


def valid_bookmark(b: Any) -> dict[str, Any] | None:
    """A clean copy of ``b`` if it is a usable bookmark, else None (bad settings never crash)."""
    if not isinstance(b, dict):
        return None
    try:
        out = {"name": str(b["name"]).strip()}
        for k in ("lon1", "lat1", "lon2", "lat2"):
            v = float(b[k])
            if not math.isfinite(v):
                return None
            out[k] = v
    except (KeyError, TypeError, ValueError):
        return None
    if not out["name"] or not (-180 <= out["lon1"] <= 180 and -180 <= out["lon2"] <= 180
                               and -85 <= out["lat1"] <= 85 and -85 <= out["lat2"] <= 85):
        return None
    if out["lon1"] == out["lon2"] or out["lat1"] == out["lat2"]:
        return None
    return out


class BookmarkStore(QObject):
    """The bookmarks and their persistence.

    Signals
    -------
    changed()
        After any add, rename, delete or replace.
    """

    changed = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.items: list[dict[str, Any]] = []
        self.load()

    def load(self) -> None:
        raw = self.settings.value(SETTINGS_KEY)
        items: list[dict[str, Any]] = []
        if raw is None:
            items = [dict(b) for b in DEFAULT_BOOKMARKS]
        else:
            try:
                data = json.loads(str(raw))
            except (ValueError, TypeError):
                data = []
            if isinstance(data, list):
                items = [c for c in (valid_bookmark(b) for b in data) if c is not None]
        self.items[:] = items

    def save(self) -> None:
        self.settings.setValue(SETTINGS_KEY, json.dumps(self.items, ensure_ascii=False))
        self.settings.sync()

    def _commit(self) -> None:
        self.save()
        self.changed.emit()

    def unique_name(self, name: str) -> str:
        names = {b["name"] for b in self.items}
        if name not in names:
            return name
        k = 2
        while f"{name} ({k})" in names:
            k += 1
        return f"{name} ({k})"

    def add(self, name: str, lon1: float, lat1: float, lon2: float, lat2: float) -> dict[str, Any]:
        b = valid_bookmark({"name": name, "lon1": lon1, "lat1": lat1, "lon2": lon2, "lat2": lat2})
        if b is None:
            raise ValueError(f"not a usable bookmark: {name!r} {lon1},{lat1},{lon2},{lat2}")
        b["name"] = self.unique_name(b["name"])
        self.items.append(b)
        self._commit()
        return b

    def rename(self, index: int, name: str) -> None:
        name = name.strip()
        if not name or not 0 <= index < len(self.items) or self.items[index]["name"] == name:
            return
        self.items[index]["name"] = self.unique_name(name)
        self._commit()

    def delete(self, index: int) -> None:
        if 0 <= index < len(self.items):
            del self.items[index]
            self._commit()

    def replace(self, bookmarks: list[dict[str, Any]]) -> None:
        """Take a whole list (a workspace being opened); invalid entries are dropped."""
        self.items[:] = [c for c in (valid_bookmark(b) for b in bookmarks) if c is not None]
        self._commit()


class BookmarksPanel(QWidget):
    """The list of bookmarks with Add / Rename / Delete; activating one goes there."""

    def __init__(self, store: BookmarkStore, go: Callable[[dict[str, Any]], None],
                 current_view: Callable[[], tuple[float, float, float, float]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.go = go
        self.current_view = current_view
        self.list = QListWidget()
        self.list.setToolTip("Double-click or Enter goes to the bookmarked view")
        self.btn_add = QPushButton("Add")
        self.btn_add.setToolTip("Bookmark the current view (Ctrl+Shift+B)")
        self.btn_rename = QPushButton("Rename")
        self.btn_delete = QPushButton("Delete")
        buttons = QHBoxLayout()
        for b in (self.btn_add, self.btn_rename, self.btn_delete):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        lay.addLayout(buttons)
        self.list.itemActivated.connect(self._activated)
        self.list.itemChanged.connect(self._edited)
        self.btn_add.clicked.connect(lambda: self.add_current())
        self.btn_rename.clicked.connect(self.rename_current)
        self.btn_delete.clicked.connect(self.delete_current)
        store.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.list.blockSignals(True)
        row = self.list.currentRow()
        self.list.clear()
        for b in self.store.items:
            item = QListWidgetItem(b["name"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))
        self.list.blockSignals(False)

    def _activated(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.store.items):
            self.go(self.store.items[row])

    def _edited(self, item: QListWidgetItem) -> None:
        # In-place edit (F2 or double-click on the selected item) renames.
        self.store.rename(self.list.row(item), item.text())

    def add_current(self, name: str | None = None) -> dict[str, Any] | None:
        if name is None:
            name, ok = QInputDialog.getText(self, "Add bookmark", "Name of this view:", text="View")
            if not ok:
                return None
        lon1, lat1, lon2, lat2 = self.current_view()
        b = self.store.add(name or "View", lon1, lat1, lon2, lat2)
        self.list.setCurrentRow(self.list.count() - 1)
        return b

    def rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def delete_current(self) -> None:
        self.store.delete(self.list.currentRow())
