"""Zoomed out: the world's land and outlines (Natural Earth 1:50m), and degree labels that never
collide."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from PySide6.QtGui import QColor

from atlas.geo.world_data import WORLD_FILE, load_world, parse_world
from atlas.model import AtlasModel, EventTable
from atlas.render.compose import render_map
from atlas.render.layers import graticule_labels, graticule_step
from atlas.render.scene import MapScene
from atlas.render.themes import DARK, LIGHT
from atlas.render.viewport import Viewport


def test_the_world_file_decodes_into_land_coasts_and_borders() -> None:
    w = load_world()
    assert all(g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid for g in w.land)
    land = shapely.union_all(list(w.land))
    # the continents: points on land and at sea
    for lon, lat in ((2.35, 48.85), (-77.0, 39.0), (116.4, 39.9), (-47.9, -15.8), (133.0, -25.0), (20.0, 0.0)):
        assert land.contains(shapely.Point(lon, lat)), (lon, lat)
    for lon, lat in ((-30.0, 30.0), (-150.0, 0.0), (80.0, -30.0), (0.0, 0.0)):
        assert not land.contains(shapely.Point(lon, lat)), (lon, lat)
    # every part within the world's box (Chukotka and Fiji folded back across the antimeridian)
    x0, y0, x1, y1 = land.bounds
    assert x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90
    # coasts and borders: no segment jumps across the map
    for lines in (w.coast, w.borders):
        for part in lines.geoms:
            xy = np.asarray(part.coords)
            assert np.abs(np.diff(xy[:, 0])).max(initial=0) < 180
    # a border between France and Spain, none across the Atlantic
    assert w.borders.distance(shapely.Point(-1.0, 43.0)) < 1.0
    assert w.coast.distance(shapely.Point(-9.4, 38.8)) < 0.5  # Lisbon's coast
    assert set(w.iso_a3) >= {"RUS", "UKR", "BLR", ""}


def test_a_topology_that_crosses_the_antimeridian_folds_back() -> None:
    # one square from 170°E to 190°E (stored as -170°), quantized like world-atlas
    ring = [[170.0, 60.0], [180.0, 60.0], [-170.0, 60.0], [-170.0, 70.0], [180.0, 70.0], [170.0, 70.0], [170.0, 60.0]]
    topo = {"type": "Topology", "arcs": [ring],
            "objects": {"countries": {"type": "GeometryCollection",
                                      "geometries": [{"type": "Polygon", "arcs": [[0]], "id": "643"}]}}}
    w = parse_world(json.loads(json.dumps(topo)))
    assert sorted(round(p.area) for p in w.land) == [100, 100]
    assert all(-180 <= p.bounds[0] and p.bounds[2] <= 180 for p in w.land)
    assert w.iso_a3 == ("RUS", "RUS")


def _scene() -> MapScene:
    model = AtlasModel(EventTable.from_records([]))
    return MapScene(model)


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_zoomed_out_render_shows_the_world(qtbot, theme) -> None:
    scene = _scene()
    scene.set_theme(theme)
    vp = Viewport.fit_lonlat(-170.0, -60.0, 170.0, 80.0, 1200, 800)
    img = render_map(scene, vp)

    def at(lon: float, lat: float) -> QColor:
        (x,), (y,) = vp.lonlat_to_px([lon], [lat])
        return img.pixelColor(int(x), int(y))

    land, sea = QColor(theme.land_other), QColor(theme.background)
    for lon, lat in ((-100.0, 40.0), (-60.0, -10.0), (20.0, 10.0), (100.0, 60.0), (135.0, -25.0)):
        assert at(lon, lat) == land or at(lon, lat) == QColor(theme.land_colour("RUS")), (lon, lat, at(lon, lat).name())
    for lon, lat in ((-40.0, 30.0), (-140.0, 0.0), (70.0, -30.0)):
        assert at(lon, lat) == sea, (lon, lat)
    # the outlines are drawn: along the coast of Brazil at 5°S some pixel is the coast colour-ish
    (x,), (y,) = vp.lonlat_to_px([-35.0], [-5.5])
    row = [img.pixelColor(int(x) + dx, int(y)) for dx in range(-6, 7)]
    assert any(c != land and c != sea for c in row)
    # Russia keeps its tint on both sides of the regional basemap's eastern edge (45°E)
    assert at(44.0, 56.0) == at(46.0, 56.0) == QColor(theme.land_colour("RUS"))


def test_the_world_is_built_only_for_views_beyond_the_region(qtbot) -> None:
    scene = _scene()
    world = scene.world
    region = Viewport.fit_lonlat(34.0, 50.5, 36.5, 52.0, 800, 600)
    assert not world.reaches_outside(region)
    assert world.reaches_outside(Viewport.fit_lonlat(10.0, 40.0, 60.0, 60.0, 800, 600))


VIEWS = [
    ((-180.0, -80.0, 180.0, 80.0), 1600, 1000, 1.0),
    ((-180.0, -80.0, 180.0, 80.0), 400, 300, 1.0),
    ((-170.0, -60.0, 170.0, 80.0), 3200, 2000, 2.0),
    ((-30.0, 30.0, 60.0, 70.0), 1280, 800, 1.0),
    ((20.0, 43.0, 48.0, 58.0), 900, 700, 1.0),
    ((34.0, 50.5, 36.5, 52.0), 1600, 1000, 1.0),
    ((35.2, 51.15, 35.35, 51.23), 1400, 900, 1.0),
    ((35.25, 51.18, 35.27, 51.19), 600, 400, 1.0),
    ((100.0, -50.0, 179.0, 10.0), 700, 900, 1.0),
]


@pytest.mark.parametrize("box, w, h, u", VIEWS)
def test_degree_labels_never_overlap(qtbot, box, w, h, u) -> None:
    vp = Viewport.fit_lonlat(*box, w, h, ui_scale=u)
    labels = graticule_labels(vp)
    assert labels, box
    lons = [lb for lb in labels if lb.text.endswith(("E", "W")) or lb.rect.top() < 10 * u]
    assert len(lons) >= 2, [lb.text for lb in labels]
    for i, a in enumerate(labels):
        assert 0 <= a.rect.left() and a.rect.right() <= vp.width and 0 <= a.rect.top() and a.rect.bottom() <= vp.height
        for b in labels[i + 1:]:
            assert not a.rect.intersects(b.rect), (a.text, b.text)
    # the step is one of the nice ones and the labels say as many decimals as it has
    step = graticule_step(vp)
    decimals = len(f"{step:g}".split(".")[1]) if "." in f"{step:g}" else 0
    assert all(lb.text.split("°")[0].count(".") == (decimals > 0) for lb in labels)
    assert all(len(lb.text.split("°")[0].split(".")[-1]) == decimals for lb in labels if decimals)


def test_the_step_follows_the_zoom_and_the_room(qtbot) -> None:
    world = Viewport.fit_lonlat(-180.0, -80.0, 180.0, 80.0, 1600, 1000)
    narrow = Viewport.fit_lonlat(-180.0, -80.0, 180.0, 80.0, 500, 320)
    region = Viewport.fit_lonlat(34.0, 50.5, 36.5, 52.0, 1600, 1000)
    assert graticule_step(world) >= 15 and graticule_step(narrow) > graticule_step(world)
    assert graticule_step(region) <= 0.5
    # consecutive meridian labels are at least a label's width apart
    labels = [lb for lb in graticule_labels(world) if lb.rect.top() < 20]
    gaps = [b.rect.left() - a.rect.right() for a, b in zip(labels, labels[1:])]
    assert min(gaps) > 4 and math.isfinite(min(gaps))


def test_the_shipped_file_is_the_one_its_sources_name() -> None:
    import hashlib
    import re

    text = (WORLD_FILE.parent / "SOURCES.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(WORLD_FILE.read_bytes()).hexdigest()
    assert digest in re.findall(r"`([0-9a-f]{64})`", text)
    assert "public domain" in text and (WORLD_FILE.parent / "LICENSE-world-atlas.txt").exists()
