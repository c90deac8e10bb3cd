"""A colleague's publish or delete reaches an open window's list, map and counts live (a real
server, two connections, the window driven by qtbot): new events appear in their place in the
list's order, deleted ones leave it, and the user's selection, current event, scroll position (the
event at the top of the list) and map view stay."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
from PySide6.QtWidgets import QAbstractItemView

from atlas.db import push, query
from atlas.model import All
from atlas.model.table import EventTable


def _order(conn) -> list[str]:
    """Every stored event in the list's order (day, undated last, id)."""
    t = query.read(conn, All())
    day = np.where(np.isnat(t.date), np.datetime64("9999-12-31"), t.date)
    return [k[1] for k in sorted(zip(day.tolist(), (str(i) for i in t.ids)))]


def _event(eid: str, day: str, lon: float = 35.2, lat: float = 51.2) -> dict:
    return {"event_id": eid, "event_date": day, "title": f"published by a colleague {eid}",
            "event_type": "Battles", "side": "Ukraine", "confidence": "probable", "longitude": lon, "latitude": lat}


def _listed(window) -> list[str]:
    m = window.model
    return [str(m.table.ids[r]) for r in window.event_list.table_model.order]


def test_a_colleagues_publish_and_delete_reach_the_open_list_keeping_selection_scroll_and_view(
        window, synthetic, qtbot, tmp_path: Path):
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    assert feature.wait_for_aggregates()
    model, lst, view = window.model, window.event_list.table_model, window.event_list.view
    model.fetch_more()
    assert len(lst.order) == 400 and lst.rowCount() == 1500  # two pages read; the scroll bar spans all
    before = _listed(window)
    # The user's state: two selected events (the current one on the second page), the list
    # scrolled so that row 120 is at the top, the map where it is.
    model.select_rows(np.sort(lst.order[[130, 250]]), current=int(lst.order[130]))
    qtbot.waitUntil(lambda: not window.canvas.animating, timeout=5000)
    view.scrollTo(lst.index(120, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    qtbot.wait(50)
    top = before[view.rowAt(0)]
    selected, current, map_view = model.selection, model.current_id, window.canvas.vb.viewRange()
    first_day = str(model.table.date[lst.order[0]])
    mid_day = str(model.table.date[lst.order[200]])
    gone = before[60]  # a listed event above the top row, deleted by the colleague
    feature.send_map_request()  # where the map looks now (after flying to the selection)
    x0, y0, x1, y1 = model.map_request.bbox  # the new events fall in the map's view
    lon, lat = (x0 + x1) / 2, (y0 + y1) / 2
    with psycopg.connect(synthetic) as colleague:  # another analyst's session
        news = EventTable.from_records([_event("colleague-early", first_day, lon, lat),
                                        _event("colleague-mid", mid_day, lon + 0.01, lat)])
        push.push(colleague, news, tmp_path / "colleague.csv")  # db push: one notification, no ids
        colleague.execute("DELETE FROM katlas.events WHERE event_id = %s", (gone,))
        colleague.commit()
        expected = _order(colleague)
    qtbot.waitUntil(lambda: "colleague-mid" in _listed(window) and gone not in _listed(window), timeout=10000)
    listed = _listed(window)
    assert listed == expected[:len(listed)]  # the server's order: new ones in their place
    assert "colleague-early" in listed and len(listed) == 401  # 400 rows read, +2, -1
    assert model.selection == selected and model.current_id == current  # the user's selection
    assert listed[view.rowAt(0)] == top  # the same event at the top: scrolled for the row added above
    assert window.canvas.vb.viewRange() == map_view  # the map's view stays
    # Qt's own selection moved with the rows.
    rows = {lst.row_at(i.row()) for i in view.selectionModel().selectedRows()}
    assert {str(model.table.ids[r]) for r in rows} == set(selected.ids)
    # The counts follow: asked again, 1,500 + 2 - 1.
    qtbot.waitUntil(lambda: window.event_list.count_label.text() == "1,501 of 1,501 events", timeout=20000)
    # The map's view was asked again: the new events are drawn in it, the deleted one is not.
    drawn = {str(model.table.ids[r]) for r in model.map_rows}
    assert model.map_cells is None and {"colleague-early", "colleague-mid"} <= drawn and gone not in drawn


def test_refresh_list_reads_the_rows_so_far_again(synthetic):
    """The model alone: events added before the last listed row appear, those after wait for the
    next page, deleted ones leave; rows held keep their table positions."""
    from atlas.db.remote import PostgresEvents

    from atlas.model import AtlasModel

    model = AtlasModel()
    store = PostgresEvents(synthetic, page_size=100)
    model.set_remote(store)
    ids_before = [str(i) for i in model.table.ids]
    listed = [str(model.table.ids[r]) for r in model.list_rows]
    with psycopg.connect(synthetic) as c:
        c.execute("DELETE FROM katlas.events WHERE event_id = %s", (listed[5],))
        day = str(model.table.date[model.list_rows[10]])
        push.push(c, EventTable.from_records([_event("a-new-one", day), _event("a-late-one", "2099-01-01")]), "x.csv")
        expected = _order(c)
    assert model.refresh_list()
    got = [str(model.table.ids[r]) for r in model.list_rows]
    assert got == expected[:100] and "a-new-one" in got and listed[5] not in got
    assert [str(i) for i in model.table.ids[:len(ids_before)]] == ids_before  # positions kept
    while model.fetch_more():
        pass
    assert [str(model.table.ids[r]) for r in model.list_rows] == expected  # the late one at the end
    store.close()
