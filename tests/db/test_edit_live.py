"""Editing with history and conflicts, read-only refusal, and live notifications: a real server."""

from __future__ import annotations

import psycopg
import pytest

from atlas.db import edit, schema
from atlas.db.live import ChangeListener, parse


def _roles(store, pg_server):
    with psycopg.connect(store, autocommit=True) as conn:
        for name, group in (("edit_ro", schema.READ_ROLE), ("edit_a", schema.EDIT_ROLE), ("edit_b", schema.EDIT_ROLE)):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE {group}")
    dbname = psycopg.conninfo.conninfo_to_dict(store)["dbname"]
    return {u: pg_server.conninfo(dbname, user=u) for u in ("edit_ro", "edit_a", "edit_b")}


def _an_event(store) -> str:
    with psycopg.connect(store) as conn:
        return conn.execute("SELECT event_id FROM katlas.events WHERE geom IS NOT NULL AND confidence <> 'confirmed' "
                            "ORDER BY event_id LIMIT 1").fetchone()[0]


def test_an_edit_is_one_transaction_that_keeps_the_previous_values(store, pg_server):
    users = _roles(store, pg_server)
    eid = _an_event(store)
    with psycopg.connect(users["edit_a"]) as conn:
        before = edit.load(conn, eid)
        assert edit.can_edit(conn)
        new_sources = [{"outlet": "Suspilne", "url": "https://example.org/a", "title": "Report"}]
        version = edit.save(conn, eid, before.version, {"confidence": "confirmed", "lon": 35.25, "lat": 51.2},
                            new_sources)
        assert version == before.version + 1
        after = edit.load(conn, eid)
        assert after.values["confidence"] == "confirmed"
        assert (after.values["lon"], after.values["lat"]) == pytest.approx((35.25, 51.2))
        assert after.sources == new_sources
        hist = edit.history(conn, eid)
        row = conn.execute("SELECT written_by FROM katlas.events WHERE event_id = %s", (eid,)).fetchone()
    assert row[0] == "edit_a"
    assert len(hist) == 1 and hist[0]["changed_by"] == "edit_a" and hist[0]["version"] == before.version
    assert hist[0]["old_values"]["confidence"] == before.values["confidence"]
    assert hist[0]["new_values"]["confidence"] == "confirmed"
    assert hist[0]["old_values"]["lon"] == pytest.approx(before.values["lon"])
    assert hist[0]["old_values"]["sources"] == before.sources
    # Saving the same values again writes no new version.
    with psycopg.connect(users["edit_a"]) as conn:
        assert edit.save(conn, eid, version, {"confidence": "confirmed"}) == version


def test_two_analysts_editing_one_event_the_second_gets_a_conflict_not_an_overwrite(store, pg_server):
    users = _roles(store, pg_server)
    eid = _an_event(store)
    with psycopg.connect(users["edit_a"]) as a, psycopg.connect(users["edit_b"]) as b:
        seen_a = edit.load(a, eid)
        seen_b = edit.load(b, eid)  # both opened the same version
        edit.save(a, eid, seen_a.version, {"confidence": "confirmed"})
        with pytest.raises(edit.Conflict) as caught:
            edit.save(b, eid, seen_b.version, {"confidence": "disputed", "location": "B's place"})
        message = str(caught.value)
        assert "edit_a" in message and "not saved" in message
        assert caught.value.current["confidence"] == "confirmed"
        now = edit.load(b, eid)
        assert now.values["confidence"] == "confirmed" and now.values["location"] != "B's place"
        # B reloads, then saves over the new version: accepted, both changes in the history.
        edit.save(b, eid, now.version, {"confidence": "disputed"})
        assert [h["changed_by"] for h in edit.history(b, eid)] == ["edit_a", "edit_b"]


def test_a_deleted_event_is_a_conflict(store):
    eid = _an_event(store)
    with psycopg.connect(store) as conn:
        seen = edit.load(conn, eid)
        conn.execute("DELETE FROM katlas.events WHERE event_id = %s", (eid,))
        conn.commit()
        with pytest.raises(edit.Conflict, match="deleted"):
            edit.save(conn, eid, seen.version, {"confidence": "confirmed"})


def test_a_read_only_role_cannot_save_and_is_told_why(store, pg_server):
    users = _roles(store, pg_server)
    eid = _an_event(store)
    with psycopg.connect(users["edit_ro"]) as conn:
        seen = edit.load(conn, eid)
        assert not edit.can_edit(conn)
        with pytest.raises(edit.ReadOnly, match="may only read"):
            edit.save(conn, eid, seen.version, {"confidence": "confirmed"})
        conn.rollback()
        assert edit.load(conn, eid).values == seen.values
        assert edit.history(conn, eid) == []


@pytest.mark.parametrize("bad", [{"event_id": "x"}, {"geom": "POINT(0 0)"}, {"confidence": "'; DROP TABLE x; --"},
                                 {"lon": 200.0, "lat": 0.0}, {"lon": 35.0}])
def test_values_the_store_does_not_take_are_refused_before_writing(store, bad):
    eid = _an_event(store)
    with psycopg.connect(store) as conn:
        seen = edit.load(conn, eid)
        with pytest.raises(edit.EditError):
            edit.save(conn, eid, seen.version, bad)
        assert edit.load(conn, eid).version == seen.version


def test_hostile_text_in_an_edit_is_stored_as_text(store):
    eid = _an_event(store)
    evil = "x'); DELETE FROM katlas.events; --"
    with psycopg.connect(store) as conn:
        n = conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0]
        seen = edit.load(conn, eid)
        edit.save(conn, eid, seen.version, {"location": evil, "notes": evil})
        assert edit.load(conn, eid).values["location"] == evil
        assert conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0] == n


def test_listeners_hear_edits_and_publishes(store, bundled):
    from atlas.db import push

    listener = ChangeListener(store)
    try:
        assert listener.poll() == []
        eid = _an_event(store)
        with psycopg.connect(store) as conn:
            seen = edit.load(conn, eid)
            version = edit.save(conn, eid, seen.version, {"confidence": "confirmed"})
        heard = listener.poll(timeout=5)
        assert any(c.op == "edit" and c.event_id == eid and c.version == version for c in heard)
        with psycopg.connect(store) as conn:
            push.push(conn, bundled.take([0, 1, 2]), "again.geojson")
        heard = listener.poll(timeout=5)
        assert heard and {c.op for c in heard} <= {"INSERT", "UPDATE"} and len(heard) <= 2  # per statement, not per row
    finally:
        listener.close()


def test_a_re_publish_moves_the_version_on_so_an_open_edit_conflicts(store, bundled):
    from atlas.db import push

    eid = str(bundled.ids[0])
    with psycopg.connect(store) as conn:
        seen = edit.load(conn, eid)
        push.push(conn, bundled.take([0]), "again.geojson")
        with pytest.raises(edit.Conflict):
            edit.save(conn, eid, seen.version, {"confidence": "confirmed"})


def test_payloads_parse():
    assert parse('{"op": "edit", "event_id": "E1", "version": 3}').version == 3
    assert parse("UPDATE").op == "UPDATE"
    assert parse("").op == "UPDATE"
