"""AtlasModel: the one shared model that the list, the map and every other view write to and
redraw from. Views never call each other (../shared/ARCHITECTURE.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import Enum

import datetime as _dt

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal

from .annotations import Annotation, AnnotationCommand, Annotations
from .filters import All, DateRange, Filter, find_part
from .selection import Selection
from .session import Bookmark, ControlDisplay, ExportSettings, LayerStack, MapStyle, MapView, ViewState
from .table import EventTable


class SelectMode(Enum):
    REPLACE = "replace"
    ADD = "add"
    TOGGLE = "toggle"
    REMOVE = "remove"


class AtlasModel(QObject):
    """Owns the event table, the active filter and the selection.

    Every setter compares with the current value first: a no-op set emits nothing, and each
    signal is emitted only after all derived state (the visible rows) is consistent.

    Signals
    -------
    table_changed()
        A new table was set; rows, filter result and selection were all reset.
    filter_changed()
        The filter (and so :attr:`visible_rows`) changed.
    selection_changed(added, removed)
        Two ``frozenset[str]`` of event ids.
    current_changed(event_id)
        The current event's id, ``""`` for none.
    time_window_changed()
        The timeline's window (:attr:`time_window`, a ``(start, end)`` pair of dates or None).
    annotations_changed()
        The annotations collection changed (:attr:`annotations`; change it through
        :class:`~atlas.model.annotations.AnnotationCommand` values so it can be undone).
    current_annotation_changed(annotation_id)
        The annotation being edited, ``""`` for none.
    layers_changed()
        The map's layer stack (:attr:`layers`: order, visibility, opacity).
    control_changed()
        What the areas-of-control feature shows (:attr:`control`).
    view_changed()
        The map box the user asked for (:attr:`view`).
    bookmarks_changed()
        The named views (:attr:`bookmarks`).
    export_settings_changed()
        The export dialog's choices (:attr:`export_settings`).
    style_changed()
        The basemap's theme and label script (:attr:`style`).

    The last six are the session's :class:`~atlas.model.session.ViewState`, one value per kind
    (atlas/model/session.py); :meth:`view_state` and :meth:`set_view_state` take them as a whole.
    """

    table_changed = Signal()
    filter_changed = Signal()
    selection_changed = Signal(object, object)
    current_changed = Signal(str)
    time_window_changed = Signal()
    annotations_changed = Signal()
    current_annotation_changed = Signal(str)
    layers_changed = Signal()
    control_changed = Signal()
    view_changed = Signal()
    bookmarks_changed = Signal()
    export_settings_changed = Signal()
    style_changed = Signal()

    def __init__(self, table: EventTable | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = table if table is not None else EventTable.empty()
        self._filter: Filter = All()
        self._selection = Selection()
        self._mask: npt.NDArray[np.bool_] = np.ones(len(self._table), dtype=bool)
        self._visible: npt.NDArray[np.intp] = np.arange(len(self._table), dtype=np.intp)
        self._time_window: tuple[_dt.date, _dt.date] | None = None
        self._annotations: Annotations = ()
        self._current_annotation: str | None = None
        self._vs = ViewState()
        self._sources: tuple[str, ...] = ()

    def snapshot(self) -> AtlasModel:
        """This moment's state, detached: a model that shares the (never mutated) table and row
        arrays and nothing else, so a picture can be drawn from it on a worker thread while the
        user goes on changing this one. Nothing is recomputed: taking it costs microseconds."""
        snap = AtlasModel()
        snap._table = self._table
        snap._filter = self._filter
        snap._selection = self._selection
        snap._mask = self._mask
        snap._visible = self._visible
        snap._time_window = self._time_window
        snap._annotations = self._annotations
        snap._current_annotation = self._current_annotation
        snap._vs = self._vs
        snap._sources = self._sources
        return snap

    # ------------------------------------------------------------------ table
    @property
    def table(self) -> EventTable:
        return self._table

    @property
    def sources(self) -> tuple[str, ...]:
        """The files the events were read from (what a workspace records), in loading order."""
        return self._sources

    def set_table(self, table: EventTable, sources: Iterable[str] | None = None) -> None:
        """Replace the events. The filter is kept (re-applied); the selection keeps ids that still
        exist. ``sources`` names the files read (None: the same files, e.g. after removing duplicates)."""
        if sources is not None:
            self._sources = tuple(str(s) for s in sources)
        if table is self._table:
            return
        old_sel = self._selection
        self._table = table
        self._recompute()
        kept = frozenset(i for i in old_sel.ids if table.index_of(i) is not None)
        current = old_sel.current if old_sel.current is not None and table.index_of(old_sel.current) is not None else None
        self._selection = Selection(kept, current)
        self.table_changed.emit()
        added, removed = self._selection.diff(old_sel)
        if removed:
            self.selection_changed.emit(added, removed)
        if current != old_sel.current:
            self.current_changed.emit(current or "")

    # ------------------------------------------------------------------ filter
    @property
    def filter(self) -> Filter:
        return self._filter

    @property
    def visible_mask(self) -> npt.NDArray[np.bool_]:
        return self._mask

    @property
    def visible_rows(self) -> npt.NDArray[np.intp]:
        """Row positions that pass the filter, ascending."""
        return self._visible

    def set_filter(self, flt: Filter) -> None:
        if flt == self._filter:
            return
        # Compute first: a filter that fails (a term naming a column this table lacks) must leave
        # the model exactly as it was, not half-switched.
        mask = np.asarray(flt.mask(self._table), dtype=bool)
        self._filter = flt
        self._mask = mask
        self._visible = np.flatnonzero(mask).astype(np.intp)
        self.filter_changed.emit()

    def _recompute(self) -> None:
        self._mask = np.asarray(self._filter.mask(self._table), dtype=bool)
        self._visible = np.flatnonzero(self._mask).astype(np.intp)

    # ------------------------------------------------------------------ selection
    @property
    def selection(self) -> Selection:
        return self._selection

    @property
    def current_id(self) -> str | None:
        return self._selection.current

    def current_row(self) -> int | None:
        cur = self._selection.current
        return None if cur is None else self._table.index_of(cur)

    def selected_rows(self) -> npt.NDArray[np.intp]:
        return self._table.rows_of(self._selection.ids)

    def set_selection(self, selection: Selection) -> None:
        ids = frozenset(i for i in selection.ids if self._table.index_of(i) is not None)
        cur = selection.current if selection.current is not None and self._table.index_of(selection.current) is not None else None
        new = Selection(ids, cur)
        if new == self._selection:
            return
        old = self._selection
        self._selection = new
        added, removed = new.diff(old)
        if added or removed:
            self.selection_changed.emit(added, removed)
        if new.current != old.current:
            self.current_changed.emit(new.current or "")

    def select(self, ids: Iterable[str], mode: SelectMode = SelectMode.REPLACE, current: str | None = None) -> None:
        """Select ``ids`` (replace, add, toggle or remove); ``current`` defaults to the last id given."""
        ids = list(ids)
        given = frozenset(ids)
        old = self._selection.ids
        if mode is SelectMode.REPLACE:
            new = given
        elif mode is SelectMode.ADD:
            new = old | given
        elif mode is SelectMode.TOGGLE:
            new = old ^ given
        else:
            new = old - given
        if current is None:
            if mode in (SelectMode.REPLACE, SelectMode.ADD) and ids:
                current = ids[-1]
            elif mode is SelectMode.TOGGLE and ids and ids[-1] in new:
                current = ids[-1]
            elif self._selection.current in new:
                current = self._selection.current
            else:
                current = None
        self.set_selection(Selection(new, current))

    def set_current(self, event_id: str | None, extend: bool = False) -> None:
        """Make ``event_id`` current; it becomes the selection unless ``extend`` adds it to it."""
        if event_id is None:
            self.clear_selection()
            return
        self.select([event_id], SelectMode.ADD if extend else SelectMode.REPLACE, current=event_id)

    def clear_selection(self) -> None:
        self.set_selection(Selection())

    # ------------------------------------------------------------------ time window
    @property
    def time_window(self) -> tuple[_dt.date, _dt.date] | None:
        """The dates the timeline shows as "now" (a dragged range or the playback window), both
        inclusive; None when no window is set. Snapshots of control areas read this."""
        return self._time_window

    def set_time_window(self, window: tuple[_dt.date, _dt.date] | None) -> None:
        if window is not None:
            start, end = window
            if end < start:
                start, end = end, start
            window = (start, end)
        if window == self._time_window:
            return
        self._time_window = window
        self.time_window_changed.emit()

    # ------------------------------------------------------------------ annotations
    @property
    def annotations(self) -> Annotations:
        return self._annotations

    def annotation(self, ann_id: str) -> Annotation | None:
        return next((a for a in self._annotations if a.id == ann_id), None)

    def set_annotations(self, annotations: Annotations) -> None:
        """Replace the collection (commands call this for redo and undo)."""
        annotations = tuple(annotations)
        if annotations == self._annotations:
            return
        self._annotations = annotations
        if self._current_annotation is not None and self.annotation(self._current_annotation) is None:
            self._current_annotation = None
            self.annotations_changed.emit()
            self.current_annotation_changed.emit("")
            return
        self.annotations_changed.emit()

    def apply(self, command: AnnotationCommand) -> AnnotationCommand:
        """Apply a command without an undo stack (the CLI, scripts); returns it for later undo."""
        command.redo(self)
        return command

    @property
    def current_annotation(self) -> str | None:
        return self._current_annotation

    def set_current_annotation(self, ann_id: str | None) -> None:
        if ann_id is not None and self.annotation(ann_id) is None:
            ann_id = None
        if ann_id == self._current_annotation:
            return
        self._current_annotation = ann_id
        self.current_annotation_changed.emit(ann_id or "")

    # ------------------------------------------------------------------ the rest of the session
    # Each setter takes a whole new value (they are immutable), compares, stores, emits one signal.
    def view_state(self) -> ViewState:
        return self._vs

    def set_view_state(self, vs: ViewState) -> None:
        """Set every part (a workspace opening); each part that changed emits its own signal."""
        self.set_layers(vs.layers)
        self.set_style(vs.style)
        self.set_control(vs.control)
        self.set_bookmarks(vs.bookmarks)
        self.set_export_settings(vs.export)
        self.set_view(vs.view)

    def _set(self, name: str, value: object, signal: Signal) -> None:
        if getattr(self._vs, name) == value:
            return
        self._vs = dataclasses.replace(self._vs, **{name: value})
        signal.emit()  # type: ignore[attr-defined]

    @property
    def layers(self) -> LayerStack:
        return self._vs.layers

    def set_layers(self, stack: LayerStack) -> None:
        if not isinstance(stack, LayerStack):
            raise TypeError("set_layers takes a LayerStack")
        self._set("layers", stack, self.layers_changed)

    @property
    def control(self) -> ControlDisplay:
        return self._vs.control

    def set_control(self, control: ControlDisplay) -> None:
        if not isinstance(control, ControlDisplay):
            raise TypeError("set_control takes a ControlDisplay")
        self._set("control", control, self.control_changed)

    def control_date(self) -> _dt.date | None:
        """The date the areas of control are drawn for. Following (the default), the areas match
        the events shown: the end of the timeline's window, else the end of the filter's date
        range; else the date the user picked. None: the latest snapshot."""
        c = self._vs.control
        if c.follow:
            if self._time_window is not None:
                return self._time_window[1]
            dr = find_part(self._filter, DateRange)
            if isinstance(dr, DateRange) and dr.end is not None:
                return dr.end
        return c.date

    @property
    def view(self) -> MapView | None:
        return self._vs.view

    def set_view(self, view: MapView | None) -> None:
        if view is not None and not isinstance(view, MapView):
            raise TypeError("set_view takes a MapView or None")
        self._set("view", view, self.view_changed)

    @property
    def bookmarks(self) -> tuple[Bookmark, ...]:
        return self._vs.bookmarks

    def set_bookmarks(self, bookmarks: Iterable[Bookmark]) -> None:
        items = tuple(bookmarks)
        if not all(isinstance(b, Bookmark) for b in items):
            raise TypeError("set_bookmarks takes Bookmark values")
        self._set("bookmarks", items, self.bookmarks_changed)

    @property
    def export_settings(self) -> ExportSettings:
        return self._vs.export

    def set_export_settings(self, settings: ExportSettings) -> None:
        if not isinstance(settings, ExportSettings):
            raise TypeError("set_export_settings takes ExportSettings")
        self._set("export", settings, self.export_settings_changed)

    @property
    def style(self) -> MapStyle:
        return self._vs.style

    def set_style(self, style: MapStyle) -> None:
        if not isinstance(style, MapStyle):
            raise TypeError("set_style takes a MapStyle")
        self._set("style", style, self.style_changed)
