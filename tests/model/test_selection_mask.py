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
