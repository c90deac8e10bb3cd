"""After a large publish the store's text index is rebuilt for minutes (CREATE INDEX CONCURRENTLY)
and text filters scan every row meanwhile: the store says whether its index is ready, missing or
being built, and the window's status bar says text search is slower until it is ready (a real
server)."""

from __future__ import annotations

import threading

import psycopg

from atlas.db import schema
from atlas.db.text_index import TEXT_INDEX, text_index_state


def _index_ddl() -> str:
    return schema.LAYOUT_INDEXES[TEXT_INDEX]


def test_ready_missing_invalid_and_building(synthetic) -> None:
    with psycopg.connect(synthetic, autocommit=True) as conn:
        assert text_index_state(conn).ready
        assert text_index_state(conn).short() == ""
        conn.execute(f"DROP INDEX katlas.{TEXT_INDEX}")
        state = text_index_state(conn)
        assert state.state == "missing" and "slower" in state.short() and "db migrate" in state.explain()
        # A build that was interrupted leaves an invalid index behind: not ready either.
        conn.execute(_index_ddl())
        conn.execute(f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'katlas.{TEXT_INDEX}'::regclass")
        assert text_index_state(conn).state == "missing"
        conn.execute(f"DROP INDEX katlas.{TEXT_INDEX}")
        # A concurrent build, held at its start by a colleague's open write (it waits for writers).
        with psycopg.connect(synthetic) as writer:
            writer.execute("UPDATE katlas.events SET notes = notes WHERE false")  # the table's write lock, kept
            done = threading.Event()

            def build() -> None:
                with psycopg.connect(synthetic, autocommit=True) as c:
                    c.execute(_index_ddl().replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ", 1))
                done.set()

            t = threading.Thread(target=build)
            t.start()
            for _ in range(200):
                state = text_index_state(conn)
                if state.state == "building":
                    break
                threading.Event().wait(0.05)
            assert state.state == "building", state
            assert "building" in state.short() and "being rebuilt" in state.explain()
            writer.rollback()
        t.join(30)
        assert done.is_set()
        assert text_index_state(conn).ready


def test_the_window_says_text_search_is_slower_until_the_index_is_ready(window, synthetic, qtbot) -> None:
    with psycopg.connect(synthetic, autocommit=True) as conn:
        conn.execute(f"DROP INDEX katlas.{TEXT_INDEX}")
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    assert "no text index: text search slower" in feature.status.text()
    assert "db migrate" in feature.status.toolTip()
    assert feature._index_timer.isActive()  # looked at again until it is back
    with psycopg.connect(synthetic, autocommit=True) as conn:
        conn.execute(_index_ddl())
    qtbot.waitUntil(lambda: "slower" not in feature.status.text(), timeout=15000)
    assert feature.status.text().startswith("Database: ") and not feature._index_timer.isActive()
    window.close()  # a closed window stops looking
    assert not feature._index_timer.isActive()
