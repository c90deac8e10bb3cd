"""Bookmarks: named map views the user can add, rename, delete and go to.

The bookmarks are session state: ``model.bookmarks``, a tuple of
:class:`~atlas.model.session.Bookmark` values. :class:`BookmarkStore` is the commands (add, rename,
delete, replace) that send a new tuple to the model, and the user's standing list in QSettings,
written whenever the model's bookmarks change. ``items`` shows them as plain dicts
``{name, lon1, lat1, lon2, lat2}`` for the panel and for scripts.
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

from atlas.model import AtlasModel
from atlas.model.session import DEFAULT_BOOKMARKS as _DEFAULTS
from atlas.model.session import Bookmark, MapView

SETTINGS_KEY = "map/bookmarks"

#: The starting set (first run, or after the user deletes the stored list entirely).
DEFAULT_BOOKMARKS: tuple[dict[str, Any], ...] = tuple(
    {"name": b.name, "lon1": b.view.lon1, "lat1": b.view.lat1, "lon2": b.view.lon2, "lat2": b.view.lat2}
    for b in _DEFAULTS)


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


def to_bookmark(d: dict[str, Any]) -> Bookmark | None:
    """A dict as a Bookmark value (corners in any order), or None when it is not usable."""
    c = valid_bookmark(d)
    if c is None:
        return None
    lon1, lon2 = sorted((c["lon1"], c["lon2"]))
    lat1, lat2 = sorted((c["lat1"], c["lat2"]))
    try:
        return Bookmark(c["name"], MapView(lon1, lat1, lon2, lat2))
    except ValueError:
        return None


def as_dict(b: Bookmark) -> dict[str, Any]:
    v = b.view
    return {"name": b.name, "lon1": v.lon1, "lat1": v.lat1, "lon2": v.lon2, "lat2": v.lat2}


class BookmarkStore(QObject):
    """Commands on ``model.bookmarks`` and the standing list in QSettings.

    Signals
    -------
    changed()
        The model's bookmarks changed (by this store, a workspace or anything else).
    """

    changed = Signal()

    def __init__(self, model: AtlasModel, settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings if settings is not None else QSettings()
        self.load()
        model.bookmarks_changed.connect(self._model_changed)

    @property
    def items(self) -> list[dict[str, Any]]:
        return [as_dict(b) for b in self.model.bookmarks]

    def load(self) -> None:
        """The user's standing list from QSettings into the model (the defaults on a first run)."""
        raw = self.settings.value(SETTINGS_KEY)
        if raw is None:
            self.model.set_bookmarks(_DEFAULTS)
            return
        try:
            data = json.loads(str(raw))
        except (ValueError, TypeError):
            data = []
        items = [to_bookmark(b) for b in data] if isinstance(data, list) else []
        self.model.set_bookmarks(b for b in items if b is not None)

    def save(self) -> None:
        self.settings.setValue(SETTINGS_KEY, json.dumps(self.items, ensure_ascii=False))
        self.settings.sync()

    def _model_changed(self) -> None:
        self.save()
        self.changed.emit()

    def unique_name(self, name: str) -> str:
        names = {b.name for b in self.model.bookmarks}
        if name not in names:
            return name
        k = 2
        while f"{name} ({k})" in names:
            k += 1
        return f"{name} ({k})"

    def add(self, name: str, lon1: float, lat1: float, lon2: float, lat2: float) -> dict[str, Any]:
        b = to_bookmark({"name": name, "lon1": lon1, "lat1": lat1, "lon2": lon2, "lat2": lat2})
        if b is None:
            raise ValueError(f"not a usable bookmark: {name!r} {lon1},{lat1},{lon2},{lat2}")
        b = Bookmark(self.unique_name(b.name), b.view)
        self.model.set_bookmarks((*self.model.bookmarks, b))
        return as_dict(b)

    def rename(self, index: int, name: str) -> None:
        name = name.strip()
        items = list(self.model.bookmarks)
        if not name or not 0 <= index < len(items) or items[index].name == name:
            return
        items[index] = Bookmark(self.unique_name(name), items[index].view)
        self.model.set_bookmarks(items)

    def delete(self, index: int) -> None:
        items = list(self.model.bookmarks)
        if 0 <= index < len(items):
            del items[index]
            self.model.set_bookmarks(items)

    def replace(self, bookmarks: list[dict[str, Any]]) -> None:
        """Take a whole list; invalid entries are dropped."""
        items = [to_bookmark(b) for b in bookmarks]
        self.model.set_bookmarks(b for b in items if b is not None)


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
        for b in self.store.model.bookmarks:
            item = QListWidgetItem(b.name)
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
