"""``db push`` of a large CSV without holding it: the file's events read block by block on a thread
and handed to :func:`atlas.db.push.push_blocks`, which sends each with COPY while the next is read.

At ten million ACLED rows the whole read held ~3.6 GB before the first row was sent; here at most
:data:`QUEUED_BLOCKS` blocks wait between the reader and the sender (each
:data:`atlas.io.csv_stream.BUILD_ROWS` events), so memory stays that of a few blocks whatever the
file's size. The reader is the one ``convert`` streams with (:func:`atlas.io.csv_stream.stream_csv`,
ACLED's layouts): the same events as the whole read. A file with a repeated id is read twice (the
copies then renamed as the whole read names them); between the two reads the blocks say
:data:`atlas.db.push.RESTART` and the publish drops what it sent. Other files (GeoJSON,
GeoPackage, a CSV whose dates need the whole column) are read whole.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atlas.db.push import RESTART, Restart
from atlas.io.report import ImportReport
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
    Raises what the reader raised (:class:`atlas.io.csv_stream.NotStreamable` for a file that
    turns out to need the whole read: the caller then drops what it sent and reads it whole)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report: ImportReport | None = None

    def __iter__(self) -> Iterator[EventTable | Restart]:
        from atlas.io.csv_stream import stream_csv

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

        def sink(table: EventTable, kept: npt.NDArray[np.intp]) -> None:
            put(("block", table if kept.size == len(table) else table.take(kept)))

        def read() -> None:
            try:
                report = stream_csv(self.path, All(), sink, restart=lambda: put(("restart", None)))
            except _Stopped:
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
