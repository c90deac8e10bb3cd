"""sorted_unique gives what np.unique gives (the selection relies on it being sorted and distinct)."""

from __future__ import annotations

import numpy as np

from atlas.model.atlas_model import sorted_unique


def test_sorted_unique_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    for values in (np.zeros(0, np.intp), np.array([4], np.intp), rng.integers(0, 50, 400).astype(np.intp)):
        np.testing.assert_array_equal(sorted_unique(values), np.unique(values))


def test_selecting_repeated_rows_keeps_each_once() -> None:
    from atlas.bench import synthetic_columns
    from atlas.model import AtlasModel, EventTable

    model = AtlasModel(EventTable.from_columns(50, synthetic_columns(50)))
    model.select_rows([7, 3, 7, 9, 3])
    assert model.selected_rows().tolist() == [3, 7, 9]
