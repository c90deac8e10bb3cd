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


class FileInput:
    """One file of ``db push``: the :class:`atlas.db.push.FileSource` that publishes it (in blocks
    when its reader gives them, else whole when its turn comes), and its import report once read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report: ImportReport | None = None
        self._blocks: CsvBlocks | None = None
        self.how = "whole"
        if can_stream(self.path):
            self._blocks = CsvBlocks(self.path)
            self.how = "in blocks (ACLED CSV)"
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
            return FileSource(str(self.path), self._streamed(), estimate_rows(self.path), self._whole, self.how)
        return FileSource(str(self.path), self._read_whole(), size_estimate(self.path), None, self.how)


def _why_whole(path: Path) -> str:
    """Why a file is read whole, for the command's output."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "a CSV not in ACLED's layout or not UTF-8: its dates or codes need the whole column"
    names = {".geojson": "GeoJSON", ".json": "JSON", ".kml": "KML", ".kmz": "KMZ", ".gpkg": "GeoPackage",
             ".fgb": "FlatGeobuf", ".shp": "Shapefile", ".zip": "zipped Shapefile", ".xlsx": "Excel workbook",
             ".ods": "OpenDocument spreadsheet"}
    return f"{names.get(suffix, suffix or 'no suffix')}: its reader has no blocks"
