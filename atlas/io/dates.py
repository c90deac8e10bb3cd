"""Dates as event files write them, parsed column-wise with Arrow and never guessed.

ACLED alone has used ISO (``2024-01-01``), ``16 February 2024``, ``9-May-20`` and day-first
``02/01/1997``; other tools write month-first ``02/24/2022``. A whole column is parsed with
``pyarrow.compute.strptime`` once per candidate format (C++, ~50 ms per million rows), each format
filling only the rows the previous ones left empty.

Numeric dates whose order cannot be told apart are *not* guessed:

* ``dd/mm/yyyy`` against ``mm/dd/yyyy``: the file decides (a first part above 12 proves day-first,
  a second part above 12 proves month-first); ACLED's own slash dates are day-first by its
  codebook. A file that proves nothing leaves every date whose parts differ and are both ≤ 12
  undated and flagged.
* an all-two-digit date such as ``24-11-23`` (``yy-mm-dd`` or ``dd-mm-yy``) is flagged and kept
  undated, unless the row's own ``year`` column says which reading is meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

#: Formats that cannot be misread, tried in this order (each on the rows still empty).
#: Month names ("16 February 2024", "9-May-20", "May 9, 2020") are read by :func:`_parse_named`
#: instead: glibc's %B is locale-bound and takes 0.6 s per million rows.
UNAMBIGUOUS_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d.%m.%Y",  # dotted dates are day-first wherever they are written (Europe, Russia, Ukraine)
)

_ISO_PREFIX = r"^\d{4}-\d{2}-\d{2}[T ]"
_SLASH = r"^\s*(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<c>\d{4})\s*$"
_TWO_DIGIT = r"^\s*(?P<a>\d{2})[-/.](?P<b>\d{2})[-/.](?P<c>\d{2})\s*$"


_EARLIEST = np.datetime64("1000-01-01")


@dataclass
class ParsedDates:
    """The result of parsing one column: days, plus the rows that could not be read and why."""

    days: npt.NDArray[np.datetime64]
    #: row -> reason, for non-empty values that were left undated
    unreadable: dict[int, str] = field(default_factory=dict)
    #: row -> how an ambiguous value was resolved (from the row's year column)
    resolved: dict[int, str] = field(default_factory=dict)
    #: one line per file-level decision ("slash dates read day-first: ...")
    notes: list[str] = field(default_factory=list)


def _strptime(arr: pa.Array, fmt: str) -> pa.Array:
    return pc.strptime(arr, format=fmt, unit="s", error_is_null=True)


def _days(ts: pa.Array) -> npt.NDArray[np.datetime64]:
    out: npt.NDArray[np.datetime64] = ts.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    return out


def parse_dates(
    values: pa.Array | pa.ChunkedArray,
    day_first: bool | None = None,
    years: npt.NDArray[np.int64] | None = None,
) -> ParsedDates:
    """Parse a string column into ``datetime64[D]`` (NaT where empty or unreadable).

    ``day_first`` forces the order of ``nn/nn/yyyy`` dates (ACLED files: True); None lets the
    column decide. ``years`` (0 = unknown) resolves two-digit dates such as ``24-11-23``.
    """
    dictionary, idx = _distinct(values)
    uniq = _parse_values(dictionary, day_first)
    lookup = np.append(uniq.days, np.datetime64("NaT"))
    result = ParsedDates(lookup[idx].astype("datetime64[D]"), notes=uniq.notes)
    if uniq.unreadable:
        bad = np.array(sorted(uniq.unreadable), dtype=np.int64)
        rows = np.flatnonzero(np.isin(idx, bad))
        two = pc.fill_null(pc.match_substring_regex(dictionary, _TWO_DIGIT), False).to_numpy(zero_copy_only=False)
        retry = rows[two[idx[rows]]] if years is not None else rows[:0]
        if retry.size:
            sub = _parse_values(dictionary.take(pa.array(idx[retry])), day_first, years[retry], two_digit_only=True)
            for i, r in enumerate(retry):
                if i in sub.resolved:
                    result.days[r] = sub.days[i]
                    result.resolved[int(r)] = sub.resolved[i]
        for r in rows:
            if int(r) not in result.resolved:
                result.unreadable[int(r)] = uniq.unreadable[int(idx[r])]
    return result


def _distinct(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, npt.NDArray[np.int64]]:
    """(distinct trimmed values, index per row with -1 for null): a file has few distinct dates,
    so each is parsed once and spread over the rows. A column the reader dictionary-encoded block
    by block only has its blocks' dictionaries unified."""
    if isinstance(values, pa.ChunkedArray) and pa.types.is_dictionary(values.type) and values.num_chunks:
        enc0 = values.unify_dictionaries() if values.num_chunks > 1 else values
        raw = enc0.chunk(0).dictionary.cast(pa.string())
        idx0 = pa.chunked_array([c.indices for c in enc0.chunks]).combine_chunks().cast(pa.int64())
        idx0_np = np.asarray(pc.fill_null(idx0, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        enc = pc.dictionary_encode(pc.utf8_trim_whitespace(raw))
        merged = np.append(np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64), -1)
        return enc.dictionary, merged[np.where(idx0_np < 0, len(raw), idx0_np)]
    if isinstance(values, pa.ChunkedArray):
        if pa.types.is_dictionary(values.type):
            values = pa.array([], pa.string())
        else:
            values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    enc = pc.dictionary_encode(pc.utf8_trim_whitespace(values.cast(pa.string())))
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return enc.dictionary, idx


def _parse_values(arr: pa.Array, day_first: bool | None, years: npt.NDArray[np.int64] | None = None,
                  two_digit_only: bool = False) -> ParsedDates:
    n = len(arr)
    result = ParsedDates(np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"))
    if n == 0:
        return result
    # ISO date-times: keep the date part (the model holds calendar days).
    is_dt = pc.fill_null(pc.match_substring_regex(arr, _ISO_PREFIX), False)
    if pc.any(is_dt).as_py():
        arr = pc.if_else(is_dt, pc.utf8_slice_codeunits(arr, 0, 10), arr)
    empty = pc.fill_null(pc.equal(arr, ""), True).to_numpy(zero_copy_only=False)
    todo = ~empty
    if two_digit_only:
        _parse_two_digit(arr, todo, years, result)
        return result
    days = result.days
    for i, fmt in enumerate(UNAMBIGUOUS_FORMATS):
        if i == 1 and todo.any():
            _parse_named(arr, todo, days)
        if not todo.any():
            break
        ts = _strptime(arr, fmt)
        got = ~np.asarray(ts.is_null().to_numpy(zero_copy_only=False), dtype=bool) & todo
        if got.any():
            parsed = _days(ts)
            # strptime's %Y takes two digits too: "24-11-23" is not the year 24.
            got &= parsed >= _EARLIEST
        if got.any():
            days[got] = parsed[got]
            todo &= ~got
    if todo.any():
        _parse_slash(arr, todo, day_first, result)
    if todo.any():
        _parse_two_digit(arr, todo, years, result)
    for row in np.flatnonzero(todo):
        if int(row) not in result.unreadable:
            result.unreadable[int(row)] = f"date {arr[int(row)].as_py()!r} is in no format the atlas reads; kept undated"
    return result


def _parts(arr: pa.Array, rows: npt.NDArray[np.intp], pattern: str) -> tuple[np.ndarray, ...] | None:
    sub = arr.take(pa.array(rows))
    st = pc.extract_regex(sub, pattern)
    if st.null_count == len(st):
        return None
    ok = ~np.asarray(st.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    cols = []
    for name in ("a", "b", "c"):
        vals = pc.fill_null(pc.struct_field(st, name), "0")
        cols.append(np.asarray(pc.cast(vals, pa.int64()).to_numpy(zero_copy_only=False)))
    return ok, cols[0], cols[1], cols[2]


def _ymd_to_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised calendar check: (days, valid) for year/month/day integer arrays."""
    valid = (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1) & (y <= 9999)
    yy, mm, dd = np.where(valid, y, 1970), np.where(valid, m, 1), np.where(valid, d, 1)
    months = (yy - 1970) * 12 + (mm - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    days = first + (dd - 1).astype("timedelta64[D]")
    # Day 31 of a 30-day month spills into the next month: not a real date.
    valid &= days.astype("datetime64[M]") == first.astype("datetime64[M]")
    return days, valid


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = _MONTHS + ("january", "february", "march", "april", "june", "july", "august", "sept",
                          "september", "october", "november", "december")
_MONTH_NUMBER = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 6, 7, 8, 9, 9, 10, 11, 12, 0])
_DAY_MONTH_YEAR = r"^(?P<a>\d{1,2})[ -](?P<b>[A-Za-z]{3,9})\.?[ -](?P<c>\d{4}|\d{2})$"
_MONTH_DAY_YEAR = r"^(?P<b>[A-Za-z]{3,9})\.? (?P<a>\d{1,2}),? (?P<c>\d{4})$"


def _parse_named(arr: pa.Array, todo: np.ndarray, days: np.ndarray) -> None:
    """Dates with an English month name, vectorised: regex parts + a month lookup."""
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        rows = np.flatnonzero(todo)
        if rows.size == 0:
            return
        sub = arr if rows.size == len(arr) else arr.take(pa.array(rows))
        st = pc.extract_regex(sub, pattern)
        if st.null_count == len(st):
            continue
        ok = ~np.asarray(st.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        day = np.asarray(pc.cast(pc.fill_null(pc.struct_field(st, "a"), "0"), pa.int64()).to_numpy(zero_copy_only=False))
        year_text = pc.fill_null(pc.struct_field(st, "c"), "0")
        year = np.asarray(pc.cast(year_text, pa.int64()).to_numpy(zero_copy_only=False))
        two = np.asarray(pc.equal(pc.utf8_length(year_text), 2).to_numpy(zero_copy_only=False), dtype=bool)
        year = np.where(two, np.where(year < 50, 2000 + year, 1900 + year), year)
        name = pc.utf8_lower(pc.fill_null(pc.struct_field(st, "b"), ""))
        idx = np.asarray(pc.fill_null(pc.index_in(name, value_set=pa.array(_MONTH_NAMES)), len(_MONTH_NAMES)).to_numpy(zero_copy_only=False))
        month = _MONTH_NUMBER[idx]
        parsed, valid = _ymd_to_days(year, month, day)
        take = ok & valid & (month > 0)
        days[rows[take]] = parsed[take]
        todo[rows[take]] = False


def _parse_slash(arr: pa.Array, todo: np.ndarray, day_first: bool | None, result: ParsedDates) -> None:
    rows = np.flatnonzero(todo)
    got = _parts(arr, rows, _SLASH)
    if got is None:
        return
    ok, a, b, y = got
    if day_first is None:
        if (ok & (a > 12)).any() and not (ok & (b > 12)).any():
            day_first = True
            result.notes.append("slash dates read day-first (dd/mm/yyyy): some first parts are above 12")
        elif (ok & (b > 12)).any() and not (ok & (a > 12)).any():
            day_first = False
            result.notes.append("slash dates read month-first (mm/dd/yyyy): some second parts are above 12")
    if day_first is None:
        # The file proves neither order: read only the dates that are the same either way.
        same = ok & (a == b)
        amb = ok & (a != b)
        days, valid = _ymd_to_days(y, a, b)
        take = same & valid
        result.days[rows[take]] = days[take]
        todo[rows[take]] = False
        for i in np.flatnonzero(amb):
            r = int(rows[i])
            result.unreadable[r] = (f"date {arr[r].as_py()!r} is ambiguous (dd/mm or mm/dd; nothing in the file "
                                    "tells which); kept undated")
            todo[r] = False
        return
    d, m = (a, b) if day_first else (b, a)
    days, valid = _ymd_to_days(y, m, d)
    take = ok & valid
    result.days[rows[take]] = days[take]
    todo[rows[take]] = False


def _parse_two_digit(arr: pa.Array, todo: np.ndarray, years: np.ndarray | None, result: ParsedDates) -> None:
    rows = np.flatnonzero(todo)
    got = _parts(arr, rows, _TWO_DIGIT)
    if got is None:
        return
    ok, a, b, c = got
    for i in np.flatnonzero(ok):
        r = int(rows[i])
        text = arr[r].as_py()
        year = int(years[r]) if years is not None and r < len(years) else 0
        readings = []
        # yy-mm-dd and dd-mm-yy (and the US mm-dd-yy) are all in use; the row's year may pick one.
        for label, (yy, mm, dd) in (("yy-mm-dd", (a[i], b[i], c[i])), ("dd-mm-yy", (c[i], b[i], a[i])), ("mm-dd-yy", (c[i], a[i], b[i]))):
            full = 2000 + yy if yy < 50 else 1900 + yy
            days, valid = _ymd_to_days(np.array([full]), np.array([mm]), np.array([dd]))
            if valid[0]:
                readings.append((label, full, days[0]))
        matching = [rd for rd in readings if rd[1] == year] if year else []
        if year and len({rd[2] for rd in matching}) == 1:
            label, _, day = matching[0]
            result.days[r] = day
            result.resolved[r] = f"two-digit date {text!r} read as {label} ({day}) because the row's year is {year}"
        else:
            options = ", ".join(f"{rd[0]} → {rd[2]}" for rd in readings) or "no valid reading"
            result.unreadable[r] = f"date {text!r} is ambiguous ({options}); flagged, kept undated"
        todo[r] = False
