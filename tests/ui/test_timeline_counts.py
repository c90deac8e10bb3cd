"""The timeline's per-table cell cache counts what stacked_counts counts, for any filter."""

from __future__ import annotations

import datetime as dt

import numpy as np

from atlas.bench import synthetic_columns
from atlas.model import All, AtlasModel, Categories, DateRange, EventTable
from atlas.model.part_masks import PartMasks
from atlas.ui.timeline import TimelinePanel, stacked_counts


def test_counts_match_a_direct_count_after_filter_changes(qtbot) -> None:
    n = 3000
    cols = synthetic_columns(n)
    cols["event_date"] = cols["event_date"].copy()
    cols["event_date"][::17] = np.datetime64("NaT")  # undated rows are left out of the bars
    table = EventTable.from_columns(n, cols)
    model = AtlasModel(table)
    panel = TimelinePanel(model, PartMasks())
    qtbot.addWidget(panel)
    cat = table.categorical["event_type"]
    for flt in (Categories("event_type", {"Battles"}), DateRange(dt.date(2024, 9, 1), dt.date(2024, 10, 1)), All()):
        model.set_filter(flt)
        rows = model.visible_rows
        rows = rows[~np.isnat(table.date[rows])]
        want = stacked_counts(panel.bins, table.date[rows].astype(np.int64), cat.codes[rows], len(cat.categories))
        np.testing.assert_array_equal(panel.counts, want)
        assert panel.counts.sum() == rows.size
