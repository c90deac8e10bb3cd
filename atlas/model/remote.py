"""Events that live on a server: what the model asks a remote store, and the answers it keeps.

A store too big to load (ten million rows in PostgreSQL) is read a screen at a time. The model
keeps a small *resident* table: the list's pages fetched so far, the events the map draws one by
one in the current view, and the selected events. Everything else is an answer the server
computes: how many events pass the filter, the map's counted cells in a dense view, the facet
counts and the timeline's bars. :class:`RemoteEvents` is the interface (atlas/db/remote.py
implements it on PostgreSQL/PostGIS); the model calls it and views read the answers from the
model, so no widget knows where the events come from.

Nothing here touches a widget or a driver: the model stays importable without either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .filters import Filter
from .table import EventTable


class RemoteUnavailable(Exception):
    """The store cannot be reached (the server went away, the network dropped)."""


@dataclass(frozen=True)
class MapRequest:
    """The map's view as the server is asked about it: a lon/lat box and a web-map zoom."""

    bbox: tuple[float, float, float, float]
    zoom: float


@dataclass(frozen=True, eq=False)
class MapCells:
    """Counted cells of a dense view: centres (lon, lat), counts, the cell side in degrees.

    ``sampled`` is the share of the store the counts were estimated from (1.0: exact)."""

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    cell_deg: float
    sampled: float = 1.0

    @property
    def events(self) -> int:
        return int(self.count.sum())


@dataclass(frozen=True, eq=False)
class MapAnswer:
    """The map's events for one view: the events themselves (sparse) or cells (dense)."""

    points: EventTable | None = None
    cells: MapCells | None = None


@dataclass(frozen=True, eq=False)
class Aggregates:
    """The server's totals for one filter (slow at millions of rows: computed off the GUI thread).

    ``total`` events pass the filter (``store_total`` are stored); ``facets[field][value]``
    counts what passes every term but the facet's own; ``days`` the events per (day, type)
    that pass every term but the date range, as parallel arrays. ``pending`` facets are still
    being counted (slow ones follow in a second answer for the same filter). ``datasets``: the
    provenance of the events that pass, for the attribution."""

    filter: Filter
    total: int
    store_total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    day: npt.NDArray[np.datetime64] = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    day_type: tuple[str, ...] = ()
    day_count: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    pending: tuple[str, ...] = ()
    #: where the events that pass come from: (dataset, file that published it, its credit, events)
    datasets: tuple[tuple[str, str, str, int], ...] = ()


@dataclass(frozen=True, eq=False)
class StoreChanges:
    """What colleagues changed since the model last asked, for its filter and its list's stretch.

    ``rows``: the changed events as stored now (those that still exist); ``gone``: the ids of the
    deleted ones; ``listed``: the ids of the list's stretch of rows afterwards, in the list's
    order (its unchanged rows and the changed events that pass the filter and fall in it);
    ``shift``: events that pass the filter gained (negative: lost) before the stretch's first row
    (after a jump of the scroll bar); ``total_delta``: gained or lost in all; ``old_lon`` and
    ``old_lat``: where the changed events were before (NaN: nowhere, or new), for the map."""

    rows: EventTable
    gone: tuple[str, ...]
    listed: tuple[str, ...]
    shift: int
    total_delta: int
    old_lon: npt.NDArray[np.float64]
    old_lat: npt.NDArray[np.float64]

    @property
    def empty(self) -> bool:
        return not len(self.rows) and not self.gone

    @property
    def ids(self) -> tuple[str, ...]:
        """Every changed event's id (existing ones first)."""
        return (*(str(i) for i in self.rows.ids), *self.gone)


class RemoteEvents(Protocol):
    """A store the model reads a screen at a time (atlas/db/remote.py: PostgreSQL/PostGIS).

    Every method raises :class:`RemoteUnavailable` when the store cannot be reached."""

    #: the store's name without any secret (a status line, a workspace)
    label: str
    #: the store named as the events' source on screen and on every picture (no secret either)
    source_name: str
    #: events in a list page
    page_size: int

    def first_page(self, flt: Filter) -> EventTable:
        """The first :attr:`page_size` events that pass ``flt`` in the list's order."""
        ...

    def page_after(self, flt: Filter, table: EventTable, row: int) -> EventTable:
        """The page that follows ``table``'s ``row`` in the list's order (empty past the end)."""
        ...

    def page_at(self, flt: Filter, position: int) -> EventTable:
        """The page that begins at row ``position`` of the list (a jump of its scroll bar)."""
        ...

    def page_before(self, flt: Filter, table: EventTable, row: int) -> EventTable:
        """The page that ends just before ``table``'s ``row`` in the list's order."""
        ...

    def rows_from(self, flt: Filter, table: EventTable, row: int, n: int) -> EventTable:
        """``n`` events from ``table``'s ``row`` on (included), in the list's order."""
        ...

    def position_of(self, flt: Filter, table: EventTable, row: int) -> int:
        """How many events pass ``flt`` before ``table``'s ``row`` in the list's order: its
        position in the whole list (0-based)."""
        ...

    def estimate_count(self, flt: Filter) -> int:
        """How many events pass ``flt``, estimated quickly (exact in a small store)."""
        ...

    def leading(self, flt: Filter, n: int) -> EventTable:
        """The first ``n`` events that pass ``flt`` in the list's order (the list read again)."""
        ...

    def map_view(self, flt: Filter, request: MapRequest) -> MapAnswer:
        """The events in view one by one while they are few, else counted cells."""
        ...

    def events(self, ids: list[str]) -> EventTable:
        """The stored events with these ids (those that still exist)."""
        ...

    def aggregates(self, flt: Filter, facets: tuple[str, ...]) -> Aggregates:
        """Totals, facet counts and the timeline's bars for ``flt`` (may take seconds)."""
        ...

    def changes(self, flt: Filter, table: EventTable, list_rows: npt.NDArray[np.intp], list_start: int,
                more: bool) -> StoreChanges | None:
        """What changed since the last call (or since the store was opened) for a list showing
        ``table``'s ``list_rows`` from position ``list_start`` (``more``: rows follow them). None:
        too much to place one by one, or the store cannot say: read the view again."""
        ...


@dataclass(frozen=True, eq=False)
class Resident:
    """The part of a remote store the model holds: ``table`` and which of its rows are what.

    ``list_rows`` are the list's rows read, in its order, from list position ``list_start`` on (0
    unless the scroll bar jumped into the middle of the list); ``map_rows`` the events the map draws one by one; ``more`` whether the list has
    pages left on the server. ``read_at`` is when the server answered (shown when it goes away)."""

    table: EventTable
    list_rows: npt.NDArray[np.intp]
    map_rows: npt.NDArray[np.intp]
    cells: MapCells | None
    more: bool
    read_at: dt.datetime
    list_start: int = 0


def append_new(table: EventTable, extra: EventTable) -> tuple[EventTable, npt.NDArray[np.intp]]:
    """``table`` followed by the rows of ``extra`` it lacks (by id), and the rows of every event of
    ``extra`` in the result. ``table``'s rows keep their positions (the selection stays valid)."""
    if not len(extra):
        return table, np.empty(0, np.intp)
    known = np.array([table.index_of(str(i)) if len(table) else None for i in extra.ids], dtype=object)
    new = np.flatnonzero([k is None for k in known])
    # An id twice in ``extra`` (two pages overlapping after a colleague's change) is taken once.
    seen: dict[str, int] = {}
    keep = []
    for r in new.tolist():
        key = str(extra.ids[r])
        if key not in seen:
            seen[key] = len(table) + len(keep)
            keep.append(r)
    out = EventTable.concat([table, extra.take(np.asarray(keep, np.intp))]) if keep else table
    rows = np.array([k if k is not None else seen[str(extra.ids[i])] for i, k in enumerate(known)], dtype=np.intp)
    return out, rows


def replace_rows(table: EventTable, fresh: EventTable) -> EventTable:
    """``table`` with the rows whose ids ``fresh`` has replaced by ``fresh``'s values (same
    positions, so the selection, the list and the map keep their rows): a colleague's edit."""
    if not len(fresh):
        return table
    rows = [table.index_of(str(i)) for i in fresh.ids]
    have = [(r, k) for k, r in enumerate(rows) if r is not None]
    if not have:
        return table
    order = np.arange(len(table), dtype=np.intp)
    parts = EventTable.concat([table, fresh.take(np.asarray([k for _, k in have], np.intp))])
    for j, (r, _k) in enumerate(have):
        order[r] = len(table) + j
    return parts.take(order)
