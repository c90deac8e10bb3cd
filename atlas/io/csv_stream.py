"""Stream a CSV of events through a filter, block by block: ``convert`` of ten million rows in
bounded memory.

:func:`atlas.io.csv_events.read_csv` builds the whole table (a 10M-row ACLED file: ~7 GB and
~50 s); ``convert`` needs only the rows its filter keeps. Here Arrow's CSV reader hands over
blocks of raw text columns; the cheap filter terms are tested on the raw text first (dates in
ISO form, categories through the same dictionary encoding the table builder uses), so only rows
that may pass are built into events, by the same :func:`atlas.io.columns.build_events` as the
whole read, then the exact filter runs on the block's events and the kept rows go to the writer.
Memory is one block plus what the writer keeps (nothing, for CSV).

The output is the whole read's, with two differences that only the streaming can have, both said
in the report's notes: problems are labelled by data row ("row 12"), not by the file's physical
line (a second pass over the file would cost what the streaming saves), and duplicate ids are
found among the rows kept (the whole read also renames a kept row whose id an earlier, filtered
out row had).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from atlas.model import All, Categories, DateRange, Filter
from atlas.model.table import EventTable
from atlas.model.text_column import ArrowText, CodedText

from .columns import MAX_LISTED, BuildOptions, build_events, categorical
from .csv_events import CsvPlan, NotUtf8, csv_plan, open_text_reader, pages_kept_for
from .progress import tick
from .report import ImportReport
from .seen_ids import SeenIds, string_hashes

#: Bytes of CSV text per block Arrow parses (measured on 1M ACLED rows: 4 MB blocks parse in a
#: fifth of the CPU time 32 MB blocks take, with values that may hold newlines).
BLOCK_BYTES = 4 << 20
#: Rows that passed the raw test are gathered over blocks and built into events this many at a
#: time (building has a fixed cost per call).
BUILD_ROWS = 50_000
#: The fields ``inspect`` builds (summary mode, no filter): what it counts and everything the
#: builder checks (ids, coordinates against the country, dates, precisions, numbers, sources).
SUMMARY_FIELDS = frozenset({"event_id", "longitude", "latitude", "country", "event_type", "event_date", "year",
                            "time_precision", "geo_precision", "fatalities", "claim_area_km2", "coord_approximate",
                            "source", "sources"})
#: Problems listed in the report across all blocks (then one count line).
MAX_PROBLEMS = 4 * MAX_LISTED

BlockSink = Callable[[EventTable, npt.NDArray[np.intp]], None]


class NotStreamable(Exception):
    """The file needs the whole read (text not in UTF-8, a layout the blocks cannot follow)."""


def streamable(plan: CsvPlan) -> bool:
    """Files whose rows convert alone: ACLED's layouts (dates day-first by definition). Other CSVs
    may decide the order of nn/nn/yyyy dates from the whole column, or recode by a preset."""
    return plan.data is None and plan.lay.kind.startswith("ACLED") and plan.preset is None


def stream_csv(path: str | Path, flt: Filter, sink: BlockSink, mapping: dict[str, str] | None = None,
               merge: bool = False, summary: bool = False) -> ImportReport:
    """Read ``path`` in blocks, keep the rows ``flt`` lets through, hand each block's table and
    kept rows to ``sink``. Raises :class:`NotStreamable` when the file needs the whole read (the
    caller then throws away what the sink got); :class:`atlas.io.report.InputError` as
    ``read_csv`` does.

    ``summary`` (``inspect``): the sink's tables are for counting, not for writing: with no filter
    only the fields of :data:`SUMMARY_FIELDS` are built (text, other categories and extra columns
    are skipped: nothing in them is checked), the tables' ids are placeholders, and the kept rows'
    own ids are checked for duplicates over the whole file at the end (the report lists them as
    the whole read does: "first at row N; kept as 'X#2'")."""
    with pages_kept_for(1000):
        return _stream_csv(path, flt, sink, mapping, merge, summary)


def _stream_csv(path: str | Path, flt: Filter, sink: BlockSink, mapping: dict[str, str] | None,
                merge: bool, summary: bool) -> ImportReport:
    """:func:`stream_csv`'s read, within its allocator setting."""
    plan = csv_plan(Path(path), mapping, merge)
    if not streamable(plan):
        raise NotStreamable(str(path))
    report = plan.report
    lay, headers, mapping_ = plan.lay, plan.headers, plan.mapping
    pre = _raw_terms(flt, mapping_, headers)
    try:
        reader, ragged = open_text_reader(str(plan.path), lay, headers, True, BLOCK_BYTES)
    except pa.ArrowInvalid as exc:
        raise NotStreamable(str(exc)) from exc
    total = max(plan.path.stat().st_size, 1)
    id_col = mapping_.get("event_id") or None
    prefix = plan.path.stem
    seen_ids = SeenIds()
    all_ids = _AllIds()  # summary: the kept rows' ids, checked at the end
    built = set(headers)
    if summary and isinstance(flt, All):
        built = {c for f, c in mapping_.items() if c and f in SUMMARY_FIELDS}
    merged = _MergedNotes()
    offset = blank_ids = kept_total = 0
    first_row: pa.RecordBatch | None = None
    done_bytes = 0
    stem = plan.path.stem
    pending: list[pa.RecordBatch] = []
    pending_rows: list[npt.NDArray[np.int64]] = []
    pending_n = 0

    def flush() -> None:
        """Build the gathered rows into events, filter them exactly, hand the kept ones on."""
        nonlocal pending_n, blank_ids, kept_total
        if not pending_n:
            return
        rows = np.concatenate(pending_rows)
        columns: dict[str, Any] = {h: pa.chunked_array([b.column(i) for b in pending], type=pa.string())
                                   for i, h in enumerate(headers) if h in built}
        pending.clear()
        pending_rows.clear()
        pending_n = 0
        # Rows without an id are named by their row in the file, as the whole read names them.
        ids, blanks = _ids_for(columns.get(id_col) if id_col else None, rows, prefix)
        blank_ids += blanks
        block_mapping = dict(mapping_)
        if summary:
            # Placeholder ids ("<stem>-<n>", cheap); the real ones are checked at the end.
            columns.pop(id_col, None)
            block_mapping["event_id"] = ""
        elif id_col:
            columns[id_col] = ids
        else:
            columns["\x00event_id"] = ids  # a column of the block only, named by no header
            block_mapping["event_id"] = "\x00event_id"
        rep = ImportReport(report.path, report.format)

        def where(r: int) -> str:
            return f"row {int(rows[r]) + 1}"

        table = build_events(columns, block_mapping, rep, BuildOptions(dataset=stem, where=where, day_first=True))
        kept = np.flatnonzero(flt.mask(table)).astype(np.intp)
        if summary:
            all_ids.add(ids, kept, rows)
        elif kept.size:
            table = _renamed_duplicates(table, kept, seen_ids, rep, where)
        merged.add(rep, MAX_PROBLEMS)
        kept_total += int(kept.size)
        if kept.size:
            sink(table, kept)

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):  # the caller throws away what the sink got and reads it whole
                raise NotStreamable(str(exc)) from exc
            raise
        n = batch.num_rows
        done_bytes += batch.nbytes
        if first_row is None and n:
            first_row = batch.slice(0, 1)
        rows = np.arange(offset, offset + n, dtype=np.int64)
        offset += n
        keep = _prefilter(batch, headers, pre)
        if keep is not None:
            idx = np.flatnonzero(keep)
            if not idx.size:
                tick(min(0.99, done_bytes / total))
                continue
            if idx.size < n:
                batch = batch.take(pa.array(idx))
                rows = rows[idx]
        pending.append(batch)
        pending_rows.append(rows)
        pending_n += batch.num_rows
        del batch
        if pending_n >= BUILD_ROWS:
            flush()
        tick(min(0.99, done_bytes / total))
    flush()
    if not kept_total and first_row is not None:
        # Nothing kept: the header still names the file's columns, as the whole read's would
        # (built from one row of the file, none of it written; an empty column cannot be encoded).
        one = {h: pa.chunked_array([first_row.column(i)]) for i, h in enumerate(headers)}
        sink(build_events(one, mapping_, ImportReport(report.path, report.format),
                          BuildOptions(dataset=stem, where=str, day_first=True)), np.zeros(0, np.intp))
    for line, expected, actual, text in ragged:
        report.reject(f"line {line}" if line is not None else "a row",
                      f"has {actual} fields where the header has {expected}; rejected rather than shifted ({text[:80]!r})")
    report.rows_read = offset + len(ragged)
    report.rows_loaded = offset  # read and accepted, as the whole read counts them (kept: see convert)
    if blank_ids:
        report.notes.append(f"{blank_ids:,} rows had no id and got '{prefix}-<row>'")
    report.notes.extend(merged.notes())
    report.problems.extend(merged.problems)
    if summary:
        all_ids.flag_duplicates(report)
    report.notes.append("read in blocks through the filter: problems are labelled by data row; duplicate ids "
                        + ("checked at the end" if summary else "are looked for among the rows kept"))
    return report


# ---------------------------------------------------------------------------- summary ids
class _AllIds:
    """The kept rows' ids of a summary (Arrow text, a 64-bit hash and the data row each: ~30 bytes
    an id), checked for duplicates once at the end: one sort of the hashes instead of a lookup
    per block."""

    def __init__(self) -> None:
        self.ids: list[pa.Array] = []
        self.hashes: list[npt.NDArray[np.uint64]] = []
        self.rows: list[npt.NDArray[np.int64]] = []

    def add(self, ids: pa.ChunkedArray, kept: npt.NDArray[np.intp], rows: npt.NDArray[np.int64]) -> None:
        arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        if len(kept) < len(arr):
            arr = arr.take(pa.array(kept))
        self.ids.append(arr)
        self.hashes.append(string_hashes(arr))
        self.rows.append(rows[kept].astype(np.int64))

    def flag_duplicates(self, report: ImportReport) -> None:
        """Every id after its first occurrence, as the whole read flags it (build_events' _ids):
        "duplicate id 'X' (first at row N); kept as 'X#k'", MAX_LISTED of them, then a count."""
        if not self.hashes:
            return
        h = np.concatenate(self.hashes)
        self.hashes.clear()
        order = np.argsort(h, kind="stable")  # equal hashes together, in file order
        hs = h[order]
        del h
        same_as_prev = np.zeros(len(hs), bool)
        same_as_prev[1:] = hs[1:] == hs[:-1]
        del hs
        later = np.flatnonzero(same_as_prev)
        if not later.size:
            return
        # Each run of equal hashes: its first position in the sorted order.
        run_start = np.flatnonzero(~same_as_prev)
        first_of = run_start[np.searchsorted(run_start, later, side="right") - 1]
        texts = pa.chunked_array(self.ids, type=pa.string())
        rows = np.concatenate(self.rows)
        a = texts.take(pa.array(order[later])).to_pylist()
        b = texts.take(pa.array(order[first_of])).to_pylist()
        dups: list[tuple[int, str, int]] = []  # (row, id, row of its first)
        for pos, name, first_name, f in zip(order[later].tolist(), a, b, order[first_of].tolist(), strict=True):
            if name == first_name:  # else two ids of one hash (a collision): not a duplicate
                dups.append((int(rows[pos]), name, int(rows[f])))
        dups.sort()
        counter: dict[str, int] = {}
        for r, name, first in dups[:MAX_LISTED]:
            counter[name] = counter.get(name, 1) + 1
            report.flag(f"row {r + 1}", f"duplicate id {name!r} (first at row {first + 1}); "
                                        f"kept as {f'{name}#{counter[name]}'!r}", "flagged")
        if len(dups) > MAX_LISTED:
            report.flag(f"{len(dups) - MAX_LISTED:,} more rows", f"duplicate ids (first {MAX_LISTED} listed above)",
                        "flagged")


# ---------------------------------------------------------------------------- raw prefilter
def _raw_terms(flt: Filter, mapping: dict[str, str], headers: list[str]) -> list[tuple[str, Filter]]:
    """The top-level AND terms that can be tested on raw text: (column, term)."""
    out: list[tuple[str, Filter]] = []
    for term in flt.parts():
        if isinstance(term, DateRange) and mapping.get("event_date") in headers:
            out.append((mapping["event_date"], term))
        elif isinstance(term, Categories) and mapping.get(term.field) in headers:
            out.append((mapping[term.field], term))
    return out


def _prefilter(batch: pa.RecordBatch, headers: list[str], terms: list[tuple[str, Filter]]) -> np.ndarray | None:
    """Rows that may pass (never drops one the exact filter would keep), or None for all."""
    if not terms:
        return None
    keep = np.ones(batch.num_rows, dtype=bool)
    for colname, term in terms:
        col = batch.column(headers.index(colname))
        if isinstance(term, DateRange):
            keep &= _maybe_in_range(col, term)
        elif isinstance(term, Categories):
            # The builder's own encoding of the column: the same values, the same ""-is-missing.
            keep &= categorical(col).mask_for(term.values)
    return keep


def _maybe_in_range(col: pa.Array, term: DateRange) -> np.ndarray:
    """False only for cells that are an ISO date (YYYY-MM-DD, ACLED's current form) outside the
    range; any other form is left to the builder and the exact filter."""
    ts = pc.strptime(pc.utf8_trim_whitespace(col), format="%Y-%m-%d", unit="s", error_is_null=True)
    days = pc.cast(ts, pa.date32())
    out = np.ones(len(col), dtype=bool)
    parsed = ~np.asarray(pc.is_null(days).to_numpy(zero_copy_only=False), dtype=bool)
    d = np.asarray(days.fill_null(0).to_numpy(zero_copy_only=False)).astype("datetime64[D]")
    if term.start is not None:
        out &= ~parsed | (d >= np.datetime64(term.start, "D"))
    if term.end is not None:
        out &= ~parsed | (d <= np.datetime64(term.end, "D"))
    return out


# ---------------------------------------------------------------------------- ids
def _ids_for(col: pa.ChunkedArray | None, rows: npt.NDArray[np.int64], prefix: str) -> tuple[pa.ChunkedArray, int]:
    """The block's ids, blanks (or a file without ids) named "<prefix>-<row>" by the data row."""
    if col is None:
        return pa.chunked_array([pa.array([f"{prefix}-{r + 1}" for r in rows.tolist()], pa.string())]), 0
    trimmed = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
    blank = np.asarray(pc.equal(trimmed, "").to_numpy(zero_copy_only=False), dtype=bool)
    if not blank.any():
        return trimmed, 0
    names = np.asarray(trimmed.to_numpy(zero_copy_only=False), dtype=object)
    for i in np.flatnonzero(blank).tolist():
        names[i] = f"{prefix}-{int(rows[i]) + 1}"
    return pa.chunked_array([pa.array(names, pa.string())]), int(blank.sum())


def _kept_ids(table: EventTable, kept: npt.NDArray[np.intp]) -> pa.Array:
    """The kept rows' ids as one Arrow array (no Python string per id when they are Arrow text)."""
    ids = table.ids
    if isinstance(ids, (ArrowText, CodedText)):
        return pa.concat_arrays(ids.take(kept).arrow().chunks) if len(kept) else pa.array([], pa.string())
    return pa.array(np.asarray(ids, dtype=object)[kept], pa.string())


def _renamed_duplicates(table: EventTable, kept: npt.NDArray[np.intp], seen: SeenIds,
                        rep: ImportReport, where: Callable[[int], str]) -> EventTable:
    """Kept rows whose id an earlier block's kept row had get "#k", as the whole read names them."""
    names = _kept_ids(table, kept)
    hashes = string_hashes(names)
    before = seen.count(names, hashes)
    seen.add(names, hashes)
    dup = np.flatnonzero(before)
    if not dup.size:
        return table
    ids = np.asarray(table.ids, dtype=object).copy()
    for i in dup.tolist():
        r = int(kept[i])
        base = ids[r]
        ids[r] = f"{base}#{int(before[i]) + 1}"
        rep.flag(where(r), f"duplicate id {base!r} (first in an earlier block); kept as {ids[r]!r}")
    return EventTable(
        ids=ids, lon=table.lon, lat=table.lat, date=table.date, date_precision=table.date_precision,
        geo_precision=table.geo_precision, coord_approximate=table.coord_approximate,
        fatalities=table.fatalities, claim_area_km2=table.claim_area_km2, categorical=table.categorical,
        text=table.text, sources=table.sources, extras=table.extras,
    )


# ---------------------------------------------------------------------------- report
_NUMBER = re.compile(r"\d[\d,]*")


class _MergedNotes:
    """The blocks' notes once each, a note counting rows summed over the blocks; problems up to
    a limit, then one count line."""

    def __init__(self) -> None:
        self._notes: dict[str, tuple[str, int | None]] = {}
        self.problems: list[Any] = []
        self._more = 0

    def add(self, rep: ImportReport, limit: int) -> None:
        for note in rep.notes:
            nums = _NUMBER.findall(note)
            shape = _NUMBER.sub("#", note)
            count = int(nums[0].replace(",", "")) if len(nums) == 1 else None
            got = self._notes.get(shape)
            if got is None:
                self._notes[shape] = (note, count)
            elif count is not None and got[1] is not None:
                self._notes[shape] = (got[0], got[1] + count)
        room = max(0, limit - len(self.problems))
        self.problems.extend(rep.problems[:room])
        self._more += max(0, len(rep.problems) - room)

    def notes(self) -> list[str]:
        out = []
        for note, count in self._notes.values():
            out.append(_NUMBER.sub(f"{count:,}", note, count=1) if count is not None else note)
        if self._more:
            out.append(f"{self._more:,} more problems in later rows (not listed)")
        return out
