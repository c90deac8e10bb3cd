"""One undo stack: filter changes, layer and control-area changes and annotations share it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QUndoStack

from atlas.model import All, AtlasModel, DateRange, InView, Text, replace_part
from atlas.model.annotations import Annotation, cmd_add
from atlas.model.facets import Facet, replace_facet
from atlas.ui.undo import FilterUndo


def test_undo_redo_walks_back_and_forth(qapp, sample_table) -> None:
    m = AtlasModel(sample_table)
    stack = QUndoStack()
    rec = FilterUndo(m, stack)  # noqa: F841 (kept alive: it has no Qt parent here)
    assert not stack.canUndo() and not stack.canRedo()
    m.set_filter(replace_facet(m.filter, "event_type", Facet("event_type", {"Battles"})))
    m.set_filter(replace_part(m.filter, DateRange, DateRange(dt.date(2025, 3, 1), dt.date(2025, 3, 31))))
    assert sorted(m.table.ids[m.visible_rows]) == ["T-7"]
    stack.undo()
    assert sorted(m.table.ids[m.visible_rows]) == ["T-1", "T-4", "T-7"]
    assert stack.canRedo()
    stack.undo()
    assert m.filter == All() and len(m.visible_rows) == 8
    assert not stack.canUndo()
    stack.redo()
    stack.redo()
    assert sorted(m.table.ids[m.visible_rows]) == ["T-7"]
    # a new change after an undo drops the redo branch
    stack.undo()
    m.set_filter(replace_part(m.filter, Text, Text("Sudzha")))
    assert not stack.canRedo()
    assert stack.undoText().startswith("filter: ")


def test_batch_is_one_step(qapp, sample_table) -> None:
    m = AtlasModel(sample_table)
    stack = QUndoStack()
    h = FilterUndo(m, stack)
    h.begin_batch()
    for day in range(1, 20):
        m.set_filter(DateRange(dt.date(2024, 8, day), dt.date(2024, 8, day + 6)))
    h.end_batch()
    assert stack.count() == 1
    stack.undo()
    assert m.filter == All() and not stack.canUndo()


def test_no_op_change_is_not_recorded(qapp, sample_table) -> None:
    m = AtlasModel(sample_table)
    stack = QUndoStack()
    rec = FilterUndo(m, stack)  # noqa: F841 (kept alive: it has no Qt parent here)
    m.set_filter(Text("x"))
    m.set_filter(Text("x"))
    assert stack.count() == 1


def test_panning_with_in_view_is_not_an_undo_step(qapp, sample_table) -> None:
    m = AtlasModel(sample_table)
    stack = QUndoStack()
    rec = FilterUndo(m, stack)  # noqa: F841 (kept alive: it has no Qt parent here)
    m.set_filter(Text("Sudzha"))
    m.set_filter(Text("Sudzha") & InView(34.0, 50.0, 36.0, 52.0))
    m.set_filter(Text("Sudzha") & InView(35.0, 51.0, 35.5, 51.5))  # the map moved
    m.set_filter(Text("Sudzha") & InView(35.1, 51.1, 35.6, 51.6))
    stack.undo()
    assert m.filter == Text("Sudzha")  # one step back: before "in view" was switched on
    stack.undo()
    assert m.filter == All()


def test_the_window_has_one_stack_for_every_kind_of_change(qtbot) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    stack = win.undo_stack
    assert stack.count() == 0  # setting up the features is no step of the user's
    assert win.feature("annotations").undo_stack is stack
    m = win.model
    m.set_filter(Text("bridge"))
    m.set_layers(m.layers.with_layer("graticule", visible=False))
    m.set_layers(m.layers.with_layer("events", opacity=0.5))  # merges with the layer step before
    win.feature("annotations").push(cmd_add(m.annotations, [Annotation(kind="text", points=((35.2, 51.2),), text="HQ", id="a1")]))
    panel = win.feature("control").panel
    panel.set_date(dt.date(2024, 9, 1))
    assert [stack.text(i) for i in range(stack.count())][:2] == ["filter: " + Text("bridge").describe(), "map layers"]
    assert stack.count() == 4
    undo, _redo = win.undo_actions()
    undo.trigger()  # the control date
    assert m.control.date is None and m.control.follow
    undo.trigger()  # the annotation
    assert m.annotations == ()
    undo.trigger()  # both layer changes
    assert m.layers.get("graticule") is None or m.layers.get("graticule").visible
    assert win.canvas.scene_layers.graticule.visible
    undo.trigger()
    assert m.filter == All()
