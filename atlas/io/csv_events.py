"""Read ACLED CSV of every generation, and any CSV with coordinate columns, with Arrow's CSV parser.

Why ``pyarrow.csv``: it parses in C++ on several threads straight into columnar buffers (a
million-row, 31-column ACLED file in well under a second), handles quoted newlines, a UTF-8 BOM and
CRLF, and reports ragged rows through ``invalid_row_handler`` instead of shifting columns. The
standard ``csv`` module yields one Python list per row (seconds and gigabytes at a million rows);
pandas would be a large new dependency for the same C parser. Arrow is already a dependency (the
search index), so the fast path costs nothing to install.

Every column is read as text and converted column-wise in :mod:`atlas.io.columns`, so one bad
value never makes Arrow reject or mistype a whole column, and every problem is reported by line.

What is handled before Arrow sees the file: a preamble before the header (ACLED's ``(Sample)``),
the 1997 upper-case layout, headerless 1997-layout files, ``;``/tab/``|`` delimiters (with decimal
commas), and text that is not UTF-8 (Windows-1251 / Windows-1252 / UTF-16, re-encoded in memory and
reported).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from atlas.model.table import EventTable

from .columns import (
    ALIASES,
    BuildOptions,
    build_events,
    guess_mapping,
    has_coordinates,
    merge_mapping,
    normalise_header,
)
from .presets import preset_for
from .progress import tick
from .report import ImportReport, InputError

#: The 1997-2013 ACLED layout; headerless files of that era have exactly these 25 columns.
ACLED_1997_COLUMNS: tuple[str, ...] = (
    "GWNO", "EVENT_ID_CNTY", "EVENT_ID_NO_CNTY", "EVENT_DATE", "YEAR", "TIME_PRECISION", "EVENT_TYPE",
    "ACTOR1", "ALLY_ACTOR_1", "INTER1", "ACTOR2", "ALLY_ACTOR_2", "INTER2", "INTERACTION", "COUNTRY",
    "ADMIN1", "ADMIN2", "ADMIN3", "LOCATION", "LATITUDE", "LONGITUDE", "GEO_PRECIS", "SOURCE", "NOTES",
    "FATALITIES",
)


def _use_returning_allocator() -> None:
    """Arrow's default mimalloc pool keeps freed segments: after a million-row import ~450 MB of
    parsed text stays resident although nothing uses it. jemalloc with decay 0 hands freed pages
    back at once (measured: peak 1.2 GB → 0.77 GB for 1M ACLED rows). Process-wide by design: the
    atlas is the only Arrow user in the process."""
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
        pa.set_memory_pool(pool)
    except (NotImplementedError, pa.ArrowNotImplementedError, AttributeError):
        pass


_use_returning_allocator()


@contextmanager
def pages_kept_for(ms: int) -> Iterator[None]:
    """Within the block, Arrow's allocator keeps freed pages ``ms`` before handing them back.
    A streamed read frees and allocates a block's worth of text for every block: handed back at
    once, each block faults its pages in again (1M ACLED rows through convert: 1.8 s of system
    time, 0.85 s with 1 s of decay, for ~35 MB more at the peak). The whole read keeps decay 0:
    what it frees must leave the process before the window goes on holding the table."""
    try:
        pa.jemalloc_set_decay_ms(ms)
    except (NotImplementedError, pa.ArrowNotImplementedError, AttributeError):
        yield
        return
    try:
        yield
    finally:
        pa.jemalloc_set_decay_ms(0)


def _fixed_mmap_threshold() -> None:
    """glibc raises its mmap threshold to the size of each large block freed (up to 32 MB), so
    NumPy's column-sized temporaries of an import then come from the heap, whose freed pages
    mostly stay resident. A fixed 1 MB threshold keeps every large array in its own mapping,
    returned when freed (measured with the window open on 1M ACLED rows: 775 → 721 MB resident).
    Process-wide by design, like the Arrow pool above; a no-op without glibc."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(ctypes.c_int(-3), ctypes.c_int(1 << 20))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


_fixed_mmap_threshold()
_KNOWN_HEADERS = {a for names in ALIASES.values() for a in names}
_HEAD_BYTES = 256 * 1024
#: Arrow's block size for the whole read (4 MB blocks parse in a fifth of the CPU of 32 MB ones).
READ_BLOCK_BYTES = 4 << 20
_DELIMITERS = (",", ";", "\t", "|")


class MappingNeeded(InputError):
    """A CSV whose coordinate columns could not be recognised: the GUI asks the user to map them.

    ``headers`` are the file's column names, ``guess`` the mapping found so far (field → header)."""

    def __init__(self, path: str | Path, headers: list[str], guess: dict[str, str]) -> None:
        self.headers = headers
        self.guess = guess
        shown = ", ".join(headers[:15]) + (" …" if len(headers) > 15 else "")
        super().__init__(path, f"no latitude/longitude columns recognised among: {shown}. "
                               "Choose them in the column-mapping dialog (GUI) or with --columns latitude=COL,longitude=COL")


class CsvLayout:
    """What sniffing the head of a file found."""

    def __init__(self) -> None:
        self.encoding_note = ""
        self.delimiter = ","
        self.header_line = 0  # 0-based physical line of the header (or of the first row when headerless)
        self.headers: list[str] = []
        self.headerless = False
        self.preamble: list[str] = []
        self.kind = "CSV"


def _decode_whole(raw: bytes, report: ImportReport) -> bytes:
    """Bytes that are not UTF-8 → UTF-8, saying which encoding was assumed."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        report.notes.append("UTF-16 text re-encoded as UTF-8")
        # errors="replace": an odd byte count (a truncated file) must not escape as UnicodeDecodeError.
        return raw.decode("utf-16", errors="replace").encode("utf-8")
    text1251 = raw.decode("cp1251", errors="replace")
    non_ascii = [ch for ch in text1251 if ord(ch) > 127]
    cyr = sum(1 for ch in non_ascii if "\u0400" <= ch <= "\u04ff")
    if non_ascii and cyr / len(non_ascii) > 0.6:
        report.notes.append("not UTF-8: decoded as Windows-1251 (Cyrillic) and re-encoded as UTF-8")
        return text1251.encode("utf-8")
    report.notes.append("not UTF-8: decoded as Windows-1252 (Western European) and re-encoded as UTF-8")
    return raw.decode("cp1252", errors="replace").encode("utf-8")


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def sniff(head: str) -> CsvLayout:
    """Find the delimiter and the header row in the first lines of a file."""
    lay = CsvLayout()
    lines = head.splitlines()[:40]
    best: tuple[int, int, str] | None = None  # (score, line, delimiter)
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        for d in _DELIMITERS:
            fields = _split(line, d)
            if len(fields) < 2:
                continue
            score = sum(1 for f in fields if normalise_header(f) in _KNOWN_HEADERS)
            if score >= 2 and (best is None or score > best[0]):
                best = (score, i, d)
        if best is not None:
            break
    if best is not None:
        _, lay.header_line, lay.delimiter = best
        lay.headers = _split(lines[lay.header_line], lay.delimiter)
    else:
        # No known names: headerless ACLED-1997, or a header of names the atlas does not know.
        first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
        counts = {d: len(_split(lines[first], d)) for d in _DELIMITERS} if lines else {",": 0}
        lay.delimiter = max(counts, key=lambda d: counts[d])
        lay.header_line = first
        fields = _split(lines[first], lay.delimiter) if lines else []
        if len(fields) == len(ACLED_1997_COLUMNS) and _is_number(fields[19]) and _is_number(fields[20]):
            lay.headerless = True
            lay.headers = list(ACLED_1997_COLUMNS)
        else:
            lay.headers = fields
    lay.preamble = [ln for ln in lines[: lay.header_line] if ln.strip()]
    norm = {normalise_header(h) for h in lay.headers}
    if lay.headerless:
        lay.kind = "ACLED CSV (1997 layout, no header row)"
    elif "event_id_cnty" in norm or {"event_date", "event_type", "actor1"} <= norm:
        if "gwno" in norm:
            lay.kind = "ACLED CSV (1997 layout)"
        elif "data_id" in norm or "iso3" in norm:
            lay.kind = "ACLED CSV (2020 layout)"
        else:
            lay.kind = "ACLED CSV"
    return lay


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def peek_columns(path: str | Path, rows: int = 5) -> tuple[list[str], dict[str, str], bool, list[list[str]]]:
    """(headers, guessed mapping, is ACLED, first rows) from the head of a CSV, for the mapping
    dialog. Reads at most the first 256 KB."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        (head if len(head) < _HEAD_BYTES else head[:-4]).decode("utf-8")
        text = head.decode("utf-8", errors="ignore")
    except UnicodeDecodeError:
        text = head.decode("cp1251", errors="replace")
    lay = sniff(text.lstrip("\ufeff"))
    lines = text.lstrip("\ufeff").splitlines()
    start = lay.header_line if lay.headerless else lay.header_line + 1
    sample = []
    try:
        for row in csv.reader(lines[start:start + rows * 3], delimiter=lay.delimiter):
            if row:
                sample.append(row)
            if len(sample) >= rows:
                break
    except csv.Error:
        pass
    return lay.headers, guess_mapping(lay.headers), lay.kind.startswith("ACLED"), sample


@dataclass
class CsvPlan:
    """What reading a CSV starts from: the file, its layout, the column mapping, the preset, the
    report begun (shared by the whole read and the streamed one, atlas/io/csv_stream.py)."""

    path: Path
    report: ImportReport
    lay: CsvLayout
    headers: list[str]
    mapping: dict[str, str]
    preset: Any
    source: Any
    data: bytes | None


def csv_plan(path: Path, mapping: Mapping[str, str] | None = None, merge: bool = False) -> CsvPlan:
    """Sniff ``path``'s head: encoding, delimiter, header, layout, mapping (raises as read_csv)."""
    path = Path(path)
    report = ImportReport(str(path), "CSV")
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if not head.strip():
        raise InputError(path, "the file is empty")
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(path, "binary data, not a CSV text file")
    source: Any = str(path)
    data: bytes | None = None
    try:
        # The head may end inside a multi-byte character: ignore only the last few bytes.
        head.decode("utf-8") if len(head) < _HEAD_BYTES else head[:-4].decode("utf-8")
        text_head = head.decode("utf-8", errors="ignore")
    except UnicodeDecodeError:
        data = _decode_whole(path.read_bytes(), report)
        source = pa.BufferReader(data)
        text_head = data[:_HEAD_BYTES].decode("utf-8", errors="ignore")
    if text_head.startswith("\ufeff"):
        text_head = text_head[1:]
        report.notes.append("UTF-8 byte-order mark stripped")
    lay = sniff(text_head)
    if not lay.headers:
        raise InputError(path, "no header row found")
    report.format = lay.kind
    if lay.preamble:
        report.notes.append(f"{len(lay.preamble)} line(s) before the header skipped: {lay.preamble[0][:60]!r}")
    if lay.delimiter != ",":
        report.notes.append(f"delimiter {lay.delimiter!r}")
    if lay.headerless:
        report.notes.append("no header row: columns named by the 1997 ACLED layout (25 columns)")
    # Repeated or empty header names would make Arrow's by-name options ambiguous.
    headers, seen = [], set()
    for i, h in enumerate(lay.headers):
        name = h.strip() or f"column_{i + 1}"
        while name in seen:
            name = f"{name}_{i + 1}"
        seen.add(name)
        headers.append(name)
    if headers != [h for h in lay.headers]:
        report.notes.append("empty or repeated column names renamed")

    preset = None if lay.kind.startswith("ACLED") else preset_for(headers)
    if preset is not None:
        report.format = f"{preset.name} CSV"
    recognised = preset.mapping(headers) if preset is not None else guess_mapping(headers)
    if mapping is None:
        mapping = recognised
        if not has_coordinates(mapping) and not lay.kind.startswith("ACLED"):
            raise MappingNeeded(path, headers, mapping)
    else:
        missing = [c for c in mapping.values() if c and c not in headers]
        if missing:
            raise InputError(path, f"the column mapping names columns the file does not have: {', '.join(missing)}")
        if merge:
            mapping = merge_mapping(recognised, mapping)
            report.notes.append("the given columns merged with the recognised ones")
        else:
            mapping = dict(mapping)
    report.notes.append("columns: " + ", ".join(f"{f}←{c!r}" for f, c in mapping.items() if c and normalise_header(c) != f))
    return CsvPlan(path, report, lay, headers, dict(mapping), preset, source, data)


def _read_csv(path: str | Path, mapping: Mapping[str, str] | None = None,
              merge: bool = False) -> tuple[EventTable, ImportReport]:
    """Read a CSV file (ACLED or any CSV with coordinate columns).

    ``mapping`` (schema field → column name) overrides the automatic recognition; without one, a file
    whose coordinate columns cannot be recognised raises :class:`MappingNeeded`.
    """
    plan = csv_plan(Path(path), mapping, merge)
    path, report, lay, headers, mapping = plan.path, plan.report, plan.lay, plan.headers, plan.mapping
    preset, source, data = plan.preset, plan.source, plan.data

    columns, n, ragged = _arrow_read(source, data, path, lay, headers, use_threads=True)
    if ragged:
        # Only a single-threaded parse knows line numbers: pay for it only when a row was bad.
        del columns
        columns, n, ragged = _arrow_read(str(path) if data is None else pa.BufferReader(data), data, path, lay, headers,
                                         use_threads=False)
    if preset is not None:
        # Codes become the schema's values, but only in columns still feeding the preset's field.
        coded = {c: columns[c] for f, c in mapping.items() if preset.fields.get(f) == normalise_header(c)}
        report.notes.extend(preset.recode_columns(coded, headers))
        columns.update(coded)
    first_data_line = lay.header_line + (1 if lay.headerless else 2)  # 1-based
    if ragged and data is None:
        ragged = _ragged_by_line(path, lay, headers, n, ragged)
    bad_lines = sorted(r[0] for r in ragged if r[0] is not None)
    for line, expected, actual, text in ragged:
        report.reject(f"line {line}" if line is not None else "a row",
                      f"has {actual} fields where the header has {expected}; rejected rather than shifted ({text[:80]!r})")
    report.rows_read = n + len(ragged)
    where = _line_labeller(path, data, lay, first_data_line, bad_lines, n)
    report.where = where  # convert/inspect name the rows a filter leaves out by it
    stem = path.stem
    opts = BuildOptions(dataset=stem, where=where, day_first=True if lay.kind.startswith("ACLED") else None)
    table = build_events(columns, mapping, report, opts)
    return table, report


Ragged = list[tuple[int | None, int, int, str]]


def open_text_reader(source: Any, lay: CsvLayout, headers: list[str], use_threads: bool,
                     block_size: int = 4 << 20, include: list[str] | None = None) -> tuple[Any, Ragged]:
    """Arrow's block reader over the file's data rows, every column as text, and the list its
    ragged rows (row number, expected and actual columns, text) are collected into as it reads.
    ``include``: only these columns are made (``inspect``: the others are still split, not
    copied). Raises ``pa.ArrowInvalid`` as ``pyarrow.csv.open_csv`` does."""
    ragged: Ragged = []

    def on_bad_row(row: Any) -> str:
        ragged.append((row.number, row.expected_columns, row.actual_columns, row.text or ""))
        return "skip"

    skip = lay.header_line if lay.headerless else lay.header_line + 1
    # Streamed block by block: the parser's working set stays one block, not the whole file.
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(use_threads=use_threads, skip_rows=skip, column_names=headers,
                                       block_size=block_size),
        parse_options=pacsv.ParseOptions(delimiter=lay.delimiter, newlines_in_values=True,
                                         invalid_row_handler=on_bad_row),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in headers},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False,
                                             include_columns=include),
    )
    return reader, ragged


def _arrow_read(source: Any, data: bytes | None, path: Path, lay: CsvLayout, headers: list[str],
                use_threads: bool) -> tuple[dict[str, Any], int, Ragged]:
    """Parse the file into text columns (Arrow). Columns with few distinct values (types, actors,
    places, dates, most of ACLED's extras) are dictionary-encoded block by block as they are
    parsed: each block's text is freed at once, so the parsed file is held as small integer codes
    and only its mostly-distinct columns (ids, notes, coordinates) as text (10M ACLED rows: ~2.6 GB
    instead of ~5.3 GB), and the columns after read each distinct value once."""
    encode: set[int] | None = None
    try:
        reader, ragged = open_text_reader(source, lay, headers, use_threads, READ_BLOCK_BYTES)
        total = max(path.stat().st_size if data is None else len(data), 1)
        batches: list[list[pa.Array]] = []
        seen = 0
        # Each block's text is freed once encoded and the next block allocates as much again:
        # handed back to the kernel at once (decay 0), every block faults its pages in afresh
        # (10M ACLED rows, the parse alone: 8.6 s of system time, 3.9 s with 1 s of decay).
        with pages_kept_for(1000):
            for batch in reader:
                seen += batch.nbytes
                if encode is None and batch.num_rows:
                    # Decided once, from the first block.
                    encode = {i for i in range(batch.num_columns) if not _mostly_distinct_batch(batch.column(i))}
                cols = [pc.dictionary_encode(c) if encode and i in encode else c for i, c in enumerate(batch.columns)]
                batches.append(cols)
                del batch
                tick(min(0.8, 0.8 * seen / total))
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "UTF8" in msg and data is None:
            raise _NotUtf8() from exc
        if "Empty CSV file" in msg:
            batches = []
        else:
            raise InputError(path, f"not a readable CSV: {msg.splitlines()[0]}") from exc
    columns: dict[str, Any] = {}
    for i, h in enumerate(headers):
        parts = [b[i] for b in batches]
        columns[h] = pa.chunked_array(parts, type=parts[0].type) if parts else pa.chunked_array([], pa.string())
        for b in batches:
            b[i] = None  # the chunked column holds the block now; nothing else does
    n = len(columns[headers[0]]) if headers else 0
    del batches
    return columns, n, ragged


def _ragged_by_line(path: Path, lay: CsvLayout, headers: Sequence[str], n: int, ragged: Ragged) -> Ragged:
    """The ragged rows with the line of the file each starts on. Arrow numbers a refused row by
    the records it parsed, which runs behind the file's lines after a value with a line break or a
    blank line, so it named the wrong line (and the labeller, which skips the ragged rows by
    line, then named every later row's line wrong too). The scan of atlas/io/csv_lines.py (the
    streamed read's) finds each ragged record by its text; a row it cannot place keeps Arrow's
    number."""
    from .csv_lines import data_row_lines

    skip = lay.header_line if lay.headerless else lay.header_line + 1
    try:
        _rows, found = data_row_lines(path, skip, (), n, [r[3] for r in ragged], len(headers), lay.delimiter)
    except (OSError, ValueError):
        return ragged
    return [(line, *r[1:]) for line, r in zip(found, ragged)] + list(ragged[len(found):])


def _mostly_distinct_batch(col: pa.Array) -> bool:
    """Whether most of the first 20,000 values differ."""
    sample = col.slice(0, 20_000)
    return pc.count_distinct(sample).as_py() > 0.5 * len(sample)


class _NotUtf8(Exception):
    pass


NotUtf8 = _NotUtf8


def _line_labeller(path: Path, data: bytes | None, lay: CsvLayout, first_line: int, bad_lines: list[int], n: int) -> Any:
    """row index → "line N". Exact line numbers need a pass over the file; it runs only when a
    problem is actually reported (a clean million-row file never pays for it)."""
    cache: dict[str, list[int]] = {}

    def lines() -> list[int]:
        if "lines" not in cache:
            raw = data if data is not None else path.read_bytes()
            text = raw.decode("utf-8", errors="replace")
            starts: list[int] = []
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=lay.delimiter)
            skip = lay.header_line if lay.headerless else lay.header_line + 1
            bad = set(bad_lines)
            prev_end = 0
            try:
                for i, row in enumerate(reader):
                    line_start = prev_end + 1
                    prev_end = reader.line_num
                    if i < skip or line_start in bad or not row:
                        continue
                    starts.append(line_start)
            except csv.Error:
                pass  # e.g. a field over csv's size limit: later rows are labelled "row N" instead
            cache["lines"] = starts
        return cache["lines"]

    def where(row: int) -> str:
        ls = lines()
        return f"line {ls[row]}" if row < len(ls) else f"row {row + 1}"

    return where


def read_csv(path: str | Path, mapping: Mapping[str, str] | None = None,
             merge: bool = False) -> tuple[EventTable, ImportReport]:
    """Read a CSV file (ACLED, UCDP GED, or any CSV with coordinate columns).

    ``mapping`` (schema field → column name) overrides the automatic recognition, or with ``merge``
    is laid over it (:func:`atlas.io.columns.merge_mapping`: the command line's partial
    ``--columns``); without one, a file whose coordinate columns cannot be recognised raises
    :class:`MappingNeeded`. Text that is not UTF-8 is re-read as Windows-1251/1252 (reported).
    """
    try:
        return _read_csv(path, mapping, merge)
    except _NotUtf8:
        return _read_reencoded(Path(path), mapping, merge)


def _read_reencoded(path: Path, mapping: Mapping[str, str] | None, merge: bool = False) -> tuple[EventTable, ImportReport]:
    import tempfile

    report = ImportReport(str(path), "CSV")
    data = _decode_whole(path.read_bytes(), report)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / path.name
        p.write_bytes(data)
        table, rep = _read_csv(p, mapping, merge)
    rep.path = str(path)
    rep.notes[:0] = report.notes
    return table, rep
