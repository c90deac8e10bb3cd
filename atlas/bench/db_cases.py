"""``main.py bench --db URI|scratch``: the shared store's hot paths against a real server.

``scratch`` starts a throwaway PostgreSQL + PostGIS cluster (atlas/bench/pg_cluster.py) and removes
it afterwards; a URI must name an empty database (the bench creates the atlas's tables in it and
drops them at the end, so it refuses a database that already has them). For each size: the push
of that many synthetic events (issue 16: 1M in 60 s; floor: the COPY of the same CSV into a table
without indexes), then a filter change and its clearing as the window would see them: the list's
first page (keyset) and the map's points or cells for the whole region (goal 300 ms each; floor:
the server counting the rows that pass the filter, which any answer must visit).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from atlas.bench import BenchContext, Result, peak_rss_mb, timed

#: The whole region at the zoom the window opens with.
REGION = (33.0, 50.0, 38.5, 52.8)
REGION_ZOOM = 7.0
PAGE_ROWS = 200
def _filter() -> Any:
    from atlas.model import Categories, DateRange, Text

    return (DateRange(dt.date(2024, 8, 20), dt.date(2024, 12, 31))
            & Categories("event_type", {"Battles", "Strategic developments"}) & Text("sudzha"))


@contextmanager
def database(target: str) -> Iterator[str]:
    """A conninfo to bench in: a scratch server's database, or ``target`` if it has no atlas tables."""
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


def run_db_cases(ctx: BenchContext, info: str) -> list[Result]:
    """Every store case at one size, against the database ``info``."""
    import psycopg

    from atlas.db import cells, push
    from atlas.db.pager import KeysetPager
    from atlas.model import All, EventTable

    table = EventTable.from_columns(ctx.n, ctx.columns)
    table.search_column()
    results = []
    with psycopg.connect(info) as conn:
        _reset(conn)
        pushed = push.push(conn, table, "synthetic")
        search_s = pushed.timings.get("search_index")
        results.append(Result("db_push", ctx.n, pushed.committed_s, _copy_floor(conn, table), peak_rss_mb(),
                              extra={"search_index_s": search_s} if search_s is not None else {}))
        if search_s is not None:
            results.append(Result("db_push_search_index", ctx.n, search_s, None, peak_rss_mb()))

        def screen(flt: Any) -> None:
            KeysetPager(conn, flt, PAGE_ROWS).first()
            cells.map_data(conn, REGION, REGION_ZOOM, flt)

        def count(flt: Any) -> None:
            conn.execute(*_count_sql(flt)).fetchone()

        flt = _filter()
        screen(flt)  # warm the server's caches as a first look at the data would
        results.append(Result("db_filter_change", ctx.n, timed(lambda: screen(flt), ctx.repeats),
                              timed(lambda: count(flt), ctx.repeats), peak_rss_mb()))
        results.append(Result("db_filter_clear", ctx.n, timed(lambda: screen(All()), ctx.repeats),
                              timed(lambda: count(All()), ctx.repeats), peak_rss_mb()))
        _reset(conn)
    return results


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
