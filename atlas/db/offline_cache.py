"""A local copy of what the window read from a shared store, for a start while the server is gone.

While a store is open, the rows the window read (the list's pages, the map's events in view, the
selected events), the store's totals and facet counts and the map's last counted cells are written
to the user's cache folder, one folder per connection: ``events.parquet`` (GeoParquet, the atlas's
own reader and writer) and ``meta.json``. When the same connection is opened later and the server
cannot be reached, the window shows this copy instead of nothing: read-only, marked stale with the
time it was read (atlas/ui/database_feature.py).

The folder's name is a hash of the connection *without its secret* (:func:`without_secret`), and
only that form is written in ``meta.json``: a password never reaches the disk. The size is bounded:
at most :data:`MAX_ROWS` events per connection (those read last are kept) and :data:`MAX_TOTAL_BYTES`
for all connections together (the least recently written connections are removed first).

No widgets and no driver here (psycopg's conninfo parser only): the cache is plain files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from atlas.model.remote import Aggregates, MapCells, MapRequest, append_new, replace_rows
from atlas.model.table import EventTable

from .connect import without_secret

#: Events kept per connection (a few hundred pages: enough for what one person reads).
MAX_ROWS = 100_000
#: All connections' caches together; the least recently written go first.
MAX_TOTAL_BYTES = 256 << 20
#: The layout of the files; another version is not read (a newer atlas may write more).
CACHE_VERSION = 1
EVENTS_FILE = "events.parquet"
META_FILE = "meta.json"


def cache_key(connection: str) -> str:
    """The folder name of a connection: a hash of its form without secret."""
    return hashlib.sha256(without_secret(connection).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, eq=False)
class CachedStore:
    """What a connection's cache holds: the events read and what the server said about them."""

    connection: str
    table: EventTable
    #: when the first and the last of these events were read (UTC)
    read_first: dt.datetime
    read_at: dt.datetime
    #: the store's size and the last totals' filter, count and facet counts (None: not counted)
    store_total: int | None = None
    filter_text: str = ""
    total: int | None = None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the map's last view and its counted cells (None: the map drew events one by one)
    map_request: MapRequest | None = None
    cells: MapCells | None = None


class ReadRows:
    """The events read from one store in this session, newest values kept, bounded to ``max_rows``
    (the rows read longest ago are dropped first)."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.max_rows = max_rows
        self.table = EventTable.empty()
        self.read_first: dt.datetime | None = None

    def add(self, table: EventTable) -> None:
        if not len(table):
            return
        if self.read_first is None:
            self.read_first = _now()
        merged = replace_rows(self.table, table) if len(self.table) else self.table
        merged, _ = append_new(merged, table)
        if len(merged) > self.max_rows:
            merged = merged.take(np.arange(len(merged) - self.max_rows, len(merged), dtype=np.intp))
        self.table = merged

    def drop(self, ids: set[str]) -> None:
        """Forget the events ``ids`` (a colleague deleted them: a cache must not bring them back)."""
        if not ids or not len(self.table):
            return
        rows = self.table.rows_of(ids)
        if rows.size:
            self.table = self.table.take(np.setdiff1d(np.arange(len(self.table), dtype=np.intp), rows))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def save(root: str | Path, connection: str, table: EventTable, *, read_first: dt.datetime | None = None,
         aggregates: Aggregates | None = None, filter_text: str = "", map_request: MapRequest | None = None,
         cells: MapCells | None = None, max_total_bytes: int = MAX_TOTAL_BYTES) -> Path:
    """Write ``table`` and what the server said as ``connection``'s cache under ``root``; returns
    its folder. The files are replaced whole (written aside, then renamed)."""
    from atlas.io.geoparquet_events import write_geoparquet

    shown = without_secret(connection)  # the only form that reaches the disk
    folder = Path(root) / cache_key(shown)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = _now()
    meta: dict[str, Any] = {
        "version": CACHE_VERSION,
        "connection": shown,
        "read_first": (read_first or now).isoformat(),
        "read_at": now.isoformat(),
        "rows": len(table),
        "store_total": None if aggregates is None else aggregates.store_total,
        "filter": filter_text,
        "total": None if aggregates is None else aggregates.total,
        "facets": {} if aggregates is None else aggregates.facets,
        "map_request": None if map_request is None else {"bbox": list(map_request.bbox), "zoom": map_request.zoom},
        "cells": None if cells is None else {
            "lon": cells.lon.tolist(), "lat": cells.lat.tolist(), "count": cells.count.tolist(),
            "cell_deg": cells.cell_deg, "sampled": cells.sampled},
    }
    write_geoparquet(table, folder / EVENTS_FILE)
    tmp = folder / (META_FILE + ".part")
    tmp.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(tmp, folder / META_FILE)  # last: a folder with meta.json has its events written
    for f in (folder / EVENTS_FILE, folder / META_FILE):
        os.chmod(f, 0o600)
    prune(root, max_total_bytes, keep=folder)
    return folder


def load(root: str | Path, connection: str) -> CachedStore | None:
    """``connection``'s cache under ``root``, or None (none written, another layout, unreadable)."""
    from atlas.io.geoparquet_events import read_geoparquet
    from atlas.io.report import InputError

    folder = Path(root) / cache_key(connection)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("version") != CACHE_VERSION:
            return None
        table, _report = read_geoparquet(folder / EVENTS_FILE)
        req = meta.get("map_request")
        cells = meta.get("cells")
        return CachedStore(
            connection=str(meta["connection"]), table=table,
            read_first=dt.datetime.fromisoformat(meta["read_first"]),
            read_at=dt.datetime.fromisoformat(meta["read_at"]),
            store_total=_int_or_none(meta.get("store_total")),
            filter_text=str(meta.get("filter") or ""),
            total=_int_or_none(meta.get("total")),
            facets={str(k): {str(v): int(n) for v, n in d.items()} for k, d in (meta.get("facets") or {}).items()},
            map_request=None if not req else MapRequest(tuple(float(v) for v in req["bbox"]), float(req["zoom"])),
            cells=None if not cells else MapCells(
                np.asarray(cells["lon"], np.float64), np.asarray(cells["lat"], np.float64),
                np.asarray(cells["count"], np.int64), float(cells["cell_deg"]), float(cells["sampled"])),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InputError):
        return None


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def prune(root: str | Path, max_total_bytes: int = MAX_TOTAL_BYTES, keep: Path | None = None) -> None:
    """Remove the least recently written connections' caches until all fit in ``max_total_bytes``
    (``keep``, the one just written, stays even if it alone is larger)."""
    base = Path(root)
    if not base.is_dir():
        return
    folders = []
    for f in base.iterdir():
        if f.is_dir() and len(f.name) == 32:
            try:
                folders.append(((f / META_FILE).stat().st_mtime if (f / META_FILE).exists() else 0.0,
                                _folder_bytes(f), f))
            except OSError:
                continue
    total = sum(size for _t, size, _f in folders)
    for _t, size, f in sorted(folders, key=lambda x: x[0]):
        if total <= max_total_bytes:
            break
        if keep is not None and f == keep:
            continue
        shutil.rmtree(f, ignore_errors=True)
        total -= size
