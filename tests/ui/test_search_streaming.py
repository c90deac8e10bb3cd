"""The search box on a table too big to search at once: the first results come from the GUI
thread, the rest stream in from a worker in the list's order, the next keystroke cancels the
scan, and what is shown in the end is exactly what a synchronous search gives."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from atlas.bench import synthetic_columns
from atlas.model import All, AtlasModel, Categories, EventTable, Text, replace_part
from atlas.model import search_scan as S
from atlas.model.filters import forget_search_terms
from atlas.ui.event_list import EventListPanel


@pytest.fixture(scope="module")
def table() -> EventTable:
    t = EventTable.from_columns(40_000, synthetic_columns(40_000, seed=5))
    t.search_column()  # built, as after a load's warm-up
    return t


@pytest.fixture
def panel(qtbot, table: EventTable, monkeypatch: pytest.MonkeyPatch) -> EventListPanel:
    # Small chunks and no synchronous shortcut: every search of this table streams.
    monkeypatch.setattr(S, "FIRST_CHUNK_ROWS", 200)
    monkeypatch.setattr(S, "CHUNK_ROWS", 500)
    forget_search_terms(table)
    p = EventListPanel(AtlasModel(table))
    p.runner.sync_rows = 0
    p.runner.first_screen_rows = 20
    qtbot.addWidget(p)
    p.resize(700, 500)
    p.show()
    return p


def finish(qtbot, p: EventListPanel) -> None:
    qtbot.waitUntil(lambda: not p.runner.running, timeout=20_000)


def assert_shows(p: EventListPanel, flt: object) -> None:
    """Model and list hold exactly the synchronous answer, in the order a fresh sort gives."""
    m = p.atlas
    want = flt.mask(m.table)
    assert m.filter == flt and not m.filter_pending
    assert np.array_equal(m.visible_mask, want)
    assert np.array_equal(m.visible_rows, np.flatnonzero(want))
    assert np.array_equal(p.table_model.order, p.table_model._sorted(np.flatnonzero(want)))
    assert p.count_label.text() == f"{int(want.sum()):,} of {len(m.table):,} events"


def test_first_results_then_the_rest_streamed(qtbot, panel: EventListPanel) -> None:
    m = panel.atlas
    extended: list[np.ndarray] = []
    m.filter_extended.connect(extended.append)
    flt = Text("sudzha")
    panel.runner.apply(flt)
    # Right after the call: the filter is in, with a first screenful in list order.
    assert m.filter == flt and m.filter_pending
    assert 20 <= len(panel.table_model.order) < int(flt.mask(m.table).sum())
    assert "searching" in panel.count_label.text()
    finish(qtbot, panel)
    assert extended  # the rest came in batches
    assert_shows(panel, flt)


def test_typing_fast_cancels_older_scans(qtbot, panel: EventListPanel) -> None:
    m = panel.atlas
    tokens = []
    for q in ("s", "su", "sud", "sudz", "sudzh", "sudzha", "sudzha k"):
        panel.runner.apply(replace_part(m.filter, Text, Text(q)))
        tokens.append(panel.runner._token)
    live = [t for t in tokens if t is not None]
    assert live and all(t.cancelled for t in live[:-1])
    finish(qtbot, panel)
    assert_shows(panel, Text("sudzha k"))


def test_keystrokes_in_the_box_end_with_the_synchronous_answer(qtbot, panel: EventListPanel) -> None:
    panel.search.setFocus()
    qtbot.keyClicks(panel.search, "korenevo")
    qtbot.waitUntil(lambda: panel.atlas.filter == Text("korenevo"), timeout=5000)
    qtbot.keyClick(panel.search, Qt.Key.Key_Backspace)
    qtbot.keyClicks(panel.search, "o shelling")
    qtbot.waitUntil(lambda: panel.atlas.filter == Text("korenevo shelling"), timeout=5000)
    finish(qtbot, panel)
    assert_shows(panel, Text("korenevo shelling"))


def test_sorted_list_streams_in_its_own_order(qtbot, panel: EventListPanel) -> None:
    panel.view.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # by title, Z to A
    flt = Categories("event_type", {"Battles", "Riots"}) & Text("kursk")
    panel.runner.apply(flt)
    assert panel.atlas.filter_pending
    finish(qtbot, panel)
    assert_shows(panel, flt)
    titles = [str(panel.atlas.table.text["title"][r]).casefold() for r in panel.table_model.order[:200]]
    assert titles == sorted(titles, reverse=True)


def test_sorting_while_streaming_still_ends_sorted(qtbot, panel: EventListPanel) -> None:
    flt = Text("bridge")
    panel.runner.apply(flt)
    assert panel.atlas.filter_pending
    panel.view.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # by location, mid-scan
    finish(qtbot, panel)
    assert_shows(panel, flt)


def test_another_filter_cancels_the_scan(qtbot, panel: EventListPanel) -> None:
    m = panel.atlas
    panel.runner.apply(Text("sudzha"))
    token = panel.runner._token
    assert token is not None
    m.set_filter(All())  # "Clear all filters" while the search runs
    assert token.cancelled and not panel.runner.running
    panel.runner.wait(5000)
    qtbot.wait(50)  # any batch the worker had queued is delivered (and must be dropped)
    assert_shows(panel, All())


def test_no_wait_for_a_search_column_still_being_built(qtbot, panel: EventListPanel) -> None:
    t = panel.atlas.table
    with t._search_lock:  # the load's warm-up thread is building it
        saved, t._search = t._search, None
        try:
            panel.runner.apply(Text("sudzha"))  # must return without the column
            assert panel.atlas.filter_pending and panel.atlas.visible_count == 0
        finally:
            t._search = saved
    finish(qtbot, panel)
    assert_shows(panel, Text("sudzha"))
