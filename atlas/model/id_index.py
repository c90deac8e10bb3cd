"""Event id → row, without a Python dict of every id.

A dict of ten million ids took 5.5 s to build and about a gigabyte. Here each id's 64-bit hash
goes into one NumPy array (``hash`` of a ``str`` is computed in C and kept on the string), the
rows are sorted by it once, and a lookup is a binary search for the hash followed by a check of
the id itself at the rows found (two ids with one hash are told apart there). Built on first use
or ahead of it on a worker thread (thread-safe; NumPy's sort runs without the GIL).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.intp]


#: The hash of one id (Python's, computed in C and kept on the string; tests swap in a weak one).
_hash = hash


def _hashes(ids: Any, n: int) -> npt.NDArray[np.int64]:
    # map() walks the column in C; a compact column yields its strings one by one.
    return np.fromiter(map(_hash, ids), dtype=np.int64, count=n)


class IdIndex:
    """Row lookup by event id over one table's id column (never mutated)."""

    def __init__(self, ids: Any) -> None:
        self._ids = ids
        self._n = len(ids)
        self._lock = threading.Lock()
        self._sorted: npt.NDArray[np.int64] | None = None
        self._rows: IntArray | None = None

    def build(self) -> IdIndex:
        """Sort the hashes (once; later calls return at once)."""
        with self._lock:
            if self._sorted is None:
                h = _hashes(self._ids, self._n)
                rows = np.argsort(h).astype(np.intp, copy=False)  # ties are told apart by row below
                self._sorted, self._rows = h[rows], rows
        return self

    @property
    def built(self) -> bool:
        return self._sorted is not None

    def row(self, event_id: str) -> int | None:
        """The row of ``event_id`` (the last one when an id occurs twice, as a dict kept it)."""
        self.build()
        assert self._sorted is not None and self._rows is not None
        h = _hash(event_id)
        lo = int(np.searchsorted(self._sorted, h, side="left"))
        hi = int(np.searchsorted(self._sorted, h, side="right"))
        found = None
        for row in sorted(self._rows[lo:hi].tolist()):  # by row: the last match wins
            if self._ids[row] == event_id:
                found = row
        return found

    def rows(self, ids: Iterable[str]) -> IntArray:
        """The rows of the ``ids`` the column holds, ascending (absent ids left out)."""
        self.build()
        assert self._sorted is not None and self._rows is not None
        want = [str(i) for i in ids]
        if not want:
            return np.zeros(0, np.intp)
        if len(want) < 64:
            got = [self.row(i) for i in want]
            return np.array(sorted({r for r in got if r is not None}), dtype=np.intp)
        q = np.fromiter(map(_hash, want), dtype=np.int64, count=len(want))
        lo = np.searchsorted(self._sorted, q, side="left")
        hi = np.searchsorted(self._sorted, q, side="right")
        out: list[int] = []
        single = hi - lo == 1
        # One candidate each (nearly always): compare the ids in one vectorised pass.
        idx = np.flatnonzero(single)
        if idx.size:
            rows = self._rows[lo[idx]]
            have = np.asarray(_take(self._ids, rows), dtype=object)
            ok = have == np.asarray(want, dtype=object)[idx]
            out.extend(rows[ok].tolist())
        for k in np.flatnonzero(hi - lo > 1).tolist():
            r = self.row(want[k])
            if r is not None:
                out.append(r)
        return np.unique(np.asarray(out, dtype=np.intp))


def _take(col: Any, rows: IntArray) -> Any:
    take = getattr(col, "take_objects", None)
    return take(rows) if take is not None else col[rows]
