"""``main.py inspect``: what files hold and what was wrong with them.

One ACLED CSV is read in blocks (atlas/io/csv_stream.py, summary mode): the counts are summed
block by block, so ten million rows need the memory of one block, not of the table; other files
are read whole."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atlas.io import ImportReport, InputError
from atlas.io.filter_gaps import name_left_out_of_files
from atlas.model import All, EventTable, Filter

from .common import CliError, add_filter_options, filter_from_args, load


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_filter_options(p)


class _Counts:
    """What the summary says of the events, summed over tables (the blocks of a streamed file)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Nothing counted (a streamed read that starts again)."""
        self.events = 0
        self.with_coordinates = 0
        self.date_min: np.datetime64 | None = None
        self.date_max: np.datetime64 | None = None
        self.bbox: list[float] | None = None
        self.types: Counter[str] = Counter()

    def add(self, table: EventTable, rows: npt.NDArray[np.intp]) -> None:
        self.events += len(rows)
        if not len(rows):
            return
        self.with_coordinates += int(table.has_coords[rows].sum())
        span = table.date_span(rows)
        if span is not None:
            self.date_min = span[0] if self.date_min is None else min(self.date_min, span[0])
            self.date_max = span[1] if self.date_max is None else max(self.date_max, span[1])
        box = table.bbox(rows)
        if box is not None:
            b = self.bbox
            self.bbox = list(box) if b is None else [min(b[0], box[0]), min(b[1], box[1]),
                                                     max(b[2], box[2]), max(b[3], box[3])]
        self.types.update(table.counts("event_type", rows))


def _streamed(files: list[str], flt: Filter) -> tuple[_Counts, list[ImportReport]] | None:
    """One ACLED CSV summed block by block; None when the file needs the whole read."""
    from atlas.io.csv_stream import NotStreamable, stream_csv

    if len(files) != 1 or Path(files[0]).suffix.lower() not in (".csv", ".tsv", ".txt") or not Path(files[0]).is_file():
        return None
    counts = _Counts()
    try:
        report = stream_csv(files[0], flt, counts.add, summary=True, restart=counts.reset)
    except NotStreamable:
        return None
    except InputError as exc:
        raise CliError.from_input(exc) from None
    return counts, [report]


def summary(files: list[str], flt: Filter | None = None) -> dict[str, Any]:
    flt = All() if flt is None else flt
    streamed = _streamed(files, flt)
    if streamed is not None:
        counts, reports = streamed
    else:
        table, reports = load(files)
        name_left_out_of_files(table, flt, reports)
        counts = _Counts()
        counts.add(table, np.flatnonzero(flt.mask(table)))
    problems = []
    for r in reports:
        name = Path(r.path).name
        for pr in r.problems:
            problems.append({"where": f"{name} {pr.where}", "what": pr.what, "action": pr.action})
    return {
        "events": counts.events,
        "with_coordinates": counts.with_coordinates,
        "date_min": str(counts.date_min) if counts.date_min is not None else None,
        "date_max": str(counts.date_max) if counts.date_max is not None else None,
        "bbox": [round(v, 6) for v in counts.bbox] if counts.bbox else None,
        "types": dict(sorted(counts.types.items(), key=lambda kv: (-kv[1], kv[0]))),
        "problems": problems,
        "files": [r.as_dict() | {"problems": len(r.problems)} for r in reports],
    }


def run(args: argparse.Namespace) -> int:
    flt = filter_from_args(args)
    info = summary(args.files, flt)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    kept = "" if isinstance(flt, All) else f" pass the filter ({flt.describe()})"
    print(f"{info['events']:,} events{kept}, {info['with_coordinates']:,} with coordinates")
    print(f"dates: {info['date_min']} .. {info['date_max']}")
    print(f"bbox:  {info['bbox']}")
    print("types:")
    for k, v in info["types"].items():
        print(f"  {v:>8,}  {k or '(none)'}")
    for f in info["files"]:
        print(f"{f['path']} ({f['format']}): {f['rows_loaded']:,} of {f['rows_read']:,} rows loaded, {f['problems']:,} problems")
        for note in f["notes"]:
            print(f"  note: {note}")
    for pr in info["problems"][:200]:
        print(f"  {pr['where']}: {pr['what']} ({pr['action']})")
    if len(info["problems"]) > 200:
        print(f"  … {len(info['problems']) - 200:,} more (use --json for all)")
    return 0
