"""Every row of a column in sorted order, computed by Arrow and NumPy, never by Python per row.

The list sorts by date, title, place and the categoricals. At ten million events a Python
``casefold`` per title and a sort of an object array took 22 s; here text is lower-cased and
sorted by Arrow (``utf8_lower``, ``sort_indices``, both stable), and a column whose values repeat
(place names, the titles of a generated feed) is dictionary-encoded first, so only its distinct
values are compared as strings and the rows are ordered by a small integer rank. Dates sort as
day numbers, as 16-bit integers when the campaign spans fewer than 32,767 days, where NumPy's
stable sort is a radix sort.

Ties keep row order (every sort here is stable), so a subset picked out of the whole order is in
the order a stable sort of that subset would give.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.intp]

#: Rows sampled to decide whether a text column repeats enough to be dictionary-encoded.
SAMPLE_ROWS = 20_000
#: Dictionary-encode when the sample has fewer distinct values than this share of its rows.
REPEAT_SHARE = 0.5


def small_int_type(count: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type that holds ``0..count-1`` (16-bit keys sort by radix)."""
    return np.int16 if count < 32_767 else np.int32 if count < 2**31 - 1 else np.int64


def stable_int_order(key: npt.NDArray[np.integer]) -> IntArray:
    """A stable argsort of small non-negative integers: a radix sort when they fit in 16 bits."""
    k = np.asarray(key)
    if k.dtype.itemsize > 2 and k.size and 0 <= int(k.min()) and int(k.max()) < 32_767:
        k = k.astype(np.int16)
    return np.argsort(k, kind="stable").astype(np.intp, copy=False)


def date_order(days: npt.NDArray[np.datetime64]) -> IntArray:
    """Rows by date, undated rows first (as NaT, the smallest datetime, sorts)."""
    d = days.astype("datetime64[D]", copy=False).view(np.int64)
    nat = d == np.iinfo(np.int64).min
    if not d.size or nat.all():
        return np.arange(d.size, dtype=np.intp)
    lo = int(d[~nat].min())
    key = np.where(nat, 0, d - lo + 1)
    return stable_int_order(key)


def arrow_text(values: Any) -> Any:
    """A text column as one Arrow string array (missing values empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        arr = values.combine_chunks()
    elif isinstance(values, pa.Array):
        arr = values
    else:
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    return pc.fill_null(arr, "")


def repeats(low: Any) -> bool:
    """Whether a sample of the column holds few distinct values (dictionary-encoding pays)."""
    import pyarrow.compute as pc

    n = len(low)
    if n <= SAMPLE_ROWS:
        return True  # small: either way is quick
    sample = low.take(np.linspace(0, n - 1, SAMPLE_ROWS).astype(np.int64))
    return int(pc.count_distinct(sample).as_py()) < REPEAT_SHARE * SAMPLE_ROWS


def word_ranks(low: Any) -> npt.NDArray[np.signedinteger[Any]]:
    """The rank of each of a column's distinct values (lower-cased Arrow strings) in sorted
    order, in the smallest integer type: values that differ only in case share a rank (a dense
    rank), so their rows stay in row order."""
    import pyarrow.compute as pc

    by_word = pc.sort_indices(low)
    ordered = low.take(by_word)
    new = np.ones(len(ordered), dtype=bool)
    if len(ordered) > 1:
        new[1:] = pc.not_equal(ordered[1:], ordered[:-1]).to_numpy(zero_copy_only=False)
    rank = np.empty(len(ordered), dtype=small_int_type(len(ordered)))
    rank[by_word.to_numpy()] = np.cumsum(new) - 1
    return rank


def text_order(values: Any) -> IntArray:
    """Rows of a text column in case-insensitive order (Unicode lower case), ties by row.

    ``values``: an object array of ``str``, an Arrow string array, or a compact text column
    (one with ``codes`` into ``words``, or one that hands over its ``arrow()`` array)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if hasattr(values, "codes") and hasattr(values, "words"):
        # Already coded (a CSV import's repeating text): only the distinct words are compared as
        # strings, the rows are ordered by their word's rank, a small integer looked up straight
        # from the codes (no int64 copy per row) and sorted by NumPy's radix sort.
        words = pc.utf8_lower(arrow_text(pa.array(np.asarray(values.words, dtype=object), type=pa.string())))
        return stable_int_order(word_ranks(words)[values.codes])
    if not isinstance(values, (np.ndarray, pa.Array, pa.ChunkedArray)) and hasattr(values, "arrow"):
        values = values.arrow()
    arr = arrow_text(values)
    if repeats(arr):
        # Encoded first, so only the distinct values are lower-cased and compared; values that
        # differ only in case share a rank (a dense rank of the lower-cased words).
        enc = pc.dictionary_encode(arr)
        rank = word_ranks(pc.utf8_lower(enc.dictionary))
        return stable_int_order(rank[enc.indices.to_numpy(zero_copy_only=False)])
    return pc.sort_indices(pc.utf8_lower(arr)).to_numpy().astype(np.intp, copy=False)


def ranks(order: IntArray) -> npt.NDArray[np.signedinteger[Any]]:
    """Each row's position in ``order`` (a distinct integer per row; 32-bit below 2**31 rows)."""
    dtype = small_int_type(order.size) if order.size >= 32_767 else np.int32
    key = np.empty(order.size, dtype=dtype)
    key[order] = np.arange(order.size, dtype=dtype)
    return key
