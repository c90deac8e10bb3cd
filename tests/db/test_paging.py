"""The list's keyset pages and the map's points or cells, against the real server."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from atlas.db import cells
from atlas.db.pager import KeysetPager, key_of
from atlas.model.filters import All, Categories, DateRange, Filter, Text

REGION = (33.0, 50.0, 38.5, 52.8)


def _list_order(table, flt: Filter) -> list[str]:
    """The ids that pass ``flt`` in the list's order: day (undated last), then id."""
    rows = np.flatnonzero(flt.mask(table))
    days = table.date[rows]
    undated = np.isnat(days)
    keyed = sorted(zip(undated, np.where(undated, np.datetime64("1970-01-01"), days), table.ids[rows].astype(str)))
    return [k[2] for k in keyed]


@pytest.mark.parametrize("flt", [All(), Categories("side", "Ukraine"), DateRange(dt.date(2024, 8, 10), None),
                                 Text("sudzha")], ids=lambda f: f.describe())
def test_pages_walk_the_filtered_list_forward_and_back_without_gaps(store, bundled, flt):
    want = _list_order(bundled, flt)
    assert len(want) > 7
    with psycopg.connect(store) as conn:
        pager = KeysetPager(conn, flt, size=7)
        pages = [pager.first()]
        while len(pages[-1]) == 7:
            pages.append(pager.after(key_of(pages[-1], len(pages[-1]) - 1)))
        got = [str(i) for p in pages for i in p.ids]
        assert got == want
        # Backwards from the last page gives the same pages in reverse.
        back = [pager.last()]
        while len(back[-1]) == 7:
            back.append(pager.before(key_of(back[-1], 0)))
        if len(want) % 7 == 0:
            pages.pop()  # the forward walk asked once more and got an empty page
        assert [str(i) for p in reversed(back) for i in p.ids] == want
        tail = next(p for p in reversed(pages) if len(p))
        assert len(pager.after(key_of(tail, len(tail) - 1))) == 0


def test_a_page_is_an_index_range_scan(store):
    with psycopg.connect(store) as conn:
        # The bundled table is tiny: ask what the plan can use. A bitmap scan plus a sort costs about
        # as much as the ordered index scan over ~85 rows, and which one wins flipped with a change
        # of a few events; neither is what a page of a big table gets.
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        from atlas.db.pager import Key
        from atlas.db.query import select
        from atlas.db.query import ORDER_KEY
        from psycopg import sql

        query, params = select(All(), sql.SQL(" AND ({}) > (%s::date, %s) ORDER BY ").format(ORDER_KEY)
                               + ORDER_KEY + sql.SQL(" LIMIT 50"), Key(dt.date(2024, 9, 1), "x").params())
        plan = "\n".join(r[0] for r in conn.execute(sql.SQL("EXPLAIN ") + query, params).fetchall())
    assert "events_keyset" in plan and "Sort" not in plan.split("SubPlan")[0]


def test_a_sparse_view_gets_points_and_a_dense_one_counted_cells(store, bundled):
    flt = Categories("side", {"Ukraine", "Russia"})
    in_region = (flt.mask(bundled) & (bundled.lon >= REGION[0]) & (bundled.lon <= REGION[2])
                 & (bundled.lat >= REGION[1]) & (bundled.lat <= REGION[3]))
    with psycopg.connect(store) as conn:
        sparse = cells.map_data(conn, REGION, zoom=8, flt=flt, threshold=10_000)
        assert sparse.kind == "points"
        assert sorted(sparse.ids) == sorted(str(i) for i in bundled.ids[in_region])
        dense = cells.map_data(conn, REGION, zoom=8, flt=flt, threshold=5)
    assert dense.kind == "cells" and dense.events == int(in_region.sum())
    step = cells.cell_size_deg(8)
    assert dense.cell_deg == pytest.approx(step)
    # The same cells as snapping the model's points to the grid.
    lon, lat = bundled.lon[in_region], bundled.lat[in_region]
    keys, counts = np.unique(np.stack([np.round(lon / step), np.round(lat / step)], axis=1), axis=0, return_counts=True)
    got = {(round(x / step), round(y / step)): int(c) for x, y, c in zip(dense.lon, dense.lat, dense.count)}
    assert got == {(int(k[0]), int(k[1])): int(c) for k, c in zip(keys, counts)}
    assert len(dense.lon) < int(in_region.sum())


def test_cell_size_halves_per_zoom_level():
    assert cells.cell_size_deg(0) == pytest.approx(360 / 256 * cells.CELL_PIXELS)
    assert cells.cell_size_deg(9) == pytest.approx(cells.cell_size_deg(8) / 2)
    with pytest.raises(ValueError):
        cells.cells(None, All(), REGION, 0.0)
