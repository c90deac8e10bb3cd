"""What an import found: rows read, repaired and rejected, each with where and why.

Bad input never crashes the app and never disappears silently: a reader either returns a table with
a report that lists every problem by line or feature number, or raises :class:`InputError` with a
message that names the file and the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def shown_name(path: str | Path) -> str:
    """A file name as messages show it. A name with a newline, another control character, a quote
    or a backslash is quoted and escaped (``'a\\nb.csv'``), so a refusal is always one line and the
    name can be told apart from the message; an ordinary name (Cyrillic and spaces included) is
    shown as it is, as a shell or a file manager would."""
    text = str(path)
    if text.isprintable() and not any(ch in text for ch in "'\"\\"):
        return text
    return repr(text)


#: Why a file could not be read; the command line turns each into its own exit status.
MISSING = "missing"  # no such file, or not a regular file (a folder, a device, a pipe)
BAD_DATA = "bad-data"  # the bytes are there but are not a usable file of that format
IO_FAILED = "io"  # the system failed to read what is there


class InputError(Exception):
    """A file the atlas cannot read at all. The message names the file (quoted, one line) and says
    what is wrong; ``kind`` is :data:`MISSING`, :data:`BAD_DATA` or :data:`IO_FAILED`."""

    def __init__(self, path: str | Path | None, what: str, kind: str = BAD_DATA) -> None:
        self.path = str(path) if path is not None else None
        self.what = what
        self.kind = kind
        super().__init__(f"{shown_name(self.path)}: {what}" if self.path else what)


#: The action of a row a filter left out only because a field it tests is empty or unreadable
#: (atlas/io/filter_gaps.py): the row was read, but is not in the output.
LEFT_OUT = "left out"


@dataclass(frozen=True)
class Problem:
    """One finding: ``where`` is e.g. ``"line 12"`` or ``"feature 3"``; ``action`` what was done."""

    where: str
    what: str
    action: str = "rejected"  # "rejected", "repaired", "flagged", "kept without a point"

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "what": self.what, "action": self.action}


@dataclass
class ImportReport:
    path: str
    format: str
    rows_read: int = 0
    rows_loaded: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: polygon placemarks of an events file (KML): not events, but areas the window can read as
    #: areas of control (atlas/control/from_events.py)
    area_placemarks: int = 0
    #: rows a filter left out because a field it tests could not be read (atlas/io/filter_gaps.py)
    left_out: int = 0
    #: row of the table read (0-based) -> where the file has it ("line 12"), for a caller that
    #: names rows after the read (a reader that knows sets it)
    where: Callable[[int], str] | None = field(default=None, repr=False, compare=False)

    def reject(self, where: str, what: str) -> None:
        self.problems.append(Problem(where, what, "rejected"))

    def repair(self, where: str, what: str) -> None:
        self.problems.append(Problem(where, what, "repaired"))

    def flag(self, where: str, what: str, action: str = "flagged") -> None:
        self.problems.append(Problem(where, what, action))

    @property
    def rejected(self) -> list[Problem]:
        return [p for p in self.problems if p.action == "rejected"]

    @property
    def repaired(self) -> list[Problem]:
        return [p for p in self.problems if p.action == "repaired"]

    def summary(self) -> str:
        parts = [f"{self.rows_loaded:,} of {self.rows_read:,} rows loaded"]
        if self.repaired:
            parts.append(f"{len(self.repaired):,} repaired")
        if self.rejected:
            parts.append(f"{len(self.rejected):,} rejected")
        left = sum(1 for p in self.problems if p.action == LEFT_OUT)
        flagged = len(self.problems) - len(self.repaired) - len(self.rejected) - left
        if flagged:
            parts.append(f"{flagged:,} flagged")
        if self.left_out:
            parts.append(f"{self.left_out:,} left out by the filter (a field it tests could not be read)")
        return f"{Path(self.path).name} ({self.format}): " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "left_out": self.left_out,
            "notes": list(self.notes),
            "problems": [p.as_dict() for p in self.problems],
        }


def loaded_message(count: int, span: tuple[Any, Any] | None, reports: list[ImportReport], areas: int = 0,
                   area_colours: bool = False, events: bool = True) -> str:
    """What a clean import says in the status bar: how many events, their dates, from which file:
    "Loaded 107 events, 6 Aug 2024 – 28 Apr 2025, from kursk_events.csv"; with the polygons of a
    KML read as areas of control "Loaded 12 events, 6 Aug 2024, and 3 areas (colours from the file),
    from x.kml" (``events=False``: the file held areas only)."""
    names = [Path(r.path).name for r in reports]
    files = ", ".join(names) if len(names) <= 3 else f"{len(names)} files"
    dates = ""
    if span is not None:
        lo, hi = (d.astype(object) if hasattr(d, "astype") else d for d in span)
        dates = f", {lo.day} {lo:%b %Y}" + ("" if hi == lo else f" – {hi.day} {hi:%b %Y}")
    noun = "event" if count == 1 else "events"
    what = f"{count:,} {noun}{dates}" if events else ""
    if areas:
        area = f"{areas:,} area{'s' if areas != 1 else ''} of control" + (" (colours from the file)" if area_colours else "")
        what = f"{what}, and {area}" if what else area
    # The areas are named in the message: their notes would only repeat it.
    notes = [n for r in reports for n in r.notes if not (areas and r.area_placemarks and "area" in n)]
    tail = f"; note: {notes[0]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else "") if notes else ""
    return f"Loaded {what}, from {files}{tail}"
