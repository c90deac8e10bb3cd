"""Keyset pagination of the stored events, for a list that never loads the whole store.

A page is the next ``size`` events after a key in the list's order (day, undated last, then id):
``WHERE (day, id) > (key) ORDER BY day, id LIMIT size``, a range scan of the ``events_keyset``
index however deep the page. An OFFSET would read and throw away every earlier row. The keys travel
as bound parameters like every filter value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import sql

from atlas.model.filters import All, Filter
from atlas.model.table import EventTable

from .query import ORDER_KEY, rows_to_table, select, where


@dataclass(frozen=True)
class Key:
    """A position in the list's order: the event's day (None: undated, which sort last) and id."""

    day: dt.date | None
    event_id: str

    def params(self) -> tuple[str, str]:
        return ("infinity" if self.day is None else self.day.isoformat(), self.event_id)


def key_of(table: EventTable, row: int) -> Key:
    """The key of ``table``'s row (a row of a page)."""
    d = table.date[row]
    day = None if np.isnat(d) else d.astype("datetime64[D]").item()
    return Key(day, str(table.ids[row]))


@dataclass(frozen=True)
class KeyDirectory:
    """Every ``every``-th key of one filter's list, in order (``keys[i]`` is row ``i * every``)."""

    filter: Filter
    every: int
    keys: tuple[Key, ...]


class KeysetPager:
    """Pages of the events that pass one filter, in the list's order."""

    def __init__(self, conn: Any, flt: Filter = All(), size: int = 200) -> None:
        if size < 1:
            raise ValueError("a page has at least one row")
        self.conn = conn
        self.filter = flt
        self.size = size

    def _page(self, key: Key | None, forward: bool, inclusive: bool = False) -> EventTable:
        direction = sql.SQL("" if forward else " DESC")
        order = sql.SQL(" ORDER BY coalesce(e.event_date, 'infinity'::date){d}, e.event_id{d}").format(d=direction)
        limit = sql.SQL(" LIMIT {}").format(sql.Literal(int(self.size)))  # an int we checked
        if key is None:
            query, params = select(self.filter, order + limit)
        else:
            cmp = sql.SQL((">" if forward else "<") + ("=" if inclusive else ""))
            tail = sql.SQL(" AND ({key}) {cmp} (%s::date, %s)").format(key=ORDER_KEY, cmp=cmp) + order + limit
            query, params = select(self.filter, tail, key.params())
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            rows = cur.fetchall()
        if not forward:
            rows.reverse()
        return rows_to_table(rows)

    def first(self) -> EventTable:
        """The first page."""
        return self._page(None, True)

    def after(self, key: Key) -> EventTable:
        """The page that follows ``key`` (empty past the end)."""
        return self._page(key, True)

    def before(self, key: Key) -> EventTable:
        """The page that ends just before ``key``, in the list's order."""
        return self._page(key, False)

    def starting_at(self, key: Key) -> EventTable:
        """The page that begins with ``key`` (or the first key after it)."""
        return self._page(key, True, inclusive=True)

    def key_at(self, position: int, directory: KeyDirectory | None = None) -> Key | None:
        """The key of row ``position`` (0-based) of the list, None past its end: for a jump of
        the list's scroll bar. An ``OFFSET`` over the keys alone (the keyset index's own columns,
        no row read whole), once per jump; the pages from there are keyset seeks again. With a
        ``directory`` of this filter the walk starts at the nearest key it has at or before
        ``position`` (at most ``directory.every`` rows) instead of at the top."""
        if position < 0:
            raise ValueError("a list position is at least 0")
        cond, params = where(self.filter)
        start, skip = sql.SQL(""), int(position)
        if directory is not None and directory.keys:
            i = min(position // directory.every, len(directory.keys) - 1)
            start = sql.SQL(" AND ({key}) >= (%s::date, %s)").format(key=ORDER_KEY)
            params = [*params, *directory.keys[i].params()]
            skip = int(position) - i * directory.every
        query = sql.SQL("SELECT e.event_date, e.event_id FROM katlas.events e WHERE {w}{start} "
                        "ORDER BY {key} OFFSET %s LIMIT 1").format(w=cond, start=start, key=ORDER_KEY)
        row = self.conn.execute(query, [*params, skip]).fetchone()
        return None if row is None else Key(row[0], str(row[1]))

    def position(self, key: Key) -> int:
        """How many rows of the list come before ``key``: a count over the keyset index up to it
        (as costly as the OFFSET of a jump to that position)."""
        cond, params = where(self.filter)
        query = sql.SQL("SELECT count(*) FROM katlas.events e WHERE {w} AND ({key}) < (%s::date, %s)").format(
            w=cond, key=ORDER_KEY)
        return int(self.conn.execute(query, [*params, *key.params()]).fetchone()[0])

    def at(self, position: int, directory: KeyDirectory | None = None) -> EventTable:
        """The page that begins at row ``position`` of the list (empty past its end)."""
        key = self.key_at(position, directory)
        return rows_to_table([]) if key is None else self.starting_at(key)

    def directory(self, every: int) -> KeyDirectory:
        """Every ``every``-th key of the list (rows 0, every, 2·every, …): one walk of the keys,
        done with the totals off the GUI thread, after which a jump walks at most ``every`` rows."""
        if every < 1:
            raise ValueError("a directory keeps every k-th key, k >= 1")
        cond, params = where(self.filter)
        query = sql.SQL("SELECT d, i FROM (SELECT e.event_date AS d, e.event_id AS i, "
                        "row_number() OVER (ORDER BY {key}) - 1 AS n FROM katlas.events e WHERE {w}) k "
                        "WHERE n %% %s = 0 ORDER BY n").format(key=ORDER_KEY, w=cond)
        rows = self.conn.execute(query, [*params, int(every)]).fetchall()
        return KeyDirectory(self.filter, int(every), tuple(Key(d, str(i)) for d, i in rows))

    def last(self) -> EventTable:
        """The last page."""
        return self._page(None, False)
