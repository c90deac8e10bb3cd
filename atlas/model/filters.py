"""Filters as immutable values that turn into a boolean mask over an :class:`EventTable`.

A filter is never mutated: the model replaces it, and equality of the value objects is how the
model knows a "change" was a no-op (and then emits nothing). Filters combine with ``&``, ``|`` and
``~`` into :class:`And`, :class:`Or` and :class:`Not`.
"""

from __future__ import annotations

import datetime as _dt
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .place_aliases import alternatives
from .table import CONFIDENCE_LEVELS, BoolArray, EventTable, IntArray


class Filter:
    """Base class: subclasses implement :meth:`mask` and :meth:`describe`."""

    def mask(self, table: EventTable) -> BoolArray:
        raise NotImplementedError

    def describe(self) -> str:
        """A short, human-readable summary for the filter line above the list."""
        raise NotImplementedError

    #: Expensive terms (text search, polygons) are evaluated last, on the rows the cheap ones left.
    expensive: bool = False

    def mask_rows(self, table: EventTable, rows: IntArray) -> BoolArray:
        """The mask for ``rows`` only; expensive filters override this to skip the other rows."""
        return self.mask(table)[rows]

    def parts(self) -> tuple[Filter, ...]:
        """The top-level AND terms (a single filter is its own only part)."""
        return (self,)

    def __and__(self, other: Filter) -> Filter:
        if isinstance(other, All):
            return self
        return And(self.parts() + other.parts())

    def __or__(self, other: Filter) -> Filter:
        if isinstance(other, All) or isinstance(self, All):
            return All()
        return Or((self, other))

    def __invert__(self) -> Filter:
        return Not(self)


@dataclass(frozen=True)
class All(Filter):
    """Lets every event through; the identity of ``&``."""

    def mask(self, table: EventTable) -> BoolArray:
        return np.ones(len(table), dtype=bool)

    def describe(self) -> str:
        return "all events"

    def parts(self) -> tuple[Filter, ...]:
        return ()

    def __and__(self, other: Filter) -> Filter:
        return other


@dataclass(frozen=True)
class And(Filter):
    terms: tuple[Filter, ...]

    def mask(self, table: EventTable) -> BoolArray:
        out = np.ones(len(table), dtype=bool)
        # Cheap vectorised terms first; expensive ones only look at the rows still in.
        for t in sorted(self.terms, key=lambda t: t.expensive):
            if t.expensive:
                rows = np.flatnonzero(out)
                if rows.size == 0:
                    break
                out[rows] = t.mask_rows(table, rows)
            else:
                out &= t.mask(table)
        return out

    def describe(self) -> str:
        return " · ".join(t.describe() for t in self.terms) or "all events"

    def parts(self) -> tuple[Filter, ...]:
        return self.terms


@dataclass(frozen=True)
class Or(Filter):
    terms: tuple[Filter, ...]

    def mask(self, table: EventTable) -> BoolArray:
        out = np.zeros(len(table), dtype=bool)
        for t in self.terms:
            out |= t.mask(table)
        return out

    def describe(self) -> str:
        return "(" + " or ".join(t.describe() for t in self.terms) + ")"


@dataclass(frozen=True)
class Not(Filter):
    term: Filter

    def mask(self, table: EventTable) -> BoolArray:
        return ~self.term.mask(table)

    def describe(self) -> str:
        return "not " + self.term.describe()

    def __invert__(self) -> Filter:
        return self.term


def _fmt_day(d: _dt.date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


@dataclass(frozen=True)
class DateRange(Filter):
    """Events dated from ``start`` to ``end``, both inclusive; either end may be open."""

    start: _dt.date | None = None
    end: _dt.date | None = None

    def mask(self, table: EventTable) -> BoolArray:
        # Compared as integers (datetime64 comparisons check for NaT on every element): NaT is
        # the smallest int64, so a start bound leaves it out by itself.
        days = table.date.astype("datetime64[D]", copy=False).view(np.int64)
        if self.start is not None:
            out = days >= np.datetime64(self.start, "D").astype(np.int64)
        else:
            out = days != np.datetime64("NaT", "D").view(np.int64)
        if self.end is not None:
            out &= days <= np.datetime64(self.end, "D").astype(np.int64)
        return out

    def describe(self) -> str:
        if self.start and self.end:
            if self.start.year == self.end.year and self.start.month == self.end.month:
                return f"{self.start.day}–{_fmt_day(self.end)}"
            return f"{_fmt_day(self.start)} – {_fmt_day(self.end)}"
        if self.start:
            return f"from {_fmt_day(self.start)}"
        if self.end:
            return f"until {_fmt_day(self.end)}"
        return "any date"


@dataclass(frozen=True)
class Categories(Filter):
    """Events whose categorical ``field`` is one of ``values`` ("" matches a missing value)."""

    field: str
    values: frozenset[str]

    def __init__(self, field: str, values: Any) -> None:
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "values", frozenset([values] if isinstance(values, str) else values))

    def mask(self, table: EventTable) -> BoolArray:
        if self.field in table.categorical:
            return table.categorical[self.field].mask_for(self.values)
        try:
            col = table.values(self.field)
        except KeyError:
            # A column this table does not have: every event's value is missing ("").
            return np.full(len(table), "" in self.values, dtype=bool)
        return np.isin(col.astype(str), list(self.values))

    def describe(self) -> str:
        return ", ".join(sorted(v or "(none)" for v in self.values)) or f"no {self.field}"


_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def _re2_literal(term: str) -> str:
    """``term`` as an RE2 pattern that matches it literally."""
    return "".join("\\" + c if c in _RE2_SPECIAL else c for c in term)


@dataclass(frozen=True)
class Text(Filter):
    """Case-insensitive substring search; every whitespace-separated term must occur.

    Searches title, notes, location, actors and region. Cyrillic folds like Latin
    (``pyarrow.compute.utf8_lower`` is Unicode-aware), and a term that names a place matches
    every spelling of it (atlas.model.place_aliases: Суджа finds the events at Sudzha).
    """

    query: str
    expensive = True

    def mask(self, table: EventTable) -> BoolArray:
        return self._search(table, None)

    def mask_rows(self, table: EventTable, rows: IntArray) -> BoolArray:
        return self._search(table, rows)

    def _search(self, table: EventTable, rows: IntArray | None) -> BoolArray:
        n = len(table) if rows is None else len(rows)
        terms = self.query.lower().split()
        if not terms or n == 0:
            return np.ones(n, dtype=bool)
        base = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
        out = np.ones(n, dtype=bool)
        for term in terms:
            idx = np.flatnonzero(out)  # later terms: only the rows the earlier ones left
            if not idx.size:
                break
            out[idx] = term_hits(table, term, base[idx])
        return out

    def describe(self) -> str:
        return f"“{self.query.strip()}”"


# ---------------------------------------------------------------------------- text term cache
#: What is known of one search term on each row of a table.
_UNKNOWN, _MISS, _HIT = 0, 1, 2
#: Terms remembered per table (one byte per row each: 10 MB at 10M events).
TERM_CACHE_SIZE = 8
_TERMS: weakref.WeakKeyDictionary[EventTable, OrderedDict[str, tuple[tuple[str, ...], np.ndarray]]] = \
    weakref.WeakKeyDictionary()
_TERMS_LOCK = threading.Lock()


def _implies(alts: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether a row matching any of ``alts`` must match one of ``other``: each spelling of the
    new term contains a spelling of the other ("sudzha" contains "sudzh"), so the other's misses
    are the new term's misses too."""
    return all(any(b in a for b in other) for a in alts)


def term_hits(table: EventTable, term: str, rows: IntArray) -> BoolArray:
    """Whether each of ``rows`` (ascending) matches the lower-cased search ``term`` or one of its
    place's other spellings.

    Each term's answers are kept per table and row (unknown, miss, hit), so a filter applied again
    (a facet toggled beside a search, undo, redo) scans only rows it never looked at; a new term
    that extends one typed before ("sudzh" → "sudzha") starts from that term's misses, so a
    keystroke scans only the rows the previous one matched. The scan itself is one RE2
    alternation over the unknown rows' search strings, taken chunk by chunk, and over the
    vocabularies of the coded fields (EventTable.search_hits)."""
    alts = alternatives(term)
    pattern = "|".join(_re2_literal(t) for t in alts)
    with _TERMS_LOCK:
        terms = _TERMS.get(table)
        if terms is None:
            terms = _TERMS[table] = OrderedDict()
        got = terms.get(pattern)
        if got is None:
            state = np.zeros(len(table), dtype=np.int8)
            for other_alts, other_state in terms.values():
                if _implies(alts, other_alts):
                    state[other_state == _MISS] = _MISS
            terms[pattern] = (alts, state)
            while len(terms) > TERM_CACHE_SIZE:
                terms.popitem(last=False)
        else:
            state = got[1]
            terms.move_to_end(pattern)
    sub = state[rows]
    todo = np.flatnonzero(sub == _UNKNOWN)
    if todo.size:
        scan = rows[todo]
        # RE2 on a literal pattern scans ~2.5x faster than match_substring's kernel.
        hit = table.search_hits(scan, pattern)
        answer = np.where(hit, _HIT, _MISS).astype(np.int8)
        state[scan] = answer  # the same answer whichever thread writes it
        sub[todo] = answer
    return sub == _HIT


def forget_search_terms(table: EventTable, term: str | None = None) -> None:
    """Drop what the search remembers of ``table``: of one ``term``, or of all terms (the bench
    times a term as if never typed before)."""
    with _TERMS_LOCK:
        if term is None:
            _TERMS.pop(table, None)
            return
        terms = _TERMS.get(table)
        if terms is not None:
            terms.pop("|".join(_re2_literal(t) for t in alternatives(term.lower())), None)


@dataclass(frozen=True)
class BBox(Filter):
    """Events with a coordinate inside a lon/lat rectangle (edges included)."""

    lon1: float
    lat1: float
    lon2: float
    lat2: float

    def mask(self, table: EventTable) -> BoolArray:
        lo_x, hi_x = sorted((self.lon1, self.lon2))
        lo_y, hi_y = sorted((self.lat1, self.lat2))
        with np.errstate(invalid="ignore"):
            return (table.lon >= lo_x) & (table.lon <= hi_x) & (table.lat >= lo_y) & (table.lat <= hi_y)

    def describe(self) -> str:
        return f"in {self.lon1:.2f},{self.lat1:.2f}–{self.lon2:.2f},{self.lat2:.2f}"


@dataclass(frozen=True)
class InView(BBox):
    """A :class:`BBox` that follows the map view (described as "in view")."""

    def describe(self) -> str:
        return "in view"


@dataclass(frozen=True)
class Within(Filter):
    """Events inside a shapely (multi)polygon in lon/lat, e.g. a lasso drawn on the map."""

    geometry: Any
    label: str = "in drawn area"
    expensive = True

    def mask(self, table: EventTable) -> BoolArray:
        import shapely

        out = np.zeros(len(table), dtype=bool)
        ok = table.has_coords
        if not ok.any():
            return out
        # Cheap bbox pre-test, then the exact test on the candidates only.
        x0, y0, x1, y1 = self.geometry.bounds
        cand = ok & (table.lon >= x0) & (table.lon <= x1) & (table.lat >= y0) & (table.lat <= y1)
        idx = np.flatnonzero(cand)
        if idx.size:
            shapely.prepare(self.geometry)
            out[idx] = shapely.intersects_xy(self.geometry, table.lon[idx], table.lat[idx])
        return out

    def describe(self) -> str:
        return self.label


@dataclass(frozen=True)
class MinConfidence(Filter):
    """Events graded at least ``level`` (confirmed > reported > claimed > disputed)."""

    level: str

    def mask(self, table: EventTable) -> BoolArray:
        if self.level not in CONFIDENCE_LEVELS:
            raise ValueError(f"unknown confidence level {self.level!r}; use one of {', '.join(CONFIDENCE_LEVELS)}")
        allowed = CONFIDENCE_LEVELS[: CONFIDENCE_LEVELS.index(self.level) + 1]
        return Categories("confidence", frozenset(allowed)).mask(table)

    def describe(self) -> str:
        return f"confidence ≥ {self.level}"


@dataclass(frozen=True)
class HasCoordinates(Filter):
    def mask(self, table: EventTable) -> BoolArray:
        return table.has_coords.copy()

    def describe(self) -> str:
        return "with coordinates"


def replace_part(flt: Filter, kind: type[Filter], new: Filter | None) -> Filter:
    """``flt`` with its top-level AND terms of class ``kind`` replaced by ``new`` (or removed).

    Each control (search box, date range, facet) owns one kind of term and swaps only its own, so
    controls compose without knowing about each other.
    """
    kept = [p for p in flt.parts() if type(p) is not kind]
    if new is not None and not isinstance(new, All):
        kept.append(new)
    if not kept:
        return All()
    if len(kept) == 1:
        return kept[0]
    return And(tuple(kept))


def find_part(flt: Filter, kind: type[Filter]) -> Filter | None:
    for p in flt.parts():
        if type(p) is kind:
            return p
    return None
