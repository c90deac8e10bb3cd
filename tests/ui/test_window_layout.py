"""The first-start window at a laptop's 1280×800 and a desktop's 1920×1080: the map is the main
view, the toolbars fit, the Filters dock is not cut off and the event list's Title column takes
the spare width."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget, QScrollArea, QToolBar, QToolButton

from atlas.ui.event_list import COLUMN_WIDTHS, TITLE_COLUMN, TITLE_MIN_WIDTH, visible_columns
from atlas.ui.main_window import MIN_SIDE_DOCK_WIDTH, MainWindow


def first_start_window(qtbot, width: int, height: int) -> MainWindow:
    s = QSettings()
    s.remove("window/geometry")
    s.remove("window/state")  # no saved layout: the first-start one
    s.sync()
    win = MainWindow()
    qtbot.addWidget(win)
    win.load_bundled()
    win.resize(width, height)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(150)  # the default layout is applied once the window has its size
    return win


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_map_is_the_main_view(qtbot, size: tuple[int, int]) -> None:
    width, height = size
    win = first_start_window(qtbot, width, height)
    assert win.size().toTuple() == size
    map_box = win.centralWidget().geometry()
    assert map_box.width() >= width / 2, f"map {map_box.width()} of {width} px wide"
    assert map_box.height() >= height * 2 / 3, f"map {map_box.height()} of {height} px high"

    # The toolbars fit: no "»" overflow button on any of them.
    for bar in win.findChildren(QToolBar):
        if bar.isVisible():
            ext = [b for b in bar.findChildren(QToolButton) if b.objectName() == "qt_toolbar_ext_button"]
            assert not any(b.isVisible() for b in ext), f"{bar.objectName()} overflows into »"

    # Secondary docks are tabbed or hidden: no two visible side docks share the left column side by
    # side, and every visible left dock is one tab of the same stack (same geometry).
    left = [d for d in win.findChildren(QDockWidget)
            if d.isVisible() and win.dockWidgetArea(d).name == "LeftDockWidgetArea"]
    shown_left = [d for d in left if d.visibleRegion().boundingRect().width() > 0]
    assert len(shown_left) == 1, [d.objectName() for d in shown_left]
    assert shown_left[0].windowTitle() == "Filters"

    # The Filters dock is never cut off: its scroll area scrolls down only and its content gets
    # at least its narrowest layout's width.
    filters = shown_left[0]
    area = filters.widget()
    assert isinstance(area, QScrollArea)
    assert area.horizontalScrollBar().maximum() == 0
    panel = area.widget()
    assert panel.width() >= panel.minimumSizeHint().width()
    # Side docks keep a sensible minimum width.
    for d in win.findChildren(QDockWidget):
        if win.dockWidgetArea(d).name in ("LeftDockWidgetArea", "RightDockWidgetArea"):
            assert d.minimumWidth() >= MIN_SIDE_DOCK_WIDTH

    # The Title column takes the spare width: the visible columns fill the list exactly, and the
    # title is the widest of them and at least TITLE_MIN_WIDTH.
    view = win.event_list.view
    hh = view.horizontalHeader()
    shown = [c for c in range(hh.count()) if not hh.isSectionHidden(c)]
    assert TITLE_COLUMN in shown and 0 in shown
    assert sum(hh.sectionSize(c) for c in shown) == view.viewport().width()
    title = hh.sectionSize(TITLE_COLUMN)
    assert title >= TITLE_MIN_WIDTH
    assert title == max(hh.sectionSize(c) for c in shown)
    if width >= 1920:
        assert shown == list(range(hh.count())), "a desktop-wide list shows every column"
    win.close()


def test_columns_step_aside_in_order_and_come_back() -> None:
    every = list(range(len(COLUMN_WIDTHS)))
    assert visible_columns(2000) == every
    narrow = visible_columns(sum(COLUMN_WIDTHS) + TITLE_MIN_WIDTH - 1)
    assert narrow == [0, 1, 2, 3, 4]  # Confidence goes first
    assert visible_columns(100) == [0, 2]  # date and title always stay
    widths = [visible_columns(w) for w in range(100, 800, 10)]
    assert all(set(a) <= set(b) for a, b in zip(widths, widths[1:]))  # wider never shows fewer


def test_the_status_bar_keeps_room_for_the_import_message(qtbot) -> None:
    """At 1280 px the attribution took all but "Loaded 120 events, … from" of the message: it now
    takes at most 45 % of the bar, naming every source (licences in its tooltip)."""
    win = first_start_window(qtbot, 1280, 800)
    bar = win.statusBar()
    label = win.attribution_label
    assert label.width() <= 0.45 * bar.width() + 1
    for name in ("Kursk Atlas dataset", "OpenStreetMap", "Natural Earth", "GeoNames", "GSHHG"):
        assert name in label.text()
    assert "ODbL" in label.toolTip()
    msg = "Loaded 120 events, 6 Aug 2024 – 30 Apr 2025, from kursk_2024_25.geojson"
    assert bar.fontMetrics().horizontalAdvance(msg) < bar.width() - label.width() - 20
    narrow = label.text()
    # A wide window says more (the licences come back as the room allows).
    win.resize(1920, 1080)
    qtbot.wait(100)
    assert len(label.text()) > len(narrow) and "(CC BY 4.0)" in label.text()
