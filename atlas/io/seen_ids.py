"""The ids a streamed read has kept so far, held compactly: how often each new id occurred before.

A streamed ``convert`` or ``inspect`` renames an id that an earlier block already had ("X#2", as
the whole read names duplicates). A Python dict of ten million ids costs ~1 GB (a string object
and a slot each); here each id costs its Arrow text (the bytes and a 4-byte offset) plus a 64-bit
hash and a 64-bit position: ~30 bytes, ~300 MB for 10M ACLED ids. The hashes sit in a few sorted
runs (a new run per block, merged with the previous one while it is not much smaller: at most
~log2(blocks) runs), so a block is looked up with one binary search per run. Equal hashes are
confirmed on the text, so a hash collision never renames an id.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

#: Odd multiplier of the polynomial string hash (any large odd 64-bit constant mixes the bytes).
_P = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def string_hashes(arr: pa.Array) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each string (nulls hash as ""), computed on Arrow's buffers at once: no
    Python object per value."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    if arr.null_count:
        arr = arr.fill_null("")
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.uint64)
    _, offs_buf, data_buf = arr.buffers()
    offs = np.frombuffer(offs_buf, np.int32, count=n + 1, offset=arr.offset * 4).astype(np.int64)
    lo, hi = int(offs[0]), int(offs[-1])
    lens = np.diff(offs)
    out = np.zeros(n, np.uint64)
    if hi > lo:
        data = np.frombuffer(data_buf, np.uint8)[lo:hi].astype(np.uint64)
        starts = offs[:-1] - lo
        pos = np.arange(hi - lo, dtype=np.int64) - np.repeat(starts, lens)
        powers = np.cumprod(np.full(int(lens.max()), _P, np.uint64))  # wraps mod 2**64, as meant
        with np.errstate(over="ignore"):
            terms = (data + np.uint64(1)) * powers[pos]
        filled = lens > 0
        # Empty strings hold no bytes, so each non-empty string's run ends where the next begins.
        out[filled] = np.add.reduceat(terms, starts[filled])
    with np.errstate(over="ignore"):
        out = out * _MIX + lens.astype(np.uint64)
    return out


class SeenIds:
    """Every id registered so far; :meth:`count` says how many times each of a block's ids was."""

    def __init__(self) -> None:
        self._runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = []
        self._chunks: list[pa.Array] = []
        self._starts: list[int] = [0]

    def __len__(self) -> int:
        return self._starts[-1]

    def _texts(self, positions: npt.NDArray[np.int64]) -> pa.Array:
        """The registered ids at these positions."""
        k = np.searchsorted(self._starts, positions, side="right") - 1
        out = pa.chunked_array(self._chunks, type=pa.string()).take(pa.array(positions))
        del k
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out

    def count(self, ids: pa.Array, hashes: npt.NDArray[np.uint64] | None = None) -> npt.NDArray[np.int64]:
        """How many registered ids equal each of ``ids`` (0 for nearly all)."""
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks() if ids.num_chunks != 1 else ids.chunk(0)
        ids = ids.fill_null("") if ids.null_count else ids
        h = string_hashes(ids) if hashes is None else hashes
        out = np.zeros(len(h), np.int64)
        # Searched in sorted order: neighbouring searches touch neighbouring memory (~5x faster
        # than in row order on a 10M-id run).
        order = np.argsort(h)
        hs = h[order]
        for run, positions in self._runs:
            left_sorted = np.searchsorted(run, hs, side="left")
            found = left_sorted < len(run)
            found[found] = run[left_sorted[found]] == hs[found]
            if not found.any():
                continue
            hit = order[found]
            a = left_sorted[found]
            b = np.searchsorted(run, hs[found], side="right")
            names = ids.take(pa.array(hit))
            # The usual case: the first and the last id of that hash are this one, so all are.
            same = (np.asarray(pc.equal(self._texts(positions[a]), names).to_numpy(zero_copy_only=False), bool)
                    & np.asarray(pc.equal(self._texts(positions[b - 1]), names).to_numpy(zero_copy_only=False), bool))
            out[hit[same]] += (b - a)[same]
            for j in np.flatnonzero(~same).tolist():  # a hash collision: count the equal ones one by one
                name = names[j].as_py()
                texts = self._texts(positions[a[j]:b[j]]).to_pylist()
                out[hit[j]] += sum(t == name for t in texts)
        return out

    def add(self, ids: pa.Array, hashes: npt.NDArray[np.uint64] | None = None) -> None:
        """Register a block's ids."""
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks() if ids.num_chunks != 1 else ids.chunk(0)
        n = len(ids)
        if not n:
            return
        h = string_hashes(ids) if hashes is None else hashes
        positions = np.arange(self._starts[-1], self._starts[-1] + n, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        self._runs.append((h[order], positions[order]))
        self._chunks.append(ids)
        self._starts.append(self._starts[-1] + n)
        # Merge while the newest run is at least half the one before: few runs, each id moved
        # ~log2(blocks) times in all.
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (h1, p1), (h2, p2) = self._runs[-2], self._runs.pop()
            hh = np.concatenate([h1, h2])
            order = np.argsort(hh, kind="stable")  # two sorted runs: a linear merge for timsort
            self._runs[-1] = (hh[order], np.concatenate([p1, p2])[order])
