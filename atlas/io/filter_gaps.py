"""Rows a filter leaves out only because a field it tests could not be read.

``convert --from … --type Battles`` must not drop an event silently because its date or type is
empty or unreadable: the analyst is told which rows were left out that way (file, line, field)
and how many. A row counts when every term it fails, fails on a field the row does not have (an
undated row under a date range, a row without a type under ``--type``, a row without a point
under ``--bbox``); a row that also fails on a field it has (a Protests row with no date under
``--type Battles``) would be left out whatever its date, and is not named.

The whole read (atlas/cli/convert.py, inspect.py) and the streamed read (atlas/io/csv_stream.py)
both call :func:`left_out_unread` on the events they built, so both name the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from atlas.model import BBox, Categories, DateRange, Filter
from atlas.model.table import EventTable

from .report import LEFT_OUT, ImportReport, Problem


def _unread(term: Filter, table: EventTable) -> tuple[str, npt.NDArray[np.bool_]] | None:
    """(field, rows without it) for a term that tests one field; None for the others."""
    if isinstance(term, DateRange):
        return "event_date", np.isnat(table.date)
    if isinstance(term, Categories) and term.field in table.categorical and "" not in term.values:
        return term.field, table.categorical[term.field].codes < 0
    if isinstance(term, BBox):
        return "coordinates", ~np.asarray(table.has_coords, dtype=bool)
    return None


def left_out_unread(table: EventTable, flt: Filter) -> list[tuple[int, tuple[str, ...], str]]:
    """(row, fields, what the filter asked of them) of every row the filter leaves out only on
    fields the row does not have, in row order."""
    parts = flt.parts()
    if not parts or not len(table):
        return []
    n = len(table)
    fails_on_known = np.zeros(n, bool)
    missing: list[tuple[str, str, npt.NDArray[np.bool_]]] = []
    for term in parts:
        passed = np.asarray(term.mask(table), dtype=bool)
        got = _unread(term, table)
        if got is None:
            fails_on_known |= ~passed
            continue
        field, unread = got
        fails_on_known |= ~passed & ~unread
        missing.append((field, term.describe(), ~passed & unread))
    if not missing:
        return []
    any_missing = np.logical_or.reduce([m for _, _, m in missing])
    rows = np.flatnonzero(any_missing & ~fails_on_known)
    out = []
    for r in rows.tolist():
        hit = [(f, d) for f, d, m in missing if m[r]]
        out.append((r, tuple(f for f, _ in hit), "; ".join(d for _, d in hit)))
    return out


def describe(fields: Sequence[str], asked: str) -> str:
    """The problem's text: which field, and what the filter wanted of it."""
    which = " and ".join(fields)
    verb = "are" if len(fields) > 1 else "is"
    return f"left out by the filter ({asked}): its {which} {verb} empty or could not be read"


def name_left_out(table: EventTable, flt: Filter, report: ImportReport, where: Callable[[int], str],
                  limit: int | None = None) -> int:
    """Add a problem per row :func:`left_out_unread` finds (at most ``limit`` listed, the rest
    counted in one line), count them in ``report.left_out``; returns how many."""
    found = left_out_unread(table, flt)
    listed = found if limit is None else found[:limit]
    for r, fields, asked in listed:
        report.problems.append(Problem(where(r), describe(fields, asked), LEFT_OUT))
    if limit is not None and len(found) > limit:
        report.problems.append(Problem(f"{len(found) - limit:,} more rows",
                                       f"left out by the filter, a field it tests empty or unreadable "
                                       f"(first {limit} listed above)", LEFT_OUT))
    report.left_out += len(found)
    return len(found)


def name_left_out_of_files(table: EventTable, flt: Filter, reports: Sequence[ImportReport]) -> None:
    """:func:`name_left_out` over a table read whole from several files (in the order of their
    reports, each ``rows_loaded`` rows): each file's rows named as its reader names them."""
    from .columns import MAX_LISTED

    if sum(r.rows_loaded for r in reports) != len(table):
        # A reader whose count is not its table's: name the rows of the whole table, by row.
        if reports:
            name_left_out(table, flt, reports[0], lambda r: f"row {r + 1}", MAX_LISTED)
        return
    start = 0
    for report in reports:
        n = report.rows_loaded
        part = table if (start == 0 and n == len(table)) else table.take(np.arange(start, start + n))
        where = report.where or (lambda r: f"row {r + 1}")
        name_left_out(part, flt, report, where, MAX_LISTED)
        start += n
