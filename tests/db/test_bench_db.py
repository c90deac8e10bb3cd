"""``main.py bench --db``: the store's cases run against a real server (figures not asserted)."""

from __future__ import annotations

import json

import psycopg

from atlas.cli import main as cli


def test_bench_db_prints_push_filter_and_clear_lines_and_leaves_the_database_empty(pg_db, tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert cli(["bench", "--db", pg_db, "--events", "3000", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for case in ("db_push", "db_filter_change", "db_filter_clear", "db_window_open"):
        assert case in printed
    cases = {c["case"]: c for c in json.loads(out.read_text())["cases"]}
    assert cases["db_push"]["goal_s"] == 60.0 * 3000 / 1_000_000
    assert cases["db_filter_change"]["goal_s"] == cases["db_filter_clear"]["goal_s"] == 0.3
    assert all(c["floor_s"] and c["floor_s"] > 0 for k, c in cases.items() if k != "db_push_search_index")
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT to_regnamespace('katlas')").fetchone()[0] is None


def test_bench_db_refuses_a_database_that_holds_the_atlas_tables(store, capsys):
    assert cli(["bench", "--db", store, "--events", "1000"]) != 0
    assert "without the atlas's tables" in capsys.readouterr().err
    with psycopg.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0] > 0


def test_bench_db_keep_uses_a_store_filled_by_the_server_and_keeps_it(pg_db, tmp_path, capsys):
    from atlas.bench import db_synthetic
    from atlas.db import schema

    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        db_synthetic.fill(conn, 2500, log=lambda *a, **k: None)
    out = tmp_path / "bench.json"
    assert cli(["bench", "--db", pg_db, "--db-keep", "--events", "2500", "--json", str(out)]) == 0
    cases = {c["case"]: c for c in json.loads(out.read_text())["cases"]}
    assert "db_push" not in cases
    assert cases["db_window_open"]["goal_s"] == 2.0 and cases["db_window_open"]["listed"] == 200
    # Both timed; which is faster is the machine's business (no timing asserted in tests).
    assert cases["db_window_open"]["floor_s"] > 0 and cases["db_window_open"]["median_s"] > 0
    assert cases["db_filter_change"]["list_rows"] > 0
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0] == 2500
    # A store that does not hold that many generated events is refused, not pushed into.
    assert cli(["bench", "--db", pg_db, "--db-keep", "--events", "3000"]) != 0
    assert "db_synthetic" in capsys.readouterr().err
