"""The filters dock's facet counts take a short cut when the facet has no term (the shown rows'
mask, held by the model) and none under no filter at all: each way gives what counting every
row that passes every *other* term gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atlas.bench import synthetic_columns
from atlas.model import All, AtlasModel, DateRange, EventTable, Text
from atlas.model.facets import FACETS, Facet, facet_index
from atlas.ui.filter_panel import FilterPanel


@pytest.fixture(scope="module")
def table() -> EventTable:
    return EventTable.from_columns(5_000, synthetic_columns(5_000, seed=8))


def brute(t: EventTable, flt, field: str) -> np.ndarray:
    """Counts of ``field``'s values among the rows passing every term of ``flt`` but its own."""
    parts = [p for p in flt.parts() if not (isinstance(p, Facet) and p.field == field)]
    mask = np.ones(len(t), dtype=bool)
    for p in parts:
        mask &= p.mask(t)
    idx = facet_index(t, field)
    k = len(idx.categories)
    rows = np.arange(len(t)) if idx.rows is None else idx.rows
    out = np.zeros(k + 1, np.int64)
    for code, row in zip(idx.codes.tolist(), rows.tolist()):
        if mask[row]:
            out[code if code >= 0 else k] += 1
    return out


def test_every_facet_counts_the_rows_the_other_terms_leave(qapp, table: EventTable) -> None:
    model = AtlasModel(table)
    panel = FilterPanel(model)
    types = facet_index(table, "event_type").categories
    filters = [
        All(),
        DateRange(dt.date(2024, 9, 1), dt.date(2024, 12, 31)),
        DateRange(dt.date(2024, 9, 1), None) & Facet("event_type", {types[0]}),
        Facet("event_type", {types[0], types[1]}) & Facet("side", {"Russia"}, "none") & Text("sudzha"),
    ]
    for flt in filters:
        model.set_filter(flt)
        for field in FACETS:
            np.testing.assert_array_equal(panel.facet_counts(field), brute(table, flt, field),
                                          err_msg=f"{field} under {flt.describe()}")
