"""Uncertainty on the map, by pixels: halos, vague-date diamonds, claim rings, density view."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from atlas.geo.projection import lonlat_to_merc
from atlas.model import AtlasModel, EventTable
from atlas.model.palette import EVENT_TYPE_COLOURS
from atlas.render.compose import render_map
from atlas.render.layers import BackgroundLayer
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

BG = QColor("#f4f1ea")
RED = QColor(EVENT_TYPE_COLOURS["Battles"])  # Battles


def scene_for(records: list[dict]) -> tuple[MapScene, AtlasModel]:
    model = AtlasModel(EventTable.from_records(records))
    scene = MapScene(model)
    scene.layers = [BackgroundLayer("#f4f1ea"), scene.events]  # just the events on a plain background
    return scene, model


def ev(eid: str, lon: float, lat: float, gp: int = 1, tp: int = 1, conf: str = "confirmed") -> dict:
    return {"event_id": eid, "event_type": "Battles", "longitude": lon, "latitude": lat, "geo_precision": gp,
            "time_precision": tp, "confidence": conf, "event_date": "2025-03-08"}


def view(lon: float, lat: float, width_m: float, px: int = 800) -> Viewport:
    (x,), (y,) = lonlat_to_merc([lon], [lat])
    return Viewport.centered(float(x), float(y), width_m / px, px, px)


def px_of(img: QImage, vp: Viewport, lon: float, lat: float) -> tuple[int, int]:
    (x,), (y,) = vp.lonlat_to_px([lon], [lat])
    return int(round(x)), int(round(y))


def redness(c: QColor) -> int:
    """How far a pixel is pulled from the background toward the Battles red."""
    return (BG.green() - c.green()) + (BG.blue() - c.blue()) - abs(BG.red() - c.red())


def test_halo_radius_in_ground_metres(qtbot) -> None:
    # three events 1° of longitude apart (~70 km at 51°N): exact, near a place (5 km), region only (25 km)
    scene, _ = scene_for([ev("a", 34.0, 51.2, gp=1), ev("b", 35.0, 51.2, gp=2), ev("c", 36.0, 51.2, gp=3)])
    vp = view(35.0, 51.2, 320_000.0)  # 400 Mercator m per pixel
    img = render_map(scene, vp)
    per_px_ground = 400.0 * np.cos(np.radians(51.2))
    for eid, lon, radius_km in (("a", 34.0, 0.0), ("b", 35.0, 5.0), ("c", 36.0, 25.0)):
        cx, cy = px_of(img, vp, lon, 51.2)
        r_px = radius_km * 1000 / per_px_ground
        inside = cx - int(r_px * 0.7), cy
        outside = cx - int(r_px * 1.25) - 8, cy
        if radius_km == 0:
            # no halo: 10 px from the dot is background
            assert img.pixelColor(cx + 12, cy) == BG
            continue
        assert redness(img.pixelColor(*inside)) > 15, (eid, img.pixelColor(*inside).name())
        assert img.pixelColor(*outside) == BG, (eid, img.pixelColor(*outside).name())


def test_halo_follows_the_stated_radius(qtbot) -> None:
    # the curated dataset states each approximate point's radius (coord_uncertainty_km): a village placed
    # from a description at 12 km draws a 12 km halo, not the 5 km default; an exact point draws none.
    recs = [ev("near", 34.5, 51.2, gp=2), ev("stated", 35.5, 51.2, gp=2), ev("exact", 36.3, 51.2, gp=1)]
    recs[0]["coord_uncertainty_km"] = ""
    recs[1]["coord_uncertainty_km"] = "12.0"
    recs[2]["coord_uncertainty_km"] = "12.0"
    model = AtlasModel(EventTable.from_records(recs, extra_fields=("coord_uncertainty_km",)))
    scene = MapScene(model)
    scene.layers = [BackgroundLayer("#f4f1ea"), scene.events]
    vp = view(35.4, 51.2, 320_000.0)
    img = render_map(scene, vp)
    per_px_ground = 400.0 * np.cos(np.radians(51.2))
    for lon, radius_km in ((34.5, 5.0), (35.5, 12.0)):
        cx, cy = px_of(img, vp, lon, 51.2)
        r_px = radius_km * 1000 / per_px_ground
        assert redness(img.pixelColor(cx - int(r_px * 0.8), cy)) > 15, (lon, radius_km)
        assert img.pixelColor(cx - int(r_px * 1.25) - 8, cy) == BG, (lon, radius_km)
    cx, cy = px_of(img, vp, 36.3, 51.2)
    assert img.pixelColor(cx + 12, cy) == BG  # precision 1: the place itself, no halo whatever the radius


def test_halo_grows_with_zoom(qtbot) -> None:
    scene, _ = scene_for([ev("c", 35.0, 51.2, gp=3)])
    far = render_map(scene, view(35.0, 51.2, 2_000_000.0))
    near = render_map(scene, view(35.0, 51.2, 200_000.0))

    def tinted(img: QImage) -> int:
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
        bg = np.array([BG.blue(), BG.green(), BG.red(), 255], np.uint8)
        return int((np.abs(a.reshape(img.height(), img.width(), 4).astype(int) - bg).sum(axis=2) > 6).sum())

    assert tinted(near) > 20 * tinted(far) > 0


def extent(img: QImage, cx: int, cy: int, dx: int, dy: int) -> int:
    """How many steps from the centre along (dx, dy) the marker reaches before the background."""
    n = 0
    while img.pixelColor(cx + (n + 1) * dx, cy + (n + 1) * dy) != BG and n < 60:
        n += 1
    return n


@pytest.mark.parametrize("tp, shape", [(1, "circle"), (2, "diamond"), (3, "diamond")])
def test_vague_dates_are_diamonds(qtbot, tp: int, shape: str) -> None:
    scene, _ = scene_for([ev("a", 35.0, 51.2, tp=tp)])
    scene.events.marker_size = 24
    vp = view(35.0, 51.2, 100_000.0, 200)
    img = render_map(scene, vp)
    cx, cy = px_of(img, vp, 35.0, 51.2)
    axis = extent(img, cx, cy, 1, 0)
    diag = extent(img, cx, cy, 1, 1) * np.sqrt(2)
    ratio = axis / diag
    if shape == "circle":
        assert 0.85 < ratio < 1.15
    else:
        assert ratio > 1.3
    assert scene.events.groups[0].key[2] == shape


def test_claims_are_rings(qtbot) -> None:
    scene, _ = scene_for([ev("a", 34.9, 51.2, conf="confirmed"), ev("b", 35.1, 51.2, conf="claimed")])
    scene.events.marker_size = 20
    vp = view(35.0, 51.2, 100_000.0, 400)
    img = render_map(scene, vp)
    a, b = px_of(img, vp, 34.9, 51.2), px_of(img, vp, 35.1, 51.2)
    assert redness(img.pixelColor(*a)) > 100  # filled centre
    assert redness(img.pixelColor(*b)) < 20  # light centre of a ring
    assert redness(img.pixelColor(b[0] + 7, b[1])) > 100  # the ring itself


def test_density_replaces_points_when_crowded(qtbot) -> None:
    rng = np.random.default_rng(1)
    n = 30_000
    recs = [ev(f"e{i}", x, y) for i, (x, y) in enumerate(zip(rng.normal(35.2, 0.15, n), rng.normal(51.2, 0.1, n)))]
    scene, _ = scene_for(recs)
    vp = view(35.2, 51.2, 200_000.0, 400)
    img = render_map(scene, vp)
    assert scene.events.showing_density
    # the densest cell is the dark end of the ramp, sparse edges the pale end; no event-red dots
    cx, cy = px_of(img, vp, 35.2, 51.2)
    centre = img.pixelColor(cx, cy)
    assert centre.red() < 200 and centre.green() < 60
    # zoomed in, fewer than the threshold are in view: points again
    render_map(scene, view(35.2, 51.2, 4_000.0, 400))
    assert not scene.events.showing_density
    # manual override both ways
    scene.events.set_density_mode("points")
    render_map(scene, vp)
    assert not scene.events.showing_density
    scene.events.set_density_mode("density")
    render_map(scene, view(35.2, 51.2, 4_000.0, 400))
    assert scene.events.showing_density
    with pytest.raises(ValueError):
        scene.events.set_density_mode("heat")


# ---------------------------------------------------------------------------- the visual language
def test_uncertainty_style_is_dashed_and_graded() -> None:
    from PySide6.QtCore import Qt

    from atlas.model.annotations import Annotation
    from atlas.render.annotations_layer import _pen
    from atlas.render.uncertainty import UNCERTAINTY, dash_segments

    # the edge is dashed with real gaps; a ring annotation's edge is a solid line
    dash, gap = UNCERTAINTY.dash_gap_px(2.0)
    assert dash > 0 and gap > 0
    assert UNCERTAINTY.edge_pen("#d55e00", 2.0).widthF() == pytest.approx(UNCERTAINTY.edge_width_px * 2.0)
    segs = dash_segments(100.0, 100.0, 50.0, dash, gap)
    lengths = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
    assert len(segs) == round(2 * np.pi * 50 / (dash + gap)) and lengths.sum() < 0.75 * 2 * np.pi * 50
    assert np.allclose(np.hypot(segs[:, 0] - 100, segs[:, 1] - 100), 50)  # the dashes lie on the circle
    assert len(dash_segments(100.0, 100.0, 50.0, dash, gap, clip=(0, 0, 100, 200))) < len(segs) * 0.6
    ring = Annotation("ring", ((35.0, 51.2),), radius_km=10.0)
    assert _pen(ring, 1.0).style() == Qt.PenStyle.SolidLine
    # the fill is light and fades with the grade: confirmed > reported > claimed > disputed > 0
    alphas = [UNCERTAINTY.fill_alpha_of(g) for g in ("confirmed", "reported", "claimed", "disputed")]
    assert alphas == sorted(alphas, reverse=True) and len(set(alphas)) == 4
    assert 0 < alphas[-1] and alphas[0] <= 64
    assert UNCERTAINTY.fill_alpha_of("") == alphas[-1]  # no grade: the weakest
    assert UNCERTAINTY.fill("#d55e00", "reported").alpha() == alphas[1]


def _disc_scene(conf: str) -> tuple[MapScene, Viewport, tuple[int, int], float]:
    recs = [ev("a", 35.0, 51.2, gp=2, conf=conf)]
    recs[0]["coord_uncertainty_km"] = "10"
    model = AtlasModel(EventTable.from_records(recs, extra_fields=("coord_uncertainty_km",)))
    scene = MapScene(model)
    scene.layers = [BackgroundLayer("#f4f1ea"), scene.events]
    vp = view(35.0, 51.2, 60_000.0, 600)  # 100 Mercator m per pixel
    r_px = 10_000 / np.cos(np.radians(51.2)) / 100.0
    return scene, vp, px_of(QImage(), vp, 35.0, 51.2), r_px


def test_the_edge_is_dashed_on_screen_and_in_vector_exports(qtbot) -> None:
    for vector in (False, True):
        scene, vp, (cx, cy), r_px = _disc_scene("confirmed")
        img = render_map(scene, vp.as_vector(vector))
        # walk the circumference: dashes (edge ink) alternate with gaps (only the light fill)
        ink = []
        for t in np.linspace(0, 2 * np.pi, 720, endpoint=False):
            c = img.pixelColor(int(round(cx + r_px * np.cos(t))), int(round(cy + r_px * np.sin(t))))
            ink.append(redness(c) > 60)
        ink_share = sum(ink) / len(ink)
        runs = sum(1 for a, b in zip(ink, ink[1:] + ink[:1]) if a and not b)
        assert 0.3 < ink_share < 0.85, (vector, ink_share)
        assert runs > 20, (vector, runs)  # many dashes, not one solid ring
        # inside: the light fill; outside: nothing
        assert 5 < redness(img.pixelColor(int(cx - r_px * 0.6), cy)) < 60
        assert img.pixelColor(int(cx - r_px - 6), cy) == BG


def test_the_fill_follows_the_confidence_grade(qtbot) -> None:
    tint = {}
    for conf in ("confirmed", "reported", "claimed", "disputed"):
        scene, vp, (cx, cy), r_px = _disc_scene(conf)
        img = render_map(scene, vp)
        tint[conf] = redness(img.pixelColor(int(cx - r_px * 0.6), cy))
    assert tint["confirmed"] > tint["reported"] > tint["claimed"] > tint["disputed"] > 0, tint


def test_one_disc_per_place_keeps_the_best_grade(qtbot) -> None:
    from atlas.render.uncertainty import uncertainty_discs

    recs = [ev("a", 35.0, 51.2, gp=2, conf="claimed"), ev("b", 35.0, 51.2, gp=2, conf="confirmed")]
    recs[1]["event_type"] = "Protests"
    scene, _ = scene_for(recs)
    vp = view(35.0, 51.2, 60_000.0, 600)
    discs = uncertainty_discs(vp, scene.events.groups, lambda name: name, 1.0)
    assert len(discs) == 1 and discs.grade == ("confirmed",) and discs.colour == ("Protests",)


def test_the_page_legend_explains_approximate_locations(qtbot) -> None:
    from atlas.io import BUNDLED_EVENTS, read_events
    from atlas.render.page import PageSpec, render_page, rows_in_view
    from atlas.render.uncertainty import LEGEND_TEXT, approximate_count

    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    scene = MapScene(model)
    view_ = Viewport.fit_lonlat(34.9, 51.05, 35.6, 51.35, 1200, 800)
    _, info = render_page(PageSpec(width=1200, height=800), scene, model, view_)
    n = approximate_count(table, rows_in_view(model, info.map_viewport))
    assert n > 0 and scene.events.discs_drawn > 0 and scene.events.draws_uncertainty(info.map_viewport)
    assert f"{LEGEND_TEXT}: {n:,}" in info.symbols
    # no approximate location on the map (only exact points shown): no such line
    exact = AtlasModel(EventTable.from_records([ev("a", 35.2, 51.2, gp=1)]))
    _, info = render_page(PageSpec(width=1200, height=800), MapScene(exact), exact, view_)
    assert not any(LEGEND_TEXT in s for s in info.symbols)
    # halos switched off: the legend does not promise them
    scene.events.show_halos = False
    _, info = render_page(PageSpec(width=1200, height=800), scene, model, view_)
    assert not any(LEGEND_TEXT in s for s in info.symbols)


def test_the_legend_dock_explains_approximate_locations(qtbot) -> None:
    from atlas.render.uncertainty import LEGEND_TEXT
    from atlas.ui.legend_panel import explanations

    texts = [t for _, t in explanations()]
    line = next(t for t in texts if LEGEND_TEXT in t)
    assert line.startswith("Dashed circle") and "confirmed" in line


def test_density_counted_in_blocks_equals_one_pass_over_every_point(qapp, monkeypatch) -> None:
    """The density view bins its points block by block (DENSITY_CHUNK) without joining the
    groups: its counts and picture equal one pass over all the points projected at once,
    points beyond the view's edges included (left out, or in the edge cells as before)."""
    from atlas.render import uncertainty as U

    vp = Viewport.fit_lonlat(33.0, 50.0, 38.0, 52.5, 400, 250)
    rng = np.random.default_rng(9)
    cx, cy = (vp.x0 + vp.x1) / 2, (vp.y0 + vp.y1) / 2
    w, h = vp.x1 - vp.x0, vp.y1 - vp.y0
    xs = [rng.normal(cx, w / 2, k) for k in (0, 3_000, 17, 900)]  # some far outside the view
    ys = [rng.normal(cy, h / 2, k) for k in (0, 3_000, 17, 900)]
    cell = U.DENSITY_CELL_PX
    px, py = vp.to_px(np.concatenate(xs), np.concatenate(ys))
    whole, top = U.density_image(px, py, vp.width, vp.height, cell)
    monkeypatch.setattr(U, "DENSITY_CHUNK", 100)
    counts = U.density_counts(vp, xs, ys, cell)
    nx, ny = counts.shape[1], counts.shape[0]
    ix, iy = (px / cell).astype(np.int64), (py / cell).astype(np.int64)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    assert 0 < int(counts.sum()) == int(inside.sum()) < px.size
    img, top2 = U.density_colours(counts)
    assert top2 == top > 1
    assert img == whole
