"""Bench cases of the analyst's workflow (``main.py bench``), each beside its floor.

* ``workflow_filter_change``: one filter change (date + type + text) with everything that follows
  it synchronously: the model's mask, the list's index reset, the map's events layer re-projected
  and regrouped, the timeline's histogram recounted. Floor: the NumPy mask of the date and type terms.
* ``workflow_facet_counts``: the deferred facet counts of all eight facets. Floor: one bincount.
* ``workflow_map_redraw_points`` / ``workflow_map_redraw_auto``: a full 1600×1000 redraw of the scene
  with every point stamped (halos and diamonds included), and with the automatic density view.
  Floor: the same number of sprites stamped with one call.
* ``workflow_list_scroll_frame``: one page scroll of the list, painted. Floor: painting the empty view.
* ``workflow_timeline_drag_frame``: one step of dragging the timeline range, painted.
  Floor: painting the plot with nothing moved.

The widget cases need a QApplication, while ``bench`` runs under a QGuiApplication, so they are
measured in one child process per size (``python -m atlas.bench.workflow N``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

from atlas.bench import BenchContext, Result, case, peak_rss_mb, sprite_stamp_floor, timed

CASE_NAMES = (
    "workflow_filter_change",
    "workflow_facet_counts",
    "workflow_map_redraw_points",
    "workflow_map_redraw_auto",
    "workflow_list_scroll_frame",
    "workflow_timeline_drag_frame",
)


def _child_results(ctx: BenchContext) -> dict[str, Any]:
    got = ctx.cache.get("workflow")
    if got is None:
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        out = subprocess.run([sys.executable, "-m", "atlas.bench.workflow", str(ctx.n)], capture_output=True,
                             text=True, env=env, timeout=1800)
        if out.returncode != 0:
            raise RuntimeError(f"workflow bench child failed: {out.stderr.strip()[-2000:]}")
        got = json.loads(out.stdout.strip().splitlines()[-1])
        ctx.cache["workflow"] = got
    return got


def _make_case(name: str) -> None:
    def fn(ctx: BenchContext) -> Result:
        r = _child_results(ctx)[name]
        return Result(name, ctx.n, r["median_s"], r["floor_s"], r["peak_rss_mb"])

    fn.__name__ = name
    case(fn)


for _name in CASE_NAMES:
    _make_case(_name)


# ---------------------------------------------------------------------------- the child
def _frames(step: Any, frames: int) -> float:
    """The longest of ``frames`` calls (a frame budget is about the worst frame, not the median)."""
    worst = 0.0
    for i in range(frames):
        t0 = time.perf_counter()
        step(i)
        worst = max(worst, time.perf_counter() - t0)
    return worst


def measure(n: int) -> dict[str, dict[str, float]]:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    import pyqtgraph as pg

    from atlas.bench import _filter, synthetic_columns
    from atlas.geo.projection import REGION
    from atlas.model import All, AtlasModel, EventTable
    from atlas.model.facets import FACETS, facet_index
    from atlas.model.part_masks import PartMasks
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport
    from atlas.ui.event_list import EventTableModel
    from atlas.ui.filter_panel import FilterPanel
    from atlas.ui.timeline import DAY_S, TimelinePanel, day_number

    repeats = 3 if n >= 500_000 else 5
    cols = synthetic_columns(n)
    rng = np.random.default_rng(3)
    cols["geo_precision"] = rng.choice(np.array([1, 1, 2, 3], np.int8), n)
    table = EventTable.from_columns(n, cols)
    table.search_column()
    model = AtlasModel(table)
    masks = PartMasks()
    tm = EventTableModel(model)
    scene = MapScene(model)
    model.filter_changed.connect(scene.sync_events)
    model.filter_changed.connect(scene.sync_selection)
    timeline = TimelinePanel(model, masks)
    timeline.resize(1200, 200)
    timeline.show()
    panel = FilterPanel(model, masks)
    for f in FACETS:
        facet_index(table, f)  # built once per table, like the first open of the dock
    app.processEvents()
    out: dict[str, dict[str, float]] = {}

    def put(name: str, med: float, floor: float | None) -> None:
        out[name] = {"median_s": med, "floor_s": floor, "peak_rss_mb": peak_rss_mb()}  # type: ignore[dict-item]

    # -- filter change: model + list + map layer + timeline
    flt = _filter()
    times = []
    for _ in range(repeats):
        model.set_filter(All())
        masks.part_mask(table, All())
        t0 = time.perf_counter()
        model.set_filter(flt)
        times.append(time.perf_counter() - t0)
    d0, d1 = np.datetime64("2024-08-20"), np.datetime64("2024-12-31")
    codes = table.categorical["event_type"].codes_for(["Battles", "Strategic developments"])
    floor = timed(lambda: np.flatnonzero((table.date >= d0) & (table.date <= d1) & np.isin(table.categorical["event_type"].codes, codes)), repeats)
    put("workflow_filter_change", float(np.median(times)), floor)

    # -- facet counts of all facets (deferred after the change)
    def counts() -> None:
        for f in FACETS:
            panel.facet_counts(f)

    counts()  # term masks cached, as after the first change
    put("workflow_facet_counts", timed(counts, repeats), timed(lambda: np.bincount(table.categorical["event_type"].codes + 1), repeats))

    # -- full map redraw, all points and automatic
    model.set_filter(All())
    vp = Viewport.fit_lonlat(*REGION, 1600, 1000)
    img = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)

    def draw() -> None:
        p = QPainter(img)
        scene.paint(p, vp)
        p.end()

    scene.events.set_density_mode("points")
    draw()
    med_points = timed(draw, repeats)
    scene.events.set_density_mode("auto")
    draw()
    med_auto = timed(draw, repeats)
    px, py = vp.lonlat_to_px(table.lon, table.lat)
    stamp_floor = sprite_stamp_floor(img, px, py, repeats)
    put("workflow_map_redraw_points", med_points, stamp_floor)
    put("workflow_map_redraw_auto", med_auto, stamp_floor)

    # -- list scroll: one page per frame, painted synchronously
    view = QTableView()
    view.setModel(tm)
    view.verticalHeader().setDefaultSectionSize(22)
    view.resize(900, 700)
    view.show()
    app.processEvents()
    sb = view.verticalScrollBar()
    page = max(1, sb.pageStep())

    def scroll(i: int) -> None:
        sb.setValue((i * page * 37) % max(1, sb.maximum()))
        view.viewport().repaint()

    scroll(0)
    worst_scroll = _frames(scroll, 30)
    empty = QTableView()
    empty.resize(900, 700)
    empty.show()
    app.processEvents()
    put("workflow_list_scroll_frame", worst_scroll, _frames(lambda i: empty.viewport().repaint(), 30))

    # -- timeline range drag: region moves, plot repaints (the filter applies on release)
    first = day_number(np.datetime64("2024-09-01"))
    timeline.preview_range(first * DAY_S, (first + 10) * DAY_S)

    def drag(i: int) -> None:
        timeline.preview_range(first * DAY_S, (first + 10 + i) * DAY_S)
        timeline.plot.viewport().repaint()

    worst_drag = _frames(drag, 30)
    blank = pg.PlotWidget()
    blank.resize(1200, 170)
    blank.show()
    app.processEvents()
    put("workflow_timeline_drag_frame", worst_drag, _frames(lambda i: blank.viewport().repaint(), 30))
    return out


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    res = measure(int(sys.argv[1]))
    print(json.dumps(res))
