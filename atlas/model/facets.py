"""Facet terms: one filter term per facet (event type, actor, outlet, district, ...).

A facet maps every event to zero or more values of one vocabulary. Single-valued facets are the
table's categorical codes; multi-valued ones (an actor is actor1 *or* actor2, an event may cite
several outlets) are stored CSR-style as parallel ``(row, code)`` pair arrays, built once per table
and cached, so a facet mask is one ``np.isin`` and facet counts are one ``np.bincount``.

Each facet owns exactly one top-level AND term (:class:`Facet`, keyed by its ``field``), and the
spatial control owns one :class:`Area` term; :func:`replace_facet` swaps a facet's term the way
:func:`~atlas.model.filters.replace_part` swaps a control's.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .filters import All, And, Filter, Within
from .table import BoolArray, Categorical, EventTable

#: Facet key -> label, in the order the filters dock shows them.
FACETS: dict[str, str] = {
    "event_type": "Event type",
    "sub_event_type": "Sub-type",
    "actor": "Actor (1 or 2)",
    "side": "Side",
    "confidence": "Confidence",
    "outlet": "Source outlet",
    "admin1": "Region (admin1)",
    "admin2": "District (admin2)",
}

#: How a facet's chosen values combine: any of them (OR), all of them (AND; only meaningful for
#: multi-valued facets), or none of them (AND-NOT).
MODES: tuple[str, ...] = ("any", "all", "none")
MODE_LABELS: dict[str, str] = {"any": "any of (OR)", "all": "all of (AND)", "none": "none of (AND NOT)"}
MULTI_VALUED: frozenset[str] = frozenset({"actor", "outlet"})

IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class FacetIndex:
    """Which values of one facet each row has.

    ``codes[i]`` is the value code of pair ``i`` and ``rows[i]`` its row (``rows`` is None for a
    single-valued facet, where pair ``i`` *is* row ``i``). Code -1 means "no value"; every row has
    at least one pair, so a row without any value is still countable as "(none)".
    """

    categories: tuple[str, ...]
    codes: npt.NDArray[np.int32]
    rows: IntArray | None
    n: int

    @property
    def single(self) -> bool:
        return self.rows is None

    def codes_for(self, values: Iterable[str]) -> npt.NDArray[np.int32]:
        index = {c: i for i, c in enumerate(self.categories)}
        vals = set(values)
        wanted = {index[v] for v in vals if v in index}
        if "" in vals:
            wanted.add(-1)
        return np.array(sorted(wanted), dtype=np.int32)

    def mask_any(self, values: Iterable[str]) -> BoolArray:
        """Rows having at least one of ``values``."""
        hit = np.isin(self.codes, self.codes_for(values))
        if self.rows is None:
            return hit
        out = np.zeros(self.n, dtype=bool)
        out[self.rows[hit]] = True
        return out

    def mask_all(self, values: Iterable[str]) -> BoolArray:
        """Rows having every one of ``values``."""
        out = np.ones(self.n, dtype=bool)
        for v in set(values):
            out &= self.mask_any([v])
        return out

    def counts(self, mask: BoolArray | None = None) -> npt.NDArray[np.int64]:
        """Events per value among the rows of ``mask``; the last element counts "(none)"."""
        k = len(self.categories)
        if self.rows is None:
            codes = self.codes if mask is None else self.codes[mask]
        else:
            codes = self.codes if mask is None else self.codes[mask[self.rows]]
        # Shifted by one so "(none)" (-1) counts in bin 0, in the copy to intp that bincount
        # would make anyway; then moved last. One pass fewer than mapping -1 to k first.
        shifted = codes.astype(np.intp)
        shifted += 1
        c = np.bincount(shifted, minlength=k + 1)
        return np.concatenate([c[1:k + 1], c[:1]]).astype(np.int64)


_CACHE: weakref.WeakKeyDictionary[EventTable, dict[str, FacetIndex]] = weakref.WeakKeyDictionary()


def facet_index(table: EventTable, field: str) -> FacetIndex:
    """The (cached) index of one facet for ``table``; the table is immutable, so it never goes stale."""
    per = _CACHE.setdefault(table, {})
    idx = per.get(field)
    if idx is None:
        idx = _build(table, field)
        per[field] = idx
    return idx


def _build(table: EventTable, field: str) -> FacetIndex:
    n = len(table)
    if field in table.categorical:
        cat = table.categorical[field]
        return FacetIndex(cat.categories, cat.codes, None, n)
    if field == "actor":
        return _actor_index(table)
    if field == "outlet":
        return _outlet_index(table)
    if field in table.text or field in table.extras:
        cat = Categorical.from_values(table.values(field))
        return FacetIndex(cat.categories, cat.codes, None, n)
    raise KeyError(f"no facet {field!r}")


def _actor_index(table: EventTable) -> FacetIndex:
    a1, a2 = table.categorical["actor1"], table.categorical["actor2"]
    cats = tuple(sorted(set(a1.categories) | set(a2.categories)))
    index = {c: i for i, c in enumerate(cats)}
    r1 = np.array([index[c] for c in a1.categories] + [-1], dtype=np.int32)
    r2 = np.array([index[c] for c in a2.categories] + [-1], dtype=np.int32)
    c1 = r1[np.where(a1.codes < 0, len(a1.categories), a1.codes)]
    c2 = r2[np.where(a2.codes < 0, len(a2.categories), a2.codes)]
    n = len(table)
    rows = np.arange(n, dtype=np.intp)
    # Pair 1 for every row (its actor1, or -1 when it has neither actor); pair 2 when actor2 adds one.
    first = np.where(c1 >= 0, c1, c2)
    second = (c1 >= 0) & (c2 >= 0) & (c2 != c1)
    codes = np.concatenate([first, c2[second]]).astype(np.int32)
    prow = np.concatenate([rows, rows[second]])
    return FacetIndex(cats, codes, prow, n)


def _outlet_index(table: EventTable) -> FacetIndex:
    n = len(table)
    src = table.sources
    # Readers share one tuple among the rows that cite the same sources (a million ACLED rows carry a
    # few thousand distinct source texts), so the outlets are read once per distinct tuple, found by
    # identity, and spread to the rows with NumPy: a Python loop per row took ~10 s at 10M events.
    ident = np.fromiter(map(id, src), dtype=np.int64, count=n)
    uniq_first, inverse = _first_seen_groups(ident)
    names: dict[str, int] = {}
    per_group: list[list[int]] = []
    for row in uniq_first.tolist():  # in order of first appearance, as a row-by-row pass sees them
        seen: list[int] = []
        for s in src[row] or ():
            o = str(s.get("outlet") or "").strip() if isinstance(s, dict) else ""
            if not o:
                continue
            code = names.setdefault(o, len(names))
            if code not in seen:
                seen.append(code)
        per_group.append(seen or [-1])  # a row without an outlet still counts as "(none)"
    order = sorted(names, key=str.casefold)
    remap = np.full(len(names) + 1, -1, dtype=np.int32)
    for new, name in enumerate(order):
        remap[names[name]] = new
    lens = np.array([len(g) for g in per_group], dtype=np.intp)
    flat = np.array([c for g in per_group for c in g], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.intp)
    per_row = lens[inverse]
    prow = np.repeat(np.arange(n, dtype=np.intp), per_row)
    # Pair k of row r is outlet (k - first pair of r) of r's group.
    row_start = np.repeat(np.cumsum(per_row) - per_row, per_row)
    raw = flat[np.repeat(starts[inverse], per_row) + (np.arange(prow.size, dtype=np.intp) - row_start)]
    codes = remap[np.where(raw < 0, len(names), raw)].astype(np.int32)
    return FacetIndex(tuple(order), codes, prow, n)


def _first_seen_groups(keys: npt.NDArray[np.int64]) -> tuple[IntArray, IntArray]:
    """``(first, inverse)``: the first row of each distinct key, in row order, and each row's group
    number in that order."""
    if keys.size == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order].astype(np.intp), rank[inverse.reshape(-1)].astype(np.intp)


def outlet_counts(table: EventTable, rows: npt.NDArray[np.intp]) -> dict[str, int]:
    """Events citing each outlet among ``rows`` (outlets cited by none are left out)."""
    idx = facet_index(table, "outlet")
    mask = np.zeros(len(table), dtype=bool)
    mask[rows] = True
    counts = idx.counts(mask)
    return {name: int(c) for name, c in zip(idx.categories, counts[:-1].tolist()) if c}


def _short_list(values: Iterable[str], limit: int = 3) -> str:
    vals = sorted((v or "(none)" for v in values), key=str.casefold)
    if len(vals) > limit:
        return ", ".join(vals[:limit]) + f" +{len(vals) - limit}"
    return ", ".join(vals)


@dataclass(frozen=True)
class Facet(Filter):
    """Events whose facet ``field`` has any / all / none of ``values``."""

    field: str
    values: frozenset[str]
    mode: str = "any"

    def __init__(self, field: str, values: Any, mode: str = "any") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown facet mode {mode!r}; use one of {', '.join(MODES)}")
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "values", frozenset([values] if isinstance(values, str) else values))
        object.__setattr__(self, "mode", mode)

    def mask(self, table: EventTable) -> BoolArray:
        idx = facet_index(table, self.field)
        if self.mode == "all":
            return idx.mask_all(self.values)
        m = idx.mask_any(self.values)
        return ~m if self.mode == "none" else m

    def describe(self) -> str:
        text = _short_list(self.values) or f"no {self.field}"
        if self.mode == "none":
            return f"not {text}"
        if self.mode == "all" and len(self.values) > 1:
            return "all of " + text
        return text


#: How a newly drawn area combines with the current one.
AREA_MODES: tuple[str, ...] = ("replace", "or", "and", "not")


@dataclass(frozen=True)
class Area(Within):
    """The spatial filter drawn on the map (rectangle or lasso), in lon/lat.

    ``outside`` flips it (events *not* in the area). Successive drawings combine geometrically
    (:func:`combine_area`): union (OR), intersection (AND) or difference (AND NOT), so the term
    stays one understandable shape.
    """

    outside: bool = False

    def mask(self, table: EventTable) -> BoolArray:
        m = super().mask(table)
        return ~m if self.outside else m

    def mask_rows(self, table: EventTable, rows: IntArray) -> BoolArray:
        return self.mask(table)[rows]

    def describe(self) -> str:
        return ("outside " + self.label.removeprefix("in ")) if self.outside else self.label

    def __hash__(self) -> int:
        return hash((self.geometry.wkb, self.label, self.outside))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Area)
            and self.label == other.label
            and self.outside == other.outside
            and bool(self.geometry.equals_exact(other.geometry, 0.0))
        )


def combine_area(current: Area | None, geometry: Any, mode: str, label: str) -> Area | None:
    """The area after drawing ``geometry`` with ``mode`` (replace / or / and / not)."""
    if mode not in AREA_MODES:
        raise ValueError(f"unknown area mode {mode!r}")
    if current is None or mode == "replace" or current.outside:
        # Nothing to combine with (or an "outside" area, whose algebra would surprise): start anew.
        return Area(geometry, label, outside=(mode == "not"))
    g = current.geometry
    if mode == "or":
        new = g.union(geometry)
    elif mode == "and":
        new = g.intersection(geometry)
    else:
        new = g.difference(geometry)
    if new.is_empty:
        return Area(new, "in drawn area (empty)")
    return Area(new, "in drawn area")


# ---------------------------------------------------------------------------- term helpers
def find_facet(flt: Filter, field: str) -> Facet | None:
    for p in flt.parts():
        if isinstance(p, Facet) and p.field == field:
            return p
    return None


def replace_facet(flt: Filter, field: str, new: Facet | None) -> Filter:
    """``flt`` with facet ``field``'s term replaced by ``new`` (or removed; empty values remove it)."""
    kept = [p for p in flt.parts() if not (isinstance(p, Facet) and p.field == field)]
    if new is not None and new.values:
        kept.append(new)
    return from_parts(kept)


def without_part(flt: Filter, part: Filter) -> Filter:
    """``flt`` without one of its top-level terms (a summary chip's ✕)."""
    return from_parts([p for p in flt.parts() if p is not part and p != part])


def from_parts(parts: list[Filter]) -> Filter:
    parts = [p for p in parts if not isinstance(p, All)]
    if not parts:
        return All()
    if len(parts) == 1:
        return parts[0]
    return And(tuple(parts))
