"""A store's stale copy counts its dense views in cells like the live store (atlas/model/local_cells.py):
the counts agree with a plain count of the visible rows in view, the threshold and the grid are the
caller's, and the model's map rows, cells, signals and snapshots follow the filter and the view."""

from __future__ import annotations

from collections import Counter

import numpy as np

from atlas.model import AtlasModel, Categories
from atlas.model.local_cells import LocalCells, count_cells, dense_cells, in_view
from atlas.model.remote import MapRequest
from atlas.model.table import EventTable

RULE = LocalCells(threshold=50, cell_size=lambda zoom: 0.5 / 2 ** zoom)
VIEW = MapRequest((34.0, 50.5, 36.0, 52.0), 0.0)


def _events(n: int = 400, seed: int = 3) -> EventTable:
    rng = np.random.default_rng(seed)
    return EventTable.from_records([
        {"event_id": f"c{i}", "event_date": "2024-08-12", "title": f"t{i}",
         "side": "Ukraine" if i % 3 else "Russia",
         # a few outside the view and a few without a point
         **({} if i % 97 == 5 else {"longitude": float(rng.uniform(33.5, 36.5)), "latitude": float(rng.uniform(50.2, 52.3))})}
        for i in range(n)])


def test_counts_agree_with_a_plain_count_per_snapped_cell():
    t = _events()
    rows = np.arange(len(t), dtype=np.intp)
    shown = in_view(t, rows, VIEW.bbox)
    expected = sum(1 for r in range(len(t)) if t.has_coords[r] and 34.0 <= t.lon[r] <= 36.0 and 50.5 <= t.lat[r] <= 52.0)
    assert shown.size == expected and 0 < expected < int(t.has_coords.sum())
    cells = count_cells(t, shown, 0.25)
    plain = Counter((round(float(t.lon[r]) / 0.25), round(float(t.lat[r]) / 0.25)) for r in shown.tolist())
    got = {(round(x / 0.25), round(y / 0.25)): int(c) for x, y, c in zip(cells.lon, cells.lat, cells.count, strict=True)}
    assert got == dict(plain) and cells.events == expected and cells.sampled == 1.0 and cells.cell_deg == 0.25
    # Cell centres sit on the grid's nodes, as ST_SnapToGrid puts them.
    assert np.allclose(cells.lon / 0.25, np.rint(cells.lon / 0.25))
    assert count_cells(t, np.zeros(0, np.intp), 0.25).events == 0


def test_the_threshold_decides_cells_or_points():
    t = _events()
    rows = np.arange(len(t), dtype=np.intp)
    assert dense_cells(t, rows, VIEW, RULE) is not None
    few = in_view(t, rows, VIEW.bbox)[:RULE.threshold]
    assert dense_cells(t, few, VIEW, RULE) is None  # at the threshold: the events themselves
    small = MapRequest((35.0, 51.0, 35.2, 51.1), 3.0)  # zoomed in: few in view
    assert dense_cells(t, rows, small, RULE) is None


def test_the_model_draws_a_stale_copys_dense_view_in_cells(qtbot):
    t = _events()
    model = AtlasModel(t)
    model.set_map_request(VIEW)
    assert model.map_cells is None and model.map_rows is model.visible_rows  # files: every event
    with qtbot.waitSignal(model.resident_changed):
        model.set_local_cells(RULE)
    cells = model.map_cells
    assert cells is not None and model.map_rows.size == 0 and model.map_rows is model.map_rows
    assert model.map_cells is cells  # kept until something changes
    assert cells.events == in_view(t, model.visible_rows, VIEW.bbox).size
    # A filter: the cells count the rows that pass.
    model.set_filter(Categories("side", {"Russia"}))
    passing = in_view(t, model.visible_rows, VIEW.bbox).size
    if passing > RULE.threshold:
        assert model.map_cells.events == passing
    else:
        assert model.map_cells is None and model.map_rows is model.visible_rows
    model.set_filter(Categories("side", {"Ukraine"}))
    assert model.map_cells is not None
    # A new view: new cells, announced; zoomed in on a few events: points again, announced too.
    with qtbot.waitSignal(model.resident_changed):
        model.set_map_request(MapRequest((33.0, 50.0, 37.0, 52.5), 0.0))
    assert model.map_cells.events == in_view(t, model.visible_rows, (33.0, 50.0, 37.0, 52.5)).size
    snap = model.snapshot()  # a picture drawn from a snapshot shows the same cells
    assert snap.map_cells is model.map_cells and snap.map_rows.size == 0
    with qtbot.waitSignal(model.resident_changed):
        model.set_map_request(MapRequest((35.0, 51.0, 35.2, 51.1), 3.0))
    assert model.map_cells is None and model.map_rows is model.visible_rows
    with qtbot.assertNotEmitted(model.resident_changed):  # points before and after: nothing to redraw
        model.set_map_request(MapRequest((35.0, 51.0, 35.21, 51.1), 3.0))
    model.set_local_cells(None)
    model.set_map_request(VIEW)
    assert model.map_cells is None and model.map_rows is model.visible_rows
