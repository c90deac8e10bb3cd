"""River names follow the river: glyph by glyph along the line, on screen and in exports."""

from __future__ import annotations

import math

import numpy as np
import pytest

from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model import AtlasModel
from atlas.render.basemap_labels import (
    MAX_GLYPH_TURN_DEG,
    RiverStretch,
    RiverText,
    curved_spots,
)
from atlas.render.compose import render_map
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport


def arc(radius: float, a0: float, a1: float, n: int = 200) -> RiverStretch:
    """A line along a circle (pixels), counter-clockwise on screen from a0 to a1."""
    t = np.linspace(a0, a1, n)
    x, y = 400 + radius * np.cos(t), 400 - radius * np.sin(t)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    return RiverStretch(x, y, s)


def test_glyphs_follow_a_bend(qtbot) -> None:
    text = RiverText("Psel river", 1.0)
    line = arc(220.0, math.radians(120), math.radians(60))  # the top of a circle, left to right
    placed = text.along(line, line.length / 2, +1)
    ang = np.degrees(placed.angle)
    # the heading turns with the circle: up on the left, down on the right, level at the top
    assert ang[0] < -5 and ang[-1] > 5 and abs(ang[len(ang) // 2]) < 6
    assert np.all(np.diff(ang) > 0)
    # every glyph's box sits beside the line (just outside the circle), none on it
    for bx0, by0, bx1, by1 in placed.boxes():
        cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
        d = math.hypot(cx - 400, cy - 400)
        assert 220 + 0.3 * text.height < d < 220 + 0.7 * text.height
    # the glyphs span the name's width along the line
    centres = np.column_stack([placed.x, placed.y])
    assert np.hypot(*np.diff(centres, axis=0).T).sum() == pytest.approx(text.width - (text.advances[0] + text.advances[-1]) / 2, rel=0.05)


def test_a_name_reads_left_to_right_whichever_way_the_line_runs(qtbot) -> None:
    text = RiverText("Seym", 1.0)
    forward = arc(300.0, math.radians(110), math.radians(70))
    backward = arc(300.0, math.radians(70), math.radians(110))  # the same bend, drawn right to left
    for line in (forward, backward):
        vp = Viewport(0.0, 0.0, 800.0, 800.0, 800, 800)
        spots = curved_spots_px(line, text)
        assert spots, "a gentle bend takes a name"
        mid, direction = spots[0]
        placed = text.along(line, mid, direction)
        assert np.all(np.cos(placed.angle) > 0)  # never upside down
        assert placed.x[0] < placed.x[-1]
        assert vp.width == 800


def curved_spots_px(line: RiverStretch, text: RiverText) -> list[tuple[float, int]]:
    # curved_spots takes Mercator metres through a viewport: an identity-like view of 800 px
    vp = Viewport(0.0, -800.0, 800.0, 0.0, 800, 800)
    xy = np.column_stack([line.x, -line.y])
    got = curved_spots(vp, xy, text.width, text.height, 10_000.0)
    return [c for _, window in got for c in window]


def test_a_sharp_bend_takes_no_name(qtbot) -> None:
    text = RiverText("Sudzha", 1.0)
    # a zig-zag with 90° corners every 20 px: no stretch as long as the name bends gently enough
    x = np.arange(0, 400, 20.0)
    y = np.where(np.arange(len(x)) % 2 == 0, 300.0, 320.0)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    assert curved_spots_px(RiverStretch(x + 100, y, s), text) == []
    assert MAX_GLYPH_TURN_DEG < 45


@pytest.fixture(scope="module")
def bundled(qapp) -> tuple[AtlasModel, MapScene]:
    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    return model, MapScene(model)


@pytest.mark.parametrize("vector", [False, True])
def test_the_seym_is_named_along_its_bends(bundled, vector: bool) -> None:
    model, scene = bundled
    vp = Viewport.fit_lonlat(34.6, 51.45, 36.4, 51.85, 1400, 900).as_vector(vector)
    render_map(scene, vp)
    rivers = [lab for lab in scene.basemap.layout.names_placed if lab.kind == "river" and lab.text == "Seym"]
    assert len(rivers) >= 2
    geo = scene.basemap.geo
    seym = next(r for r in geo.river_lines if r.name_en == "Seym")
    pts = np.vstack([np.column_stack(vp.to_px(xy[:, 0], xy[:, 1])) for xy in seym.xy])
    turned = 0.0
    for lab in rivers:
        centres = np.array([((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in lab.boxes])
        # each glyph beside the river: within about a line height of it
        d = np.min(np.hypot(pts[:, None, 0] - centres[None, :, 0], pts[:, None, 1] - centres[None, :, 1]), axis=0)
        assert d.max() < 16, d
        step = np.diff(centres, axis=0)
        heading = np.unwrap(np.arctan2(step[:, 1], step[:, 0]))
        turned = max(turned, math.degrees(float(heading.max() - heading.min())))
    assert turned > 10  # at least one name bends with the river rather than lying straight
