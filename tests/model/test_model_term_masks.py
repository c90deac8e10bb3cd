"""A filter change computes only the terms it adds: the model keeps each term's mask
(``AtlasModel.part_masks``) and ANDs the kept ones, and the rows it shows are exactly the
filter's own answer whatever was set before (a change, an undo, a table swap)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atlas.model import All, AtlasModel, Categories, DateRange, EventTable, Text
from atlas.model import filters as F


def table(n: int = 400) -> EventTable:
    types = ["Battles", "Protests", "Riots", "Explosions/Remote violence"]
    titles = ["Shelling of Sudzha", "Drone near Korenevo", "Суджа column", "Rylsk checkpoint", ""]
    return EventTable.from_records([
        {"event_id": f"e{i}", "title": titles[i % 5], "event_type": types[i % 4],
         "event_date": (dt.date(2024, 8, 1) + dt.timedelta(days=i % 90)).isoformat()} for i in range(n)])


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each kind of term computed its mask over the table."""
    calls = {"date": 0, "type": 0}
    date_mask, type_mask = DateRange.mask, Categories.mask

    def dates(self: DateRange, t: EventTable) -> np.ndarray:
        calls["date"] += 1
        return date_mask(self, t)

    def types(self: Categories, t: EventTable) -> np.ndarray:
        calls["type"] += 1
        return type_mask(self, t)

    monkeypatch.setattr(DateRange, "mask", dates)
    monkeypatch.setattr(Categories, "mask", types)
    return calls


def test_a_change_computes_only_the_terms_it_adds(counted: dict[str, int]) -> None:
    t = table()
    m = AtlasModel(t)
    date = DateRange(dt.date(2024, 8, 20), dt.date(2024, 9, 30))
    battles = Categories("event_type", {"Battles", "Riots"})
    m.set_filter(date)
    assert counted == {"date": 1, "type": 0}
    both = date & battles
    m.set_filter(both)  # the date term's mask is kept: only the type term is computed
    assert counted == {"date": 1, "type": 1}
    np.testing.assert_array_equal(m.visible_mask, F.And((date, battles)).mask(t))
    text = both & Text("sudzha")
    m.set_filter(text)
    np.testing.assert_array_equal(m.visible_mask, text.mask(t))
    assert m.visible_count < int(both.mask(t).sum())
    before = dict(counted)
    m.set_filter(All())
    m.set_filter(both)  # undo / redo: back to kept terms, nothing computed again
    m.set_filter(date)
    assert counted == before
    np.testing.assert_array_equal(m.visible_rows, np.flatnonzero(date.mask(t)))


def test_a_new_table_forgets_the_kept_masks(counted: dict[str, int]) -> None:
    m = AtlasModel(table(400))
    date = DateRange(dt.date(2024, 8, 20), None)
    m.set_filter(date)
    other = table(250)
    m.set_table(other)
    m.set_filter(All())
    m.set_filter(date)
    assert counted["date"] == 2  # computed again on the new table's rows
    np.testing.assert_array_equal(m.visible_mask, date.mask(other))
    assert len(m.visible_mask) == 250
