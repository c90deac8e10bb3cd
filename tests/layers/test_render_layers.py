"""File layers on the map: drawn where their geometry is, in their colours, above the bundled
basemap and under the events, on the screen's render path, in exports (PNG, SVG) and through
``render --layer``; their files named in the attribution."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import shapely
from PySide6.QtGui import QColor, QImage

from atlas.model import AtlasModel
from atlas.model.session import FileLayer, LayerStack, LayerState, LayerStyle

from . import files
from .files import LAKE, ROAD, VILLAGE

ROOT = Path(__file__).resolve().parents[2]
VIEW = (35.0, 51.0, 35.6, 51.45)
RED, BLUE, GOLD = "#ff0000", "#0000ff", "#ffcc00"


def _pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width(), [2, 1, 0]].astype(int)


def _near(px: np.ndarray, colour: str, tol: int = 40) -> np.ndarray:
    c = QColor(colour)
    return np.abs(px - np.array([c.red(), c.green(), c.blue()])).sum(axis=-1) <= tol


def _along(geom: shapely.Geometry, n: int = 40) -> np.ndarray:
    pts = [geom.interpolate(t, normalized=True) for t in np.linspace(0.05, 0.95, n)]
    return np.array([(p.x, p.y) for p in pts])


def _model(tmp_path: Path, **road_style: object) -> tuple[AtlasModel, Path]:
    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    lake = files.geojson(tmp_path / "lake.geojson", [LAKE], ["Lake"])
    m = AtlasModel()  # no events: only the layers and the basemap
    # The basemap's names and the graticule are drawn above the layers; hidden here, so that every
    # pixel along the road is the road's.
    m.set_layers(LayerStack((LayerState("names", False), LayerState("places", False), LayerState("graticule", False))))
    m.set_file_layers((
        FileLayer("lake", str(lake), style=LayerStyle(stroke=BLUE, width=1, fill=BLUE, fill_opacity=1.0)),
        FileLayer("roads", str(roads), "roads", style=LayerStyle(**{"stroke": RED, "width": 6.0, **road_style})),
    ))
    return m, roads


def _render(m: AtlasModel):  # type: ignore[no-untyped-def]
    from atlas.render.compose import render_map
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport

    scene = MapScene(m)
    scene.sync_to(m)
    vp = Viewport.fit_lonlat(*VIEW, 900, 700)
    return scene, vp, _pixels(render_map(scene, vp))


def test_layers_draw_their_colours_where_their_geometry_is(qapp, tmp_path: Path) -> None:
    m, _ = _model(tmp_path)
    scene, vp, px = _render(m)
    xs, ys = vp.lonlat_to_px(*_along(ROAD).T)
    on_road = _near(px[ys.round().astype(int), xs.round().astype(int)], RED)
    assert on_road.mean() > 0.9
    c = LAKE.centroid
    (cx,), (cy,) = vp.lonlat_to_px([c.x], [c.y])
    assert _near(px[int(cy) - 5:int(cy) + 5, int(cx) - 5:int(cx) + 5], BLUE).all()
    # Nowhere else: far from the road and the lake there is no red and no blue.
    assert not _near(px[650:, :100], RED).any() and not _near(px[650:, :100], BLUE).any()
    assert _near(px, RED).mean() < 0.05
    # Order: above the bundled basemap, under the events; the list's order among themselves.
    keys = [lyr.key for lyr in scene.layers]
    assert keys.index("file.lake") < keys.index("file.roads") < keys.index("events")
    assert keys.index("border") < keys.index("file.lake")  # the bundled basemap's top layer under the map
    assert keys.index("file.roads") < keys.index("graticule")


def test_hidden_restyled_and_removed_layers_follow_the_model(qapp, tmp_path: Path) -> None:
    from atlas.model.session import remove_layer, replace_layer

    m, _ = _model(tmp_path)
    scene, vp, _px = _render(m)
    m.set_file_layers(replace_layer(m.file_layers, "roads", visible=False))
    scene.sync_to(m)
    from atlas.render.compose import render_map

    assert not _near(_pixels(render_map(scene, vp)), RED).any()
    m.set_file_layers(replace_layer(m.file_layers, "roads", visible=True,
                                    style=LayerStyle(stroke="#00c000", width=6.0)))
    scene.sync_to(m)
    px = _pixels(render_map(scene, vp))
    assert _near(px, "#00c000").sum() > 500 and not _near(px, RED).any()
    m.set_file_layers(remove_layer(m.file_layers, "roads"))
    scene.sync_to(m)
    assert scene.layer("file.roads") is None and scene.layer("file.lake") is not None
    # The generic layer stack does not take them over (their state is the model's file_layers).
    assert not any(k.startswith("file.") for k in scene.layer_stack().keys)


def test_points_with_symbols_and_names(qapp, tmp_path: Path) -> None:
    pts = files.geojson(tmp_path / "villages.geojson", [VILLAGE], ["Testovo"])
    m = AtlasModel()
    m.set_file_layers((FileLayer("v", str(pts), style=LayerStyle(stroke="#000000", fill=GOLD, fill_opacity=1.0,
                                                                    symbol="square", size=16, label="name")),))
    _scene, vp, px = _render(m)
    (x,), (y,) = vp.lonlat_to_px([VILLAGE.x], [VILLAGE.y])
    assert _near(px[int(y) - 4:int(y) + 4, int(x) - 4:int(x) + 4], GOLD).all()
    # The name is dark text to the right of the symbol.
    right = px[int(y) - 8:int(y) + 8, int(x) + 12:int(x) + 70]
    assert (right.sum(axis=-1) < 350).sum() > 10


def test_export_svg_and_attribution(qapp, tmp_path: Path) -> None:
    from atlas.render.page import PageSpec, write_page
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport

    m, _ = _model(tmp_path)
    scene = MapScene(m)
    vp = Viewport.fit_lonlat(*VIEW, 1000, 700)
    info = write_page(tmp_path / "p.png", "png", PageSpec(1000, 700), scene, m, vp)
    assert any("Layers: lake.geojson, roads.gpkg (user files)" in line for line in info.footer_lines), \
        info.footer_lines
    write_page(tmp_path / "p.svg", "svg", PageSpec(1000, 700), scene, m, vp)
    root = ET.parse(tmp_path / "p.svg").getroot()
    strokes = [el for el in root.iter() if (el.get("stroke") or "").lower() == RED]
    assert strokes, "the road is a red stroke in the SVG"
    # Written in page coordinates with a real width (not a cosmetic hairline).
    assert any(float(el.get("stroke-width") or 0) >= 5 for el in strokes)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", "render", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, env=env)


def test_render_layer_option(tmp_path: Path) -> None:
    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    out = tmp_path / "r.png"
    view = ("--view", ",".join(map(str, VIEW)), "--size", "1000x800", "--no-legend")
    res = run_cli("-o", str(out), "--layer", f"{roads}:stroke={RED},width=7", *view)
    assert res.returncode == 0, res.stderr
    def red(img: np.ndarray) -> int:  # the bundled events' translucent discs tint the line
        return int(((img[..., 0] > 190) & (img[..., 1] < 70) & (img[..., 2] < 70)).sum())

    px = _pixels(QImage(str(out)))
    assert red(px) > 1500
    plain = tmp_path / "plain.png"
    assert run_cli("-o", str(plain), *view).returncode == 0
    assert red(_pixels(QImage(str(plain)))) < red(px) - 1500  # (the inset frame is red too)


def test_render_layer_option_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    out = tmp_path / "r.png"
    for arg, status in ((str(bad), 65), (str(tmp_path / "missing.fgb"), 66), ("/dev/zero:layer=x", 66),
                        (f"{bad}:colour=#ff0000", 64), (f"{bad}:width=wide", 64)):
        res = run_cli("-o", str(out), "--layer", arg)
        assert res.returncode == status, (arg, res.returncode, res.stderr)
        assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr, res.stderr
    assert not out.exists()


def test_render_osm_pbf_layers(tmp_path: Path) -> None:
    pbf = files.osm_pbf(tmp_path / "region.osm.pbf")
    out = tmp_path / "osm.png"
    res = run_cli("-o", str(out), "--layer", str(pbf), "--view", ",".join(map(str, VIEW)), "--size", "1000x800")
    assert res.returncode == 0, res.stderr
    from atlas.model.layer_styles import OSM_STYLES

    px = _pixels(QImage(str(out)))
    assert _near(px, OSM_STYLES["roads"].stroke, 60).sum() > 300
    assert _near(px, OSM_STYLES["railways"].stroke, 40).sum() > 100


@pytest.mark.parametrize("text,expected", [
    ("roads.gpkg", ("roads.gpkg", {})),
    ("a:b.gpkg", ("a:b.gpkg", {})),
    ("roads.gpkg:layer=roads,stroke=#ff0000", ("roads.gpkg", {"layer": "roads", "stroke": "#ff0000"})),
])
def test_layer_option_syntax(text: str, expected: tuple[str, dict[str, str]]) -> None:
    from atlas.cli.layer_option import split_layer_arg

    assert split_layer_arg(text) == expected
