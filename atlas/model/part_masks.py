"""Per-term masks, cached, so "everything except this control's term" is cheap.

Facet counts must reflect the *other* active filters, and the timeline shows the events that pass
every term except the date. Re-evaluating the whole filter once per facet would cost a text search
each time at 1M rows; instead each top-level AND term's mask is computed once and kept while the
term stays in the filter, and the masks are ANDed in whatever combination a view asks for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from .filters import Filter, Text
from .table import BoolArray, EventTable

#: Masks kept for terms no longer in the filter (undo and redo bring them back).
KEEP_EXTRA = 12


class PartMasks:
    """A small LRU of term masks for one table (reset when the table changes)."""

    def __init__(self) -> None:
        self._table: EventTable | None = None
        self._masks: OrderedDict[object, BoolArray] = OrderedDict()

    def part_mask(self, table: EventTable, part: Filter) -> BoolArray:
        if table is not self._table:
            self._table = table
            self._masks.clear()
        try:
            key: object = part
            hash(key)
        except TypeError:
            # Not kept: an id would outlive its filter and could name a later, different one.
            return np.asarray(part.mask(table), dtype=bool)
        m = self._masks.get(key)
        if m is None:
            m = np.asarray(part.mask(table), dtype=bool)
            self._masks[key] = m
            while len(self._masks) > KEEP_EXTRA + 16:
                self._masks.popitem(last=False)
        else:
            self._masks.move_to_end(key)
        return m

    def mask_except(self, table: EventTable, flt: Filter, skip: Callable[[Filter], bool]) -> BoolArray:
        """AND of the masks of ``flt``'s top-level terms for which ``skip(term)`` is false.

        A text term whose whole mask is not kept is tested only on the rows the other terms
        leave, as :class:`~atlas.model.filters.And` does: the search remembers its answers per
        row, so the rows the filter's own scan already looked at cost nothing (a whole mask of
        the term would scan every other row of the table on the GUI thread)."""
        out = np.ones(len(table), dtype=bool)
        later: list[Filter] = []
        for p in flt.parts():
            if skip(p):
                continue
            if isinstance(p, Text) and self._cached(table, p) is None:
                later.append(p)
            else:
                out &= self.part_mask(table, p)
        for p in later:
            rows = np.flatnonzero(out)
            if not rows.size:
                break
            out[rows] = p.mask_rows(table, rows)
        return out

    def _cached(self, table: EventTable, part: Filter) -> BoolArray | None:
        if table is not self._table:
            return None
        try:
            return self._masks.get(part)
        except TypeError:
            return None
