"""The basemap as drawn: pixels where the data says (border, country tints), names by scale,
themes, levels of detail. Rendered headless through MapScene, the path the canvas and exports share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from atlas.geo.basemap_data import load_basemap
from atlas.render.basemap_base import ground_m_per_px
from atlas.render.basemap_geometry import BasemapGeometry, basemap_geometry
from atlas.render.basemap_labels import min_population
from atlas.render.basemap_layers import make_basemap_layers
from atlas.render.compose import render_map
from atlas.render.scene import MapScene
from atlas.render.themes import DARK, LIGHT
from atlas.render.viewport import Viewport

SUDZHA = (35.2706, 51.1914)


@pytest.fixture(scope="module")
def geo(qapp) -> BasemapGeometry:
    return basemap_geometry()


def scene_only_basemap(theme=LIGHT) -> MapScene:
    s = MapScene(None, theme=theme)
    s.graticule.visible = False
    return s


def rgb(img: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = QColor(img.pixel(int(round(x)), int(round(y))))
    return c.red(), c.green(), c.blue()


def near(c: tuple[int, int, int], hex_colour: str, tol: int = 12) -> bool:
    q = QColor(hex_colour)
    return max(abs(c[0] - q.red()), abs(c[1] - q.green()), abs(c[2] - q.blue())) <= tol


def sudzha_100k(width: int = 1200, height: int = 800) -> Viewport:
    """About 1:100,000 at 96 dpi: 26.5 ground metres per pixel at Sudzha."""
    from atlas.geo.projection import lonlat_to_merc

    (x,), (y,) = lonlat_to_merc([SUDZHA[0]], [SUDZHA[1]])
    merc_per_px = 26.46 / np.cos(np.radians(SUDZHA[1]))
    return Viewport.centered(float(x), float(y), merc_per_px, width, height)


def test_scene_stack_order_and_frame_hidden() -> None:
    s = MapScene(None)
    keys = [lyr.key for lyr in s.layers]
    assert keys[0] == "background"
    assert keys.index("land") < keys.index("water") < keys.index("rivers") < keys.index("border") < keys.index("frame")
    assert keys.index("frame") < keys.index("graticule") < keys.index("events") < keys.index("places") < keys.index("selection")
    assert s.frame.visible is False  # the frame stands in only when there is no basemap


def test_no_basemap_data_falls_back_to_the_frame(tmp_path: Path) -> None:
    assert make_basemap_layers(tmp_path) is None
    s = MapScene(None, basemap=False)
    assert s.frame.visible and s.layer("land") is None


def test_border_is_drawn_where_the_border_is(qapp) -> None:
    bm = load_basemap()
    vp = Viewport.fit_lonlat(34.9, 51.0, 35.5, 51.35, 1000, 700)
    s = scene_only_basemap()
    s.basemap.names.visible = s.basemap.places.visible = False  # labels may sit on the line
    img = render_map(s, vp)
    border = bm.border.geoms[0]
    # Vertices of the border inside the view: the pixel under each is the border's colour.
    coords = np.asarray(border.coords)
    xs, ys = vp.lonlat_to_px(coords[:, 0], coords[:, 1])
    inside = (xs > 20) & (xs < vp.width - 20) & (ys > 20) & (ys < vp.height - 20)
    assert inside.sum() > 30
    # Within a pixel: the drawn line is simplified to half a pixel and cut with bevel joins.
    hits = [any(near(rgb(img, x + dx, y + dy), LIGHT.border, 40) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
            for x, y in zip(xs[inside][::5], ys[inside][::5])]
    assert np.mean(hits) > 0.95, np.mean(hits)
    # ... and 30 px off the border there is land tint, not border.
    x0, y0 = vp.lonlat_to_px([SUDZHA[0]], [SUDZHA[1] + 0.05])
    assert not near(rgb(img, x0[0], y0[0]), LIGHT.border, 40)


def test_land_tinted_by_country(qapp) -> None:
    vp = Viewport.fit_lonlat(32.5, 49.8, 38.5, 52.8, 800, 500)
    s = scene_only_basemap()
    for lyr in s.layers:
        if lyr.key not in ("background", "land"):
            lyr.visible = False
    img = render_map(s, vp)
    # Central Sumy oblast (Ukraine) and east of Kursk (Russia), far from any line.
    ua = vp.lonlat_to_px([33.9], [50.7])
    ru = vp.lonlat_to_px([37.0], [52.2])
    assert near(rgb(img, ua[0][0], ua[1][0]), LIGHT.land["UKR"], 3)
    assert near(rgb(img, ru[0][0], ru[1][0]), LIGHT.land["RUS"], 3)


def test_sudzha_label_present_at_1_to_100k(qapp) -> None:
    vp = sudzha_100k()
    assert 24 < ground_m_per_px(vp) < 29
    s = scene_only_basemap()
    names = s.basemap.places.hits(vp)
    assert "Sudzha" in names
    img = render_map(s, vp)
    # The label's sprite area holds dark text pixels (the name) on its light halo.
    lab = next(lab for lab in s.basemap.layout.places(vp)[0] if lab.text == "Sudzha")
    x0, y0 = lab.pos
    dark = 0
    for x in range(int(x0), int(x0) + 50):
        for y in range(int(y0), int(y0) + 16):
            r, g, b = rgb(img, x, y)
            dark += (r + g + b) < 200
    assert dark > 30
    # Cyrillic on the toggle.
    s.basemap.set_cyrillic(True)
    assert "Суджа" in s.basemap.places.hits(vp)


def test_labels_thin_out_by_scale_and_never_overlap(qapp) -> None:
    s = scene_only_basemap()
    over = Viewport.fit_lonlat(32.5, 49.8, 38.5, 52.8, 1600, 1000)
    placed_over, _ = s.basemap.layout.places(over)
    names_over = {p.text for p in placed_over}
    assert {"Kursk", "Sumy", "Belgorod", "Kharkiv"} <= names_over
    assert "Martynovka" not in names_over  # a village: only when zoomed in
    close = sudzha_100k()
    names_close = {p.text for p in s.basemap.layout.places(close)[0]}
    assert {"Sudzha", "Martynovka"} <= names_close
    # Labels never overlap one another.
    for placed, vp in ((placed_over, over),):
        rects = []
        for p in placed:
            img = _sprite_size(p, vp)
            rects.append((p.pos[0] + 2, p.pos[1] + 2, p.pos[0] + img[0] - 2, p.pos[1] + img[1] - 2))
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                assert not (a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]), (a, b)
    assert min_population(2000) > min_population(300) > min_population(100) > min_population(20) == 0


def _sprite_size(p, vp) -> tuple[float, float]:
    from atlas.render.basemap_labels import _SPRITES

    img = _SPRITES.get(p.text, p.style, LIGHT, vp.ui_scale, 1.0)
    return img.width(), img.height()


def test_dark_theme_recolours_background_land_and_graticule(qapp) -> None:
    vp = Viewport.fit_lonlat(32.5, 49.8, 38.5, 52.8, 600, 400)
    s = MapScene(None, theme="dark")
    img = render_map(s, vp)
    ru = vp.lonlat_to_px([37.0], [52.25])
    assert near(rgb(img, ru[0][0], ru[1][0]), DARK.land["RUS"], 6)
    assert s.background.colour == QColor(DARK.background)
    light = MapScene(None)
    key_before = light.static_key()
    light.set_theme("dark")
    assert light.static_key() != key_before  # the canvas cache notices
    with pytest.raises(ValueError):
        light.set_theme("sepia")


def test_levels_of_detail_follow_the_zoom(geo) -> None:
    over = Viewport.fit_lonlat(22, 44, 45, 57, 1600, 1000)
    close = sudzha_100k()
    coarse = geo.border.pick(over)
    fine = geo.border.pick(close)
    assert coarse is not fine
    n_coarse = sum(p.elementCount() for p in coarse.paths)
    n_fine = sum(p.elementCount() for p in fine.paths)
    assert n_coarse < n_fine
    # Culling: zoomed in, only a few chunks of the border are drawn.
    assert 0 < len(fine.visible(close)) < len(fine) / 4


def test_export_at_higher_dpi_draws_the_same_map(qapp) -> None:
    """ui_scale (export dpi) scales line widths and labels, not what is shown."""
    vp1 = Viewport.fit_lonlat(34.9, 51.0, 35.5, 51.35, 600, 400)
    vp2 = vp1.with_size(1200, 800, ui_scale=2.0)
    s = scene_only_basemap()
    a = set(s.basemap.places.hits(vp1))
    b = set(s.basemap.places.hits(vp2))
    assert a == b


def test_place_labels_keep_clear_of_event_markers(qapp) -> None:
    """Names sit above the events but never on a marker: an event at Sudzha pushes its label aside."""
    from atlas.model import AtlasModel, EventTable

    vp = sudzha_100k()
    bare = scene_only_basemap()
    lab0 = next(p for p in bare.basemap.layout.places(vp)[0] if p.text == "Sudzha")
    # An event just where the label was put.
    x0, y0 = lab0.pos
    lon, lat = vp.px_to_lonlat(x0 + 25, y0 + 8)
    table = EventTable.from_records([{"event_id": "E1", "event_date": "2024-08-10", "event_type": "Battles",
                                      "longitude": float(lon), "latitude": float(lat)}])
    s = MapScene(AtlasModel(table))
    placed = s.basemap.layout.places(vp)[0]
    lab = next((p for p in placed if p.text == "Sudzha"), None)
    (ex,), (ey,) = vp.lonlat_to_px([float(lon)], [float(lat)])
    assert lab is not None  # moved to another side of its dot, not dropped
    w, h = _sprite_size(lab, vp)
    assert not (lab.pos[0] + 2 < ex < lab.pos[0] + w - 2 and lab.pos[1] + 2 < ey < lab.pos[1] + h - 2)
    assert lab.pos != lab0.pos
