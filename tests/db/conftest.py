"""A throwaway PostgreSQL + PostGIS server for the database tests (atlas/bench/pg_cluster.py).

One cluster per test session on a Unix socket in a temporary folder, stopped at the end. The tests
skip, saying why, only when the programs are not installed; ``.ci/run`` installs them (Debian
``postgresql`` and ``postgis``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from atlas.bench.pg_cluster import ScratchServer, missing_reason, start_scratch_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ScratchServer]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("psycopg", reason="the psycopg driver (a declared dependency) is not installed")
    server = start_scratch_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def pg_db(pg_server: ScratchServer) -> str:
    """A fresh database (PostGIS enabled) per test: its conninfo for the server's superuser."""
    return pg_server.create_database()


@pytest.fixture(scope="session")
def bundled():
    from atlas.cli.common import load

    return load([])[0]


@pytest.fixture()
def store(pg_db, bundled):
    """A database with the layout and the bundled dataset pushed to it."""
    import psycopg

    from atlas.cli.common import BUNDLED_EVENTS
    from atlas.db import push, schema

    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        push.push(conn, bundled, BUNDLED_EVENTS)
    return pg_db


@pytest.fixture()
def window(qtbot):
    """A shown main window on an empty model, for the tests of the window on a store."""
    from atlas.model import AtlasModel
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win
