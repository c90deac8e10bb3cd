"""A text search taken in chunks, in the list's order, so that it can be shown as it goes and
given up half way.

At ten million events one search scans hundreds of megabytes of text (about two seconds here):
far too long to hold the window. :class:`SearchScan` splits the work. The rows the filter's other
terms let through (cheap masks) are the candidates, put in the order the list shows them; the
text term is tested on them a chunk at a time, so the first chunk already gives the first
screenful of the list, and what the later chunks find only ever goes below it. Between chunks the
scan checks its :class:`CancelToken`, so the next keystroke stops it within one chunk.

Nothing here knows about threads or widgets: atlas/ui/search_runner.py runs the first chunks on
the GUI thread and the rest on a worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from .filters import Filter, Text, find_part, replace_part
from .table import BoolArray, EventTable, IntArray

#: Receives a batch of hits (list order) and, with the last batch, the whole mask.
Deliver = Callable[[IntArray, "BoolArray | None"], None]

#: Rows scanned in the first chunk; later chunks double up to :data:`CHUNK_ROWS`.
FIRST_CHUNK_ROWS = 20_000
#: The largest chunk: ~25 MB of search text, ~20-40 ms of scanning on this machine, so a
#: cancelled scan stops within that.
CHUNK_ROWS = 200_000


class CancelToken:
    """Set once by whoever started a scan to make it stop; read by the scan between chunks."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class SearchScan:
    """One filter whose text term is being tested on its candidate rows, chunk by chunk.

    ``candidates`` are the rows every other term lets through, in the list's order; the hits
    come out in that order too (:meth:`step`), and :meth:`mask` is the whole filter's mask once
    every chunk is done: the same as ``flt.mask(table)``."""

    def __init__(self, table: EventTable, flt: Filter, text: Text, candidates: IntArray) -> None:
        self.table = table
        self.filter = flt
        self.text = text
        self.candidates = np.asarray(candidates, dtype=np.intp)
        self.pos = 0
        self._chunk = FIRST_CHUNK_ROWS
        self._hits: list[IntArray] = []
        self.hit_count = 0

    @classmethod
    def plan(cls, table: EventTable, flt: Filter, base: BoolArray,
             order: IntArray | None = None) -> SearchScan | None:
        """The scan of ``flt``'s text term over the rows of ``base`` (the mask of every other
        term), taken in ``order`` (a permutation of all rows: the list's sort; None: ascending).
        None when ``flt`` has no top-level text term (nothing to stream)."""
        text = find_part(flt, Text)
        if not isinstance(text, Text):
            return None
        base = np.asarray(base, dtype=bool)
        candidates = np.flatnonzero(base) if order is None else order[base[order]]
        return cls(table, flt, text, candidates)

    @staticmethod
    def other_terms(flt: Filter) -> Filter:
        """``flt`` without its text term (what the candidates must pass)."""
        return replace_part(flt, Text, None)

    @property
    def done(self) -> bool:
        return self.pos >= self.candidates.size

    @property
    def scanned(self) -> int:
        return self.pos

    def step(self, rows: int | None = None) -> IntArray:
        """Test the next chunk (``rows`` candidates, else the growing chunk size); its hits in
        list order."""
        if self.done:
            return np.zeros(0, np.intp)
        size = rows if rows is not None else self._chunk
        self._chunk = min(CHUNK_ROWS, self._chunk * 2)
        chunk = self.candidates[self.pos : self.pos + size]
        self.pos += chunk.size
        # The term's scan takes rows ascending (it walks the search column's chunks in order).
        if chunk.size > 1 and not bool(np.all(chunk[1:] > chunk[:-1])):
            by_row = np.argsort(chunk, kind="stable")
            hit = np.empty(chunk.size, dtype=bool)
            hit[by_row] = self.text.mask_rows(self.table, chunk[by_row])
        else:
            hit = np.asarray(self.text.mask_rows(self.table, chunk), dtype=bool)
        found = chunk[hit]
        self._hits.append(found)
        self.hit_count += found.size
        return found

    def scan_until(self, min_hits: int, budget_s: float, cancel: CancelToken | None = None) -> IntArray:
        """Chunks until ``min_hits`` rows were found (a screenful), ``budget_s`` seconds went by,
        the candidates ran out or ``cancel`` was set; the hits found by these chunks."""
        t0 = time.perf_counter()
        got: list[IntArray] = []
        found = 0
        while not self.done and found < min_hits and time.perf_counter() - t0 < budget_s:
            if cancel is not None and cancel.cancelled:
                break
            hits = self.step()
            got.append(hits)
            found += hits.size
        return np.concatenate(got) if got else np.zeros(0, np.intp)

    def hits(self) -> IntArray:
        """Every hit so far, in list order."""
        return np.concatenate(self._hits) if self._hits else np.zeros(0, np.intp)

    def mask(self) -> BoolArray:
        """The filter's mask over the whole table (hits so far: complete once :attr:`done`)."""
        out = np.zeros(len(self.table), dtype=bool)
        for h in self._hits:
            out[h] = True
        return out

    def run(self, cancel: CancelToken, deliver: Deliver, every_s: float = 0.1) -> bool:
        """Scan the rest, handing the hits to ``deliver(rows, mask)`` about every ``every_s``
        seconds (``mask`` None) and once at the end with the whole mask. False when cancelled
        (then nothing more is delivered)."""
        pending: list[IntArray] = []
        last = time.perf_counter()
        while not self.done:
            if cancel.cancelled:
                return False
            pending.append(self.step())
            now = time.perf_counter()
            if now - last >= every_s and not self.done:
                rows = np.concatenate(pending)
                pending = []
                last = now
                if rows.size:
                    deliver(rows, None)
        if cancel.cancelled:
            return False
        rest = np.concatenate(pending) if pending else np.zeros(0, np.intp)
        deliver(rest, self.mask())
        return True
