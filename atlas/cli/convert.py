"""``main.py convert -o OUT.{csv,geojson,json,kml,kmz,gpkg,fgb,shp,shp.zip,zip,parquet,geoparquet,xlsx,ods} [FILE ...]
[filters]``: read, filter, write.

Every input is read with its import report (a summary per file on stderr, problems with
``--report``); the filtered events are written in the format of the output's suffix.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from atlas.io import WRITERS, ImportReport, InputError, read_events, write_events
from atlas.io.export import CsvAppender
from atlas.io.report import MISSING, shown_name
from atlas.io.csv_events import read_csv
from atlas.io.dedupe import resolve_duplicates
from atlas.io.filter_gaps import name_left_out_of_files
from atlas.model import EventTable, Filter

from .common import CliError, add_filter_options, filter_from_args, load


def parse_columns(text: str) -> dict[str, str]:
    """``latitude=Lat,longitude=Lon,event_date=Date`` → a column mapping."""
    from atlas.io.columns import MAPPABLE_FIELDS

    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise argparse.ArgumentTypeError(f"{part!r} is not FIELD=COLUMN")
        fld, col = (s.strip() for s in part.split("=", 1))
        if fld not in MAPPABLE_FIELDS:
            raise argparse.ArgumentTypeError(f"{fld!r} is not a field; fields: {', '.join(MAPPABLE_FIELDS)}")
        out[fld] = col
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file; its suffix picks the format: " + ", ".join(sorted(WRITERS)))
    p.add_argument("--columns", type=parse_columns, metavar="FIELD=COL,...",
                   help="column mapping for CSV files, laid over the recognised columns (the fields it names "
                        "change, the others stay; FIELD= unmaps one), e.g. latitude=Lat,longitude=Lon")
    p.add_argument("--excel", action="store_true",
                   help="CSV in Excel's dialect: UTF-8 with a byte-order mark, so Cyrillic opens right "
                        "in Excel, and formula-like text defused with a leading apostrophe")
    p.add_argument("--dedupe", choices=("newest",),
                   help="resolve duplicate ids: keep the row with the newest timestamp column (ACLED 'timestamp'), "
                        "the later row on a tie, before the filters; one ACLED CSV is still read in blocks "
                        "(a second read when an id repeats)")
    p.add_argument("--report", action="store_true", help="print every problem the import found (stderr)")
    add_filter_options(p)


def load_for_convert(files: list[str], columns: dict[str, str] | None) -> tuple[EventTable, list[ImportReport]]:
    """Like :func:`cli_common.load`, but CSV files are read with the ``--columns`` mapping."""

    def read(path: Path) -> tuple[EventTable, ImportReport]:
        if columns and path.suffix.lower() in (".csv", ".tsv", ".txt"):
            if not path.is_file():
                raise InputError(path, "no such file", MISSING)
            return read_csv(path, columns, merge=True)
        return read_events(path)

    return load(files, read)


def convert_streaming(args: argparse.Namespace, flt: Filter, out: Path) -> int | None:
    """One ACLED CSV through a filter, read and written in blocks (atlas/io/csv_stream.py): the
    memory of one block, not of the file. None when the input needs the whole read (several
    files, another format, a CSV that is not ACLED's or not UTF-8): ``run`` reads it whole."""
    from atlas.io.csv_stream import Dedupe, NotStreamable, stream_csv

    if len(args.files) != 1 or Path(args.files[0]).suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    path = Path(args.files[0])
    if not path.is_file():
        return None  # the whole read says what is wrong with it
    suffix = out.suffix.lower()
    parts: list[EventTable] = []
    dedupe = Dedupe() if args.dedupe else None
    try:
        with ExitStack() as stack:
            if suffix == ".csv":
                appender = stack.enter_context(CsvAppender(out, excel=args.excel))
                sink, restart = appender.write, appender.restart
            else:
                # Other formats are written whole, from the kept rows only.
                def sink(table: EventTable, rows: np.ndarray) -> None:
                    parts.append(table.take(rows))

                restart = parts.clear
            try:
                report = stream_csv(path, flt, sink, args.columns, merge=bool(args.columns), restart=restart,
                                    dedupe=dedupe)
            except NotStreamable:
                if suffix == ".csv":
                    appender.discard()
                return None
            except InputError as exc:
                raise CliError.from_input(exc) from None
            n = appender.rows if suffix == ".csv" else -1
        if suffix != ".csv":
            table = EventTable.concat(parts) if parts else EventTable.empty()
            n = write_events(table, out, None, excel=args.excel)
    except OSError as exc:
        raise CliError.cannot_create(f"{shown_name(out)}: cannot write: {exc.strerror or exc}") from None
    dropped = dedupe.dropped if dedupe is not None else 0
    if dedupe is not None:
        print(f"--dedupe newest: {dropped:,} older duplicate rows dropped", file=sys.stderr)
    _print_reports([report], args.report)
    print(f"wrote {n:,} of {report.rows_read - len(report.rejected) - dropped:,} events to {out}")
    return 0


def _print_reports(reports: list[ImportReport], detail: bool) -> None:
    for r in reports:
        print(r.summary(), file=sys.stderr)
        if detail:
            for note in r.notes:
                print(f"  note: {note}", file=sys.stderr)
            for pr in r.problems:
                print(f"  {pr.where}: {pr.what} ({pr.action})", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in WRITERS:
        raise CliError(f"{out}: cannot write {out.suffix or 'a file without a suffix'}; use one of {', '.join(sorted(WRITERS))}")
    if args.excel and out.suffix.lower() != ".csv":
        raise CliError(f"--excel is the CSV dialect for Excel; {shown_name(out)} is not a .csv file")
    if not out.resolve().parent.is_dir():
        raise CliError.cannot_create(f"{shown_name(out)}: no such folder {str(out.parent)!r}")
    flt = filter_from_args(args)
    streamed = convert_streaming(args, flt, out)
    if streamed is not None:
        return streamed
    table, reports = load_for_convert(args.files, args.columns)
    if args.dedupe:
        table, dropped = resolve_duplicates(table)
        print(f"--dedupe newest: {dropped:,} older duplicate rows dropped", file=sys.stderr)
    if not args.dedupe:
        # The rows the filter leaves out for a field they lack, named as the streamed read names them.
        name_left_out_of_files(table, flt, reports)
    _print_reports(reports, args.report)
    rows = np.flatnonzero(flt.mask(table))
    try:
        n = write_events(table, out, rows, excel=args.excel)
    except OSError as exc:
        raise CliError.cannot_create(f"{shown_name(out)}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote {n:,} of {len(table):,} events to {out}")
    return 0
