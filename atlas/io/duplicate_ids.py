"""Duplicate ids in a streamed read, named as the whole read names them.

The whole read (``build_events``) renames the later copies of an id "X#2", "X#3", … in file
order, counting every row of the file. A streamed ``convert`` keeps a few rows of many blocks;
to name a kept copy as the whole read does (and as the window's import of the same file does),
it must count the copies in the rows it does not keep too. Ten million ids as Python strings
would cost ~1 GB; here a first pass keeps only a 64-bit hash of each row's id (80 MB for 10M)
and sorts them once at the end: no hash seen twice (every real ACLED export) means no id was
repeated, and the pass's output stands. Otherwise a second pass counts, by their text, the ids
whose hash was seen twice (:class:`Copies`), and only those.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
#: Odd multipliers, one per 8-byte word of an id (ids up to 64 bytes take the fast path).
_WORD_K = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                    0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                   dtype=np.uint64)
_LEN_K = np.uint64(0x27D4EB2F165667C5)
_POLY_P = np.uint64(0x100000001B3)


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Spread every bit of ``h`` over the high bits (the table's slot is read from them)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(29))
    return h


def _one_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    return arr.fill_null("") if arr.null_count else arr


def id_hashes(arr: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each string (never 0), from Arrow's buffers: no Python object per value.

    Short ASCII text (every id format seen: ACLED's "UKR12345", UCDP's numbers) is padded to a
    whole number of 8-byte words and hashed a word at a time; anything else byte by byte."""
    arr = _one_array(arr)
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.uint64)
    lens = np.asarray(pc.binary_length(arr).to_numpy(zero_copy_only=False), np.int64)
    longest = int(lens.max())
    out: npt.NDArray[np.uint64] | None = None
    if longest <= 8 * len(_WORD_K):
        width = max(8, -(-longest // 8) * 8)
        padded = pc.utf8_rpad(arr, width=width, padding=" ")
        _, offs_buf, data_buf = padded.buffers()
        offs = np.frombuffer(offs_buf, np.int32, count=n + 1, offset=padded.offset * 4)
        if int(offs[-1]) - int(offs[0]) == width * n:  # every value was ASCII: one byte a character
            words = np.frombuffer(data_buf, np.uint64, count=n * width // 8, offset=int(offs[0])).reshape(n, -1)
            with np.errstate(over="ignore"):
                out = (words * _WORD_K[: width // 8]).sum(axis=1, dtype=np.uint64)
    if out is None:
        out = _poly_hashes(arr, lens)
    with np.errstate(over="ignore"):
        out = _mix(out + lens.astype(np.uint64) * _LEN_K)
    out[out == 0] = 1  # 0 marks an empty slot
    return out


def _poly_hashes(arr: pa.Array, lens: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    """Σ (byte + 1)·P^i over each string's bytes (any length, any text)."""
    n = len(arr)
    _, offs_buf, data_buf = arr.buffers()
    offs = np.frombuffer(offs_buf, np.int32, count=n + 1, offset=arr.offset * 4).astype(np.int64)
    lo, hi = int(offs[0]), int(offs[-1])
    out = np.zeros(n, np.uint64)
    if hi > lo:
        data = np.frombuffer(data_buf, np.uint8)[lo:hi].astype(np.uint64)
        starts = offs[:-1] - lo
        pos = np.arange(hi - lo, dtype=np.int64) - np.repeat(starts, lens)
        powers = np.cumprod(np.full(int(lens.max()), _POLY_P, np.uint64))  # wraps mod 2**64, as meant
        with np.errstate(over="ignore"):
            terms = (data + np.uint64(1)) * powers[pos]
        filled = lens > 0
        # Empty strings hold no bytes, so each non-empty string's run ends where the next begins.
        out[filled] = np.add.reduceat(terms, starts[filled])
    return out


def repeated(hashes: list[npt.NDArray[np.uint64]]) -> npt.NDArray[np.uint64]:
    """The hashes (sorted) that occur more than once among all of ``hashes``."""
    if not hashes:
        return np.zeros(0, np.uint64)
    h = np.concatenate(hashes)
    hashes.clear()
    h.sort()
    again = h[1:][h[1:] == h[:-1]]
    return np.unique(again)


class Copies:
    """Which copy of its id each row is, counted by the text over the rows whose hash repeats."""

    def __init__(self, repeated_hashes: npt.NDArray[np.uint64]) -> None:
        self._repeated = repeated_hashes
        #: id → [row of its first copy, copies so far]
        self._seen: dict[str, list[int]] = {}

    @property
    def repeated(self) -> npt.NDArray[np.uint64]:
        """The hashes seen more than once (sorted)."""
        return self._repeated

    def rename(self, ids: pa.Array | pa.ChunkedArray, rows: npt.NDArray[np.int64],
               found: Callable[[int, str, int, str], None]) -> pa.Array:
        """``ids`` (of the data rows ``rows``) with every later copy renamed "X#k"; ``found(row,
        id, row of its first copy, new name)`` is told of each."""
        arr = _one_array(ids)
        if not len(arr) or not len(self._repeated):
            return arr
        h = id_hashes(arr)
        at = np.minimum(np.searchsorted(self._repeated, h), len(self._repeated) - 1)
        maybe = np.flatnonzero(self._repeated[at] == h)
        if not maybe.size:
            return arr
        renamed: dict[int, str] = {}
        for i, name in zip(maybe.tolist(), arr.take(pa.array(maybe)).to_pylist(), strict=True):
            name = name or ""
            seen = self._seen.get(name)
            if seen is None:
                self._seen[name] = [int(rows[i]), 1]
                continue
            seen[1] += 1
            renamed[i] = f"{name}#{seen[1]}"
            found(int(rows[i]), name, seen[0], renamed[i])
        if not renamed:
            return arr
        mask = np.zeros(len(arr), bool)
        mask[list(renamed)] = True
        return pc.replace_with_mask(arr, pa.array(mask), pa.array([renamed[i] for i in sorted(renamed)], pa.string()))
