"""Events at one spot: stacks found per table, count badges, spreading (by click and by zoom)."""

from __future__ import annotations

import numpy as np
import pytest

from atlas.geo.projection import lonlat_to_merc
from atlas.model import AtlasModel, EventTable
from atlas.model.filters import Categories
from atlas.render.compose import render_map
from atlas.render.layers import BackgroundLayer
from atlas.render.scene import MapScene
from atlas.render.spiderfy import AUTO_SPREAD_M_PER_PX, RING_MAX, spread_offsets
from atlas.render.viewport import Viewport


def ev(eid: str, lon: float, lat: float, etype: str = "Battles") -> dict:
    return {"event_id": eid, "event_type": etype, "longitude": lon, "latitude": lat, "event_date": "2025-03-08",
            "confidence": "confirmed"}


SPOT = (35.2706, 51.1914)
RECORDS = [ev("a", *SPOT), ev("b", *SPOT, "Protests"), ev("c", *SPOT), ev("lone", 35.40, 51.25),
           ev("d", 35.10, 51.10), ev("e", 35.10, 51.10)]


def setup(records: list[dict] = RECORDS) -> tuple[MapScene, AtlasModel]:
    model = AtlasModel(EventTable.from_records(records))
    scene = MapScene(model)
    scene.layers = [BackgroundLayer("#f4f1ea"), scene.events, scene.stacks, scene.selection]
    return scene, model


def view(width_m: float, px: int = 600) -> Viewport:
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    return Viewport.centered(float(x), float(y), width_m / px, px, px)


def test_stacks_are_the_spots_holding_several_events(qtbot) -> None:
    scene, model = setup()
    vp = view(60_000.0)
    st = scene.stacks.view_stacks(vp)
    assert len(st) == 2
    members = sorted(sorted(str(model.table.ids[r]) for r in st.members(i)) for i in range(len(st)))
    assert members == [["a", "b", "c"], ["d", "e"]]
    # the stacks follow the filter: hiding Protests leaves two at the spot
    model.set_filter(Categories("event_type", frozenset({"Battles"})))
    scene.sync_events()
    assert sorted(scene.stacks.view_stacks(vp).sizes().tolist()) == [2, 2]
    # a spot is found from a click near it, whatever the view
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    assert len(scene.stacks.stack_at(float(x) + 0.5, float(y))) == 1
    (lx,), (ly,) = lonlat_to_merc([35.40], [51.25])
    assert len(scene.stacks.stack_at(float(lx), float(ly))) == 0


def test_stacks_are_found_in_the_view_only(qtbot) -> None:
    # a thousand spots of three events and a scatter: the view's stacks come from the view's events
    rng = np.random.default_rng(3)
    spots = rng.uniform((34.0, 50.5), (36.5, 52.0), (1000, 2))
    recs = [ev(f"s{i}-{k}", lon, lat) for i, (lon, lat) in enumerate(spots) for k in range(3)]
    recs += [ev(f"x{i}", lon, lat) for i, (lon, lat) in enumerate(rng.uniform((34.0, 50.5), (36.5, 52.0), (2000, 2)))]
    scene, model = setup(recs)
    whole = Viewport.fit_lonlat(34.0, 50.5, 36.5, 52.0, 1000, 800)
    assert len(scene.stacks.view_stacks(whole)) == 1000
    part = Viewport.fit_lonlat(35.0, 51.0, 35.5, 51.3, 1000, 800)
    st = scene.stacks.view_stacks(part)
    x, y = lonlat_to_merc(spots[:, 0], spots[:, 1])
    expected = int(np.count_nonzero(part.contains_mask(x, y, pad=12 * 10.0)))
    assert len(st) == expected and set(st.sizes().tolist()) == {3}


def test_spread_offsets_keep_markers_apart() -> None:
    for n in (2, 3, 8, RING_MAX, RING_MAX + 1, 30, 120):
        dx, dy = spread_offsets(n, 10.0)
        pts = np.column_stack([dx, dy])
        d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
        d[np.arange(n), np.arange(n)] = np.inf
        assert d.min() >= 13.0, (n, d.min())  # a marker and a bit between any two
        assert np.hypot(dx, dy).min() >= 20.0  # clear of the hub
        if n <= RING_MAX:
            assert np.allclose(np.hypot(dx, dy), np.hypot(dx, dy)[0])  # one ring


def test_badges_count_the_stacked_events(qtbot) -> None:
    scene, _ = setup()
    vp = view(60_000.0)
    badges = scene.stacks.badges(vp)
    assert sorted(text for _, text, _, _ in badges) == ["2", "3"]
    img = render_map(scene, vp)
    (cx,), (cy,) = vp.lonlat_to_px([SPOT[0]], [SPOT[1]])
    r = next(r for r, text, _, _ in badges if text == "3")
    # the badge is drawn: its dark pill at the marker's upper right
    c = img.pixelColor(int(r.center().x()) - 3, int(r.center().y()))
    assert c.lightness() < 120 or img.pixelColor(int(r.left()) + 2, int(r.center().y())).lightness() < 120
    assert r.left() > cx and r.top() < cy


def test_a_click_spreads_one_stack(qtbot) -> None:
    scene, model = setup()
    vp = view(60_000.0)
    assert not scene.stacks.auto_spread(vp) and scene.stacks.spreads(vp) == []
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    assert scene.stacks.open(float(x), float(y))
    (spread,) = scene.stacks.spreads(vp)
    assert sorted(str(model.table.ids[r]) for r in spread.rows) == ["a", "b", "c"]
    # the spread stack has no badge; the other keeps its
    assert [text for _, text, _, _ in scene.stacks.badges(vp)] == ["2"]
    # each spread marker picks its own event; the spot itself is no spread marker
    for r, px, py in zip(spread.rows.tolist(), spread.px.tolist(), spread.py.tolist()):
        assert scene.stacks.pick(vp, px, py)[0] == r
        assert np.hypot(px - spread.cx, py - spread.cy) > 15
    assert scene.stacks.pick(vp, spread.cx, spread.cy) == []
    # the markers are drawn there: pixels of the event colours around the hub
    img = render_map(scene, vp)
    for px, py in zip(spread.px.tolist(), spread.py.tolist()):
        assert img.pixelColor(int(round(px)), int(round(py))).saturation() > 100
    # not a stack: nothing to open
    (lx,), (ly,) = lonlat_to_merc([35.40], [51.25])
    assert not scene.stacks.open(float(lx), float(ly))
    scene.stacks.close()
    assert scene.stacks.spreads(vp) == []


def test_zoomed_in_every_stack_spreads(qtbot) -> None:
    scene, _ = setup()
    near = view(600 * AUTO_SPREAD_M_PER_PX / np.cos(np.radians(SPOT[1])) * 0.9)
    far = view(600 * AUTO_SPREAD_M_PER_PX / np.cos(np.radians(SPOT[1])) * 1.2)
    assert scene.stacks.auto_spread(near) and not scene.stacks.auto_spread(far)
    assert len(scene.stacks.spreads(near)) == 1  # the one in view
    assert scene.stacks.badges(near) == []
    # an export at 300 dpi of the same ground extent spreads too (the threshold is per 96-dpi pixel)
    hi = Viewport(near.x0, near.y0, near.x1, near.y1, near.width * 3, near.height * 3, ui_scale=3.0)
    assert scene.stacks.auto_spread(hi)


def test_selection_ring_follows_a_spread_event(qtbot) -> None:
    scene, model = setup()
    vp = view(60_000.0)
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    scene.stacks.open(float(x), float(y))
    row = model.table.index_of("b")
    model.select(["b"])
    scene.sync_selection()
    (spread,) = scene.stacks.spreads(vp)
    k = spread.rows.tolist().index(row)
    px, py = scene.selection._displaced(vp, np.array([row]), np.array([spread.cx]), np.array([spread.cy]))
    assert (px[0], py[0]) == pytest.approx((spread.px[k], spread.py[k]))


def test_vector_and_raster_draw_the_same_spread(qtbot) -> None:
    scene, _ = setup()
    vp = view(60_000.0)
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    scene.stacks.open(float(x), float(y))
    a = render_map(scene, vp)
    b = render_map(scene, vp.as_vector(True))
    (spread,) = scene.stacks.spreads(vp)
    for px, py in zip(spread.px.tolist(), spread.py.tolist()):
        ca, cb = a.pixelColor(int(px), int(py)), b.pixelColor(int(px), int(py))
        assert abs(ca.hue() - cb.hue()) < 12 and ca.saturation() > 100 and cb.saturation() > 100


def test_obstacles_for_names(qtbot) -> None:
    scene, _ = setup()
    vp = view(60_000.0)
    kinds = [k for k, _ in scene.stacks.label_obstacles(vp)]
    assert kinds.count("stack badge") == 2
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    scene.stacks.open(float(x), float(y))
    kinds = [k for k, _ in scene.stacks.label_obstacles(vp)]
    assert kinds.count("spread marker") == 3 and kinds.count("stack badge") == 1
