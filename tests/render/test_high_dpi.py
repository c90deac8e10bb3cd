"""High-DPI: on a 2× device the map is drawn from sprites of twice the pixels, not stretched ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from atlas.geo.projection import lonlat_to_merc
from atlas.model import AtlasModel, EventTable
from atlas.render.layers import BackgroundLayer, make_marker
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

ROOT = Path(__file__).resolve().parents[2]
SPOT = (35.2706, 51.1914)


def ev(eid: str, lon: float, lat: float, conf: str = "confirmed", tp: int = 1) -> dict:
    return {"event_id": eid, "event_type": "Battles", "longitude": lon, "latitude": lat,
            "event_date": "2025-03-08", "confidence": conf, "time_precision": tp}


def pixels(img: QImage) -> np.ndarray:
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return a[:, : img.width() * 4].reshape(img.height(), img.width(), 4).astype(int).copy()


def paint(scene: MapScene, vp: Viewport, dpr: float) -> np.ndarray:
    """The scene on an image of ``dpr`` device pixels per pixel, as the canvas's cache is made."""
    img = QImage(round(vp.width * dpr), round(vp.height * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(dpr)
    img.fill(QColor("white"))
    p = QPainter(img)
    scene.paint(p, vp)
    p.end()
    return pixels(img)


@pytest.mark.parametrize("shape", ["circle", "diamond"])
@pytest.mark.parametrize("claimed", [False, True])
def test_sprites_have_twice_the_pixels_at_dpr_2(qapp, shape: str, claimed: bool) -> None:
    one, two = make_marker("#d55e00", claimed, 10.0, 1.0, shape), make_marker("#d55e00", claimed, 10.0, 2.0, shape)
    assert one.devicePixelRatio() == 1.0 and two.devicePixelRatio() == 2.0
    assert two.width() == pytest.approx(2 * one.width() - 2, abs=1)
    # the same logical size, give or take the 1-device-pixel margins and a rounded-up size
    assert abs(two.width() / 2 - one.width()) <= 1.5


def test_a_2x_device_draws_the_map_as_a_2x_export_does(qapp) -> None:
    recs = [ev("a", *SPOT), ev("b", SPOT[0] + 0.01, SPOT[1], "claimed"), ev("c", SPOT[0] - 0.01, SPOT[1], tp=2),
            ev("d", SPOT[0], SPOT[1] + 0.004), ev("e", SPOT[0], SPOT[1] + 0.004)]  # d, e: a stack (badge)
    model = AtlasModel(EventTable.from_records(recs))
    scene = MapScene(model)
    scene.layers = [BackgroundLayer("#ffffff"), scene.events, scene.stacks, scene.selection]
    model.select(["a"])
    scene.sync_selection()
    (x,), (y,) = lonlat_to_merc([SPOT[0]], [SPOT[1]])
    vp = Viewport.centered(float(x), float(y), 24.0, 160, 120)
    at2 = paint(scene, vp, 2.0)
    # the reference: twice the pixels with everything twice the size (what an export at 192 dpi
    # does, from sprites made at that size)
    ref = paint(scene, Viewport.centered(float(x), float(y), 12.0, 320, 240, ui_scale=2.0), 1.0)
    at1 = paint(scene, vp, 1.0)
    assert at2.shape == ref.shape == (240, 320, 4)
    ink = lambda a: (np.abs(a[..., :3] - 255).sum(axis=2) > 30)  # noqa: E731
    # double size: four times the inked pixels of the 1× picture
    assert 3.3 < ink(at2).sum() / ink(at1).sum() < 4.7
    # crisp: the reference's pixels but for antialiasing along the rings' edges, where a stretched
    # 1× picture (what a 2× screen showed before) blurs every edge of every sprite
    off = (np.abs(at2 - ref)[..., :3].sum(axis=2) > 60).mean()
    stretched = np.kron(at1, np.ones((2, 2, 1), dtype=int))
    blurred = (np.abs(stretched - ref)[..., :3].sum(axis=2) > 60).mean()
    assert off < 0.005 and blurred > 5 * max(off, 1e-4), (off, blurred)
    assert len(scene.stacks.badges(vp)) == 1


def test_the_canvas_on_a_2x_screen(tmp_path: Path) -> None:
    """A real canvas with Qt's scale factor 2 (set before the application starts, so in a child
    process): its cache image has twice the pixels and the marker is crisp."""
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        sys.path.insert(0, {str(ROOT)!r})
        from PySide6.QtWidgets import QApplication
        from PySide6.QtTest import QTest
        app = QApplication([])
        from atlas.map.canvas import MapCanvas
        from atlas.model import AtlasModel, EventTable
        m = AtlasModel(EventTable.from_records([{{"event_id": "a", "event_type": "Battles", "longitude": 35.27,
            "latitude": 51.19, "event_date": "2025-01-01", "confidence": "confirmed"}}]))
        c = MapCanvas(m)
        c.resize(400, 300)
        c.show()
        QTest.qWaitForWindowExposed(c)
        c.set_view_lonlat(35.26, 51.185, 35.28, 51.195)
        QTest.qWait(50)
        img = c.grab_map()
        vp = c.map_viewport()
        (x,), (y,) = vp.lonlat_to_px([35.27], [51.19])
        cache = c.item._caches["base"][1]
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 4]
        a = a.reshape(img.height(), img.width(), 4).astype(int)
        d = img.devicePixelRatio()
        cx, cy = round(x * d), round(y * d)
        # the marker's red across its middle row, in device pixels
        row = a[cy, max(0, cx - 30): cx + 30, :3]
        red = ((row[:, 2] > 180) & (row[:, 1] < 140) & (row[:, 0] < 90)).sum()
        print(json.dumps({{"dpr": d, "cache_dpr": cache.devicePixelRatio(), "cache_w": cache.width(),
                          "w": c.width(), "red": int(red)}}))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["dpr"] == 2.0 and got["cache_dpr"] == 2.0
    assert got["cache_w"] == 2 * got["w"]
    # a 10-px marker (8 px of fill inside its white rim) spans about 16 device pixels of red
    assert 12 <= got["red"] <= 20, got
