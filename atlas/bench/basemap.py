"""Bench cases for the basemap (``main.py bench``): redraw at several zooms, startup to a painted map.

Targets (issue 3): basemap + labels redraw in ≤ 30 ms at any zoom at 1600x1000; startup to the first
painted window with the bundled data in ≤ 1 s (issue 15; timed in atlas/bench/startup.py). The redraw
case pans the view by a pixel between repeats so the label layout is recomputed each time, as it is when the user pans (a same-view repaint would
hit the memo). The floor is one full-window fill of the same image, the least any redraw costs.
The cases do not depend on the event count, so they run once and repeat their result for other sizes.
"""

from __future__ import annotations

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
    return Result(r.case, ctx.n, r.median_s, r.floor_s, r.peak_rss_mb, extra=dict(r.extra))


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
    events and basemap, the window's first paint pass (atlas/bench/startup.py). Floor: a fresh
    process to a painted empty QMainWindow of the same size (Python, Qt and one paint), measured
    in the same run."""

    def make() -> Result:
        from atlas.bench.startup import startup_seconds

        wall, floor, extra = startup_seconds()
        return Result("startup_to_first_map", 0, wall, floor, peak_rss_mb(), extra=extra)

    return _once("startup", ctx, make)
