"""Layout version 6 (atlas/db/schema.py): the change-log trigger function with one path for every
operation, applied by ``db migrate`` to a store of version 5 with events in it. The log it writes is
the one version 4's function wrote, row for row (windows and the dbwindow helper read it), and a
window's reading of the changes (atlas/db/changes.py) still places them."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg
import pytest

from atlas.cli import main as cli
from atlas.db import changes, push, schema
from atlas.model import Categories

#: Statements of every kind the log tells apart: single and several rows, an update that changes an
#: id, rows that pass and fail a window's filter, a statement that changes nothing, a big one.
STATEMENTS = (
    "UPDATE katlas.events SET fatalities = 7 WHERE event_id IN (SELECT event_id FROM katlas.events "
    "ORDER BY event_id LIMIT 3)",
    "DELETE FROM katlas.sources WHERE event_id IN (SELECT event_id FROM katlas.events ORDER BY event_id DESC LIMIT 2 "
    "OFFSET 1)",
    "DELETE FROM katlas.events WHERE event_id IN (SELECT event_id FROM katlas.events ORDER BY event_id DESC LIMIT 2 "
    "OFFSET 1)",
    "INSERT INTO katlas.events (event_id, event_date, side, title) VALUES ('new-1', '2024-08-10', 'Ukraine', 'a'), "
    "('new-2', '2024-08-11', 'Russia', 'b')",
    "UPDATE katlas.events SET event_id = 'new-2-renamed', side = 'Ukraine' WHERE event_id = 'new-2'",
    "UPDATE katlas.events SET notes = 'nothing' WHERE false",
    "INSERT INTO katlas.events (event_id, side) SELECT 'bulk-' || g, 'Ukraine' FROM generate_series(1, 10001) g",
    "DELETE FROM katlas.events WHERE event_id LIKE 'bulk-%'",
)


def _at_version_5(info: str, bundled: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store as version 5 left it, with the bundled events pushed into it."""
    with monkeypatch.context() as m, psycopg.connect(info) as conn:
        m.setattr(schema, "SCHEMA_VERSION", 5)
        assert schema.init(conn) == 5
        push.push(conn, bundled.take(np.arange(60)), "v5.geojson")


def _log(conn: Any) -> list[tuple]:
    """The log as a window reads it (every column but the sequence, transaction and time; the old
    rows without the time they were written, which differs between the two stores)."""
    return conn.execute("SELECT op, event_id, old_row - 'written_at', rows FROM katlas.changes ORDER BY seq").fetchall()


def _function(conn: Any) -> str:
    return str(conn.execute("SELECT prosrc FROM pg_proc WHERE oid = 'katlas.log_changes'::regproc").fetchone()[0])


def test_migrate_from_5_keeps_the_rows_and_the_logs_format(pg_server, bundled, monkeypatch, capsys):
    old, new = pg_server.create_database(), pg_server.create_database()
    _at_version_5(old, bundled, monkeypatch)
    _at_version_5(new, bundled, monkeypatch)
    with psycopg.connect(new) as conn:
        before = conn.execute("SELECT event_id, version, fatalities, ST_AsText(geom) FROM katlas.events "
                              "ORDER BY event_id").fetchall()
        assert "ELSIF TG_OP = 'UPDATE'" in _function(conn)  # version 4's per-operation branches
    assert cli(["db", "migrate", new]) == 0
    assert "layout version 5 → 6" in capsys.readouterr().out
    with psycopg.connect(new) as conn:
        assert schema.current_version(conn) == 6
        body = _function(conn)
        assert "ELSIF TG_OP = 'UPDATE'" not in body and body.count("INSERT INTO katlas.changes (op, rows)") == 2
        assert conn.execute("SELECT event_id, version, fatalities, ST_AsText(geom) FROM katlas.events "
                            "ORDER BY event_id").fetchall() == before
        triggers = conn.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'katlas.events'::regclass "
                                "AND NOT tgisinternal ORDER BY 1").fetchall()
        assert [t[0] for t in triggers] == sorted([*schema.CHANGE_LOG_TRIGGERS, "events_log_truncate"])
    assert cli(["db", "migrate", new]) == 0
    assert "already at version 6" in capsys.readouterr().out

    # The same statements against version 5's function and version 6's: the same log, row for row.
    logs = []
    for info in (old, new):
        with psycopg.connect(info, autocommit=True) as conn:
            conn.execute("DELETE FROM katlas.changes")
            for statement in STATEMENTS:
                conn.execute(statement)
            logs.append(_log(conn))
    assert logs[0] == logs[1]
    ops = [r[0] for r in logs[1]]
    assert ops.count("UPDATE") == 4 and ops.count("DELETE") == 2 and ops.count("MANY") == 2
    assert ops.count("INSERT") == 3  # two new events and the renamed id
    assert all(r[2] is not None and r[2]["event_id"] == r[1] for r in logs[1] if r[0] in ("UPDATE", "DELETE"))


def test_windows_see_the_changes_after_the_migration(pg_db, bundled, monkeypatch):
    _at_version_5(pg_db, bundled, monkeypatch)
    with psycopg.connect(pg_db) as conn:
        assert schema.migrate(conn) == (5, 6)
    with psycopg.connect(pg_db, autocommit=True) as window, psycopg.connect(pg_db, autocommit=True) as colleague:
        window.execute("LISTEN katlas_events")
        token = changes.current_token(window)
        ukraine = Categories("side", frozenset({"Ukraine"}))
        gone = str(colleague.execute("SELECT event_id FROM katlas.events WHERE side = 'Ukraine' "
                                     "ORDER BY event_id LIMIT 1").fetchone()[0])
        with colleague.transaction():
            colleague.execute("INSERT INTO katlas.events (event_id, event_date, side) VALUES "
                              "('seen-1', '2024-08-12', 'Ukraine'), ('unseen-1', '2024-08-12', 'Russia')")
            colleague.execute("DELETE FROM katlas.events WHERE event_id = %s", (gone,))
        notes = [n.payload for n in window.notifies(timeout=2.0, stop_after=2)]
        assert notes == ['{"op" : "INSERT", "rows" : 2}', '{"op" : "DELETE", "rows" : 1}']
        token, got = changes.read_changes(window, token, ukraine)
        assert got is not None
        assert got.gone == (gone,) and set(map(str, got.rows.ids)) == {"seen-1", "unseen-1"}
        assert got.total_delta == 0  # one that passes came, one that passed went
        assert "seen-1" in got.listed and "unseen-1" not in got.listed and gone not in got.listed
        # A big publish is one MANY change: the window reads its view again.
        push.push(colleague, bundled.take(np.arange(60, 90)), "more.geojson")
        colleague.execute("INSERT INTO katlas.events (event_id) SELECT 'bulk-' || g FROM generate_series(1, 10001) g")
        assert changes.read_changes(window, token, ukraine)[1] is None
