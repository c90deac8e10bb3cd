"""Live updates name their events: a colleague's inserts, edits and deletes reach a window that
shows a filtered list scrolled deep (a jump of its scroll bar) with a selection, and the window
updates only what changed (a real server, two connections): the list's rows are the server's
rows at their true positions, the selection, current event, top row and map view stay, and the
list's pages are not read again."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg

from atlas.db import changes, edit, push
from atlas.db.pager import KeysetPager
from atlas.model import AtlasModel, DateRange
from atlas.model.table import EventTable

FILTER = DateRange(dt.date(2024, 9, 1), dt.date(2025, 3, 31))


def _event(eid: str, day: str, lon: float = 35.2, lat: float = 51.2) -> dict:
    return {"event_id": eid, "event_date": day, "title": f"colleague {eid}", "event_type": "Battles",
            "side": "Ukraine", "confidence": "probable", "longitude": lon, "latitude": lat}


def _server_list(conn) -> list[str]:
    """The filtered list in the server's order, whole."""
    return [str(i) for i in KeysetPager(conn, FILTER, 100_000).first().ids]


def _listed(model) -> list[str]:
    return [str(model.table.ids[r]) for r in model.list_rows]


class _NoPages:
    """Fails any re-read of the list's pages: a change must be applied by itself."""

    def __init__(self, store, monkeypatch) -> None:
        for name in ("first_page", "leading", "rows_from", "page_at", "page_before", "page_after"):
            monkeypatch.setattr(store, name, self._fail(name))

    @staticmethod
    def _fail(name):
        def read(*_a, **_k):
            raise AssertionError(f"the list was read again ({name}) for a change the log names")
        return read


def test_the_log_names_each_change_and_a_bulk_publish_as_one(synthetic, tmp_path):
    with psycopg.connect(synthetic, autocommit=True) as conn:
        token = changes.current_token(conn)
        push.push(conn, EventTable.from_records([_event("n1", "2024-10-01"), _event("n2", "2024-10-02")]),
                  tmp_path / "a.csv")
        conn.execute("UPDATE katlas.events SET title = 'x' WHERE event_id = 'S10'")
        conn.execute("DELETE FROM katlas.events WHERE event_id = 'S11'")
        token2, got = changes.read_changes(conn, token)
        assert got is not None
        assert set(got.ids) == {"n1", "n2", "S10", "S11"} and got.gone == ("S11",)
        assert changes.read_changes(conn, token2)[1].empty  # nothing since
        # A statement over the log's limit is one MANY change: the window reads its view again.
        conn.execute("UPDATE katlas.events SET notes = 'y'")
        n = conn.execute("SELECT count(*) FROM katlas.changes WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot) "
                         "AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot)", (token2, token2)).fetchone()[0]
        assert n == 1501  # below the limit: one per event
        # A statement writing more events than the log's limit is one MANY change (the window
        # reads its view again), and its notification is as small as any.
        from atlas.db import schema
        from atlas.db.live import ChangeListener

        listener = ChangeListener(synthetic)
        try:
            token3 = changes.current_token(conn)
            conn.execute("INSERT INTO katlas.events (event_id) SELECT 'bulk' || g FROM generate_series(1, %s) g",
                         (schema.CHANGE_LOG_MAX_ROWS + 1,))
            assert changes.read_changes(conn, token3)[1] is None
            heard = [n.payload for n in listener.conn.notifies(timeout=5, stop_after=1)]
            assert heard and all(len(p) < 100 for p in heard) and "10001" in heard[0]
        finally:
            listener.close()
        # One row for the statement (the fixture's generated fill is one more, of 1,500).
        assert conn.execute("SELECT array_agg(rows ORDER BY seq) FROM katlas.changes WHERE op = 'MANY'"
                            ).fetchone()[0] == [1500, schema.CHANGE_LOG_MAX_ROWS + 1]


def test_a_change_committed_out_of_order_is_not_missed(synthetic):
    """Two transactions: the first to take its log number commits last; both are read."""
    with psycopg.connect(synthetic, autocommit=True) as reader, \
            psycopg.connect(synthetic) as a, psycopg.connect(synthetic) as b:
        token = changes.current_token(reader)
        a.execute("UPDATE katlas.events SET title = 'a' WHERE event_id = 'S1'")  # logged first
        b.execute("UPDATE katlas.events SET title = 'b' WHERE event_id = 'S2'")
        b.commit()
        token, got = changes.read_changes(reader, token)
        assert set(got.ids) == {"S2"}
        a.commit()
        token, got = changes.read_changes(reader, token)
        assert set(got.ids) == {"S1"}


def test_the_model_places_changes_in_a_jumped_list_at_their_true_positions(synthetic, monkeypatch):
    from atlas.db.remote import PostgresEvents

    store = PostgresEvents(synthetic, page_size=100)
    model = AtlasModel()
    model.set_remote(store)
    model.set_filter(FILTER)
    with psycopg.connect(synthetic) as conn:
        whole = _server_list(conn)
    assert model.jump_to(500) and _listed(model) == whole[500:600]
    listed = _listed(model)
    mid_day = str(model.table.date[model.list_rows[50]])
    _NoPages(store, monkeypatch)
    with psycopg.connect(synthetic) as c:
        push.push(c, EventTable.from_records([
            _event("above", "2024-09-02"), _event("inside", mid_day), _event("after", "2025-03-30"),
            _event("elsewhere", "2024-06-01")]), "colleague.csv")  # the last one does not pass
        c.execute("DELETE FROM katlas.events WHERE event_id = ANY(%s)", ([whole[10], listed[20]],))
        c.execute("UPDATE katlas.events SET event_date = '2024-07-01' WHERE event_id = ANY(%s)",
                  ([whole[11], listed[30]],))  # out of the filter: one above, one listed
        c.execute("UPDATE katlas.events SET title = 'retitled' WHERE event_id = %s", (listed[40],))
        c.execute("UPDATE katlas.events SET event_date = %s WHERE event_id = %s", (mid_day, whole[700]))
        c.commit()
        after = _server_list(c)
    assert model.apply_store_changes()
    got = _listed(model)
    start = model.list_start
    # One added above, two deleted or moved out above: the stretch starts where its first event now is.
    assert start == after.index(listed[0]) == 500 - 1
    assert got == after[start:start + len(got)]
    assert "inside" in got and "above" not in got and "after" not in got and "elsewhere" not in got
    assert listed[20] not in got and listed[30] not in got and whole[700] in got
    row = model.table.index_of(listed[40])
    assert model.table.value("title", row) == "retitled"
    # Scrolling on from there reads the server's next rows, no gap and no repeat.
    monkeypatch.undo()
    model.fetch_more()
    got = _listed(model)
    assert got == after[start:start + len(got)] and len(got) > 150
    store.close()


def test_a_window_with_a_filtered_scrolled_list_and_a_selection_follows_a_colleague(window, synthetic, qtbot,
                                                                                     monkeypatch, tmp_path):
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    model, lst, view = window.model, window.event_list.table_model, window.event_list.view
    model.set_filter(FILTER)
    assert feature.wait_for_aggregates()
    with psycopg.connect(synthetic) as conn:
        whole = _server_list(conn)
    qtbot.waitUntil(lambda: lst.rowCount() == len(whole), timeout=10000)
    view.verticalScrollBar().setValue(600)  # dragged deep: one seek, rows 600.. read
    qtbot.waitUntil(lambda: lst.is_read(600) and lst.is_read(view.rowAt(view.viewport().height() - 2)),
                    timeout=10000)
    assert model.list_start > 0
    top = whole[view.rowAt(0)]
    # The user's selection: two events of the stretch, one of them current.
    sel_pos = [view.rowAt(0) + 3, view.rowAt(0) + 8]
    rows = np.array([lst.row_at(p) for p in sel_pos], dtype=np.intp)
    model.select_rows(np.sort(rows), current=int(rows[0]))
    qtbot.waitUntil(lambda: not window.canvas.animating, timeout=5000)
    view.scrollTo(lst.index(sel_pos[0] - 3, 0), view.ScrollHint.PositionAtTop)
    qtbot.wait(50)
    top = whole[view.rowAt(0)]
    selected, current, map_view = model.selection, model.current_id, window.canvas.vb.viewRange()
    feature.send_map_request()
    listed = _listed(model)
    mid_day = str(model.table.date[model.list_rows[len(listed) // 2]])
    x0, y0, x1, y1 = model.map_request.bbox
    store = model.remote
    _NoPages(store, monkeypatch)
    calls = []
    monkeypatch.setattr(model, "refresh_view", lambda: calls.append("refresh_view"))
    current_id = model.current_id
    with psycopg.connect(synthetic) as colleague:
        # adds: one above the stretch, one inside it (in the map's view)
        push.push(colleague, EventTable.from_records([
            _event("colleague-above", "2024-09-02"), _event("colleague-inside", mid_day, (x0 + x1) / 2, (y0 + y1) / 2)]),
            tmp_path / "c.csv")
        # edits: the current event's grade (a save with history), another listed event leaves the filter
        seen = edit.load(colleague, current_id)
        edit.save(colleague, current_id, seen.version, {"confidence": "confirmed", "title": "checked by a colleague"})
        leaving = next(i for i in listed if i not in selected.ids and i != top)
        colleague.execute("UPDATE katlas.events SET event_date = '2024-07-01' WHERE event_id = %s", (leaving,))
        colleague.commit()
        # deletes: one above the stretch, one listed
        gone = next(i for i in listed[::-1] if i not in selected.ids and i not in (top, leaving))
        colleague.execute("DELETE FROM katlas.events WHERE event_id = ANY(%s)", ([whole[5], gone],))
        colleague.commit()
        after = _server_list(colleague)
    qtbot.waitUntil(lambda: "colleague-inside" in _listed(model) and gone not in _listed(model)
                    and leaving not in _listed(model), timeout=10000)
    got = _listed(model)
    assert got == after[model.list_start:model.list_start + len(got)]  # true positions: +1 -1 above
    assert model.list_start == after.index(got[0])
    assert not calls  # only what changed was read
    assert model.selection == selected and model.current_id == current  # the user's selection
    row = model.table.index_of(current)
    assert model.table.value("title", row) == "checked by a colleague"
    assert _listed(model)[view.rowAt(0) - lst.base] == top  # the same event at the top
    assert window.canvas.vb.viewRange() == map_view  # the map's view stays
    drawn = {str(model.table.ids[r]) for r in model.map_rows}
    assert model.map_cells is not None or "colleague-inside" in drawn
    # Qt's selection moved with its rows.
    sel = {str(model.table.ids[lst.row_at(i.row())]) for i in view.selectionModel().selectedRows()}
    assert sel == set(selected.ids)
    # The counts follow: the list spans the new total at once, the exact count after.
    qtbot.waitUntil(lambda: model.aggregates is not None, timeout=20000)
    assert model.aggregates.total == len(after) and lst.rowCount() == len(after)


def test_a_bulk_publish_above_a_jumped_list_moves_its_position(synthetic):
    """A publish too big to place event by event (one MANY entry in the log) makes the model read
    its list's stretch again; after a jump of the scroll bar the stretch's position is counted
    again, so the rows keep their true positions in the whole list."""
    from atlas.db.remote import PostgresEvents

    store = PostgresEvents(synthetic, page_size=100)
    model = AtlasModel()
    model.set_remote(store)
    model.set_filter(FILTER)
    assert model.jump_to(500)
    first = _listed(model)[0]
    with psycopg.connect(synthetic) as c:
        # 900 events on the filter's first day, all above the stretch: a large publish, logged as one.
        push.push(c, EventTable.from_records([_event(f"bulk{i:04d}", "2024-09-01") for i in range(900)]), "bulk.csv")
        c.commit()
        assert [op for op, _rows in c.execute(
            "SELECT op, rows FROM katlas.changes ORDER BY seq DESC LIMIT 1").fetchall()] == ["MANY"]
        after = _server_list(c)
    assert model.apply_store_changes()
    got = _listed(model)
    assert got[0] == first
    assert model.list_start == after.index(first) == 500 + 900
    assert got == after[model.list_start:model.list_start + len(got)]
    store.close()
