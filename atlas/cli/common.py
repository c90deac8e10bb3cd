"""What the subcommands share: one-line errors with sysexits statuses, loading files, the filter options."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from atlas.io import BUNDLED_EVENTS, ImportReport, InputError, read_events
from atlas.model import (
    All,
    BBox,
    Categories,
    DateRange,
    EventTable,
    Filter,
    MinConfidence,
    Text,
)
from atlas.model.table import CONFIDENCE_LEVELS

from .exit_status import EX_USAGE, EX_CANTCREAT, for_input_error, one_line

#: The program's name in messages and usage lines: the installed command's, however it was started
#: (``python main.py`` included), so a message can be pasted into a bug report or a search.
PROG = "kursk-atlas"


class CliError(Exception):
    """An error printed as one line on stderr; ``status`` is the exit status (sysexits, default
    64 = usage)."""

    def __init__(self, message: str, status: int = EX_USAGE) -> None:
        super().__init__(message)
        self.status = status

    @classmethod
    def from_input(cls, exc: InputError, hint: str = "") -> CliError:
        """An unreadable input: 66 missing / not a regular file, 65 bad data, 74 I/O error."""
        return cls(f"{exc}{hint}", for_input_error(exc))

    @classmethod
    def cannot_create(cls, message: str) -> CliError:
        return cls(message, EX_CANTCREAT)


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 64 (never a traceback)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EX_USAGE, f"{self.prog}: error: {one_line(message)} (see --help)\n")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        parts = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LON1,LAT1,LON2,LAT2 in degrees") from None
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"{text!r} needs four numbers: LON1,LAT1,LON2,LAT2")
    lon1, lat1, lon2, lat2 = parts
    if not (-180 <= lon1 <= 180 and -180 <= lon2 <= 180 and -90 <= lat1 <= 90 and -90 <= lat2 <= 90):
        raise argparse.ArgumentTypeError(f"{text!r} is outside -180..180, -90..90")
    if lon1 == lon2 or lat1 == lat2:
        raise argparse.ArgumentTypeError(f"{text!r} has no extent")
    return lon1, lat1, lon2, lat2


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT in pixels, e.g. 1600x1000") from None
    if not (16 <= w <= 20000 and 16 <= h <= 20000):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 16..20000 pixels")
    return w, h


def add_filter_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (combined with AND)")
    g.add_argument("--from", dest="date_from", type=parse_date, metavar="YYYY-MM-DD", help="first day (inclusive)")
    g.add_argument("--to", dest="date_to", type=parse_date, metavar="YYYY-MM-DD", help="last day (inclusive)")
    g.add_argument("--type", dest="types", action="append", metavar="TYPE", help="event type (repeatable)")
    g.add_argument("--actor", dest="actors", action="append", metavar="ACTOR", help="actor 1 or 2 (repeatable)")
    g.add_argument("--side", dest="sides", action="append", metavar="SIDE", help="Ukraine, Russia, Third party (repeatable)")
    g.add_argument("--text", metavar="TEXT", help="words that must all occur in title, notes, place or actors")
    g.add_argument("--bbox", type=parse_bbox, metavar="LON1,LAT1,LON2,LAT2", help="only events inside this box")
    g.add_argument("--min-confidence", choices=CONFIDENCE_LEVELS, help="at least this grade (confirmed > reported > claimed > disputed)")


def filter_from_args(args: argparse.Namespace) -> Filter:
    f: Filter = All()
    if getattr(args, "date_from", None) or getattr(args, "date_to", None):
        if args.date_from and args.date_to and args.date_from > args.date_to:
            raise CliError(f"--from {args.date_from} is after --to {args.date_to}")
        f = f & DateRange(args.date_from, args.date_to)
    if getattr(args, "types", None):
        f = f & Categories("event_type", frozenset(args.types))
    if getattr(args, "actors", None):
        f = f & (Categories("actor1", frozenset(args.actors)) | Categories("actor2", frozenset(args.actors)))
    if getattr(args, "sides", None):
        f = f & Categories("side", frozenset(args.sides))
    if getattr(args, "text", None):
        f = f & Text(args.text)
    if getattr(args, "bbox", None):
        f = f & BBox(*args.bbox)
    if getattr(args, "min_confidence", None):
        f = f & MinConfidence(args.min_confidence)
    return f


def load(files: Sequence[str | Path],
         read: Callable[[Path], tuple[EventTable, ImportReport]] = read_events) -> tuple[EventTable, list[ImportReport]]:
    """Read the files (none: the bundled dataset) with ``read``. An unreadable file is a CliError."""
    paths = [Path(f) for f in files] or [BUNDLED_EVENTS]
    tables, reports = [], []
    for p in paths:
        try:
            t, r = read(p)
        except InputError as exc:
            raise CliError.from_input(exc) from None
        tables.append(t)
        reports.append(r)
    return EventTable.concat(tables), reports


def headless_app() -> object:
    """A QGuiApplication for drawing without a window (offscreen unless a platform was chosen)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication([sys.argv[0] if sys.argv else PROG])
    return app
