"""The window on the store: live updates keep the selection and view, a lost server leaves the
events on screen marked stale, edits report conflicts and read-only roles (a real server)."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from atlas.db import edit, schema



def _confidence(window, eid: str) -> str:
    table = window.model.table
    return str(table.values("confidence", [table.index_of(eid)])[0])


def test_a_colleagues_edit_appears_without_losing_selection_or_view(window, store, qtbot):
    feature = window.feature("database")
    assert feature.open_database(store) is None
    assert feature.act_edit.isEnabled()
    table = window.model.table
    eid = next(str(i) for i, c in zip(table.ids, table.values("confidence")) if c != "confirmed")
    rows = np.array([table.index_of(eid), 1, 2])
    window.model.select_rows(rows, current=int(rows[0]))
    selected = window.model.selection
    qtbot.waitUntil(lambda: not window.canvas.animating, timeout=5000)  # selecting flies to the event
    view = window.canvas.vb.viewRange()
    with psycopg.connect(store) as colleague:
        seen = edit.load(colleague, eid)
        edit.save(colleague, eid, seen.version, {"confidence": "confirmed"})
    qtbot.waitUntil(lambda: _confidence(window, eid) == "confirmed", timeout=10000)
    assert window.model.selection == selected
    assert window.model.current_id == eid
    assert window.canvas.vb.viewRange() == view


def test_saving_over_a_colleagues_change_is_refused_with_who_changed_it(window, store):
    feature = window.feature("database")
    assert feature.open_database(store) is None
    eid = str(window.model.table.ids[0])
    with psycopg.connect(store) as conn:
        seen = edit.load(conn, eid)
        edit.save(conn, eid, seen.version, {"location": "first"})
    version, error = feature.save_edit(eid, seen.version, {"location": "second"}, None)
    assert version is None and "not saved" in error and "postgres" in error
    with psycopg.connect(store) as conn:
        assert edit.load(conn, eid).values["location"] == "first"


def test_a_read_only_user_cannot_save_from_the_window(window, store, pg_server):
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE win_ro LOGIN IN ROLE {schema.READ_ROLE}")
    dbname = psycopg.conninfo.conninfo_to_dict(store)["dbname"]
    feature = window.feature("database")
    assert feature.open_database(pg_server.conninfo(dbname, user="win_ro")) is None
    assert not feature.act_edit.isEnabled()
    assert "read-only" in feature.status.text()
    eid = str(window.model.table.ids[0])
    with psycopg.connect(store) as conn:
        seen = edit.load(conn, eid)
    version, error = feature.save_edit(eid, seen.version, {"confidence": "confirmed"}, None)
    assert version is None and "may only read" in error
    with psycopg.connect(store) as conn:
        assert edit.load(conn, eid).version == seen.version


def test_when_the_server_goes_away_the_events_stay_marked_stale_and_read_only(
        window, bundled, qtbot, own_server, own_store):
    info = own_store()
    feature = window.feature("database")
    assert feature.open_database(info) is None
    eid = str(window.model.table.ids[0])
    window.model.select_rows([0], current=0)
    own_server.kill()
    qtbot.waitUntil(lambda: feature.stale, timeout=10000)  # the listener's socket closes
    assert "offline" in feature.status.text() and "stale" in feature.status.text()
    assert len(window.model.table) == len(bundled)  # still on screen
    assert window.model.current_id == eid
    assert not feature.act_edit.isEnabled()
    version, error = feature.save_edit(eid, 1, {"confidence": "confirmed"}, None)
    assert version is None and "offline" in error


def test_the_edit_dialog_saves_grade_place_and_sources(window, store):
    from atlas.ui.database_edit import EditEventDialog, sources_from_text, sources_to_text

    feature = window.feature("database")
    assert feature.open_database(store) is None
    eid = str(window.model.table.ids[3])
    dialog = EditEventDialog(feature, eid, window)
    dialog.grade.setCurrentText("disputed")
    dialog.lon.setValue(35.5)
    dialog.lat.setValue(51.25)
    dialog.sources.setPlainText("Meduza | https://example.org/m | Claim\nRybar")
    dialog.save()
    assert dialog.error is None
    with psycopg.connect(store) as conn:
        stored = edit.load(conn, eid)
    assert stored.values["confidence"] == "disputed"
    assert (stored.values["lon"], stored.values["lat"]) == pytest.approx((35.5, 51.25))
    assert stored.sources == [{"outlet": "Meduza", "url": "https://example.org/m", "title": "Claim"},
                              {"outlet": "Rybar"}]
    assert _confidence(window, eid) == "disputed"  # the window read the store again
    assert sources_from_text(sources_to_text(stored.sources)) == stored.sources


def test_the_edit_dialog_leaves_a_pointless_ungraded_event_as_it_was(window, pg_db):
    from atlas.db import push
    from atlas.model import EventTable
    from atlas.ui.database_edit import EditEventDialog

    table = EventTable.from_records([{"event_id": "nowhere", "event_date": "2024-08-10", "title": "t",
                                      "event_type": "Battles"}])
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        push.push(conn, table, "one.csv")
    feature = window.feature("database")
    assert feature.open_database(pg_db) is None
    dialog = EditEventDialog(feature, "nowhere", window)
    assert dialog.changes() == {"confidence": "", "location": ""}
    dialog.save()
    with psycopg.connect(pg_db) as conn:
        stored = edit.load(conn, "nowhere")
        assert stored.version == 1 and stored.values["lon"] is None and stored.values["confidence"] is None
        assert edit.history(conn, "nowhere") == []
