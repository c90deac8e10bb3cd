"""The selection's mask is made once per selection, read-only, and follows every change."""

from __future__ import annotations

import numpy as np
import pytest

from atlas.model import AtlasModel, EventTable, SelectMode


def test_mask_follows_the_selection_and_is_shared_until_it_changes() -> None:
    t = EventTable.from_records([{"event_id": f"e{i}"} for i in range(10)])
    m = AtlasModel(t)
    m.select_rows([1, 4])
    a = m.selection_mask()
    assert a is m.selection_mask() and np.flatnonzero(a).tolist() == [1, 4]
    with pytest.raises(ValueError):
        a[0] = True  # shared: nobody may edit it
    m.select_rows([7], SelectMode.ADD)
    assert np.flatnonzero(m.selection_mask()).tolist() == [1, 4, 7]
    m.set_table(EventTable.from_records([{"event_id": f"e{i}"} for i in range(5, 12)]))
    assert len(m.selection_mask()) == 7 and np.flatnonzero(m.selection_mask()).tolist() == [2]  # e7
    m.clear_selection()
    assert not m.selection_mask().any()


def test_cleared_filter_shares_every_row_per_table() -> None:
    from atlas.model import All, Categories

    t = EventTable.from_records([{"event_id": f"e{i}", "event_type": "Battles" if i % 2 else "Riots"}
                                 for i in range(9)])
    m = AtlasModel(t)
    rows = m.visible_rows
    assert rows.tolist() == list(range(9)) and m.visible_mask.all()
    m.set_filter(Categories("event_type", {"Riots"}))
    assert m.visible_rows.tolist() == [0, 2, 4, 6, 8]
    m.set_filter(All())
    assert m.visible_rows is rows and not rows.flags.writeable  # kept, and nobody may edit it
    m.set_table(EventTable.from_records([{"event_id": "x"}, {"event_id": "y"}]))
    assert m.visible_rows.tolist() == [0, 1] and m.visible_mask.tolist() == [True, True]
