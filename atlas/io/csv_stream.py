"""Stream a CSV of events through a filter, block by block: ``convert`` of ten million rows in
bounded memory.

:func:`atlas.io.csv_events.read_csv` builds the whole table (a 10M-row ACLED file: ~7 GB and
~50 s); ``convert`` needs only the rows its filter keeps. Here Arrow's CSV reader hands over
blocks of raw text columns; the cheap filter terms are tested on the raw text first (dates in
ISO form, categories through the same dictionary encoding the table builder uses), so only rows
that may pass are built into events, by the same :func:`atlas.io.columns.build_events` as the
whole read, then the exact filter runs on the block's events and the kept rows go to the writer.
Memory is one block plus what the writer keeps (nothing, for CSV).

The output is the whole read's (repeated ids too are named as the whole read names them,
atlas/io/duplicate_ids.py), and so is the report, problems labelled by the line of the file their
row starts on (a scan of the file after the read, atlas/io/csv_lines.py, only when a problem was
found), with one difference said in its notes: rows the raw test refused on a readable date or
category are not built, so their other problems (a bad coordinate in a row of another type) are
not listed. Rows the filter leaves out because a field it tests is empty or unreadable are named
(atlas/io/filter_gaps.py), as the whole read names them.
"""

from __future__ import annotations

import queue
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from atlas.model import BBox, Categories, DateRange, Filter, MinConfidence, Or
from atlas.model.table import EventTable

from .columns import MAX_LISTED, BuildOptions, build_events, categorical
from .csv_events import CsvPlan, NotUtf8, csv_plan, open_text_reader, pages_kept_for
from .dates import _EARLIEST
from .csv_lines import data_row_lines
from .filter_gaps import name_left_out
from .progress import tick
from .report import ImportReport, Problem
from .duplicate_ids import Copies, id_hashes, repeated

#: Bytes of parsed text per block the loop below takes (the blocks Arrow parses joined; per-block
#: work has a fixed cost: ids, the raw filter terms).
BLOCK_BYTES = 4 << 20
#: Bytes Arrow parses at a time (joined into blocks of BLOCK_BYTES): 1 MB blocks parse in about
#: two thirds of the CPU time of 4 MB ones (1M ACLED rows: 0.8 s against 1.3-1.6 s, every column).
PARSE_BLOCK_BYTES = 1 << 20
#: Rows that passed the raw test are gathered over blocks and built into events this many at a
#: time (building has a fixed cost per call).
BUILD_ROWS = 50_000
#: The fields ``inspect`` builds (summary mode; with the fields its filter tests): what it counts
#: and everything the builder checks (ids, coordinates against the country, dates, precisions,
#: numbers, JSON sources). ACLED's flat ``source`` and ``coord_approximate`` are read without a
#: check, so they are not made at all.
SUMMARY_FIELDS = frozenset({"event_id", "longitude", "latitude", "country", "event_type", "event_date", "year",
                            "time_precision", "geo_precision", "fatalities", "claim_area_km2", "sources"})
#: Blocks parsed ahead of the one being built (atlas/io/csv_stream._Prefetching).
PREFETCH_BLOCKS = 4
#: Problems listed in the report across all blocks (then one count line).
MAX_PROBLEMS = 4 * MAX_LISTED

BlockSink = Callable[[EventTable, npt.NDArray[np.intp]], None]


class NotStreamable(Exception):
    """The file needs the whole read (text not in UTF-8, a layout the blocks cannot follow)."""


def streamable(plan: CsvPlan) -> bool:
    """Files whose rows convert alone: ACLED's layouts (dates day-first by definition). Other CSVs
    may decide the order of nn/nn/yyyy dates from the whole column, or recode by a preset."""
    return plan.data is None and plan.lay.kind.startswith("ACLED") and plan.preset is None


@dataclass
class Dedupe:
    """``convert --dedupe newest`` read in blocks: one row per id, as
    :func:`atlas.io.dedupe.resolve_duplicates` keeps it from the whole read (the newest
    ``timestamp``, the later row on a tie), decided before the filter. The first read keeps a
    hash of each id and each row's time (16 bytes a row); only a file with a repeated id is read
    again, without the rows that lose. ``dropped``: how many they were."""

    dropped: int = 0


def stream_csv(path: str | Path, flt: Filter, sink: BlockSink, mapping: dict[str, str] | None = None,
               merge: bool = False, summary: bool = False, restart: Callable[[], None] | None = None,
               dedupe: Dedupe | None = None) -> ImportReport:
    """Read ``path`` in blocks, keep the rows ``flt`` lets through, hand each block's table and
    kept rows to ``sink``. Raises :class:`NotStreamable` when the file needs the whole read (the
    caller then throws away what the sink got); :class:`atlas.io.report.InputError` as
    ``read_csv`` does.

    Repeated ids are named as the whole read names them ("X#2" counting every row of the file,
    kept or not; atlas/io/duplicate_ids.py): a file with a repeated id is read twice, and
    ``restart`` is called before the second read (the sink forgets what it got; without a
    ``restart`` the caller must not keep the first read's blocks).

    ``summary`` (``inspect``): the sink's tables are for counting, not for writing: with no filter
    only the fields of :data:`SUMMARY_FIELDS` are made from the text and built (text, the other
    categories and the extra columns are skipped: nothing in them is checked).

    ``dedupe``: the rows :class:`Dedupe` drops are left out before the filter (the kept copies
    keep their plain id); a file whose ids end in "#<digits>" (the whole read's suffix for a
    copy) raises :class:`NotStreamable`."""
    with pages_kept_for(1000):
        plan = csv_plan(Path(path), mapping, merge)
        if not streamable(plan):
            raise NotStreamable(str(path))
        try:
            return _one_pass(plan, flt, sink, summary, None, dedupe)
        except _Repeated as again:
            if restart is not None:
                restart()
            plan = csv_plan(Path(path), mapping, merge)  # a fresh report
            if dedupe is not None:
                dedupe.dropped = len(again.losers)
            return _one_pass(plan, flt, sink, summary, Copies(again.hashes), dedupe, again.losers)


class _Prefetching:
    """Arrow's block reader read on a thread of its own, a few blocks ahead, so that the parse of
    the next blocks (Arrow's C++, without the GIL) runs beside the building of this one instead of
    before it. Arrow parses small blocks (PARSE_BLOCK_BYTES: a third less CPU than 4 MB ones);
    they are handed over joined into blocks of ``group_bytes`` (the per-block work here has a
    fixed cost). At most ``ahead`` joined blocks wait. The thread ends at the end of the file, at
    an error (raised by :meth:`read_next_batch` after the rows read before it), or when this
    object is dropped (a read given up half way)."""

    _END = object()

    def __init__(self, reader: Any, group_bytes: int, ahead: int = PREFETCH_BLOCKS) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=ahead)
        stop = threading.Event()
        weakref.finalize(self, stop.set)
        threading.Thread(target=self._run, args=(reader, self._queue, stop, group_bytes), name="csv-blocks",
                         daemon=True).start()

    @staticmethod
    def _run(reader: Any, out: queue.Queue[Any], stop: threading.Event, group_bytes: int) -> None:
        # No reference to the _Prefetching object: dropping it is what stops this thread.
        group: list[pa.RecordBatch] = []
        size = 0
        while not stop.is_set():
            end: Any = None
            try:
                batch = reader.read_next_batch()
                group.append(batch)
                size += batch.nbytes
                if size < group_bytes:
                    continue
            except StopIteration:
                end = _Prefetching._END
            except BaseException as exc:  # noqa: BLE001 - handed over, raised by read_next_batch
                end = exc
            items: list[Any] = []
            if group:
                joined = group[0] if len(group) == 1 else pa.Table.from_batches(group).combine_chunks().to_batches()[0]
                items.append(joined)
                group, size = [], 0
            if end is not None:
                items.append(end)
            for item in items:
                while not stop.is_set():
                    try:
                        out.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
            if end is not None:
                return

    def read_next_batch(self) -> pa.RecordBatch:
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item


class _Repeated(Exception):
    """The first read found ids whose hash occurs twice: read again, counting their copies."""

    def __init__(self, hashes: npt.NDArray[np.uint64], losers: npt.NDArray[np.int64] | None = None) -> None:
        super().__init__(f"{len(hashes)} repeated ids")
        self.hashes = hashes
        #: with --dedupe: the rows (sorted) an id's newer copy replaces
        self.losers = losers if losers is not None else np.zeros(0, np.int64)


def _losers(hashes: npt.NDArray[np.uint64], stamps: npt.NDArray[np.float64],
            again: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """The rows whose id (by its hash) has a newer copy: per id the newest stamp stays, the later
    row on a tie (the order of resolve_duplicates' sort)."""
    at = np.minimum(np.searchsorted(again, hashes), len(again) - 1)
    cand = np.flatnonzero(again[at] == hashes)
    order = np.lexsort((cand, stamps[cand], hashes[cand]))
    h = hashes[cand][order]
    last = np.ones(len(order), bool)
    last[:-1] = h[:-1] != h[1:]
    return np.sort(cand[order][~last]).astype(np.int64)


def _stamps(col: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.float64]:
    """A time column as resolve_duplicates reads it: Python's float() of the trimmed text,
    -inf where it reads none."""
    try:
        # Plain numbers, the common case: one cast of the text as it is (it refuses "" and spaces).
        return np.array(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.utf8_trim_whitespace(pc.fill_null(col, ""))
    out = []
    for v in text.to_pylist():
        try:
            out.append(float(v))
        except ValueError:
            out.append(-np.inf)
    return np.array(out, dtype=np.float64)


def _one_pass(plan: CsvPlan, flt: Filter, sink: BlockSink, summary: bool, copies: Copies | None,
              dedupe: Dedupe | None = None, losers: npt.NDArray[np.int64] | None = None) -> ImportReport:
    """One read of the file. ``copies`` None: the first, which raises :class:`_Repeated` at the
    end if an id came twice; else the second, which renames the later copies as it goes (and
    with ``dedupe`` leaves out the ``losers``)."""
    report = plan.report
    lay, headers, mapping_ = plan.lay, plan.headers, plan.mapping
    stamp_col = None
    if dedupe is not None:
        from .dedupe import _STAMP_COLUMNS

        # The time column resolve_duplicates reads: the first of its names kept as an extra.
        stamp_col = next((c for c in _STAMP_COLUMNS if c in headers and c not in mapping_.values()), None)
    stamps: list[npt.NDArray[np.float64]] = []
    group_of: dict[int, str] = {}
    pre = _raw_terms(flt, mapping_, headers)
    built = list(headers)
    tested = _fields_tested(flt) if summary else None
    if tested is not None:
        # Only the summary's columns and those the filter tests are made from the text (the
        # others are split, not copied).
        wanted = {c for f, c in mapping_.items() if c and (f in SUMMARY_FIELDS or f in tested)}
        built = [h for h in headers if h in wanted] or headers[:1]
    try:
        reader, ragged = open_text_reader(str(plan.path), lay, headers, True, min(PARSE_BLOCK_BYTES, BLOCK_BYTES),
                                          None if len(built) == len(headers) else built)
    except pa.ArrowInvalid as exc:
        raise NotStreamable(str(exc)) from exc
    reader = _Prefetching(reader, BLOCK_BYTES)
    total = max(plan.path.stat().st_size, 1)
    id_col = mapping_.get("event_id") or None
    prefix = plan.path.stem
    hashes: list[npt.NDArray[np.uint64]] = []
    merged = _MergedNotes()
    dups = _DuplicateList()
    offset = blank_ids = kept_total = left_out = refused = 0
    first_row: pa.RecordBatch | None = None
    done_bytes = 0
    stem = plan.path.stem
    pending: list[pa.RecordBatch] = []
    pending_rows: list[npt.NDArray[np.int64]] = []
    pending_ids: list[pa.Array] = []
    pending_n = 0

    def flush() -> None:
        """Build the gathered rows into events, filter them exactly, hand the kept ones on."""
        nonlocal pending_n, kept_total, left_out
        if not pending_n:
            return
        rows = np.concatenate(pending_rows)
        columns: dict[str, Any] = {h: pa.chunked_array([b.column(h) for b in pending], type=pa.string())
                                   for h in built}
        block_mapping = dict(mapping_)
        if summary:
            # Placeholder ids ("<stem>-<n>", cheap): the summary counts, it names nothing.
            columns.pop(id_col, None)
            block_mapping["event_id"] = ""
        elif id_col:
            columns[id_col] = pa.chunked_array(pending_ids, type=pa.string())
        else:
            # No id column: each row is named by its row in the file, as the whole read names it.
            columns["\x00event_id"] = pa.array([f"{prefix}-{r + 1}" for r in rows.tolist()], pa.string())
            block_mapping["event_id"] = "\x00event_id"  # a column of the block only, named by no header
        pending.clear()
        pending_rows.clear()
        pending_ids.clear()
        pending_n = 0
        rep = ImportReport(report.path, report.format)

        def where(r: int) -> str:
            return f"row {int(rows[r]) + 1}"

        table = build_events(columns, block_mapping, rep,
                             BuildOptions(dataset=stem, where=where, day_first=True, ids=not summary))
        kept = np.flatnonzero(flt.mask(table)).astype(np.intp)
        # Rows left out only because a field the filter tests is empty or unreadable: named.
        left_out += name_left_out(table, flt, rep, where)
        merged.add(rep, MAX_PROBLEMS)
        kept_total += int(kept.size)
        if kept.size:
            sink(table, kept)

    unhashed: list[tuple[pa.Array, npt.NDArray[np.int64]]] = []
    unhashed_n = 0

    def hash_ids() -> None:
        """The gathered ids' hashes (blanks named by their row first, as the whole read names them)."""
        nonlocal unhashed_n, blank_ids
        if not unhashed:
            return
        ids, blanks = _ids_for(pa.chunked_array([c for c, _ in unhashed], type=pa.string()),
                               np.concatenate([r for _, r in unhashed]), prefix)
        blank_ids += blanks
        hashes.append(id_hashes(ids))
        unhashed.clear()
        unhashed_n = 0

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
        ids = None
        if id_col and summary and copies is None:
            # Only hashed (the summary names no id): gathered, hashed BUILD_ROWS at a time.
            unhashed.append((batch.column(id_col), rows))
            unhashed_n += n
            if unhashed_n >= BUILD_ROWS:
                hash_ids()
        elif id_col:
            # Every row's id as the whole read has it (trimmed; blanks named by their row), its
            # copies counted over every row, kept or not.
            ids, blanks = _ids_for(batch.column(id_col), rows, prefix)
            blank_ids += blanks
            if dedupe is not None:
                if pc.any(pc.match_substring(ids, "#")).as_py() and \
                        pc.any(pc.match_substring_regex(ids, r"#\d+$")).as_py():
                    raise NotStreamable("ids ending in #<digits>: resolve_duplicates reads them as copies")
                if copies is None:
                    stamps.append(_stamps(batch.column(stamp_col)) if stamp_col else np.zeros(n))
            if copies is None:
                hashes.append(id_hashes(ids))
            elif dedupe is not None:
                copies.rename(ids, rows, dups.add)  # named in the report; the kept copy keeps its id
                _one_id_per_hash(ids, copies, group_of)
            else:
                ids = copies.rename(ids, rows, dups.add)
        keep = _prefilter(batch, pre)
        dropped_here = 0
        if losers is not None and len(losers):
            at = np.minimum(np.searchsorted(losers, rows), len(losers) - 1)
            stays = losers[at] != rows
            if not stays.all():
                # Dropped before the filter, not refused by it.
                dropped_here = int((~stays).sum())
                keep = stays if keep is None else keep & stays
        if keep is not None:
            idx = np.flatnonzero(keep)
            refused += n - dropped_here - int(idx.size)
            if not idx.size:
                tick(min(0.99, done_bytes / total))
                continue
            if idx.size < n:
                batch = batch.take(pa.array(idx))
                rows = rows[idx]
                ids = ids.take(pa.array(idx)) if ids is not None else None
        pending.append(batch)
        pending_rows.append(rows)
        if ids is not None:
            pending_ids.append(ids)
        pending_n += batch.num_rows
        del batch
        if pending_n >= BUILD_ROWS:
            flush()
        tick(min(0.99, done_bytes / total))
    flush()
    hash_ids()
    if copies is None:
        every = np.concatenate(hashes) if dedupe is not None and hashes else None
        again = repeated(hashes)
        if again.size:
            raise _Repeated(again, _losers(every, np.concatenate(stamps), again) if every is not None else None)
    if not kept_total and first_row is not None:
        # Nothing kept: the header still names the file's columns, as the whole read's would
        # (built from one row of the file, none of it written; an empty column cannot be encoded).
        one = {h: pa.chunked_array([first_row.column(h)]) for h in built}
        sink(build_events(one, mapping_, ImportReport(report.path, report.format),
                          BuildOptions(dataset=stem, where=str, day_first=True)), np.zeros(0, np.intp))
    # In row order, as the whole read lists them (the ragged rows first, count lines last),
    # labelled by the line of the file each starts on, as the whole read labels them.
    listed = sorted(merged.problems + dups.listed, key=_row_of)
    listed, ragged_lines = _by_line(plan, listed, ragged, offset)
    for (_, expected, actual, text), line in zip(ragged, ragged_lines, strict=True):
        report.reject(f"line {line}" if line is not None else "a row",
                      f"has {actual} fields where the header has {expected}; rejected rather than shifted ({text[:80]!r})")
    report.rows_read = offset + len(ragged)
    report.rows_loaded = offset  # read and accepted, as the whole read counts them (kept: see convert)
    report.left_out = left_out
    if blank_ids:
        report.notes.append(f"{blank_ids:,} rows had no id and got '{prefix}-<row>'")
    report.notes.extend(merged.notes())
    report.problems.extend(listed)
    report.problems.extend(dups.tail())
    if refused:
        report.notes.append(f"{refused:,} rows the filter refuses on a readable date or category were not checked "
                            "further (problems in their other fields are not listed)")
    if left_out:
        report.notes.append(f"{left_out:,} rows left out by the filter because a field it tests is empty or "
                            "could not be read (listed)")
    return report


def _one_id_per_hash(ids: pa.Array | pa.ChunkedArray, copies: Copies, seen: dict[int, str]) -> None:
    """--dedupe groups the copies of an id by its 64-bit hash: two ids with one hash (never seen
    in practice) would be taken for copies; then the whole read decides."""
    arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    h = id_hashes(arr)
    rep_ = copies.repeated
    at = np.minimum(np.searchsorted(rep_, h), len(rep_) - 1)
    for i in np.flatnonzero(rep_[at] == h).tolist():
        name = arr[i].as_py()
        if seen.setdefault(int(h[i]), name) != name:
            raise NotStreamable("two ids share a hash")


class _DuplicateList:
    """The later copies of repeated ids, flagged as the whole read flags them: the first
    MAX_LISTED, then one count line."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.more = 0

    def add(self, row: int, name: str, first: int, new: str) -> None:
        if len(self.listed) >= MAX_LISTED:
            self.more += 1
            return
        self.listed.append(Problem(f"row {row + 1}", f"duplicate id {name!r} (first at row {first + 1}); kept as {new!r}",
                                   "flagged"))

    def tail(self) -> list[Problem]:
        if not self.more:
            return []
        return [Problem(f"{self.more:,} more rows", f"duplicate ids (first {MAX_LISTED} listed above)", "flagged")]


_ROW = re.compile(r"row (\d+)$")
_FIRST_AT = re.compile(r"\(first at row (\d+)\)")


def _by_line(plan: CsvPlan, problems: list[Problem], ragged: list[tuple[Any, int, int, str]],
             data_rows: int) -> tuple[list[Problem], list[int | None]]:
    """``problems`` labelled "line N" by the line of the file their row starts on (the blocks
    know only the data row, "row N"), and the line of each ragged row: a scan of the file
    (atlas/io/csv_lines.py), paid only when there is something to label."""
    wanted: set[int] = set()
    for p in problems:
        m = _ROW.match(p.where)
        if m:
            wanted.add(int(m.group(1)) - 1)
        wanted.update(int(f) - 1 for f in _FIRST_AT.findall(p.what))
    if not wanted and not ragged:
        return problems, []
    lay = plan.lay
    skip = lay.header_line if lay.headerless else lay.header_line + 1
    lines, found = data_row_lines(plan.path, skip, wanted, data_rows, [r[3] for r in ragged],
                                         len(plan.headers), lay.delimiter)

    def line(m: re.Match[str], fmt: str) -> str:
        r = int(m.group(1)) - 1
        return fmt.format(lines[r]) if r in lines else m.group(0)

    out = [Problem(_ROW.sub(lambda m: line(m, "line {}"), p.where),
                   _FIRST_AT.sub(lambda m: line(m, "(first at line {})"), p.what), p.action) for p in problems]
    # A ragged row the scan did not place (a field over csv's size limit) keeps Arrow's number.
    ragged_lines: list[int | None] = [*found, *(r[0] for r in ragged[len(found):])]
    return out, ragged_lines


def _row_of(problem: Problem) -> float:
    """A problem's data row, for listing in file order (count lines last)."""
    m = _ROW.match(problem.where)
    return int(m.group(1)) if m else float("inf")


def _fields_tested(flt: Filter) -> frozenset[str] | None:
    """The fields a filter reads, when every term says which (a date range, categories, a box, a
    grade, either of those); None for one that may read any (text search)."""
    out: set[str] = set()
    for term in flt.parts():
        for leaf in term.terms if isinstance(term, Or) else (term,):
            if isinstance(leaf, DateRange):
                out.add("event_date")
            elif isinstance(leaf, Categories):
                out.add(leaf.field)
            elif isinstance(leaf, BBox):
                out.update(("longitude", "latitude"))
            elif isinstance(leaf, MinConfidence):
                out.add("confidence")
            else:
                return None
    return frozenset(out)


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


def _prefilter(batch: pa.RecordBatch, terms: list[tuple[str, Filter]]) -> np.ndarray | None:
    """Rows that may pass (never drops one the exact filter would keep), or None for all."""
    if not terms:
        return None
    keep = np.ones(batch.num_rows, dtype=bool)
    for colname, term in terms:
        col = batch.column(colname)
        if isinstance(term, DateRange):
            keep &= _maybe_in_range(col, term)
        elif isinstance(term, Categories):
            # The builder's own encoding of the column: the same values, the same ""-is-missing.
            # A row without the value is built, to be named if the filter leaves it out for that.
            cat = categorical(col)
            keep &= cat.mask_for(term.values) | (cat.codes < 0)
    return keep


def _maybe_in_range(col: pa.Array, term: DateRange) -> np.ndarray:
    """False only for cells that are an ISO date (YYYY-MM-DD, ACLED's current form) outside the
    range that the builder reads as that date; any other form (and a year before 1000, which the
    builder reads otherwise or not at all) is left to the builder and the exact filter."""
    ts = pc.strptime(pc.utf8_trim_whitespace(col), format="%Y-%m-%d", unit="s", error_is_null=True)
    days = pc.cast(ts, pa.date32())
    out = np.ones(len(col), dtype=bool)
    parsed = ~np.asarray(pc.is_null(days).to_numpy(zero_copy_only=False), dtype=bool)
    d = np.asarray(days.fill_null(0).to_numpy(zero_copy_only=False)).astype("datetime64[D]")
    parsed &= d >= _EARLIEST
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
