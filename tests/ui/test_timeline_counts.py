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
    # All() twice: the second time from the whole table's counts kept; a table of its own after.
    picks = (Categories("event_type", {"Battles"}), DateRange(dt.date(2024, 9, 1), dt.date(2024, 10, 1)), All(),
             Categories("event_type", {"Riots"}), All())
    for flt in picks:
        model.set_filter(flt)
        rows = model.visible_rows
        rows = rows[~np.isnat(table.date[rows])]
        want = stacked_counts(panel.bins, table.date[rows].astype(np.int64), cat.codes[rows], len(cat.categories))
        np.testing.assert_array_equal(panel.counts, want)
        assert panel.counts.sum() == rows.size


def test_whole_table_counts_follow_a_new_table(qtbot) -> None:
    model = AtlasModel(EventTable.from_columns(500, synthetic_columns(500, seed=1)))
    panel = TimelinePanel(model, PartMasks())
    qtbot.addWidget(panel)
    first = panel.counts.copy()
    table = EventTable.from_columns(800, synthetic_columns(800, seed=2))
    model.set_table(table)
    assert panel.counts.sum() == 800 and first.sum() == 500
