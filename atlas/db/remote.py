"""The shared store as the model's remote source (atlas/model/remote.py): nothing loaded whole.

:class:`PostgresEvents` answers the model's questions with SQL whose every value is bound: the
list's pages through the keyset pager, the map's view through :mod:`atlas.db.cells` (points while
few, ``ST_SnapToGrid`` cells per zoom above the threshold, estimated from a block sample of a big
store, see :func:`atlas.db.cells.map_data`), the events of a colleague's edit by id, and the totals
(count, facet counts, the timeline's bars) that take a full scan at millions of rows, which the
window asks for off its GUI thread on a connection of their own (:meth:`aggregates_on_new_connection`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import psycopg
from psycopg import sql

from atlas.model.filters import All, DateRange, Filter
from atlas.model.remote import Aggregates, MapAnswer, MapCells, MapRequest, RemoteUnavailable, StoreChanges
from atlas.model.table import EventTable

from . import cells
from .changes import current_token, read_changes
from .connect import connect, display_name, without_secret
from .facet_counts import MULTI_FACETS, count_facets, count_multi
from .pager import KeyDirectory, KeysetPager, key_of
from .provenance import view_datasets
from .query import rows_to_table, select, where

#: A list page: a few screens of rows.
PAGE_ROWS = 200
#: A list longer than this gets a directory of every k-th key with its totals (shorter lists
#: walk the keys from the top on a jump in a few ms).
DIRECTORY_MIN_ROWS = 20_000
#: About this many keys in a directory, k at least DIRECTORY_MIN_EVERY: a jump walks <= k rows.
DIRECTORY_KEYS = 2_000
DIRECTORY_MIN_EVERY = 100


F = TypeVar("F", bound=Callable[..., Any])


def _reachable(method: F) -> F:
    """A lost connection becomes the model's RemoteUnavailable (it then keeps what it holds)."""
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise RemoteUnavailable(" ".join(str(exc).split()) or type(exc).__name__) from exc
    return wrapper  # type: ignore[return-value]


class PostgresEvents:
    """The model's :class:`~atlas.model.remote.RemoteEvents` on a PostgreSQL/PostGIS store."""

    def __init__(self, target: str, page_size: int = PAGE_ROWS,
                 point_threshold: int | None = None) -> None:
        self.target = target
        self.label = without_secret(target)
        self.source_name = display_name(target)
        #: Every k-th key of the current filter's list (built with the totals): jumps start there.
        self.directory: KeyDirectory | None = None
        self.page_size = page_size
        self.point_threshold = cells.REMOTE_POINT_THRESHOLD if point_threshold is None else point_threshold
        # Autocommit: each read sees the latest committed rows and holds no snapshot open.
        self.conn: Any = connect(target, autocommit=True)
        # These are short queries a person waits for: compiling them (JIT) costs more than it
        # saves (measured at 10M rows: the in-view count spent most of its time compiling).
        self.conn.execute("SET jit = off")
        # Where the change log starts for this window (None: a store without the log, layout < 4,
        # whose notifications make the window read its view again).
        has_log, snapshot = self.conn.execute(
            "SELECT to_regclass('katlas.changes') IS NOT NULL, pg_current_snapshot()::text").fetchone()
        self.token: str | None = str(snapshot) if has_log else None
        #: The snapshot at which the last jump counted its list position (changes it saw are in it).
        self._positioned_at: str | None = None

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ RemoteEvents
    @_reachable
    def first_page(self, flt: Filter) -> EventTable:
        return KeysetPager(self.conn, flt, self.page_size).first()

    @_reachable
    def leading(self, flt: Filter, n: int) -> EventTable:
        return KeysetPager(self.conn, flt, max(1, int(n))).first()

    @_reachable
    def page_at(self, flt: Filter, position: int) -> EventTable:
        directory = self.directory
        if directory is not None and directory.filter != flt:
            directory = None
        if self.token is None:
            return KeysetPager(self.conn, flt, self.page_size).at(position, directory)
        with self.conn.transaction():  # the position and the snapshot it was counted at, together
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            snapshot = current_token(self.conn)
            page = KeysetPager(self.conn, flt, self.page_size).at(position, directory)
        self._positioned_at = snapshot
        return page

    @_reachable
    def changes(self, flt: Filter, table: EventTable, list_rows: Any, list_start: int,
                more: bool) -> StoreChanges | None:
        """What colleagues changed since the last call, placed in the list (atlas/db/changes.py)."""
        if self.token is None:
            return None
        listed = [key_of(table, int(r)) for r in list_rows]
        token, got = read_changes(self.conn, self.token, flt, listed, list_start, more, self._positioned_at)
        self.token, self._positioned_at = token, None
        return got

    @_reachable
    def page_before(self, flt: Filter, table: EventTable, row: int) -> EventTable:
        return KeysetPager(self.conn, flt, self.page_size).before(key_of(table, row))

    @_reachable
    def rows_from(self, flt: Filter, table: EventTable, row: int, n: int) -> EventTable:
        return KeysetPager(self.conn, flt, max(1, int(n))).starting_at(key_of(table, row))

    @_reachable
    def position_of(self, flt: Filter, table: EventTable, row: int) -> int:
        return KeysetPager(self.conn, flt).position(key_of(table, row))

    @_reachable
    def estimate_count(self, flt: Filter) -> int:
        return estimate_count(self.conn, flt)

    @_reachable
    def page_after(self, flt: Filter, table: EventTable, row: int) -> EventTable:
        return KeysetPager(self.conn, flt, self.page_size).after(key_of(table, row))

    @_reachable
    def map_view(self, flt: Filter, request: MapRequest) -> MapAnswer:
        """Cells when the view is dense, the events themselves when sparse.

        A big store is asked for sampled cells first: their scaled total says whether the view is
        dense, and then they are the answer (one query). Otherwise the events in view are counted
        up to the threshold (a ``LIMIT``), then read whole or counted exactly per cell."""
        cell_deg = cells.cell_size_deg(request.zoom)
        if cells.stored_rows_estimate(self.conn) > cells.SAMPLE_ROWS:
            sampled = cells.cells(self.conn, flt, request.bbox, cell_deg, sample_rows=cells.SAMPLE_ROWS,
                                  exact_if_few=False)
            if sampled.sampled < 1.0 and sampled.raw_rows >= cells.MIN_SAMPLED_ROWS:
                return MapAnswer(cells=_map_cells(sampled))
        if cells.in_view_at_most(self.conn, flt, request.bbox, self.point_threshold) <= self.point_threshold:
            return MapAnswer(points=self._points(flt, request.bbox))
        return MapAnswer(cells=_map_cells(cells.cells(self.conn, flt, request.bbox, cell_deg)))

    def _points(self, flt: Filter, bbox: tuple[float, float, float, float]) -> EventTable:
        """The events in ``bbox`` that pass ``flt``, whole (the details show them when clicked)."""
        x0, y0, x1, y1 = (float(v) for v in bbox)
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        query, params = select(flt, sql.SQL(" AND e.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"), box)
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return rows_to_table(cur.fetchall())

    @_reachable
    def events(self, ids: list[str]) -> EventTable:
        if not ids:
            return EventTable.empty()
        query, params = select(All(), sql.SQL(" AND e.event_id = ANY(%s)"), (list(ids),))
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return rows_to_table(cur.fetchall())

    @_reachable
    def aggregates(self, flt: Filter, facets: tuple[str, ...] = ()) -> Aggregates:
        return aggregates(self.conn, flt, facets)

    @_reachable
    def aggregates_on_new_connection(self, flt: Filter, facets: tuple[str, ...] = (),
                                     estimated: Callable[[int], None] | None = None,
                                     partial: Callable[[Aggregates], None] | None = None) -> Aggregates:
        """:meth:`aggregates` on a connection of its own (for a worker thread). ``estimated``
        first hears the quick estimate of the count (the list's scroll bar spans it meanwhile),
        ``partial`` the totals before the slow facets (actors, outlets) are counted."""
        with connect(self.target, autocommit=True) as conn:
            conn.execute("SET jit = off")
            if estimated is not None:
                estimated(estimate_count(conn, flt))

            def first(got: Aggregates) -> None:
                if partial is not None:
                    partial(got)
                if got.total > DIRECTORY_MIN_ROWS:  # a jump deep into the list: one short walk
                    every = max(DIRECTORY_MIN_EVERY, got.total // DIRECTORY_KEYS)
                    self.directory = KeysetPager(conn, flt).directory(every)

            done: list[Aggregates] = []
            got = aggregates(conn, flt, facets, lambda a: (done.append(a), first(a)))
            if not done:
                first(got)
            return got


def _map_cells(got: Any) -> MapCells:
    return MapCells(got.lon, got.lat, got.count, float(got.cell_deg or 0.0), got.sampled)


def estimate_count(conn: Any, flt: Filter) -> int:
    """How many events pass ``flt``, quickly: the planner's row count for no filter, a count on a
    block sample of about :data:`cells.SAMPLE_ROWS` rows scaled up in a big store, else exact.
    The list's scroll bar takes it until the exact total arrives (seconds later at 10M rows)."""
    stored = cells.stored_rows_estimate(conn)
    if stored <= cells.SAMPLE_ROWS:
        return _count(conn, flt)
    if isinstance(flt, All):
        return int(stored)
    cond, params = where(flt)
    share = cells.SAMPLE_ROWS / stored
    n = conn.execute(sql.SQL("SELECT count(*) FROM katlas.events TABLESAMPLE SYSTEM (%s) REPEATABLE (%s) WHERE {}")
                     .format(cond), [100.0 * share, cells.SAMPLE_SEED, *params]).fetchone()[0]
    return int(round(int(n) / share))


def _count(conn: Any, flt: Filter) -> int:
    cond, params = where(flt)
    return int(conn.execute(sql.SQL("SELECT count(*) FROM katlas.events WHERE {}").format(cond), params).fetchone()[0])


def aggregates(conn: Any, flt: Filter, facets: tuple[str, ...] = (),
               partial: Callable[[Aggregates], None] | None = None) -> Aggregates:
    """The totals the window shows for ``flt``: how many pass, how many are stored, each facet's
    counts under every term but its own, and the events per (day, type) under every term but the
    date range (the timeline draws what the range leaves out too). ``facets``: any of the filters
    dock's (atlas.db.facet_counts.SERVER_FACETS), actors and outlets included: those take a row
    per value of each event, so ``partial`` first hears the totals without them (``pending``)."""
    parts = flt.parts()

    def without(kind: Any) -> Filter:
        kept = [p for p in parts if not kind(p)]
        out: Filter = All()
        for p in kept:
            out = p if isinstance(out, All) else out & p
        return out

    slow = tuple(f for f in facets if f in MULTI_FACETS)
    # The total, the column facets without a term of their own and where the events come from: one scan.
    came_from: dict[tuple[str, int | None], int] = {}
    total, counts = count_facets(conn, flt, tuple(f for f in facets if f not in slow), came_from)
    store_total = total if isinstance(flt, All) else _count(conn, All())
    cond, params = where(without(lambda p: isinstance(p, DateRange)))
    rows = conn.execute(sql.SQL("SELECT event_date, coalesce(event_type, ''), count(*) FROM katlas.events "
                                "WHERE event_date IS NOT NULL AND {} GROUP BY 1, 2 ORDER BY 1").format(cond),
                        params).fetchall()
    got = Aggregates(
        flt, total, store_total, counts,
        np.array([r[0] for r in rows], dtype="datetime64[D]"), tuple(str(r[1]) for r in rows),
        np.array([r[2] for r in rows], dtype=np.int64), pending=slow,
        datasets=view_datasets(conn, came_from))
    if not slow:
        return got
    if partial is not None:
        partial(got)
    more = {f: count_multi(conn, flt, f) for f in slow}
    return dataclasses.replace(got, facets={f: {**counts, **more}[f] for f in facets if f in counts or f in more},
                               pending=())
