"""File ▸ Open database… and --db: the window shows the store's events (a real throwaway server)."""

from __future__ import annotations

import psycopg

from atlas.cli.common import BUNDLED_EVENTS, load
from atlas.db import push, schema



def test_open_database_shows_the_stored_events_and_keeps_no_password(window, pg_db):
    table = load([])[0]
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        push.push(conn, table.take(list(range(40))), BUNDLED_EVENTS)
    feature = window.feature("database")
    assert feature.act_open_db in window.menu("file").actions()
    # A password in the URI is used for this connection (trust auth ignores it) and never kept.
    uri = psycopg.conninfo.make_conninfo(pg_db, password="s3cret")
    assert feature.open_database(uri) is None
    assert len(window.model.table) == 40
    assert sorted(window.model.table.ids) == sorted(table.ids[:40])
    assert "s3cret" not in feature.connection and "dbname=" in feature.connection


def test_a_database_without_the_atlas_tables_is_refused_with_a_message(window, pg_db):
    before = len(window.model.table)
    error = window.feature("database").open_database(pg_db)
    assert error and "db init" in error
    assert len(window.model.table) == before
    assert "cannot open" in window.feature("database").open_database("host=/nonexistent-dir dbname=x")
