"""The event list follows the model's selection: a few runs of rows through Qt's selection model,
a scattered selection of thousands of runs marked by the list model itself (Qt took seconds)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from atlas.bench import synthetic_columns
from atlas.model import AtlasModel, EventTable
from atlas.ui.event_list import MAX_MIRRORED_RUNS, EventListPanel


def _panel(qtbot, n: int) -> tuple[AtlasModel, EventListPanel]:
    model = AtlasModel(EventTable.from_columns(n, synthetic_columns(n)))
    panel = EventListPanel(model)
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    return model, panel


def _background(panel: EventListPanel, position: int) -> object:
    return panel.table_model.data(panel.table_model.index(position, 0), Qt.ItemDataRole.BackgroundRole)


def test_a_few_runs_go_through_qts_selection_model(qtbot) -> None:
    model, panel = _panel(qtbot, 200)
    model.select_rows(np.r_[3:8, 50:60])
    sm = panel.view.selectionModel()
    assert sorted({i.row() for i in sm.selectedIndexes()}) == [*range(3, 8), *range(50, 60)]
    assert panel.table_model.marked is None
    assert _background(panel, 3) is None


def test_a_scattered_selection_is_marked_by_the_list_model(qtbot) -> None:
    n = 4 * (MAX_MIRRORED_RUNS + 10)
    model, panel = _panel(qtbot, n)
    rows = np.arange(0, n, 2)  # every other row: n/2 separate runs
    model.select_rows(rows)
    sm = panel.view.selectionModel()
    assert not sm.hasSelection()
    marked = panel.table_model.marked
    assert marked is not None and np.array_equal(np.flatnonzero(marked), rows)
    assert _background(panel, 0) is not None and _background(panel, 1) is None
    model.clear_selection()
    assert panel.table_model.marked is None and _background(panel, 0) is None


def test_a_click_in_the_list_replaces_a_marked_selection(qtbot) -> None:
    n = 4 * (MAX_MIRRORED_RUNS + 10)
    model, panel = _panel(qtbot, n)
    model.select_rows(np.arange(0, n, 2))
    panel.view.selectRow(5)
    assert panel.table_model.marked is None
    assert model.selected_rows().tolist() == [int(panel.table_model.order[5])]
