"""The timeline: histogram counts, range drag → date filter, double-click clears, playback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from atlas.model import AtlasModel, DateRange, find_part
from atlas.ui.timeline import DAY_S, Bins, TimelinePanel, day_number, stacked_counts


@pytest.fixture
def panel(qtbot, sample_table) -> TimelinePanel:
    m = AtlasModel(sample_table)
    p = TimelinePanel(m)
    qtbot.addWidget(p)
    p.resize(1000, 220)
    p.show()
    qtbot.waitExposed(p)
    return p


def ids(p: TimelinePanel) -> list[str]:
    return sorted(str(i) for i in p.atlas.table.ids[p.atlas.visible_rows])


def test_bins_follow_the_span() -> None:
    d = day_number(dt.date(2024, 8, 6))
    assert Bins.for_span(d, d + 100).unit == "day"
    assert Bins.for_span(d, d + 300).unit == "week"
    assert Bins.for_span(d, d + 2000).unit == "month"
    b = Bins.for_span(d, d + 300)
    assert np.datetime64(int(b.edges[0]), "D").astype(object).weekday() == 0  # weeks start on Monday
    days = np.array([d, d, d + 7, d + 300], dtype=np.int64)
    c = stacked_counts(b, days, np.array([0, 1, 1, -1], np.int32), 2)
    assert c.sum() == 4 and c[:, 2].sum() == 1 and c[0, 0] == 1


def test_histogram_counts_filtered_events_by_type(qtbot, panel) -> None:
    assert panel.bins is not None and panel.bins.unit == "week"
    assert int(panel.counts.sum()) == 8
    panel.atlas.set_filter(DateRange(dt.date(2025, 1, 1), None))
    assert int(panel.counts.sum()) == 4
    # with a date term, the events it leaves out show as grey context (drawn just after)
    qtbot.waitUntil(lambda: panel.context is not None, timeout=2000)
    assert panel.context is not None and int(panel.context.sum()) == 8
    assert len(panel.bar_items) == 3  # Battles, Political, Strategic in 2025


def drag(qtbot, panel: TimelinePanel, d0: dt.date, d1: dt.date) -> None:
    vb = panel.vb
    view = panel.plot

    def to_widget(d: dt.date) -> QPoint:
        scene = vb.mapViewToScene(QPointF((day_number(d) + 0.5) * DAY_S, 0.5))
        return view.mapFromScene(scene)

    a, b = to_widget(d0), to_widget(d1)
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for t in np.linspace(0, 1, 8):
        QTest.mouseMove(vp, QPoint(int(a.x() + (b.x() - a.x()) * t), a.y()))
        qtbot.wait(5)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def double_click(widget, pos: QPoint) -> None:
    """What a real double-click delivers: press, release, double-click (no second press), release."""
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    gpos = widget.mapToGlobal(pos)
    ev = QMouseEvent(QMouseEvent.Type.MouseButtonDblClick, QPointF(pos), QPointF(gpos), Qt.MouseButton.LeftButton,
                     Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def test_dragging_a_range_sets_the_date_filter_and_double_click_clears(qtbot, panel) -> None:
    panel.vb.setXRange(day_number(dt.date(2025, 2, 20)) * DAY_S, day_number(dt.date(2025, 3, 25)) * DAY_S, padding=0)
    qtbot.wait(20)
    drag(qtbot, panel, dt.date(2025, 3, 2), dt.date(2025, 3, 12))
    term = find_part(panel.atlas.filter, DateRange)
    assert isinstance(term, DateRange)
    # a pixel or so of slack at each end
    assert abs((term.start - dt.date(2025, 3, 2)).days) <= 1 and abs((term.end - dt.date(2025, 3, 12)).days) <= 1
    assert ids(panel) == ["T-5", "T-6"]
    assert panel.atlas.time_window == (term.start, term.end)
    assert panel.region.isVisible()
    # moving the range (setting it as the item does) applies on release
    a, b = day_number(dt.date(2025, 3, 10)), day_number(dt.date(2025, 3, 13)) + 1
    panel.region.setRegion((a * DAY_S, b * DAY_S))
    panel.region.sigRegionChangeFinished.emit(panel.region)
    assert find_part(panel.atlas.filter, DateRange) == DateRange(dt.date(2025, 3, 10), dt.date(2025, 3, 13))
    assert ids(panel) == ["T-6", "T-7", "T-8"]
    # double-click clears
    pos = panel.plot.mapFromScene(panel.vb.mapViewToScene(QPointF(day_number(dt.date(2025, 3, 1)) * DAY_S, 0.5)))
    double_click(panel.plot.viewport(), pos)
    qtbot.waitUntil(lambda: find_part(panel.atlas.filter, DateRange) is None, timeout=2000)
    assert len(ids(panel)) == 8 and panel.atlas.time_window is None


def test_keys_step_and_playback_moves_the_window(qtbot, panel) -> None:
    panel.length.setValue(7)
    panel.set_range(dt.date(2025, 3, 1), dt.date(2025, 3, 7))
    panel.setFocus()
    QTest.keyClick(panel, Qt.Key.Key_Right)
    assert panel.atlas.time_window == (dt.date(2025, 3, 2), dt.date(2025, 3, 8))
    QTest.keyClick(panel, Qt.Key.Key_Left)
    assert panel.atlas.time_window == (dt.date(2025, 3, 1), dt.date(2025, 3, 7))
    QTest.keyClick(panel, Qt.Key.Key_Space)
    assert panel.playing
    QTest.keyClick(panel, Qt.Key.Key_Space)
    assert not panel.playing
    panel.speed.setCurrentIndex(panel.speed.findData(30))
    panel.play()
    qtbot.waitUntil(lambda: not panel.playing, timeout=5000)  # stops at the last day of the data
    start, end = panel.atlas.time_window
    assert end == dt.date(2025, 3, 13) and (end - start).days == 6  # sliding: the length is kept
    assert ids(panel) == ["T-6", "T-7", "T-8"]
    start, end = dt.date(2025, 3, 1), dt.date(2025, 3, 5)
    panel.set_range(start, end)
    # cumulative: the start stays, the end grows
    panel.mode.setCurrentIndex(panel.mode.findData("cumulative"))
    panel.step(3)
    assert panel.atlas.time_window == (start, end + dt.timedelta(days=3))


def test_selected_events_are_marked(panel) -> None:
    panel.atlas.select(["T-1", "T-7"])
    xs, _ = panel.sel_item.getData()
    assert sorted(int(x // DAY_S) for x in xs) == [day_number(dt.date(2024, 8, 6)), day_number(dt.date(2025, 3, 13))]
