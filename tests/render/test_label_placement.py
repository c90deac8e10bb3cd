"""Label placement: names keep clear of event markers, the selection, annotations and decorations,
yield by priority, and the marker raster is conservative and cheap."""

from __future__ import annotations

import time

import numpy as np
import pytest

from atlas.geo.projection import lonlat_to_merc
from atlas.model import AtlasModel, EventTable
from atlas.model.annotations import Annotation
from atlas.render.basemap_labels import label_order
from atlas.render.label_obstacles import MarkerGrid, line_boxes, overlaps
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

SUDZHA = (35.2706, 51.1914)


def sudzha_view(width: int = 1200, height: int = 800, ground_m_per_px: float = 26.46) -> Viewport:
    (x,), (y,) = lonlat_to_merc([SUDZHA[0]], [SUDZHA[1]])
    return Viewport.centered(float(x), float(y), ground_m_per_px / np.cos(np.radians(SUDZHA[1])), width, height)


def sudzha_label(scene: MapScene, vp: Viewport):
    return next((p for p in scene.basemap.layout.places(vp)[0] if p.text == "Sudzha"), None)


def event_at(vp: Viewport, px: float, py: float, eid: str = "E1") -> dict[str, object]:
    lon, lat = vp.px_to_lonlat([px], [py])
    return {"event_id": eid, "event_date": "2024-08-10", "event_type": "Battles",
            "longitude": float(lon[0]), "latitude": float(lat[0])}


# ---------------------------------------------------------------------------- the marker raster
def test_marker_grid_is_conservative_against_every_marker_box() -> None:
    rng = np.random.default_rng(7)
    px, py = rng.uniform(-20, 420, 300), rng.uniform(-20, 320, 300)
    r = 6.75
    grid = MarkerGrid.build(px, py, r, 400, 300, 3.0)
    boxes = [(a - r, b - r, a + r, b + r) for a, b in zip(px.tolist(), py.tolist())]
    free_seen = 0
    for _ in range(3000):
        # Label boxes lie inside the view (the grid covers the view, markers beyond it too).
        w, h = rng.uniform(2, 40), rng.uniform(2, 15)
        x, y = rng.uniform(0, 400 - w), rng.uniform(0, 300 - h)
        q = (x, y, x + w, y + h)
        hit = any(overlaps(q, b) for b in boxes)
        if grid.free(q):
            free_seen += 1
            assert not hit, q  # free in the grid: clear of every marker box
    assert free_seen > 100  # and the grid is not simply full


def test_marker_grid_is_not_much_larger_than_the_markers() -> None:
    grid = MarkerGrid.build(np.array([100.0]), np.array([100.0]), 5.0, 400, 300, 3.0)
    assert not grid.free((96, 96, 104, 104))
    # One cell (3 px) of slack at most on each side.
    assert grid.free((109.0, 90, 130, 110)) and grid.free((70, 90, 91.0, 110))
    assert grid.free((90, 109.0, 110, 130)) and grid.free((90, 70, 110, 91.0))


def test_marker_grid_boxes_cover_every_marker() -> None:
    rng = np.random.default_rng(3)
    px, py = rng.uniform(0, 400, 200), rng.uniform(0, 300, 200)
    grid = MarkerGrid.build(px, py, 4.0, 400, 300, 3.0)
    agg = grid.boxes()
    assert 0 < len(agg) < grid.count() + 1
    for a, b in zip(px.tolist(), py.tolist()):
        inner = (a - 3.9, b - 3.9, a + 3.9, b + 3.9)
        assert any(overlaps(inner, box) for box in agg)


def test_a_million_markers_build_in_well_under_a_second() -> None:
    rng = np.random.default_rng(1)
    px, py = rng.uniform(0, 1600, 1_000_000), rng.uniform(0, 1000, 1_000_000)
    t = time.perf_counter()
    grid = MarkerGrid.build(px, py, 6.75, 1600, 1000, 3.0)
    took = time.perf_counter() - t
    assert grid.count() == grid.occupied.size  # a million dots fill a 1600x1000 view
    assert took < 1.5, f"{took:.2f} s"


def test_line_boxes_follow_the_line_without_gaps() -> None:
    boxes = line_boxes([0.0, 100.0], [0.0, 0.0], 2.0, 6.0)
    assert boxes[0][0] <= 0 and boxes[-1][2] >= 100
    for a, b in zip(boxes, boxes[1:]):
        assert a[2] >= b[0]  # consecutive squares touch or overlap


# ---------------------------------------------------------------------------- priorities
def test_label_order_towns_first_then_places_with_events() -> None:
    pops = np.array([900, 800, 60_000, 0, 700])
    near = np.array([False, True, False, True, False])
    # The town; then villages with an event (known population before unknown), then the others.
    assert label_order(pops, near).tolist() == [2, 1, 3, 0, 4]


# ---------------------------------------------------------------------------- the placer in a scene
def test_a_decoration_over_the_name_moves_it_and_over_the_dot_drops_it(qapp) -> None:
    vp = sudzha_view()
    s = MapScene(None)
    lab0 = sudzha_label(s, vp)
    assert lab0 is not None
    s.label_reserved = (("legend", lab0.box),)
    lab = sudzha_label(s, vp)
    assert lab is not None and not overlaps(lab.box, lab0.box)
    x, y, r = lab0.dot
    s.label_reserved = (("scale_bar", (x - 30, y - 30, x + 30, y + 30)),)
    assert sudzha_label(s, vp) is None
    for p in s.basemap.layout.places(vp)[0]:
        assert not overlaps(p.box, (x - 30, y - 30, x + 30, y + 30))


def test_names_keep_clear_of_the_focus_marker(qapp) -> None:
    vp = sudzha_view()
    lab0 = sudzha_label(MapScene(None), vp)
    x, y, _ = lab0.dot
    model = AtlasModel(EventTable.from_records([event_at(vp, x + 2, y + 1)]))
    model.set_current("E1")
    s = MapScene(model)
    boxes = s.label_obstacles(vp).selection
    focus = [b for k, b in boxes if k == "focus"]
    assert focus
    lab = sudzha_label(s, vp)
    assert lab is not None and not overlaps(lab.box, focus[0])
    for p in s.basemap.layout.places(vp)[0]:
        assert not overlaps(p.box, focus[0])


def test_names_keep_clear_of_an_annotation(qapp) -> None:
    from atlas.render.page import sync_annotations

    vp = sudzha_view()
    lab0 = sudzha_label(MapScene(None), vp)
    cx = (lab0.box[0] + lab0.box[2]) / 2
    cy = (lab0.box[1] + lab0.box[3]) / 2
    lon, lat = vp.px_to_lonlat([cx], [cy])
    model = AtlasModel(EventTable.from_records([event_at(vp, 5, 5)]))
    model.set_annotations((Annotation("text", ((float(lon[0]), float(lat[0])),), text="Bridgehead"),))
    s = MapScene(model)
    sync_annotations(s, model)
    notes = s.label_obstacles(vp).annotations
    assert notes
    lab = sudzha_label(s, vp)
    assert lab is not None and lab.box != lab0.box
    for p in s.basemap.layout.places(vp)[0]:
        assert not any(overlaps(p.box, b) for _, b in notes)


def test_dense_markers_are_avoided_through_the_grid(qapp) -> None:
    """Thousands of markers in view (drawn as points): names still keep clear of every one."""
    vp = sudzha_view()
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(0, vp.width, 6000), rng.uniform(0, vp.height / 2, 6000)
    lon, lat = vp.px_to_lonlat(xs, ys)
    table = EventTable.from_records([{"event_id": f"E{i}", "event_date": "2024-08-10", "event_type": "Battles",
                                      "longitude": float(a), "latitude": float(b)}
                                     for i, (a, b) in enumerate(zip(lon.tolist(), lat.tolist()))])
    s = MapScene(AtlasModel(table))
    s.events.set_density_mode("points")
    found = s.label_obstacles(vp)
    assert not found.markers.exact and found.markers.count == 6000
    placed = s.basemap.layout.places(vp)[0]
    assert placed  # the lower half of the view still has names
    r = 6.75
    for p in placed:
        near = (np.abs(xs - (p.box[0] + p.box[2]) / 2) < 200) & (np.abs(ys - (p.box[1] + p.box[3]) / 2) < 200)
        for a, b in zip(xs[near].tolist(), ys[near].tolist()):
            assert not overlaps(p.box, (a - r, b - r, a + r, b + r)), p.text


def test_markers_at_one_spot_each_take_a_box(qapp) -> None:
    vp = sudzha_view()
    recs = [event_at(vp, 300, 300, f"E{i}") for i in range(3)]
    s = MapScene(AtlasModel(EventTable.from_records(recs)))
    m = s.label_obstacles(vp).markers
    assert m.count == 3 and len(m.boxes) == 3 and len(set(m.rows)) == 3


@pytest.mark.parametrize("scale", [50_000.0, 100_000.0])
def test_render_scale_option_gives_the_ground_resolution(scale: float) -> None:
    from atlas.cli.views import view_for
    from atlas.render.basemap_base import ground_m_per_px

    model = AtlasModel(EventTable.from_records([event_at(sudzha_view(), 10, 10)]))
    vp = view_for(model, 1600, 1000, center="Sudzha", scale=scale)
    assert ground_m_per_px(vp) == pytest.approx(scale * 0.0254 / 96, rel=1e-6)
    lon, lat = vp.center_lonlat
    assert lon == pytest.approx(SUDZHA[0], abs=0.01) and lat == pytest.approx(SUDZHA[1], abs=0.01)


def test_aggregated_markers_are_the_obstacles_at_a_hundred_thousand_events(qapp) -> None:
    """More events in view than cells: the layer draws one marker per occupied cell, and names
    keep clear of exactly those, at a cost bound by the cells."""
    from atlas.render.label_obstacles import marker_radius

    vp = sudzha_view()
    rng = np.random.default_rng(11)
    n = 100_000
    xs, ys = rng.uniform(0, vp.width, n), rng.uniform(0, vp.height * 0.4, n)
    lon, lat = vp.px_to_lonlat(xs, ys)
    table = EventTable.from_columns(n, {"longitude": lon, "latitude": lat, "event_date": ["2024-08-10"] * n,
                                        "event_type": ["Battles"] * n})
    s = MapScene(AtlasModel(table))
    s.events.set_density_mode("points")
    t = time.perf_counter()
    found = s.label_obstacles(vp)
    took = time.perf_counter() - t
    assert found.markers.aggregated and not found.markers.exact
    agg = s.events.aggregate_for(vp, s.events.marker_size)
    assert agg is not None
    m = agg.in_view(vp)
    assert found.markers.count >= int(m.sum()) and found.markers.count < n / 2
    assert took < 2.0, f"{took:.2f} s"
    placed = s.basemap.layout.places(vp)[0]
    assert placed
    r = marker_radius(s.events.marker_size, 1.0)
    ax, ay = vp.to_px(agg.x[m], agg.y[m])
    for p in placed:
        for a, b in zip(ax.tolist(), ay.tolist()):
            assert not overlaps(p.box, (a - r, b - r, a + r, b + r)), p.text


def test_a_dynamic_legend_that_grows_re_places_the_names(qapp) -> None:
    """The areas-of-control legend is redrawn on every paint (its date line follows the
    timeline): when its box changes, the names' cache key changes, and the names move out."""
    from atlas.render.layers import MapLayer

    class Legend(MapLayer):
        key, dynamic = "test_legend", True

        def __init__(self) -> None:
            super().__init__()
            self.box = (0.0, 0.0, 10.0, 10.0)

        def draw(self, p, vp) -> None:
            pass

        def label_reserved(self, vp):
            return [("control_legend", self.box)]

    vp = sudzha_view()
    s = MapScene(None)
    legend = Legend()
    s.insert(legend)
    lab0 = sudzha_label(s, vp)
    before = s.static_key("labels", vp)
    base = s.static_key("base", vp)
    legend.box = lab0.box
    assert s.static_key("labels", vp) != before and s.static_key("base", vp) == base
    lab = sudzha_label(s, vp)
    assert lab is not None and not overlaps(lab.box, lab0.box)
