"""The points view bound by pixels: the per-zoom aggregate counts what the row mask shows, keeps
the event a full stamp leaves on top, looks like the full stamp, and is what exports draw too."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from atlas.bench import synthetic_columns
from atlas.geo.projection import lonlat_to_merc
from atlas.model import AtlasModel, Categories, DateRange, EventTable
from atlas.render import layers as layers_mod
from atlas.render import point_aggregate as pa
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

BG = QColor("#f4f1ea")


@pytest.fixture(scope="module")
def crowd() -> EventTable:
    """60,000 synthetic events over the region, a few hundred without coordinates."""
    n = 60_000
    cols = synthetic_columns(n, seed=11)
    cols["longitude"][:300] = np.nan
    cols["latitude"][:300] = np.nan
    return EventTable.from_columns(n, cols)


def region_view(w: int = 800, h: int = 500, ui_scale: float = 1.0) -> Viewport:
    return Viewport.fit_lonlat(33.0, 50.0, 38.0, 52.5, w, h, ui_scale)


def layer_for(table: EventTable, rows: np.ndarray) -> layers_mod.EventsLayer:
    lyr = layers_mod.EventsLayer()
    lyr.set_events(table, rows)
    lyr.set_density_mode("points")
    return lyr


def draw(lyr: layers_mod.EventsLayer, vp: Viewport) -> QImage:
    img = QImage(vp.width, vp.height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(BG)
    p = QPainter(img)
    lyr.draw(p, vp)
    p.end()
    return img


def filtered_rows(table: EventTable) -> np.ndarray:
    import datetime as dt

    flt = DateRange(dt.date(2024, 9, 1), dt.date(2024, 12, 31)) & Categories("event_type", {"Battles", "Protests", "Riots"})
    return np.flatnonzero(flt.mask(table))


def test_counts_per_cell_equal_the_masks_counts(qapp, crowd: EventTable) -> None:
    rows = filtered_rows(crowd)
    lyr = layer_for(crowd, rows)
    vp = region_view()
    agg = pa.build_aggregate(lyr.groups, vp)
    # Independently: the shown located rows, projected and binned on the level's grid.
    shown = rows[crowd.has_coords[rows]]
    x, y = lonlat_to_merc(crowd.lon[shown], crowd.lat[shown])
    cx = np.floor(x / agg.cell).astype(np.int64) - agg.ix0
    cy = np.floor(y / agg.cell).astype(np.int64) - agg.iy0
    inside = (cx >= 0) & (cx < agg.nx) & (cy >= 0) & (cy < agg.ny)
    assert inside.all()  # the block (view and a view around it) holds the whole region
    cells, counts = np.unique(cy * agg.nx + cx, return_counts=True)
    np.testing.assert_array_equal(agg.cells, cells)
    np.testing.assert_array_equal(agg.counts, counts)
    assert int(agg.counts.sum()) == shown.size < len(crowd)
    # A filter change makes a new cache: the counts follow the new mask.
    lyr.set_events(crowd, np.arange(len(crowd)))
    assert int(lyr.aggregates.get(vp).counts.sum()) == int(crowd.has_coords.sum())


def test_each_cell_keeps_the_event_the_full_stamp_leaves_on_top(qapp, crowd: EventTable) -> None:
    lyr = layer_for(crowd, np.arange(len(crowd)))
    vp = region_view()
    agg = pa.build_aggregate(lyr.groups, vp)
    # The last event drawn into each cell, walking the groups in draw order, event by event.
    last: dict[int, tuple[int, float, float]] = {}
    for rank, g in enumerate(lyr.groups):
        cx = np.floor(g.x / agg.cell).astype(np.int64) - agg.ix0
        cy = np.floor(g.y / agg.cell).astype(np.int64) - agg.iy0
        for k, gx, gy in zip((cy * agg.nx + cx).tolist(), g.x.tolist(), g.y.tolist()):
            last[k] = (rank, gx, gy)
    assert sorted(last) == agg.cells.tolist()
    want = np.array([last[k] for k in agg.cells.tolist()])
    np.testing.assert_array_equal(agg.top, want[:, 0].astype(np.int32))
    np.testing.assert_array_equal(agg.x, want[:, 1])
    np.testing.assert_array_equal(agg.y, want[:, 2])


def test_the_aggregate_looks_like_the_full_stamp(qapp, crowd: EventTable, monkeypatch) -> None:
    lyr = layer_for(crowd, np.arange(len(crowd)))
    vp = region_view()
    agg_img = draw(lyr, vp)
    assert lyr.showing_aggregate
    drawn = sum(len(x) for _, x, _ in lyr._aggregate_parts(vp, lyr.aggregates.get(vp), lyr.marker_size))
    assert drawn < 0.5 * crowd.has_coords.sum()  # far fewer sprites than events
    monkeypatch.setattr(pa, "aggregate_wanted", lambda n, v: False)
    full_img = draw(lyr, vp)
    assert not lyr.showing_aggregate
    a = np.frombuffer(agg_img.constBits(), np.uint8).reshape(vp.height, vp.width, 4).astype(np.int16)
    f = np.frombuffer(full_img.constBits(), np.uint8).reshape(vp.height, vp.width, 4).astype(np.int16)
    bg = np.array([BG.blue(), BG.green(), BG.red(), 255], np.int16)
    covered_a, covered_f = (a != bg).any(axis=2), (f != bg).any(axis=2)
    # The same ground is covered (the carpet's edges move by less than a cell) ...
    assert abs(int(covered_a.sum()) - int(covered_f.sum())) < 0.02 * covered_f.sum()
    assert (covered_a != covered_f).mean() < 0.01
    # ... in the same colours: per channel the mean over the covered ground within a few levels.
    both = covered_a & covered_f
    diff = np.abs(a[both][:, :3].mean(axis=0) - f[both][:, :3].mean(axis=0))
    assert (diff < 6).all(), diff


def test_zoomed_in_every_event_is_stamped(qapp, crowd: EventTable) -> None:
    lyr = layer_for(crowd, np.arange(len(crowd)))
    near = Viewport.fit_lonlat(35.0, 51.0, 35.1, 51.05, 800, 500)
    draw(lyr, near)
    assert not lyr.showing_aggregate


def test_pans_at_one_zoom_reuse_the_aggregate_and_zooms_build_their_own(qapp, crowd: EventTable) -> None:
    lyr = layer_for(crowd, np.arange(len(crowd)))
    vp = region_view()
    draw(lyr, vp)
    assert lyr.aggregates.builds == 1
    for k in range(1, 6):  # short pans stay inside the block
        d = 40 * k * vp.merc_per_px
        draw(lyr, Viewport(vp.x0 + d, vp.y0 - d, vp.x1 + d, vp.y1 - d, vp.width, vp.height))
    assert lyr.aggregates.builds == 1
    draw(lyr, region_view(1000, 625))  # another zoom level
    assert lyr.aggregates.builds == 2
    draw(lyr, vp)  # back to the first: still cached
    assert lyr.aggregates.builds == 2


def test_an_export_aggregates_at_its_resolution(qapp, crowd: EventTable, monkeypatch) -> None:
    screen = region_view(800, 500)
    export = region_view(1600, 1000, ui_scale=2.0)  # the same map at twice the dpi
    assert pa.zoom_level(export) == pa.zoom_level(screen)  # cells of the same ground: the same look
    assert pa.zoom_level(region_view(1600, 1000)) < pa.zoom_level(screen)  # more pixels: finer cells
    # The vector path (SVG, PDF) draws the same aggregate as shapes.
    lyr = layer_for(crowd, np.arange(len(crowd)))
    shapes: list[int] = []
    monkeypatch.setattr(layers_mod, "draw_marker_shapes", lambda p, xs, ys, *a, **k: shapes.append(len(xs)))
    img = QImage(800, 500, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    lyr.draw(p, screen.as_vector())
    p.end()
    assert lyr.showing_aggregate
    agg = lyr.aggregates.get(screen)
    assert sum(shapes) == int(agg.in_view(screen, lyr.marker_size).sum()) < crowd.has_coords.sum()


def test_the_scene_draws_the_aggregate_for_the_models_rows(qapp, crowd: EventTable) -> None:
    model = AtlasModel(crowd)
    scene = MapScene(model)
    scene.events.set_density_mode("points")
    vp = region_view()
    draw(scene.events, vp)
    assert scene.events.showing_aggregate
    before = scene.events.aggregates
    model.set_filter(Categories("event_type", {"Battles"}))
    scene.sync_events()
    assert scene.events.aggregates is not before
    total = int(scene.events.aggregates.get(vp).counts.sum())
    assert total == int((model.visible_mask & crowd.has_coords).sum())


def test_blocks_of_events_give_the_same_aggregate_as_one_pass(monkeypatch) -> None:
    """The build bins the events in fixed-size blocks (CHUNK): a cell whose events lie in
    different blocks, or in different groups, keeps the last of them in draw order and counts all
    of them, exactly as one plain pass over every event (a dict, cell by cell) does."""
    from types import SimpleNamespace

    rng = np.random.default_rng(4)
    vp = region_view(300, 200)
    cx, cy = (vp.x0 + vp.x1) / 2, (vp.y0 + vp.y1) / 2
    w, h = vp.x1 - vp.x0, vp.y1 - vp.y0
    groups = []
    for k in (0, 1_000, 37, 2_500, 5):  # an empty group, and groups that straddle block ends
        x = rng.normal(cx, w / 2, k)  # some beyond the block (a view around the view): culled
        y = rng.normal(cy, h / 2, k)
        groups.append(SimpleNamespace(x=x, y=y))
    monkeypatch.setattr(pa, "CHUNK", 64)
    agg = pa.build_aggregate(groups, vp)
    top: dict[int, tuple[int, float, float]] = {}
    count: dict[int, int] = {}
    for rank, g in enumerate(groups):
        for x, y in zip(g.x, g.y):
            ix, iy = int(np.floor(x / agg.cell)) - agg.ix0, int(np.floor(y / agg.cell)) - agg.iy0
            if 0 <= ix < agg.nx and 0 <= iy < agg.ny:
                key = iy * agg.nx + ix
                top[key] = (rank, x, y)
                count[key] = count.get(key, 0) + 1
    keys = sorted(top)
    assert len(keys) > 500 and max(count.values()) > 1  # a real crowd: cells shared across blocks
    np.testing.assert_array_equal(agg.cells, keys)
    np.testing.assert_array_equal(agg.counts, [count[k] for k in keys])
    np.testing.assert_array_equal(agg.top, [top[k][0] for k in keys])
    np.testing.assert_array_equal(agg.x, [top[k][1] for k in keys])
    np.testing.assert_array_equal(agg.y, [top[k][2] for k in keys])
    monkeypatch.setattr(pa, "CHUNK", 1 << 16)
    whole = pa.build_aggregate(groups, vp)
    for field in ("cells", "counts", "top", "x", "y"):
        np.testing.assert_array_equal(getattr(agg, field), getattr(whole, field))
