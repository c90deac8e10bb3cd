"""Session changes on the window's one undo stack.

A recorder listens to one part of the model's state (the filter, the map's layer stack, the
areas-of-control display) and puts every change, from any control, on the shared
:class:`QUndoStack` as a :class:`StateChange` (the same stack annotations push their commands on,
so Ctrl+Z undoes the last thing done, whatever it was). The model's setters are silent on a
no-op, so nothing is recorded twice. Undo and redo write the old value back through the model's
setter, so every view follows as for any other change.

The filter's recorder leaves out the "in view" box following a pan (no step of its own) and makes
a timeline playback one step; layer and control changes in a row merge into one step (dragging an
opacity slider is one change, not a hundred).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtGui import QUndoCommand, QUndoStack

from atlas.model import AtlasModel, Filter, InView

#: Commands kept for undo (all kinds together); older ones are dropped.
UNDO_LIMIT = 200


def _view_moved(old: Filter, new: Filter) -> bool:
    """Only the "in view" box followed a pan or zoom: not a step of its own to undo."""
    def split(f: Filter) -> tuple[list[Filter], bool]:
        parts = list(f.parts())
        return [p for p in parts if type(p) is not InView], any(type(p) is InView for p in parts)

    (a, va), (b, vb) = split(old), split(new)
    return va and vb and a == b


class StateChange(QUndoCommand):
    """One change of a state value: ``old`` → ``new``. Pushed after the change happened, so its
    first redo (which QUndoStack.push calls) does nothing."""

    def __init__(self, recorder: StateUndo, old: Any, new: Any) -> None:
        super().__init__(recorder.describe(new))
        self.recorder, self.old, self.new = recorder, old, new
        self._done = True

    def id(self) -> int:  # noqa: A003 (Qt's name)
        return self.recorder.merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, StateChange) or other.recorder is not self.recorder:
            return False
        self.new = other.new
        self.setText(other.text())
        return True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.recorder.apply(self.new)

    def undo(self) -> None:
        self.recorder.apply(self.old)


class StateUndo(QObject):
    """Records one part of the model's state on ``stack``.

    ``merge_id`` ≥ 0 merges consecutive changes of this part into one step; -1 keeps each."""

    def __init__(self, stack: QUndoStack, get: Callable[[], Any], set_: Callable[[Any], None],
                 changed: SignalInstance, describe: Callable[[Any], str], merge_id: int = -1,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack, self.get, self.set, self.describe, self.merge_id = stack, get, set_, describe, merge_id
        self._current = get()
        self._applying = False
        self._batch_start: Any = None
        self._batching = False
        changed.connect(self._on_changed)

    def skip(self, old: Any, new: Any) -> bool:
        """Changes that are no step of their own (subclasses)."""
        return False

    def _on_changed(self) -> None:
        new = self.get()
        if self._applying or new == self._current or self._batching or self.skip(self._current, new):
            self._current = new
            return
        old, self._current = self._current, new
        self.stack.push(StateChange(self, old, new))

    def begin_batch(self) -> None:
        """Coalesce the changes until :meth:`end_batch` into one step (timeline playback)."""
        if not self._batching:
            self._batching, self._batch_start = True, self._current

    def end_batch(self) -> None:
        if not self._batching:
            return
        start, self._batching, self._batch_start = self._batch_start, False, None
        if start != self._current:
            self.stack.push(StateChange(self, start, self._current))

    def apply(self, value: Any) -> None:
        self._applying = True
        try:
            self._current = value
            self.set(value)
        finally:
            self._applying = False


class FilterUndo(StateUndo):
    """The model's filter on the undo stack."""

    def __init__(self, model: AtlasModel, stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(stack, lambda: model.filter, model.set_filter, model.filter_changed,
                         lambda f: f"filter: {f.describe() or 'all events'}", -1, parent)
        self.model = model

    def skip(self, old: Any, new: Any) -> bool:
        return _view_moved(old, new)


def record_session_changes(model: AtlasModel, stack: QUndoStack, parent: QObject | None = None) -> list[StateUndo]:
    """The layer stack, the areas-of-control display (each a merging step) and the file layers on the undo stack."""
    return [
        StateUndo(stack, lambda: model.layers, model.set_layers, model.layers_changed,
                  lambda _v: "map layers", 1, parent),
        StateUndo(stack, lambda: model.control, model.set_control, model.control_changed,
                  lambda _v: "areas of control", 2, parent),
        # Adding, removing, restyling a file layer: each its own step (no merging: undoing a
        # colour must not also remove the layer added just before).
        StateUndo(stack, lambda: model.file_layers, model.set_file_layers, model.file_layers_changed,
                  lambda _v: "basemap layers from files", -1, parent),
    ]
