"""``main.py bench --db URI|scratch``: the shared store's hot paths against a real server.

``scratch`` starts a throwaway PostgreSQL + PostGIS cluster (atlas/bench/pg_cluster.py) and removes
it afterwards; a URI must name an empty database (the bench creates the atlas's tables in it and
drops them at the end, so it refuses a database that already has them). For each size: the push
of that many synthetic events (issue 16: 1M in 60 s; floor: the COPY of the same CSV into a table
without indexes), then a filter change and its clearing as the window sees them: the model
asks its remote store for the list's first page (keyset) and the map's points or cells for the
whole region (goal 300 ms each; floor: the same SQL statements alone), and the window opened on the
store in a fresh process (goal 2 s and 500 MB; floor: the empty window). ``--db-keep`` benches a
store filled by atlas/bench/db_synthetic.py (server-side generate_series; the 10M figures) as it is.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from atlas.bench import Result, peak_rss_mb, timed

#: The whole region at the zoom the window opens with.
REGION = (33.0, 50.0, 38.5, 52.8)
REGION_ZOOM = 7.0
PAGE_ROWS = 200
def _filter() -> Any:
    from atlas.model import Categories, DateRange, Text

    return (DateRange(dt.date(2024, 8, 20), dt.date(2024, 12, 31))
            & Categories("event_type", {"Battles", "Strategic developments"}) & Text("sudzha"))


@contextmanager
def database(target: str, keep: bool = False) -> Iterator[str]:
    """A conninfo to bench in: a scratch server's database, or ``target`` if it has no atlas tables
    (``keep``: ``target`` as it is, its synthetic events used and kept)."""
    import psycopg

    from atlas.db import schema
    from atlas.db.connect import conninfo

    if target == "scratch":
        from atlas.bench.pg_cluster import start_scratch_server

        server = start_scratch_server()
        try:
            yield server.create_database()
        finally:
            server.stop()
        return
    info = conninfo(target)
    if keep:
        yield info
        return
    with psycopg.connect(info) as conn:
        if schema.current_version(conn) != 0:
            from atlas.cli.common import CliError

            raise CliError("bench --db needs a database without the atlas's tables (it creates and drops them); "
                           "or use --db scratch for a throwaway server")
    try:
        yield info
    finally:
        with psycopg.connect(info, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS katlas CASCADE")


def _reset(conn: Any) -> None:
    from atlas.db import schema

    conn.execute("DROP SCHEMA IF EXISTS katlas CASCADE")
    conn.commit()
    schema.init(conn)


def _store_holds_synthetic(info: str, n: int) -> bool:
    """Whether ``info``'s store holds exactly the ``n`` events db_synthetic generated (reused)."""
    import psycopg

    from atlas.bench.db_synthetic import SOURCE
    from atlas.db import schema

    with psycopg.connect(info) as conn:
        if schema.current_version(conn) == 0:
            return False
        row = conn.execute("SELECT sum(rows_pushed) FROM katlas.imports WHERE source_file = %s", (SOURCE,)).fetchone()
        return row is not None and row[0] is not None and int(row[0]) == n


def run_db_cases(n: int, info: str, keep: bool = False) -> list[Result]:
    """Every store case at one size, against the database ``info``. ``keep``: the store already
    holds ``n`` events made by atlas/bench/db_synthetic.py; they are used, not pushed, and kept."""
    import psycopg

    from atlas.bench import synthetic_columns
    from atlas.db import push
    from atlas.model import EventTable

    repeats = 3 if n >= 500_000 else 5
    results = []
    if keep:
        if not _store_holds_synthetic(info, n):
            from atlas.cli.common import CliError

            raise CliError(f"--db-keep: the store does not hold the {n:,} events of atlas/bench/db_synthetic.py "
                           f"(python -m atlas.bench.db_synthetic CONNINFO {n})")
    else:
        table = EventTable.from_columns(n, synthetic_columns(n))
        table.search_column()
        with psycopg.connect(info) as conn:
            _reset(conn)
            pushed = push.push(conn, table, "synthetic")
            search_s = pushed.timings.get("search_index")
            results.append(Result("db_push", n, pushed.committed_s, _copy_floor(conn, table), peak_rss_mb(),
                                  extra={"search_index_s": search_s} if search_s is not None else {}))
            if search_s is not None:
                results.append(Result("db_push_search_index", n, search_s, None, peak_rss_mb()))
            conn.execute("ANALYZE katlas.events")
            conn.commit()
        del table
    results += _screen_cases(n, info, repeats)
    results.append(_window_open(n, info))
    if not keep:
        with psycopg.connect(info) as conn:
            _reset(conn)
    return results


def _screen_cases(n: int, info: str, repeats: int) -> list[Result]:
    """A filter change and its clearing as the window sees them: the model asks its remote store
    (atlas/db/remote.py) for the list's first page and the map's answer for the whole region and
    builds its resident table. Floor: the same SQL statements alone, rows fetched, nothing built."""
    from atlas.db.remote import PostgresEvents
    from atlas.model import All, AtlasModel
    from atlas.model.remote import MapRequest

    store = PostgresEvents(info)
    model = AtlasModel()
    model.set_map_request(MapRequest(REGION, REGION_ZOOM))
    model.set_remote(store)
    flt = _filter()
    floor_store = _BareSql(store)
    times: list[float] = []

    def change() -> None:
        model.set_filter(All())  # untimed: the filter must differ to be applied
        t0 = time.perf_counter()
        model.set_filter(flt)
        times.append(time.perf_counter() - t0)

    def clear() -> None:
        model.set_filter(flt)
        t0 = time.perf_counter()
        model.set_filter(All())
        times.append(time.perf_counter() - t0)

    change()  # warm the server's caches as a first look at the data would
    out = []
    for name, fn, f in (("db_filter_change", change, flt), ("db_filter_clear", clear, All())):
        times.clear()
        for _ in range(repeats):
            fn()
        import statistics

        cells = model.map_cells
        extra = {"list_rows": float(len(model.list_rows)), "map_points": float(model.map_rows.size),
                 "map_cells": float(0 if cells is None else cells.count.size),
                 "cells_sampled": float(1.0 if cells is None else cells.sampled)}
        out.append(Result(name, n, statistics.median(times), timed(lambda f=f: floor_store.screen(f), repeats),
                          peak_rss_mb(), extra=extra))
    store.close()
    return out


class _BareSql:
    """The SQL a screen sends, alone: the first page's statement and the map's (in a big store
    the sampled cells; else the count that decides points or cells, then those), rows fetched as
    tuples, no table built."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def screen(self, flt: Any) -> None:
        from psycopg import sql

        from atlas.db import cells
        from atlas.db.query import select

        conn = self.store.conn
        order = sql.SQL(" ORDER BY coalesce(e.event_date, 'infinity'::date), e.event_id LIMIT 200")
        q, params = select(flt, order)
        conn.execute(q, params).fetchall()
        cell_deg = cells.cell_size_deg(REGION_ZOOM)
        if cells.stored_rows_estimate(conn) > cells.SAMPLE_ROWS:
            got = cells.cells(conn, flt, REGION, cell_deg, sample_rows=cells.SAMPLE_ROWS, exact_if_few=False)
            if got.sampled < 1.0 and got.raw_rows >= cells.MIN_SAMPLED_ROWS:
                return
        if cells.in_view_at_most(conn, flt, REGION, self.store.point_threshold) > self.store.point_threshold:
            cells.cells(conn, flt, REGION, cell_deg)
        else:
            q, params = select(flt, sql.SQL(" AND e.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"), REGION)
            conn.execute(q, params).fetchall()


#: Run in a fresh process: the window opened on the store (argv[1]; "" for the floor: the empty
#: window), as ``main.py --db`` opens it: the store's first screen is fetched before the window's
#: first paint, which is timed as the startup case times it (atlas/bench/startup.py).
_WINDOW_SCRIPT = r"""
import json, os, resource, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
{helper}
from atlas.model import AtlasModel
from atlas.ui.main_window import MainWindow
win = MainWindow(AtlasModel())
win.resize(1600, 1000)
win.show()
if sys.argv[1]:
    err = win.feature("database").open_database(sys.argv[1])
    assert err is None, err
painted, cpu, _, _, _ = run_until_painted(app, win, settle_s=0.0)
listed = win.event_list.table_model.rowCount()
got = win.feature("database").wait_for_aggregates(120.0) if sys.argv[1] else True

def peak_mb():
    # This process's own high-water mark (VmHWM): ru_maxrss would carry over the peak of the
    # bench process that forked it (Linux keeps it across exec).
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

print(json.dumps({{"painted": painted, "cpu_s": cpu, "totals": time.monotonic() if got else -1,
                  "listed": listed, "resident": len(win.model.table), "peak_mb": peak_mb()}}))
"""


def _window_open(n: int, info: str) -> Result:
    """Opening the atlas on the store (issue 16: interactive in 2 s, within 500 MB): a fresh
    process builds the window, opens the store and paints the window with the store's first
    screen (the list's first page, the map's cells or points); timed from the process's start to
    the end of that first paint pass, when the window answers the user. Floor: a fresh process
    painting the same window empty (what any start costs before the first byte from the server),
    run just before. ``totals_s``: until the store's totals and facet counts arrived too."""
    import json
    import os
    import subprocess
    import sys

    from atlas.bench.startup import FIRST_PAINT_HELPER

    script = _WINDOW_SCRIPT.format(helper=FIRST_PAINT_HELPER)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}

    def run(target: str) -> tuple[float, dict[str, Any]]:
        t0 = time.monotonic()
        res = subprocess.run([sys.executable, "-c", script, target], capture_output=True, text=True, timeout=600,
                             env=env)
        if res.returncode != 0:
            raise RuntimeError(f"the window did not open{' on the store' if target else ''}:\n{res.stderr[-2000:]}")
        got = json.loads(res.stdout.strip().splitlines()[-1])
        return t0, got

    t_floor, floor = run("")
    t0, got = run(info)
    return Result("db_window_open", n, got["painted"] - t0, floor["painted"] - t_floor, got["peak_mb"],
                  extra={"peak_mb": got["peak_mb"], "totals_s": got["totals"] - t0 if got["totals"] > 0 else -1,
                         "listed": float(got["listed"]), "resident_rows": float(got["resident"]),
                         "cpu_s": got["cpu_s"], "floor_cpu_s": floor["cpu_s"]})


def _count_sql(flt: Any) -> tuple[Any, list[Any]]:
    from psycopg import sql

    from atlas.db.query import where

    cond, params = where(flt)
    return sql.SQL("SELECT count(*) FROM katlas.events WHERE {}").format(cond), params


def _copy_floor(conn: Any, table: Any) -> float:
    """The COPY of the same CSV into a table without indexes or constraints (then dropped)."""
    from atlas.db.push import DIRECT_COLUMNS, csv_blocks

    blocks = list(csv_blocks(table, direct=("synthetic", 1)))
    with conn.transaction():
        # Unlogged like a staging area, but in shared buffers (a temporary table has only 8 MB).
        conn.execute("CREATE UNLOGGED TABLE katlas.copy_floor (LIKE katlas.events INCLUDING DEFAULTS)")
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                f"COPY katlas.copy_floor ({', '.join(DIRECT_COLUMNS)}) FROM STDIN (FORMAT csv)") as copy:
            for block in blocks:
                copy.write(block)
        took = time.perf_counter() - t0
        conn.execute("DROP TABLE katlas.copy_floor")
    return took
