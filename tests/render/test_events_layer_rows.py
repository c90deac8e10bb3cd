"""The events layer shows exactly the rows it is given, whichever way it cuts its groups down:
few rows are looked up in their groups, many are masked out of them (layers.set_events)."""

from __future__ import annotations

import numpy as np
import pytest

from atlas.bench import synthetic_columns
from atlas.model import EventTable
from atlas.render import layers as L


@pytest.fixture(scope="module")
def crowd() -> EventTable:
    n = 20_000
    cols = synthetic_columns(n, seed=5)
    rng = np.random.default_rng(5)
    cols["geo_precision"] = rng.choice(np.array([1, 1, 2, 3], np.int8), n)  # halos on some groups
    cols["longitude"][:200] = np.nan  # rows without coordinates are in no group
    cols["latitude"][:200] = np.nan
    return EventTable.from_columns(n, cols)


def groups_via(monkeypatch: pytest.MonkeyPatch, table: EventTable, rows: np.ndarray, sparse: bool) -> list:
    monkeypatch.setattr(L, "SPARSE_ROWS_FRACTION", 1e-12 if sparse else 1e12)
    lyr = L.EventsLayer()
    lyr.set_events(table, rows)
    return lyr.groups


@pytest.mark.parametrize("fraction", [0.0005, 0.03, 0.3, 0.7])
def test_looked_up_rows_equal_masked_rows(monkeypatch: pytest.MonkeyPatch, crowd: EventTable, fraction: float) -> None:
    rng = np.random.default_rng(int(fraction * 1e4))
    rows = np.flatnonzero(rng.random(len(crowd)) < fraction)
    rows = np.concatenate([rows[:5], rows])  # repeated rows count once, as in a mask
    looked = groups_via(monkeypatch, crowd, rows, sparse=True)
    masked = groups_via(monkeypatch, crowd, rows, sparse=False)
    assert [g.key for g in looked] == [g.key for g in masked]
    for a, b in zip(looked, masked):
        for field in ("x", "y", "rows", "halo", "grade"):
            u, v = getattr(a, field), getattr(b, field)
            assert (u is None) == (v is None), field
            if u is not None:
                np.testing.assert_array_equal(u, v, err_msg=field)
    shown = np.concatenate([g.rows for g in looked]) if looked else np.zeros(0, np.intp)
    expected = np.unique(rows[crowd.has_coords[rows]])
    np.testing.assert_array_equal(np.sort(shown), expected)
    assert any(g.halo is not None for g in looked) or fraction < 0.01


def test_unsorted_rows_are_shown_like_sorted_ones(monkeypatch: pytest.MonkeyPatch, crowd: EventTable) -> None:
    rows = np.random.default_rng(2).choice(len(crowd), 500, replace=False)  # a store's points in view
    a = groups_via(monkeypatch, crowd, rows, sparse=True)
    b = groups_via(monkeypatch, crowd, np.sort(rows), sparse=True)
    assert [(g.key, g.rows.tolist()) for g in a] == [(g.key, g.rows.tolist()) for g in b]
