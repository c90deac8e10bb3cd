"""``db push`` of large files without holding them: each file's events read block by block on a
thread and handed to :func:`atlas.db.push.push_files`, which sends each block with COPY while the
next is read (several files in one transaction, each file's rows credited to it).

At ten million ACLED rows the whole read held ~3.6 GB before the first row was sent; here at most
:data:`QUEUED_BLOCKS` blocks wait between the reader and the sender (each
:data:`atlas.io.csv_stream.BUILD_ROWS` events), so memory stays that of a few blocks whatever the
file's size. The reader is the one ``convert`` streams with (:func:`atlas.io.csv_stream.stream_csv`,
ACLED's layouts): the same events as the whole read. A file with a repeated id is read twice (the
copies then renamed as the whole read names them); between the two reads the blocks say
:data:`atlas.db.push.RESTART` and the publish drops what it sent. A file whose reader has no
blocks (GeoJSON, KML/KMZ, GeoPackage, FlatGeobuf, Shapefile, spreadsheets, a CSV whose dates need
the whole column) is read whole when its turn comes, and :attr:`FileInput.how` says so.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atlas.db.push import RESTART, FileSource, ReadWhole, Restart
from atlas.io.report import ImportReport, InputError
from atlas.model.filters import All
from atlas.model.table import EventTable

#: Blocks read ahead of the one being sent (the memory bound: a few blocks).
QUEUED_BLOCKS = 2
#: The first bytes of a file whose lines estimate its rows (before the publish decides whether
#: to rebuild the indexes at the end).
SAMPLE_BYTES = 1 << 20


class _Stopped(Exception):
    """The sender gave up (an error, a refusal): the reader stops at its next block."""


def can_stream(path: str | Path) -> bool:
    """Whether ``path`` is a CSV the block reader takes (ACLED's layouts, UTF-8)."""
    from atlas.io.csv_events import csv_plan
    from atlas.io.csv_stream import streamable
    from atlas.io.report import InputError

    p = Path(path)
    if p.suffix.lower() not in (".csv", ".tsv", ".txt") or not p.is_file():
        return False
    try:
        return streamable(csv_plan(p, None, False))
    except (InputError, OSError, ValueError):
        return False  # the whole read says what is wrong with it


#: Bytes per event assumed for a file read whole, before it is read (GeoJSON and KML spend ~1 KB on
#: an event, a GeoPackage less): an overestimate of its events, for the publish's index decision.
BYTES_PER_EVENT = 400


def size_estimate(path: str | Path) -> int:
    """About how many events a file read whole holds, from its size (an overestimate)."""
    try:
        return max(1, Path(path).stat().st_size // BYTES_PER_EVENT)
    except OSError:
        return 1  # the read says what is wrong with it


def estimate_rows(path: str | Path) -> int:
    """About how many rows ``path`` holds: its size over the mean line of its first megabyte."""
    p = Path(path)
    size = p.stat().st_size
    with p.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    lines = head.count(b"\n")
    if len(head) >= size:
        return max(lines - 1, 0)  # the whole file: its lines but the header
    return int(size / max(len(head) / max(lines, 1), 1.0))


class CsvBlocks:
    """The events of a CSV file as blocks, read on a thread while the caller sends the previous
    ones. Iterate once; :attr:`report` is the file's import report once the iteration ended.
    Raises what the reader raised (:class:`atlas.db.push.ReadWhole` for a file that turns out to
    need the whole read: the caller then drops what it sent and reads it whole; an Arrow parse
    error as an :class:`InputError` naming the file and the data row it came after)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report: ImportReport | None = None

    def __iter__(self) -> Iterator[EventTable | Restart]:
        import pyarrow as pa

        from atlas.io.csv_stream import NotStreamable, stream_csv

        handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=QUEUED_BLOCKS)
        stop = threading.Event()

        def put(item: tuple[str, Any]) -> None:
            while True:  # bounded wait, so a sender that gave up is noticed
                if stop.is_set():
                    raise _Stopped
                try:
                    handoff.put(item, timeout=0.2)
                    return
                except queue.Full:
                    continue

        sent = 0

        def sink(table: EventTable, kept: npt.NDArray[np.intp]) -> None:
            nonlocal sent
            put(("block", table if kept.size == len(table) else table.take(kept)))
            sent += int(kept.size)

        def restart() -> None:
            nonlocal sent
            put(("restart", None))
            sent = 0

        def read() -> None:
            try:
                report = stream_csv(self.path, All(), sink, restart=restart)
            except _Stopped:
                return
            except NotStreamable as exc:
                err: BaseException = ReadWhole(f"the block reader cannot follow it ({str(exc).splitlines()[0][:160]})")
                try:
                    put(("error", err))
                except _Stopped:
                    pass
                return
            except pa.ArrowInvalid as exc:
                err = InputError(self.path, f"not a readable CSV after data row {sent:,}: {str(exc).splitlines()[0][:200]}")
                try:
                    put(("error", err))
                except _Stopped:
                    pass
                return
            except BaseException as exc:  # noqa: BLE001 - raised again on the sender's thread
                try:
                    put(("error", exc))
                except _Stopped:
                    pass
                return
            try:
                put(("done", report))
            except _Stopped:
                pass

        reader = threading.Thread(target=read, name="katlas-push-reader", daemon=True)
        reader.start()
        try:
            while True:
                kind, value = handoff.get()
                if kind == "block":
                    yield value
                elif kind == "restart":
                    yield RESTART
                elif kind == "done":
                    self.report = value
                    return
                else:
                    raise value
        finally:
            stop.set()
            while reader.is_alive():  # let a reader blocked on a full queue see the stop
                try:
                    handoff.get(timeout=0.05)
                except queue.Empty:
                    pass
            reader.join()


#: Events per block of a GeoParquet file (the CSV reader's blocks hold as many).
PARQUET_BLOCK_ROWS = 50_000


def read_ahead(blocks: Iterator[Any]) -> Iterator[Any]:
    """``blocks`` iterated on a thread, at most :data:`QUEUED_BLOCKS` ahead of the caller, so the
    next block is read and built while the caller sends the previous one. What the iteration
    raises is raised to the caller; a caller that stops early stops the thread at its next block."""
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=QUEUED_BLOCKS)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> None:
        while not stop.is_set():  # bounded wait, so a caller that gave up is noticed
            try:
                handoff.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def read() -> None:
        try:
            for block in blocks:
                put(("block", block))
            put(("done", None))
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
            try:
                put(("error", exc))
            except _Stopped:
                pass

    reader = threading.Thread(target=read, name="katlas-push-reader", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "block":
                yield value
            elif kind == "done":
                return
            else:
                raise value
    finally:
        stop.set()
        while reader.is_alive():
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
        reader.join()


class ParquetBlocks:
    """The events of a GeoParquet file as blocks (:class:`atlas.io.geoparquet_events.GeoParquetBlocks`),
    read and built on a thread while the caller sends the previous ones; :attr:`report` is the
    file's import report once the iteration ended.

    A block's events are the whole read's when each row converts alone. Two things need the whole
    file, and then :class:`atlas.db.push.ReadWhole` is raised (before the first block when the
    columns say it, else mid-way, and the publish reads the file whole): ids missing or repeated
    (the whole read names them by their place in the file, "stem-<row>", "X#2"), and dates held as
    text (the whole column decides the order of nn/nn/yyyy dates); dates typed as dates (what the
    atlas writes) convert alone."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report: ImportReport | None = None

    def _why_whole(self, names: list[str], types: dict[str, Any]) -> str | None:
        import pyarrow as pa

        from atlas.io.columns import feature_mapping

        mapping = feature_mapping(names, names)
        if not mapping.get("event_id"):
            return "no id column: the whole read numbers its events"
        date = mapping.get("event_date")
        if date and not (pa.types.is_date(types[date]) or pa.types.is_timestamp(types[date])):
            return "dates held as text: the whole column decides their order"
        return None

    def _blocks(self) -> Iterator[EventTable]:
        import pyarrow as pa

        from atlas.io.columns import feature_mapping
        from atlas.io.duplicate_ids import id_hashes
        from atlas.io.feature_events import cell_text
        from atlas.io.geoparquet_events import GeoParquetBlocks

        reader = GeoParquetBlocks(self.path, PARQUET_BLOCK_ROWS)
        why = self._why_whole(reader.names, reader.types)
        if why:
            raise ReadWhole(why)
        id_col = feature_mapping(reader.names, reader.names)["event_id"]
        seen = np.zeros(0, np.uint64)
        for tbl, first in reader.batches():
            # The ids as the builder reads them (cell text, trimmed): none blank, none seen before.
            ids = [cell_text(v).strip() for v in tbl.column(id_col).to_pylist()]
            if "" in ids:
                raise ReadWhole(f"a row without an id near row {first + ids.index('') + 1:,}: the whole read names it by its place")
            if len(np.unique(id_hashes(pa.array(ids, pa.string())))) < len(ids):
                raise ReadWhole(f"an id repeats (by row {first + len(ids):,}): the whole read names the copies")
            events = reader.events(tbl, first)
            # The events' ids (a MultiPoint's parts named "X#1"…) against every earlier block's.
            hashes = np.unique(id_hashes(pa.array([str(i) for i in events.ids], pa.string())))
            if len(hashes) < len(events) or np.isin(hashes, seen, assume_unique=True).any():
                raise ReadWhole(f"an id repeats (by row {first + len(ids):,}): the whole read names the copies")
            seen = np.union1d(seen, hashes)
            yield events
        self.report = reader.report

    def __iter__(self) -> Iterator[EventTable]:
        return read_ahead(self._blocks())


class FileInput:
    """One file of ``db push``: the :class:`atlas.db.push.FileSource` that publishes it (in blocks
    when its reader gives them, else whole when its turn comes), and its import report once read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report: ImportReport | None = None
        self._blocks: CsvBlocks | ParquetBlocks | None = None
        self._hint = size_estimate(self.path)
        if can_stream(self.path):
            self._blocks = CsvBlocks(self.path)
            self._hint = estimate_rows(self.path)
            self.how = "in blocks (ACLED CSV)"
        elif self.path.suffix.lower() in (".parquet", ".geoparquet") and self.path.is_file():
            self._blocks = ParquetBlocks(self.path)
            self._hint = _parquet_rows(self.path) or self._hint
            self.how = "in blocks (GeoParquet)"
        else:
            self.how = f"whole ({_why_whole(self.path)})"

    def _whole(self) -> EventTable:
        from atlas.io import read_events

        table, self.report = read_events(self.path)
        return table

    def _read_whole(self) -> Iterator[EventTable]:
        yield self._whole()  # read when the publish reaches this file, not before

    def _streamed(self) -> Iterator[EventTable | Restart]:
        assert self._blocks is not None
        yield from self._blocks
        self.report = self._blocks.report

    def source(self) -> FileSource:
        if self._blocks is not None:
            return FileSource(str(self.path), self._streamed(), self._hint, self._whole, self.how)
        return FileSource(str(self.path), self._read_whole(), self._hint, None, self.how)


def _parquet_rows(path: Path) -> int | None:
    """The rows a Parquet file's footer counts (None: unreadable; its read says why)."""
    import pyarrow.parquet as pq

    try:
        return int(pq.read_metadata(path).num_rows)
    except Exception:  # noqa: BLE001 - any failure: the read that follows names it
        return None


def _why_whole(path: Path) -> str:
    """Why a file is read whole, for the command's output."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "a CSV not in ACLED's layout or not UTF-8: its dates or codes need the whole column"
    names = {".geojson": "GeoJSON", ".json": "JSON", ".kml": "KML", ".kmz": "KMZ", ".gpkg": "GeoPackage",
             ".fgb": "FlatGeobuf", ".shp": "Shapefile", ".zip": "zipped Shapefile", ".xlsx": "Excel workbook",
             ".ods": "OpenDocument spreadsheet"}
    return f"{names.get(suffix, suffix or 'no suffix')}: its reader has no blocks"
