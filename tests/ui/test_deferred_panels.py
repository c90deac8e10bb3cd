"""What the window leaves out of its first paint (issue 15: startup ≤ 1 s) appears with the model's
state as soon as the user can see it: the areas-of-control chart, a hidden tab at startup, is made
and drawn when its dock is shown (or its curves are read), and follows changes made while hidden."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from atlas.control.claims import area_claims
from atlas.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _first_start_layout():
    """Each test starts from the first-start layout (no saved window state) and leaves none."""
    QSettings().remove("window")
    yield
    QSettings().remove("window")


def _window(qtbot) -> MainWindow:
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.load_bundled()
    QApplication.processEvents()
    return win


def _n_claims(panel) -> int:
    return sum(len(item.data) for item in panel.plot.claim_items)


def test_control_chart_is_drawn_when_its_hidden_tab_is_shown(qtbot) -> None:
    win = _window(qtbot)
    feature = win.feature("control")
    panel = feature.panel
    assert panel.visibleRegion().isEmpty()  # a tab behind Details at startup
    assert panel._plot is None and panel.chart_title.text() == ""  # nothing of the chart made yet
    feature.dock.raise_()
    qtbot.waitUntil(lambda: not panel.visibleRegion().isEmpty(), timeout=3000)
    # shown: the chart is there, drawn from the model (the bundled dataset's dated claims)
    assert panel._plot is not None
    assert panel.plot.isVisibleTo(panel) and panel.plot.parent() is panel._chart_slot  # in its place
    claims = area_claims(win.model.table)
    assert len(claims) >= 8 and _n_claims(panel) == len(claims)
    assert panel.chart_title.text().startswith("Area held by Ukraine")


def test_control_chart_follows_the_model_while_hidden(qtbot) -> None:
    win = _window(qtbot)
    feature = win.feature("control")
    panel = feature.panel
    feature.dock.raise_()
    qtbot.waitUntil(lambda: not panel._chart_stale, timeout=3000)
    before = _n_claims(panel)
    win.findChild(type(feature.dock), "details_dock").raise_()  # the chart's tab hidden again
    qtbot.waitUntil(lambda: panel.visibleRegion().isEmpty(), timeout=3000)
    # while hidden the events change (fewer claims) and a date is chosen: nothing is drawn now ...
    table = win.model.table
    win.model.set_table(table.take(np.flatnonzero(np.isnan(table.claim_area_km2))))
    win.model.set_control(dataclasses.replace(win.model.control, date=dt.date(2025, 1, 5), follow=False))
    assert panel._chart_stale
    # ... and everything is drawn when it is shown again
    feature.dock.raise_()
    qtbot.waitUntil(lambda: not panel._chart_stale, timeout=3000)
    assert not panel.visibleRegion().isEmpty()
    assert before > 0 and _n_claims(panel) == len(area_claims(win.model.table)) == 0
    assert panel.plot.cursor_line.value() == panel.plot.cursor_line.value()  # (a number)
    assert abs(panel.plot.cursor_line.value() - dt.datetime(2025, 1, 5, 12, tzinfo=dt.timezone.utc).timestamp()) < 86400


def test_reading_the_curves_draws_a_chart_never_shown(qtbot) -> None:
    win = MainWindow()  # never shown: a script or a test reading the chart
    qtbot.addWidget(win)
    win.load_bundled()
    panel = win.feature("control").panel
    assert panel._chart_stale
    assert sum(len(i.data) for i in panel.claim_items) == len(area_claims(win.model.table)) >= 8


def test_a_saved_layout_with_the_chart_in_front_shows_it_drawn_at_startup(qtbot) -> None:
    """The layout the user left (the areas-of-control tab in front) opens with the chart drawn."""
    first = _window(qtbot)
    first.feature("control").dock.raise_()
    qtbot.waitUntil(lambda: not first.feature("control").panel._chart_stale, timeout=3000)
    first.close()  # (saves the layout)
    again = _window(qtbot)
    panel = again.feature("control").panel
    qtbot.waitUntil(lambda: not panel._chart_stale, timeout=3000)
    assert not panel.visibleRegion().isEmpty()
    assert _n_claims(panel) == len(area_claims(again.model.table)) >= 8


def test_first_start_stacks_the_tabs_before_the_window_is_shown(qtbot) -> None:
    """The first-start layout's tab stacks exist before the first paint, so panels behind a tab
    (legend, sources, areas of control) are never laid out on screen for it."""
    win = MainWindow()
    qtbot.addWidget(win)
    docks = {d.objectName(): d for d in win.findChildren(type(win.list_dock))}
    assert set(win.tabifiedDockWidgets(docks["filters_dock"])) >= {docks["legend_dock"], docks["sources_dock"]}
    assert docks["control_dock"] in win.tabifiedDockWidgets(docks["details_dock"])
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    QApplication.processEvents()
    for name in ("legend_dock", "sources_dock", "control_dock"):
        assert docks[name].visibleRegion().isEmpty(), name
    for name in ("filters_dock", "details_dock", "events_dock", "timeline_dock"):
        assert not docks[name].visibleRegion().isEmpty(), name


def test_a_first_start_window_closed_before_it_was_shown_keeps_no_layout(qtbot) -> None:
    """Its tabs are stacked but never sized: saving that would open the next start with unsized
    docks. A window that was shown (and sized) keeps its layout as before."""
    unshown = MainWindow()
    qtbot.addWidget(unshown)
    unshown.close()
    assert QSettings().value("window/state") is None
    shown = _window(qtbot)
    qtbot.waitUntil(lambda: not shown._sizing_pending, timeout=3000)
    shown.close()
    assert QSettings().value("window/state") is not None
