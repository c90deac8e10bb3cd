"""The filters dock, the summary chips and filter undo in the real window (pytest-qt)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPointF, Qt

from atlas.model import AtlasModel, DateRange, InView, find_part
from atlas.model.facets import Area, Facet, find_facet
from atlas.ui.facet_list import VALUE_ROLE
from atlas.ui.main_window import MainWindow


@pytest.fixture
def win(qtbot, sample_file):
    w = MainWindow(AtlasModel())
    qtbot.addWidget(w)
    w.resize(1500, 900)
    w.show()
    qtbot.waitExposed(w)
    assert w.load_files([sample_file])
    qtbot.waitUntil(lambda: not w.canvas.animating, timeout=2000)
    return w


def ids(w: MainWindow) -> list[str]:
    return sorted(str(i) for i in w.model.table.ids[w.model.visible_rows])


def item(fl, value):
    return next(fl.list.item(i) for i in range(fl.list.count()) if fl.list.item(i).data(VALUE_ROLE) == value)


def test_ticking_a_facet_filters_and_counts_follow_the_other_filters(qtbot, win) -> None:
    f = win.feature("workflow").filters
    types = f.facets["event_type"]
    item(types, "Battles").setCheckState(Qt.CheckState.Checked)
    assert ids(win) == ["T-1", "T-4", "T-7"]
    assert win.event_list.table_model.rowCount() == 3
    # the event-type counts ignore the event-type term itself...
    f.toolbox.setCurrentWidget(types)
    qtbot.waitUntil(lambda: types.count_of("Strategic developments") == 2)
    assert types.count_of("Battles") == 3
    # ...but follow the other terms: Russian side only
    f.set_facet("side", frozenset({"Russia"}))
    f.update_counts()
    assert types.count_of("Battles") == 2 and types.count_of("Political developments") == 1
    assert ids(win) == ["T-4", "T-7"]
    # the side facet counts follow the type term
    f.toolbox.setCurrentWidget(f.facets["side"])
    assert f.facets["side"].count_of("Ukraine") == 1 and f.facets["side"].count_of("Russia") == 2


def test_facet_search_only_this_clear_and_exclude(qtbot, win) -> None:
    f = win.feature("workflow").filters
    types = f.facets["event_type"]
    types.search.setText("strat")
    visible = [types.list.item(i).data(VALUE_ROLE) for i in range(types.list.count()) if not types.list.item(i).isHidden()]
    assert visible == ["Strategic developments"]
    types.search.clear()
    types.list.setCurrentItem(item(types, "Political developments"))
    qtbot.mouseClick(types.only_btn, Qt.MouseButton.LeftButton)
    assert ids(win) == ["T-5", "T-8"]
    assert item(types, "Political developments").checkState() == Qt.CheckState.Checked
    types.mode.setCurrentIndex(types.mode.findData("none"))
    assert find_facet(win.model.filter, "event_type") == Facet("event_type", {"Political developments"}, "none")
    assert "T-5" not in ids(win) and len(ids(win)) == 6
    qtbot.mouseClick(types.clear_btn, Qt.MouseButton.LeftButton)
    assert len(ids(win)) == 8 and find_facet(win.model.filter, "event_type") is None


def test_outlet_and_district_facets_exist(win) -> None:
    f = win.feature("workflow").filters
    assert f.facets["outlet"].list.count() == 0  # built when first opened
    f.toolbox.setCurrentWidget(f.facets["outlet"])
    assert [f.facets["outlet"].list.item(i).data(VALUE_ROLE) for i in range(f.facets["outlet"].list.count())][0] == "Test Outlet"
    f.set_facet("outlet", frozenset({"Test Outlet"}))
    assert len(ids(win)) == 8


def test_date_edit_sets_the_date_term(qtbot, win) -> None:
    f = win.feature("workflow").filters
    f.date_from.setDate(dt.date(2025, 3, 1))
    f.date_to.setDate(dt.date(2025, 3, 13))
    assert find_part(win.model.filter, DateRange) is None  # not applied until "Dates" is ticked
    f.date_on.setChecked(True)
    assert find_part(win.model.filter, DateRange) == DateRange(dt.date(2025, 3, 1), dt.date(2025, 3, 13))
    assert ids(win) == ["T-5", "T-6", "T-7", "T-8"]
    assert win.model.time_window == (dt.date(2025, 3, 1), dt.date(2025, 3, 13))
    # typed, section by section as Qt's date edits take keys: the end becomes 12 Mar 2025
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDateTimeEdit

    f.date_to.setSelectedSection(QDateTimeEdit.Section.DaySection)
    QTest.keyClicks(f.date_to, "12")
    QTest.keyClick(f.date_to, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: find_part(win.model.filter, DateRange) == DateRange(dt.date(2025, 3, 1), dt.date(2025, 3, 12)), timeout=2000)
    assert ids(win) == ["T-5", "T-6"]


def test_summary_chips_remove_their_own_term_and_undo_brings_it_back(qtbot, win) -> None:
    f = win.feature("workflow").filters
    f.set_facet("event_type", frozenset({"Battles", "Strategic developments"}))
    win.feature("workflow").timeline.set_range(dt.date(2024, 8, 6), dt.date(2024, 8, 31))
    summary = win.feature("workflow").summary
    assert summary.text() == "2 of 8 events · Battles, Strategic developments · 6–31 Aug 2024"
    chip = next(c for c in summary.chips if c.property("label") == "6–31 Aug 2024")
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert find_part(win.model.filter, DateRange) is None
    assert summary.text() == "5 of 8 events · Battles, Strategic developments"
    assert win.model.time_window is None
    # Edit ▸ Undo (Ctrl+Z, the window's one stack) brings the date back; redo removes it again
    undo, redo = win.undo_actions()
    assert "filter" in undo.text()
    undo.trigger()
    assert summary.text().endswith("6–31 Aug 2024")
    redo.trigger()
    assert summary.text() == "5 of 8 events · Battles, Strategic developments"
    assert undo.shortcut().toString() == "Ctrl+Z"
    assert redo.shortcut().toString() == "Ctrl+Shift+Z"


def test_in_view_follows_the_map(qtbot, win) -> None:
    win.canvas.set_view_lonlat(35.15, 51.12, 35.4, 51.26)  # around Sudzha
    win.feature("workflow").act_in_view.trigger()
    term = find_part(win.model.filter, InView)
    assert term is not None
    # the view's real bounds (the locked aspect widens one side, by the dock layout)
    lon0, lat0, lon1, lat1 = win.canvas.map_viewport().lonlat_bounds()
    t = win.model.table
    inside = sorted(str(t.ids[i]) for i in range(len(t)) if lon0 <= t.lon[i] <= lon1 and lat0 <= t.lat[i] <= lat1)
    assert ids(win) == inside
    assert {"T-1", "T-2", "T-7"} <= set(inside) and "T-6" not in inside
    assert "in view" in win.feature("workflow").summary.text()
    win.canvas.set_view_lonlat(34.4, 51.2, 34.8, 51.5)  # Glushkovo
    # (how far east the view reaches depends on the map's shape, so the expected ids come from it)
    lon0, lat0, lon1, lat1 = win.canvas.map_viewport().lonlat_bounds()
    inside = sorted(str(t.ids[i]) for i in range(len(t)) if lon0 <= t.lon[i] <= lon1 and lat0 <= t.lat[i] <= lat1)
    assert "T-3" in inside and "T-1" not in inside
    qtbot.waitUntil(lambda: ids(win) == inside, timeout=3000)


def test_rectangle_tool_draws_an_area_filter(qtbot, win) -> None:
    from atlas.map.select_tools import RectangleTool

    win.canvas.set_view_lonlat(34.3, 50.9, 36.5, 51.9)
    win.feature("workflow").draw_area("rectangle")
    tool = win.canvas.tool
    assert isinstance(tool, RectangleTool)
    vp = win.canvas.map_viewport()
    (x0, x1), (y0, y1) = vp.lonlat_to_px([35.0, 35.5], [51.4, 51.0])

    class Drag:
        def __init__(self, px, py, start=False, finish=False):
            self._pos = win.canvas.mapToScene(int(px), int(py))
            self._start, self._finish = start, finish

        def button(self):
            return Qt.MouseButton.LeftButton

        def scenePos(self):  # noqa: N802
            return QPointF(self._pos)

        def isStart(self):  # noqa: N802
            return self._start

        def isFinish(self):  # noqa: N802
            return self._finish

    tool.drag(win.canvas, Drag(x0, y0, start=True))
    tool.drag(win.canvas, Drag((x0 + x1) / 2, (y0 + y1) / 2))
    tool.drag(win.canvas, Drag(x1, y1, finish=True))
    area = find_part(win.model.filter, Area)
    assert isinstance(area, Area)
    assert ids(win) == ["T-1", "T-2", "T-7"]
    assert type(win.canvas.tool).__name__ == "StackPickTool"  # back to picking


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")  # offscreen pop-ups
def test_click_on_a_stack_lists_its_events(qtbot, win) -> None:
    from atlas.map.select_tools import StackPickTool

    win.canvas.reset_tool()  # what other features do when their own tool is done
    tool = win.canvas.tool
    assert isinstance(tool, StackPickTool)
    win.canvas.set_view_lonlat(35.0, 51.0, 35.6, 51.4)
    qtbot.wait(20)
    vp = win.canvas.map_viewport()
    (x,), (y,) = vp.lonlat_to_px([35.2706], [51.1914])  # T-1, T-2 and T-7 share Sudzha's point
    qtbot.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPointF(x, y).toPoint())
    assert win.model.current_id in {"T-1", "T-2", "T-7"}
    # a left click spreads the stack out (tests/map/test_spiderfy_canvas.py); a right click lists it
    assert tool.menu is None and win.canvas.scene_layers.stacks.opened is not None
    qtbot.mouseClick(win.canvas.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, QPointF(x, y).toPoint())
    menu = tool.menu
    assert menu is not None
    acts = [a for a in menu.actions() if a.data()]
    assert sorted(a.data() for a in acts) == ["T-1", "T-2", "T-7"]
    assert any("Russian MoD claims recapture of Sudzha" in a.text() for a in acts)
    pick = next(a for a in acts if a.data() == "T-7")
    pick.trigger()
    assert win.model.current_id == "T-7" and win.model.selection.ids == {"T-7"}
    menu.close()


def test_imported_markup_is_never_rendered_in_facets_legend_or_stack(qtbot, win) -> None:
    from atlas.model import EventTable

    hostile = "<b>Bold</b> & <i>co</i>"
    win.model.set_table(EventTable.from_records([
        {"event_id": "x1", "event_type": hostile, "actor1": hostile, "title": "<img src=x> t", "longitude": 35.0, "latitude": 51.0},
        {"event_id": "x2", "event_type": "Battles", "actor1": "A", "title": "plain", "longitude": 35.0, "latitude": 51.0},
    ]))
    fl = win.feature("workflow").filters.ensure_facet("actor")
    it = item(fl, hostile)
    assert it.text().startswith(hostile)  # item text is plain
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in it.toolTip() and "<b>" not in it.toolTip()
    legend = win.feature("workflow").legend.item_for(hostile)
    assert legend is not None and legend.text().startswith(hostile)
    chips = win.feature("workflow").summary
    win.feature("workflow").filters.set_facet("actor", frozenset({hostile}))
    assert any(c.text().startswith(hostile.replace("&", "&&")) for c in chips.chips)  # never rich; & escaped


def test_legend_click_toggles_a_type(qtbot, win) -> None:
    legend = win.feature("workflow").legend
    it = legend.item_for("Battles")
    assert it.text().split()[-3:] == ["3", "/", "3"]
    r = legend.types.visualItemRect(it)
    qtbot.mouseClick(legend.types.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, r.center())
    assert "T-1" not in ids(win) and len(ids(win)) == 5
    term = find_facet(win.model.filter, "event_type")
    assert term is not None and "Battles" not in term.values
    assert legend.item_for("Battles").text().split()[-3:] == ["0", "/", "3"]  # hidden: 0 shown of 3
    it = legend.item_for("Battles")
    qtbot.mouseClick(legend.types.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, legend.types.visualItemRect(it).center())
    assert find_facet(win.model.filter, "event_type") is None and len(ids(win)) == 8


@pytest.mark.qt_log_ignore("does not support raise")
def test_every_workflow_action_has_a_shortcut_listed_in_help(qtbot, win) -> None:
    from PySide6.QtWidgets import QMessageBox

    wf = win.feature("workflow")
    acts = [*win.undo_actions(), wf.act_clear_filters, wf.act_in_view, wf.act_rect, wf.act_lasso, wf.act_clear_area,
            wf.act_copy_event, wf.act_play, wf.act_step_fwd, wf.act_step_back, wf.act_clear_dates, wf.act_focus_tl,
            *wf.density_actions.values()]
    assert all(not a.shortcut().isEmpty() for a in acts)
    win.show_shortcuts()
    box = next(b for b in win.findChildren(QMessageBox) if b.windowTitle() == "Keyboard shortcuts")
    text = box.text()
    for needle in ("Ctrl+Z", "Undo", "Space", "Play / pause timeline", "Filter by lasso", "Copy event as text"):
        assert needle in text
    box.close()


def test_lasso_outline_becomes_a_valid_lonlat_polygon(qtbot, win) -> None:
    from atlas.geo.projection import lonlat_to_merc
    from atlas.map.select_tools import LassoTool

    got = []
    tool = LassoTool(lambda g, label: got.append((g, label)))
    # a figure-eight (crosses itself) around Sudzha and Glushkovo
    lon = [34.5, 35.5, 35.5, 34.5]
    lat = [51.0, 51.4, 51.0, 51.4]
    x, y = lonlat_to_merc(lon, lat)
    tool.points = [QPointF(float(a), float(b)) for a, b in zip(x, y)]
    poly = tool.polygon()
    assert poly is not None and poly.is_valid and poly.area > 0
    assert poly.bounds == pytest.approx((34.5, 51.0, 35.5, 51.4), abs=1e-6)
    # fewer than three points is no area
    tool.points = tool.points[:2]
    assert tool.polygon() is None
    win.feature("workflow").filters.apply_area(poly, "in lasso")
    assert find_part(win.model.filter, Area).describe() == "in lasso"


def test_an_open_ended_date_term_is_shown_not_rewritten(qtbot, win) -> None:
    win.model.set_filter(DateRange(dt.date(2025, 3, 1), None))
    f = win.feature("workflow").filters
    assert f.date_on.isChecked() and f.date_from.date().toPython() == dt.date(2025, 3, 1)
    qtbot.wait(600)  # longer than the typing pause
    assert win.model.filter == DateRange(dt.date(2025, 3, 1), None)


def test_hidden_filters_dock_counts_on_show(qtbot, win) -> None:
    f = win.feature("workflow").filters
    types = f.facets["event_type"]
    f.toolbox.setCurrentWidget(types)
    win.feature("workflow").filters_dock.hide()
    f.set_facet("side", frozenset({"Ukraine"}))
    qtbot.wait(20)
    assert types.count_of("Battles") == 3  # stale while hidden: nothing was counted
    win.feature("workflow").filters_dock.show()
    qtbot.waitUntil(lambda: types.count_of("Battles") == 1, timeout=2000)
