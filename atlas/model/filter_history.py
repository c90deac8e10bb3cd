"""Undo and redo of filter changes, kept apart from the annotations' undo stack.

The history listens to the model: every filter change, from any control, is recorded (the model's
setter is silent on a no-op, so nothing is recorded twice). Undo and redo write the old value back
through :meth:`AtlasModel.set_filter`, so every view follows as for any other change.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from .atlas_model import AtlasModel
from .filters import Filter, InView

#: Filter states kept for undo; older ones are dropped.
MAX_STEPS = 200


def _view_moved(old: Filter, new: Filter) -> bool:
    """Only the "in view" box followed a pan or zoom: not a step of its own to undo."""
    def split(f: Filter) -> tuple[list[Filter], bool]:
        parts = list(f.parts())
        return [p for p in parts if type(p) is not InView], any(type(p) is InView for p in parts)

    (a, va), (b, vb) = split(old), split(new)
    return va and vb and a == b


class FilterHistory(QObject):
    """Undo/redo stacks of :class:`Filter` values.

    Signals
    -------
    changed()
        Whether undo or redo is possible (or their descriptions) may have changed.
    """

    changed = Signal()

    def __init__(self, model: AtlasModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._undo: list[Filter] = []
        self._redo: list[Filter] = []
        self._current: Filter = model.filter
        self._applying = False
        self._batch_start: Filter | None = None
        model.filter_changed.connect(self._on_filter_changed)

    def _on_filter_changed(self) -> None:
        new = self.model.filter
        if self._applying or new == self._current or self._batch_start is not None or _view_moved(self._current, new):
            self._current = new
            return
        self._undo.append(self._current)
        del self._undo[:-MAX_STEPS]
        self._redo.clear()
        self._current = new
        self.changed.emit()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        return self._undo[-1].describe() if self._undo else ""

    def redo_text(self) -> str:
        return self._redo[-1].describe() if self._redo else ""

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self._current)
        self._apply(self._undo.pop())
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._current)
        self._apply(self._redo.pop())
        return True

    def begin_batch(self) -> None:
        """Coalesce the changes until :meth:`end_batch` into one step (timeline playback)."""
        if self._batch_start is None:
            self._batch_start = self._current

    def end_batch(self) -> None:
        start, self._batch_start = self._batch_start, None
        if start is not None and start != self._current:
            self._undo.append(start)
            del self._undo[:-MAX_STEPS]
            self._redo.clear()
            self.changed.emit()

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self.changed.emit()

    def _apply(self, flt: Filter) -> None:
        self._applying = True
        try:
            self._current = flt
            self.model.set_filter(flt)
        finally:
            self._applying = False
        self.changed.emit()
