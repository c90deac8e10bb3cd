"""The CSV's cells as Arrow strings, column at a time: :func:`atlas.io.export.field_text`'s text
without a Python string per cell.

``convert`` of 10M ACLED rows writes ~1.3M of them; building each column as a Python list of
strings and handing it to Arrow was a quarter of the run. Here numbers, dates, flags, categories
and the compact text columns go to Arrow by its own casts and takes; the few cells whose Arrow
spelling differs from Python's (``51.0``, ``1e-05``) are patched with Python's. The text is the
same as ``field_text``'s cell for cell (tests/io/test_cell_text_arrow.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from atlas.model.table import EventTable
from atlas.model.text_column import ArrowText, CodedText


def _patched(text: pa.Array, odd: npt.NDArray[np.bool_], values: npt.NDArray[np.float64]) -> pa.Array:
    """``text`` with the ``odd`` cells spelled as Python's repr spells their floats."""
    if not odd.any():
        return text
    fixes = pa.array([repr(float(x)) for x in values[odd].tolist()], pa.string())
    return pc.replace_with_mask(text, pa.array(odd), fixes)


def float_repr_text(v: npt.NDArray[np.float64]) -> pa.Array:
    """``repr(x)`` of each float, "" for NaN. Arrow's shortest round-trip spelling is repr's for
    plain decimals (nearly every coordinate); integral values ("51" vs "51.0"), tiny and huge
    magnitudes (where the two switch to exponents at other thresholds) take repr itself."""
    v = np.asarray(v, dtype=np.float64)
    nan = np.isnan(v)
    text = pc.cast(pa.array(np.where(nan, 0.0, v)), pa.string())
    # Both write the shortest digits that read back; they differ only in the form: Arrow drops
    # an integral value's ".0", writes 1e-05 out, and turns to exponents at other magnitudes.
    exponent = np.asarray(pc.match_substring(text, "e").to_numpy(zero_copy_only=False), bool)
    point = np.asarray(pc.match_substring(text, ".").to_numpy(zero_copy_only=False), bool)
    with np.errstate(invalid="ignore"):
        odd = ~nan & (exponent | ~point | ((np.abs(v) < 1e-4) & (v != 0)))
    text = _patched(text, odd, v)
    return pc.if_else(pa.array(nan), "", text) if nan.any() else text


def number_text(v: npt.NDArray[np.float64]) -> pa.Array:
    """``_num_text``: "" for NaN, integers (below 1e15) without ".0", other floats as repr."""
    v = np.asarray(v, dtype=np.float64)
    nan = np.isnan(v)
    with np.errstate(invalid="ignore"):
        whole = ~nan & np.isfinite(v) & (v == np.floor(v)) & (np.abs(v) < 1e15)
    if whole.all():
        return pc.cast(pa.array(v.astype(np.int64)), pa.string())
    ints = pc.cast(pa.array(np.where(whole, v, 0).astype(np.int64)), pa.string())
    return pc.if_else(pa.array(whole), ints, float_repr_text(v))


def _small_ints(v: npt.NDArray[Any]) -> pa.Array:
    return pc.cast(pa.array(np.asarray(v).astype(np.int64)), pa.string())


def _text(col: Any, rows: npt.NDArray[np.intp]) -> pa.Array:
    """A text column's rows: compact columns by Arrow's take, object arrays as they are."""
    if isinstance(col, (ArrowText, CodedText)):
        taken = col.take(rows).arrow()
        return taken.combine_chunks() if taken.num_chunks != 1 else taken.chunk(0)
    return pa.array(col[rows], pa.string())


def field_arrow(table: EventTable, name: str, rows: npt.NDArray[np.intp]) -> pa.Array | None:
    """One field of the chosen rows as Arrow strings, or None for the fields ``field_text``
    spells itself (the sources)."""
    has = table.has_coords[rows]
    if name == "event_id":
        return _text(table.ids, rows)
    if name == "event_date":
        d = table.date[rows].astype("datetime64[D]")
        nat = np.isnat(d)
        text = pc.cast(pa.array(np.where(nat, np.datetime64(0, "D"), d)), pa.string())
        return pc.if_else(pa.array(nat), "", text) if nat.any() else text
    if name in ("latitude", "longitude"):
        v = (table.lat if name == "latitude" else table.lon)[rows].copy()
        v[~has] = np.nan
        return float_repr_text(v)
    if name == "time_precision":
        return _small_ints(table.date_precision[rows])
    if name == "geo_precision":
        text = _small_ints(table.geo_precision[rows])
        return text if has.all() else pc.if_else(pa.array(has), text, "")
    if name == "coord_approximate":
        return pc.if_else(pa.array(np.asarray(table.coord_approximate[rows], dtype=bool)), "true", "false")
    if name in ("fatalities", "claim_area_km2"):
        return number_text(getattr(table, name)[rows])
    if name == "year":
        d = table.date[rows]
        nat = np.isnat(d)
        years = np.where(nat, 0, d.astype("datetime64[Y]").astype(np.int64) + 1970)
        text = _small_ints(years)
        return pc.if_else(pa.array(nat), "", text) if nat.any() else text
    if name in table.categorical:
        cat = table.categorical[name]
        codes = cat.codes[rows]
        words = pa.array(list(cat.categories) + [""], pa.string())
        idx = np.where(codes < 0, len(cat.categories), codes).astype(np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(idx), words).dictionary_decode()
    if name in table.text:
        return _text(table.text[name], rows)
    return None


def extra_arrow(table: EventTable, name: str, rows: npt.NDArray[np.intp]) -> pa.Array:
    """An extra column's rows (an ACLED file's ``year`` is one: its own text, not the dates')."""
    return _text(table.extras[name], rows)
