"""The chunked, cancellable search: hits in the list's order, the whole mask equal to the
filter's own, and the model's pending state while the hits stream in."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atlas.bench import synthetic_columns
from atlas.model import All, AtlasModel, Categories, DateRange, EventTable, Text
from atlas.model import search_scan as S
from atlas.model.filters import forget_search_terms


@pytest.fixture(scope="module")
def table() -> EventTable:
    return EventTable.from_columns(6000, synthetic_columns(6000, seed=11))


def search_filter(query: str = "sudzha") -> object:
    return DateRange(dt.date(2024, 9, 1), dt.date(2025, 1, 31)) & Categories("event_type", {"Battles", "Protests"}) \
        & Text(query)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(S, "FIRST_CHUNK_ROWS", 100)
    monkeypatch.setattr(S, "CHUNK_ROWS", 400)


def plan(table: EventTable, flt: object, order: np.ndarray | None = None) -> S.SearchScan:
    base = S.SearchScan.other_terms(flt).mask(table)
    scan = S.SearchScan.plan(table, flt, base, order)
    assert scan is not None
    return scan


def test_chunks_find_the_filters_rows_in_list_order(table: EventTable) -> None:
    flt = search_filter()
    forget_search_terms(table)
    order = table.sort_order("title", descending=True)
    scan = plan(table, flt, order)
    got = []
    while not scan.done:
        got.append(scan.step())
    hits = np.concatenate(got)
    want = flt.mask(table)
    assert np.array_equal(scan.mask(), want)
    # In the list's order: the whole order with the other rows left out.
    assert np.array_equal(hits, order[want[order]])
    assert scan.hit_count == int(want.sum()) > 0


def test_no_text_term_means_nothing_to_stream(table: EventTable) -> None:
    flt = Categories("event_type", {"Battles"})
    assert S.SearchScan.plan(table, flt, flt.mask(table)) is None


def test_scan_until_stops_at_a_screenful(table: EventTable) -> None:
    forget_search_terms(table)
    scan = plan(table, search_filter())
    first = scan.scan_until(min_hits=5, budget_s=10.0)
    assert first.size >= 5
    assert not scan.done  # a screenful came from the first chunk, the rest is left
    assert np.array_equal(first, np.flatnonzero(search_filter().mask(table))[: first.size])


def test_run_delivers_batches_then_the_whole_mask(table: EventTable) -> None:
    forget_search_terms(table)
    flt = search_filter("korenevo")
    scan = plan(table, flt)
    batches: list[np.ndarray] = []
    final: list[np.ndarray] = []

    def deliver(rows: np.ndarray, mask: np.ndarray | None) -> None:
        batches.append(rows)
        if mask is not None:
            final.append(mask)

    assert scan.run(S.CancelToken(), deliver, every_s=0.0)
    assert len(final) == 1 and len(batches) > 1
    assert np.array_equal(final[0], flt.mask(table))
    assert np.array_equal(np.concatenate(batches), np.flatnonzero(final[0]))


def test_a_cancelled_run_stops_and_delivers_nothing_more(table: EventTable) -> None:
    forget_search_terms(table)
    scan = plan(table, search_filter("glushkovo"))
    token = S.CancelToken()
    seen: list[object] = []

    def deliver(rows: np.ndarray, mask: np.ndarray | None) -> None:
        seen.append(mask)
        token.cancel()  # the next keystroke, right after the first batch

    assert not scan.run(token, deliver, every_s=0.0)
    assert len(seen) == 1 and seen[0] is None
    assert not scan.done


def test_model_pending_filter_extends_then_completes(table: EventTable) -> None:
    model = AtlasModel(table)
    flt = search_filter()
    want = flt.mask(table)
    rows = np.flatnonzero(want)
    changed: list[bool] = []
    extended: list[np.ndarray] = []
    model.filter_changed.connect(lambda: changed.append(model.filter_pending))
    model.filter_extended.connect(extended.append)
    model.show_partial_filter(flt, rows[:10])
    assert model.filter == flt and model.filter_pending
    assert model.visible_count == 10 and np.array_equal(model.visible_rows, rows[:10])
    model.extend_partial_filter(rows[10:30])
    assert np.array_equal(model.visible_rows, rows[:30]) and model.visible_mask.sum() == 30
    assert len(extended) == 1 and np.array_equal(extended[0], rows[10:30])
    # The same filter with its whole mask completes it (a plain no-op set would not).
    model.set_filter(flt, want)
    assert not model.filter_pending and np.array_equal(model.visible_rows, rows)
    assert changed == [True, False]
    model.extend_partial_filter(rows[:5])  # a late batch of a finished search changes nothing
    assert len(extended) == 1 and np.array_equal(model.visible_rows, rows)


def test_another_filter_ends_a_pending_one(table: EventTable) -> None:
    model = AtlasModel(table)
    model.show_partial_filter(search_filter(), np.arange(3))
    model.set_filter(All())
    assert not model.filter_pending and model.visible_count == len(table)
    with pytest.raises(ValueError):
        model.set_filter(search_filter(), np.ones(3, dtype=bool))


def test_sort_order_matches_a_stable_sort_of_the_keys(table: EventTable) -> None:
    for field in ("title", "event_type", "event_date", "location"):
        key = table.sort_key(field)
        assert np.array_equal(table.sort_order(field), np.argsort(key, kind="stable"))
        assert np.array_equal(table.sort_order(field, True), np.argsort(-key, kind="stable"))
