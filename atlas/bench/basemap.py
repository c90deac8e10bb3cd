"""Bench cases for the basemap (``main.py bench``): redraw at several zooms, startup to a painted map.

Targets (issue 3): basemap + labels redraw in ≤ 30 ms at any zoom at 1600x1000; startup to the first
painted window with the bundled data in ≤ 1 s (issue 15), beside a fresh process painting an empty
QMainWindow. The redraw case pans the view by a pixel between repeats
so the label layout is recomputed each time, as it is when the user pans (a same-view repaint would
hit the memo). The floor is one full-window fill of the same image, the least any redraw costs.
The cases do not depend on the event count, so they run once and repeat their result for other sizes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from atlas.bench import BenchContext, Result, case, peak_rss_mb, timed

#: name -> (lon1, lat1, lon2, lat2)
ZOOMS = {
    "context": (22.0, 44.0, 45.0, 57.0),
    "region": (32.5, 49.8, 38.5, 52.8),
    "district": (34.6, 50.9, 35.9, 51.5),
    "sudzha_100k": (35.02, 51.11, 35.52, 51.27),
    "street": (35.24, 51.18, 35.30, 51.20),
}
_DONE: dict[str, Result] = {}

#: A fresh process to the first painted window with the bundled data (as ``main.py`` opens it).
STARTUP_SCRIPT = r"""
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, {root!r})
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
QCoreApplication.setOrganizationName("KurskAtlasBench")
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {tmp!r})
from atlas.ui.main_window import MainWindow
win = MainWindow()
win.resize(1600, 1000)
win.show()
win.load_bundled()
win.canvas.show_region()
img = win.grab()  # the whole window painted: map, list, docks
app.processEvents()
print(f"FIRST_PAINT {{time.monotonic():.6f}} {{img.width()}}x{{img.height()}}", flush=True)
"""

#: The floor: a fresh process showing an empty QMainWindow of the same size, painted once.
EMPTY_WINDOW_SCRIPT = r"""
import os, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
win = QMainWindow()
win.resize(1600, 1000)
win.show()
img = win.grab()
app.processEvents()
print(f"FIRST_PAINT {{time.monotonic():.6f}} {{img.width()}}x{{img.height()}}", flush=True)
"""


def _to_first_paint(script: str, env: dict[str, str]) -> float:
    """Seconds from starting ``python -c script`` to its FIRST_PAINT line (CLOCK_MONOTONIC is
    one clock for every process on Linux; the interpreter's exit is not counted)."""
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_PAINT")), None)
    if line is None:
        raise RuntimeError(f"startup bench failed: {out.stderr.strip()[-500:]}")
    return float(line.split()[1]) - t0


def startup_seconds(runs: int = 5) -> tuple[float, float]:
    """(median seconds from a fresh process to the painted window with the bundled data, median
    seconds from a fresh process to a painted empty QMainWindow), runs interleaved.

    Python may keep compiled modules (``__pycache__``) as an installed app has them from its
    installation (pip compiles on install): PYTHONDONTWRITEBYTECODE is dropped for the children
    and one unmeasured run of each writes the caches."""
    import os
    import tempfile

    root = str(Path(__file__).resolve().parents[2])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    window, empty = [], []
    with tempfile.TemporaryDirectory() as tmp:
        script = STARTUP_SCRIPT.format(root=root, tmp=tmp)
        floor_script = EMPTY_WINDOW_SCRIPT.format()
        _to_first_paint(script, env)
        _to_first_paint(floor_script, env)
        for _ in range(runs):
            empty.append(_to_first_paint(floor_script, env))
            window.append(_to_first_paint(script, env))
    return statistics.median(window), statistics.median(empty)


def _redraw_case(name: str) -> Result:
    from PySide6.QtGui import QImage, QPainter

    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport

    scene = MapScene(None)
    vp0 = Viewport.fit_lonlat(*ZOOMS[name], 1600, 1000)
    img = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)
    keys = {"background", "land", "water", "rivers", "oblast_lines", "border", "graticule", "names", "places"}
    for lyr in scene.layers:
        lyr.visible = lyr.key in keys
    step = [0]

    def draw() -> None:
        step[0] += 1
        d = step[0] * vp0.merc_per_px  # pan one pixel: a new view, new label layout
        vp = Viewport(vp0.x0 + d, vp0.y0, vp0.x1 + d, vp0.y1, vp0.width, vp0.height)
        p = QPainter(img)
        scene.paint(p, vp)
        p.end()

    draw()  # warm the sprite cache and the levels of detail (built at load)
    med = timed(draw, 15)

    def fill() -> None:
        p = QPainter(img)
        p.fillRect(0, 0, 1600, 1000, scene.background.colour)
        p.end()

    floor = timed(fill, 15)
    return Result(f"basemap_redraw_{name}", 0, med, floor, peak_rss_mb())


def _once(key: str, ctx: BenchContext, make: object) -> Result:
    r = _DONE.get(key)
    if r is None:
        r = make()  # type: ignore[operator]
        _DONE[key] = r
    return Result(r.case, ctx.n, r.median_s, r.floor_s, r.peak_rss_mb)


@case
def basemap_redraw_context(ctx: BenchContext) -> Result:
    return _once("context", ctx, lambda: _redraw_case("context"))


@case
def basemap_redraw_region(ctx: BenchContext) -> Result:
    return _once("region", ctx, lambda: _redraw_case("region"))


@case
def basemap_redraw_district(ctx: BenchContext) -> Result:
    return _once("district", ctx, lambda: _redraw_case("district"))


@case
def basemap_redraw_sudzha_100k(ctx: BenchContext) -> Result:
    return _once("sudzha_100k", ctx, lambda: _redraw_case("sudzha_100k"))


@case
def basemap_redraw_street(ctx: BenchContext) -> Result:
    return _once("street", ctx, lambda: _redraw_case("street"))


@case
def startup_to_first_map(ctx: BenchContext) -> Result:
    """A fresh process to the first painted window: Python, imports, MainWindow, the bundled
    events and basemap, the window painted once. Floor: a fresh process to a painted empty
    QMainWindow of the same size (Python, Qt and one paint), measured in the same run."""

    def make() -> Result:
        wall, floor = startup_seconds()
        return Result("startup_to_first_map", 0, wall, floor, peak_rss_mb())

    return _once("startup", ctx, make)
