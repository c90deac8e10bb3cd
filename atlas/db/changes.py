"""What colleagues changed since a window last looked: the change log of layout version 4.

Every statement that writes events logs the ids it changed in ``katlas.changes`` (with the row as
it was before an update or delete) and notifies ``katlas_events`` with its operation and row count
only, so no payload comes near NOTIFY's 8000-byte limit whatever the size of the statement; a
statement of more than :data:`atlas.db.schema.CHANGE_LOG_MAX_ROWS` events (a big publish) logs one
``MANY`` row. A window keeps a *token*, the server's snapshot (``pg_current_snapshot()``) when it
last read the log: the changes since are those whose transaction that snapshot did not see. A
sequence number alone would miss a change whose number was taken before another's but committed
after it.

:func:`read_changes` turns those changes into what the window's list needs, all in one
repeatable-read transaction (one snapshot for every answer): the changed events as stored now,
the list's stretch of rows afterwards in the server's order (the rows it shows minus the changed
ones, plus the changed ones that pass the filter and fall in that stretch), and how many events
that pass the filter appeared or left above the stretch (after a jump of the scroll bar, so the
rows keep their true positions). The old rows are evaluated against the filter by the server,
from the log's JSON, with the same SQL as the stored events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from psycopg import sql
from psycopg.types.json import Jsonb

from atlas.model.filters import All, Filter
from atlas.model.remote import StoreChanges as Changes
from atlas.model.table import EventTable

from .pager import Key
from .query import rows_to_table, select, where
from .schema import CHANGE_LOG_TRIGGERS

#: More changed events than this at once: the window reads its view again instead (cheaper than
#: placing each one, and the answer to a big publish that the log names one by one).
MAX_PLACED = 2_000

_KEY = "(coalesce({d}, 'infinity'::date), {i})"


def has_log(conn: Any) -> bool:
    """Whether the store has the change log (layout version 4 or later)."""
    return bool(conn.execute("SELECT to_regclass('katlas.changes') IS NOT NULL").fetchone()[0])


def current_token(conn: Any) -> str:
    """The server's snapshot now: the changes committed after it are those it did not see."""
    return str(conn.execute("SELECT pg_current_snapshot()::text").fetchone()[0])


def read_changes(conn: Any, token: str, flt: Filter = All(), listed: list[Key] | None = None,
                 list_start: int = 0, more: bool = False,
                 positioned_at: str | None = None) -> tuple[str, Changes | None]:
    """The changes committed since ``token``: (the new token, what they mean for the list), the
    second None when they are too many to place one by one (a big publish, a truncate: read the
    view again). ``listed``: the keys of the list's stretch (from row ``list_start``; ``more``:
    rows follow it on the server). ``positioned_at``: the snapshot at which ``list_start`` was
    counted (a jump after ``token``), so changes it already counted do not move it again."""
    listed = listed or []
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        new_token = current_token(conn)
        base = positioned_at or token
        log = conn.execute(
            "SELECT op, event_id, old_row, pg_visible_in_snapshot(xid, %s::pg_snapshot) FROM katlas.changes "
            "WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot) "
            "ORDER BY seq LIMIT %s", (base, token, token, MAX_PLACED * 4 + 1)).fetchall()
        if not log:
            return new_token, _nothing()
        if len(log) > MAX_PLACED * 4 or any(op in ("MANY", "TRUNCATE") for op, *_ in log):
            return new_token, None
        # Per event: the row as it was before its first change this window has not counted
        # (None: it did not exist then, or every change was counted already).
        order: list[str] = []
        old: dict[str, dict[str, Any] | None] = {}
        counted: dict[str, bool] = {}
        for op, eid, old_row, seen_by_base in log:
            if eid is None:
                continue
            if eid not in counted:
                order.append(eid)
                counted[eid] = True
            if seen_by_base or eid in old:
                continue
            old[eid] = None if op == "INSERT" else old_row
        if len(order) > MAX_PLACED:
            return new_token, None
        return new_token, _place(conn, flt, order, old, listed, list_start, more)


def _nothing() -> Changes:
    return Changes(EventTable.empty(), (), (), 0, 0, np.empty(0), np.empty(0))


def _place(conn: Any, flt: Filter, ids: list[str], old: dict[str, dict[str, Any] | None],
           listed: list[Key], list_start: int, more: bool) -> Changes:
    query, params = select(All(), sql.SQL(" AND e.event_id = ANY(%s) ORDER BY e.event_id"), (ids,))
    with conn.cursor() as cur:
        cur.execute(query, params)
        now = rows_to_table(cur.fetchall())
    cond, cparams = where(flt)
    passing = [str(r[0]) for r in conn.execute(
        sql.SQL("SELECT event_id FROM katlas.events WHERE event_id = ANY(%s) AND {}").format(cond),
        [ids, *cparams]).fetchall()]
    first = listed[0] if listed else None
    last = listed[-1] if listed else None
    positioned = first is not None and list_start > 0  # rows before the stretch are not read
    # The rows as they were: the same filter, evaluated by the server on the logged JSON.
    before = [row for row in old.values() if row is not None]
    old_pass = old_above = 0
    old_lon = np.full(len(before), np.nan)
    old_lat = np.full(len(before), np.nan)
    if before:
        rows = conn.execute(
            sql.SQL("SELECT (" + _KEY + " < (%s::date, %s)) AS above, ({cond}) AS passes, ST_X(geom), ST_Y(geom) "
                    "FROM jsonb_populate_recordset(NULL::katlas.events, %s) AS e").format(
                d=sql.SQL("event_date"), i=sql.SQL("event_id"), cond=cond),
            [*(first.params() if first else ("infinity", "")), *cparams, Jsonb(before)]).fetchall()
        for k, (above, passes, x, y) in enumerate(rows):
            old_lon[k] = np.nan if x is None else x
            old_lat[k] = np.nan if y is None else y
            if passes:
                old_pass += 1
                old_above += bool(above) and positioned
    shift = 0
    if positioned:
        assert first is not None
        uncounted = [eid for eid in passing if eid in old]
        if uncounted:
            shift = int(conn.execute(
                sql.SQL("SELECT count(*) FROM katlas.events WHERE event_id = ANY(%s) AND " + _KEY
                        + " < (%s::date, %s)").format(d=sql.SQL("event_date"), i=sql.SQL("event_id")),
                [uncounted, *first.params()]).fetchone()[0])
        shift -= old_above
    # The stretch afterwards: its unchanged rows and the changed ones that pass and fall in it
    # (not before its first row when rows before it exist, not after its last when rows follow
    # it), put in order by the server, whose collation orders the ids.
    changed = set(ids)
    cands = [k for k in listed if k.event_id not in changed] + [_key_of(now, eid) for eid in passing]
    stretch: list[str] = []
    if cands:
        key = sql.SQL(_KEY).format(d=sql.SQL("k.d"), i=sql.SQL("k.i"))
        bounds: list[sql.Composable] = [sql.SQL("TRUE")]
        bparams: list[Any] = []
        if positioned:
            assert first is not None
            bounds.append(key + sql.SQL(" >= (%s::date, %s)"))
            bparams += first.params()
        if more and last is not None:
            bounds.append(key + sql.SQL(" <= (%s::date, %s)"))
            bparams += last.params()
        got = conn.execute(
            sql.SQL("SELECT k.i FROM unnest(%s::date[], %s::text[]) AS k(d, i) WHERE {b} ORDER BY {key}").format(
                b=sql.SQL(" AND ").join(bounds), key=key),
            [[k.day for k in cands], [k.event_id for k in cands], *bparams]).fetchall()
        stretch = [str(r[0]) for r in got]
    gone = tuple(sorted(changed - {str(i) for i in now.ids}))
    return Changes(now, gone, tuple(stretch), shift, len(passing) - old_pass, old_lon, old_lat)


def _key_of(table: EventTable, eid: str) -> Key:
    from .pager import key_of

    row = table.index_of(eid)
    assert row is not None
    return key_of(table, row)


def quiet_for_bulk(cur: Any) -> bool:
    """A bulk publish: switch the per-event log off for this transaction (its triggers would keep
    every row of millions in a transition table); :func:`log_bulk` then logs it as one change.
    Returns whether the store has the log (ALTER TABLE needs the owner, as the bulk path does)."""
    if not has_log(cur.connection):
        return False
    for name in CHANGE_LOG_TRIGGERS:
        cur.execute(f"ALTER TABLE katlas.events DISABLE TRIGGER {name}")  # constant names
    return True


def log_bulk(cur: Any, rows: int) -> None:
    """The bulk publish as one MANY change, and the log's triggers on again (same transaction)."""
    for name in CHANGE_LOG_TRIGGERS:
        cur.execute(f"ALTER TABLE katlas.events ENABLE TRIGGER {name}")  # constant names
    cur.execute("INSERT INTO katlas.changes (op, rows) VALUES ('MANY', %s)", (int(rows),))
    cur.execute("SELECT pg_notify('katlas_events', json_build_object('op', 'MANY', 'rows', %s::bigint)::text)",
                (int(rows),))
