"""A window on a store holds two connections (its reads and its LISTEN) and lets go of them when
it closes, or when files or another store replace the store's events, not when the garbage
collector gets to it (a real server: pg_stat_activity)."""

from __future__ import annotations

import psycopg
import pytest

from atlas.model import AtlasModel


def backends(conninfo: str) -> int:
    """Client connections to the test's database, other than this one."""
    dbname = psycopg.conninfo.conninfo_to_dict(conninfo)["dbname"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                (dbname,)).fetchone()[0])


def open_window(qtbot, synthetic: str):
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    feature = win.feature("database")
    assert feature.open_database(synthetic) is None
    assert feature.wait_for_aggregates()  # the totals' own connection has come and gone
    return win


def test_closing_windows_closes_their_connections(qtbot, synthetic) -> None:
    before = backends(synthetic)
    wins = [open_window(qtbot, synthetic) for _ in range(3)]
    qtbot.waitUntil(lambda: backends(synthetic) == before + 6, timeout=5000)  # reads + LISTEN each
    for i, win in enumerate(wins):
        assert win.close()
        qtbot.waitUntil(lambda i=i: backends(synthetic) == before + 2 * (2 - i), timeout=5000)
    # Nothing is asked of the server after the close (a pan's debounced map request, the totals).
    wins[0].feature("database").send_map_request()
    wins[0].feature("database")._ask_aggregates()
    assert backends(synthetic) == before


@pytest.mark.parametrize("replace_with", ["files", "store"])
def test_files_or_another_store_replace_the_store_and_its_connections(qtbot, synthetic, pg_server, replace_with) -> None:
    win = open_window(qtbot, synthetic)
    qtbot.waitUntil(lambda: backends(synthetic) == 2, timeout=5000)
    if replace_with == "files":
        assert win.load_bundled()
    else:
        from atlas.bench import db_synthetic
        from atlas.db import schema

        other = pg_server.create_database()
        with psycopg.connect(other) as conn:
            schema.init(conn)
            db_synthetic.fill(conn, 200, log=lambda *a, **k: None)
        assert win.feature("database").open_database(other) is None
        qtbot.waitUntil(lambda: backends(other) >= 2, timeout=5000)
    qtbot.waitUntil(lambda: backends(synthetic) == 0, timeout=5000)
