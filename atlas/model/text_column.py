"""Text columns of the event table that hold no Python object per event.

At ten million events a NumPy object array of ``str`` costs a pointer (8 bytes) plus a Python
string (~50 bytes of header and the text) per row: the ids alone took 66 bytes an event, the notes
160. Two compact forms replace it, both read like the object arrays they replace:

* :class:`ArrowText` keeps mostly-distinct text (ids, notes) in Arrow string arrays as parsed: the
  text's own bytes and a 4-byte offset per row, no copy through Python.
* :class:`CodedText` keeps text with few distinct values (places, ACLED's ``year``/``iso``/
  ``region`` extras) as the smallest integer codes into one object array of its distinct strings.

Indexing either with a row, a slice, a list of rows or a mask returns what the object array gave
(a ``str``, or an object array of the rows asked for), so the list, the details panel and the
writers work unchanged and pay only for the rows they show or write; ``np.asarray(col)`` builds
the whole object array where a caller needs every row as Python strings. The columns are
read-only, as the table is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa


class _TextBase:
    """What both forms share: the NumPy-like surface the table's users touch."""

    dtype = np.dtype(object)
    ndim = 1

    def __len__(self) -> int:
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def size(self) -> int:
        return len(self)

    def _rows(self, key: Any) -> npt.NDArray[np.intp] | None:
        """``key`` as row positions, or None when it is a single row."""
        if isinstance(key, (int, np.integer)):
            return None
        if isinstance(key, slice):
            return np.arange(len(self), dtype=np.intp)[key]
        arr = np.asarray(key)
        if arr.dtype == bool:
            if arr.shape != (len(self),):
                raise IndexError(f"boolean index of {arr.shape} for a column of {len(self)} rows")
            return np.flatnonzero(arr)
        rows = arr.astype(np.intp, copy=False).reshape(-1)
        return np.where(rows < 0, rows + len(self), rows)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.take_objects(np.arange(len(self), dtype=np.intp))
        return out if dtype is None or np.dtype(dtype) == object else out.astype(dtype)

    def take_objects(self, rows: npt.NDArray[np.intp]) -> np.ndarray:
        raise NotImplementedError

    def value(self, row: int) -> str:
        raise NotImplementedError

    def __getitem__(self, key: Any) -> Any:
        rows = self._rows(key)
        if rows is None:
            row = int(key)
            if row < 0:
                row += len(self)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} of a column of {len(self)} rows")
            return self.value(row)
        return self.take_objects(rows)

    def __iter__(self) -> Iterator[str]:
        step = 65_536
        for start in range(0, len(self), step):
            yield from self[start:start + step].tolist()

    def tolist(self) -> list[str]:
        return np.asarray(self).tolist()

    def astype(self, dtype: Any, copy: bool = True) -> np.ndarray:
        return np.asarray(self).astype(dtype)

    def copy(self) -> np.ndarray:
        return np.asarray(self)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        return np.asarray(self) == other

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return np.asarray(self) != other

    __hash__ = None  # type: ignore[assignment]

    def any(self) -> bool:
        return bool(np.asarray(self).any())

    def arrow(self) -> pa.ChunkedArray:
        """The whole column as Arrow strings (for the search column and writers)."""
        raise NotImplementedError

    def arrow_slice(self, start: int, stop: int) -> pa.Array:
        """Rows ``start:stop`` as one Arrow string array, without Python strings."""
        raise NotImplementedError


class ArrowText(_TextBase):
    """Mostly-distinct text held as Arrow strings (one chunk per parsed block)."""

    def __init__(self, values: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(values, pa.Array):
            values = pa.chunked_array([values], type=pa.string())
        if values.type != pa.string():
            values = values.cast(pa.string())
        self._values = values
        self._starts = np.cumsum([0] + [len(c) for c in values.chunks]).astype(np.intp)

    def __len__(self) -> int:
        return int(self._starts[-1])

    @property
    def nbytes(self) -> int:
        return int(self._values.nbytes)

    def value(self, row: int) -> str:
        k = int(np.searchsorted(self._starts, row, side="right")) - 1
        v = self._values.chunk(k)[row - int(self._starts[k])].as_py()
        return "" if v is None else v

    def _take_arrow(self, rows: npt.NDArray[np.intp]) -> pa.Array:
        """Rows in the order given, taken chunk by chunk with chunk-local positions (Arrow's take
        on a chunked array is several times slower than on its chunks)."""
        if len(rows) == 0:
            return pa.array([], pa.string())
        if self._values.num_chunks == 1:
            return self._values.chunk(0).take(pa.array(rows))
        chunk_of = np.searchsorted(self._starts, rows, side="right") - 1
        order = np.argsort(chunk_of, kind="stable")
        parts = []
        sorted_chunks = chunk_of[order]
        bounds = np.searchsorted(sorted_chunks, np.arange(self._values.num_chunks + 1))
        for k in range(self._values.num_chunks):
            lo, hi = bounds[k], bounds[k + 1]
            if hi > lo:
                local = rows[order[lo:hi]] - self._starts[k]
                parts.append(self._values.chunk(k).take(pa.array(local)))
        taken = pa.concat_arrays(parts)
        if np.all(order[1:] > order[:-1]):
            return taken
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return taken.take(pa.array(back))

    def take_objects(self, rows: npt.NDArray[np.intp]) -> np.ndarray:
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"row out of range for a column of {len(self)} rows")
        out = np.asarray(self._take_arrow(rows).to_numpy(zero_copy_only=False), dtype=object)
        return out

    def take(self, rows: npt.ArrayLike) -> ArrowText:
        return ArrowText(self._take_arrow(np.asarray(rows, dtype=np.intp)))

    def arrow(self) -> pa.ChunkedArray:
        return self._values

    def arrow_slice(self, start: int, stop: int) -> pa.Array:
        part = self._values.slice(start, max(0, stop - start))
        return part.combine_chunks() if part.num_chunks != 1 else part.chunk(0)


def _smallest_codes(codes: npt.NDArray[Any], n_words: int) -> npt.NDArray[Any]:
    dtype = np.int8 if n_words < 127 else np.int16 if n_words < 32_767 else np.int32
    return codes.astype(dtype, copy=False)


class CodedText(_TextBase):
    """Text with few distinct values: a code per row into one array of the distinct strings."""

    def __init__(self, codes: npt.NDArray[Any], words: np.ndarray | list[str]) -> None:
        w = np.empty(len(words), dtype=object)
        w[:] = list(words)
        self.words = w
        self.codes = _smallest_codes(np.asarray(codes), len(w))

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.words.nbytes)

    def value(self, row: int) -> str:
        return str(self.words[self.codes[row]])

    def take_objects(self, rows: npt.NDArray[np.intp]) -> np.ndarray:
        return self.words[self.codes[rows]]

    def take(self, rows: npt.ArrayLike) -> CodedText:
        return CodedText(self.codes[np.asarray(rows, dtype=np.intp)], self.words)

    def arrow(self) -> pa.ChunkedArray:
        return pa.chunked_array([self.arrow_slice(0, len(self))], type=pa.string())

    def arrow_slice(self, start: int, stop: int) -> pa.Array:
        dictionary = pa.array(self.words.tolist(), type=pa.string())
        idx = pa.array(self.codes[start:stop].astype(np.int32))
        return pa.DictionaryArray.from_arrays(idx, dictionary).dictionary_decode()


TextColumn = _TextBase


def take_rows(col: Any, rows: npt.NDArray[np.intp]) -> Any:
    """``col[rows]`` that keeps a compact text column compact (a table's ``take``)."""
    if isinstance(col, (ArrowText, CodedText)):
        return col.take(rows)
    return col[rows]


def arrow_text(col: Any, start: int, stop: int) -> pa.Array:
    """Rows ``start:stop`` of a text column (compact or an object array) as Arrow strings."""
    if isinstance(col, (ArrowText, CodedText)):
        return col.arrow_slice(start, stop)
    return pa.array(col[start:stop], type=pa.string(), from_pandas=True)


def concat_text(parts: list[Any]) -> Any:
    """Text columns one after the other, compact when the parts are: Arrow text stays Arrow
    (no copy of its chunks), coded text is recoded into the union of the words; anything else
    becomes an object array."""
    if parts and all(isinstance(p, ArrowText) for p in parts):
        return ArrowText(pa.chunked_array([c for p in parts for c in p.arrow().chunks], type=pa.string()))
    if parts and all(isinstance(p, CodedText) for p in parts):
        index: dict[str, int] = {}
        for p in parts:
            for w in p.words.tolist():
                index.setdefault(w, len(index))
        codes = [np.array([index[w] for w in p.words.tolist()], dtype=np.int32)[p.codes] for p in parts]
        return CodedText(np.concatenate(codes), list(index))
    out = np.empty(sum(len(p) for p in parts), dtype=object)
    pos = 0
    for p in parts:
        out[pos:pos + len(p)] = np.asarray(p, dtype=object)
        pos += len(p)
    return out
