"""Bench cases of the analyst's workflow (``main.py bench``), each beside its floor.

The window's parts are built as in the app (the event list panel with its view shown, the map
scene, the timeline, the filter panel) and connected to one model, so each case times what the
analyst waits for. Each floor does the same work on the same data with the bare operations:

* ``workflow_filter_change`` / ``workflow_filter_clear``: applying date + type + text from no
  filter, and clearing it again, with everything that follows synchronously (mask, list reset,
  map layer, timeline). The text term's answers are remembered per row after the first
  application (filters.term_hits), as after the analyst typed it. Floor: the date/type mask and
  the text scan of the rows left; clearing: every row's index.
* ``workflow_search_keystroke``: one more letter typed into the search ("sudzh" → "sudzha") with
  the date and type terms in place, through the search box's runner (atlas/ui/search_runner.py),
  until its first results are shown (a screenful, with the list, map and timeline following);
  "sudzha" is forgotten before each repeat, so only what "sudzh" taught is known (its misses).
  Floor: the same work bare: the date and type masks ANDed (both kept, as in the product), the
  candidate rows, and one regex scan of the rows of the candidates the runner looked at whose
  answer was not known. ``workflow_search_complete``: from the keystroke until the worker's whole
  answer is in and shown. Floor: the same over every candidate, and the mask built.
  ``workflow_search_backspace``: the other direction ("sudzha" → "sudzh": every answer known).
  Floor: the masks ANDed and the candidate rows.
* ``workflow_sort_title``: the list sorted by title the first time (nothing kept), with its view
  attached, on the title column as a CSV import holds it (codes into the distinct titles).
  Floor: the same sort bare: the distinct titles lower-cased and sorted by Arrow, and NumPy's
  stable sort of every row's rank. ``workflow_sort_title_reverse``: the other
  direction, sorted Z to A (the order kept). Floor: every row picked out of the reversed order.
* ``workflow_facet_counts``: the deferred counts of the open facet after a change (the dock counts
  only the facet the analyst has open), timed for each facet; the slowest is the case. Floor: that
  facet's one bincount under the shown rows' mask, on the same facet index arrays.
* ``workflow_list_reset``: the list model's reset with its view attached. Floor: a bare model of
  as many rows reset under a view of the same size.
* ``workflow_select_100k`` / ``workflow_select_clear``: selecting 100,000 events (rows) with the
  list and the map following, and clearing. Floor: sorting the rows and setting their mask bits.
* ``workflow_map_redraw_points``: the events layer in the points view redrawn at 1600×1000 at a
  zoom level it has not drawn yet (the basemap has its own cases): above the density threshold
  that builds the zoom level's aggregate (atlas/render/point_aggregate.py) and stamps one sprite
  per occupied cell. Floor: the same points binned into the view's cells of that level (one
  bincount) and one sprite stamped per occupied cell with one call, the least any drawing bound
  by pixels does. ``workflow_map_pan_points``: the redraw after a pan at the same zoom (the
  aggregate reused). Floor: the same sprites stamped with one call.
  ``workflow_map_redraw_auto``: the automatic view; when it chose density, the floor is the same
  points projected, binned into the same cells and the cell image drawn, else the stamp floor.
* ``workflow_list_scroll_frame``: the worst of 30 page jumps of the list, painted. Floor: the same
  jumps over the bare model of as many rows (a fixed text per cell) in a view of the same size.
* ``workflow_timeline_drag_frame``: the worst of 30 steps dragging the timeline range, painted.
  Floor: the same plot with the same bars repainted without moving the range.

Every case runs on the table as a CSV import holds it (``atlas.bench.import_form``: Arrow notes and
ids, coded titles and places), so the search scans the notes the reader kept and the sort sorts
codes, as in the window after opening a file.

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
from PySide6.QtCore import Qt

from atlas.bench import BenchContext, Result, case, peak_rss_mb, sprite_stamp_floor, timed

CASE_NAMES = (
    "workflow_filter_change",
    "workflow_filter_clear",
    "workflow_search_keystroke",
    "workflow_search_complete",
    "workflow_search_backspace",
    "workflow_facet_counts",
    "workflow_list_reset",
    "workflow_select_100k",
    "workflow_select_clear",
    "workflow_map_redraw_points",
    "workflow_map_pan_points",
    "workflow_map_redraw_auto",
    "workflow_list_scroll_frame",
    "workflow_timeline_drag_frame",
    "workflow_sort_title",
    "workflow_sort_title_reverse",
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
        return Result(name, ctx.n, r["median_s"], r["floor_s"], r["peak_rss_mb"], extra=r.get("extra") or {})

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


def density_floor(img: Any, vp: Any, x: np.ndarray, y: np.ndarray, repeats: int) -> float:
    """The bare work of the density view: project the points, count them per cell, draw the cell
    image scaled to the view (one opaque colour: the ramp is the product's business)."""
    import math

    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from atlas.render.uncertainty import DENSITY_CELL_PX

    cell = DENSITY_CELL_PX * vp.ui_scale
    nx, ny = max(1, math.ceil(vp.width / cell)), max(1, math.ceil(vp.height / cell))

    def run() -> None:
        px, py = vp.to_px(x, y)
        ix = (px / cell).astype(np.int64)
        iy = (py / cell).astype(np.int64)
        ok = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        counts = np.bincount(iy[ok] * nx + ix[ok], minlength=nx * ny)[: nx * ny]
        argb = np.where(counts > 0, np.uint32(0xFFD62728), np.uint32(0)).astype(np.uint32)
        cells = QImage(argb.tobytes(), nx, ny, nx * 4, QImage.Format.Format_ARGB32_Premultiplied)
        p = QPainter(img)
        p.drawImage(QRectF(0, 0, nx * cell, ny * cell), cells)
        p.end()

    return timed(run, repeats)


def aggregate_floor(img: Any, vp: Any, x: np.ndarray, y: np.ndarray, repeats: int) -> tuple[float, float]:
    """The bare work of the points view bound by pixels, as (at a new zoom, after a pan): bin the
    points into the view's cells of the zoom level with one bincount and stamp one sprite per
    occupied cell (at its centre) with one call; after a pan only the stamping."""
    import math

    from atlas.render.point_aggregate import cell_metres, zoom_level

    cell = cell_metres(zoom_level(vp))
    ix0, iy0 = math.floor(vp.x0 / cell), math.floor(vp.y0 / cell)
    nx, ny = math.floor(vp.x1 / cell) - ix0 + 1, math.floor(vp.y1 / cell) - iy0 + 1
    occupied: list[np.ndarray] = []

    def cells() -> np.ndarray:
        cx = ((x - ix0 * cell) / cell).astype(np.intp)
        cy = ((y - iy0 * cell) / cell).astype(np.intp)
        ok = (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)
        occ = np.flatnonzero(np.bincount(cy[ok] * nx + cx[ok], minlength=nx * ny))
        occupied[:] = [occ]
        return occ

    occ = cells()
    px, py = vp.to_px((occ % nx + ix0 + 0.5) * cell, (occ // nx + iy0 + 0.5) * cell)
    stamp = sprite_stamp_floor(img, px, py, repeats)
    return timed(cells, repeats) + stamp, stamp


def measure(n: int) -> dict[str, dict[str, float]]:
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication.instance() or QApplication([sys.argv[0]])

    from atlas.bench import _filter, filter_floor, import_form, synthetic_columns
    from atlas.geo.projection import REGION
    from atlas.model import All, AtlasModel, EventTable, Text, replace_part
    from atlas.model.facets import FACETS, facet_index
    from atlas.model.filters import forget_search_terms
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport
    from atlas.ui.event_list import EventListPanel
    from atlas.ui.filter_panel import FilterPanel
    from atlas.ui.timeline import DAY_S, TimelinePanel, day_number

    repeats = 3 if n >= 500_000 else 5
    cols = synthetic_columns(n)
    rng = np.random.default_rng(3)
    cols["geo_precision"] = rng.choice(np.array([1, 1, 2, 3], np.int8), n)
    # The table as a CSV import builds it (Arrow notes and ids, coded titles and places), the
    # synthetic columns' Python strings dropped once it holds them.
    table = import_form(EventTable.from_columns(n, cols))
    del cols
    table.search_column()
    model = AtlasModel(table)
    masks = model.part_masks  # as in the window: the model's kept term masks
    panel_list = EventListPanel(model)
    panel_list.runner.part_masks = masks  # shared with the facets and timeline, as in the window
    panel_list.resize(900, 700)
    panel_list.show()
    tm = panel_list.table_model
    scene = MapScene(model)
    model.filter_changed.connect(scene.sync_events)
    model.filter_changed.connect(scene.sync_selection)
    model.selection_changed.connect(scene.sync_selection)
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

    def switch(before: Any, after: Any, new_term: str | None = None) -> float:
        times = []
        for _ in range(repeats):
            model.set_filter(before)
            masks.part_mask(table, before)
            app.processEvents()
            if new_term is not None:
                forget_search_terms(table, new_term)  # as if never typed: only the previous term is known
            t0 = time.perf_counter()
            model.set_filter(after)
            times.append(time.perf_counter() - t0)
        return float(np.median(times))

    # -- filter change and clear: model + list + map layer + timeline
    flt = _filter()
    model.set_filter(flt)  # first application: term caches, as after the first keystroke
    f_floor = timed(filter_floor(table), repeats)
    put("workflow_filter_change", switch(All(), flt), f_floor)
    put("workflow_filter_clear", switch(flt, All()), timed(lambda: np.arange(n, dtype=np.intp), repeats))
    shorter = replace_part(flt, Text, Text("sudzh"))
    first_s, complete_s, back_s, floors = search_keystrokes(app, model, table, masks, panel_list.runner, shorter,
                                                            flt, repeats)
    put("workflow_search_keystroke", first_s, floors[0])
    put("workflow_search_complete", complete_s, floors[1])
    put("workflow_search_backspace", back_s, floors[2])

    # -- facet counts (deferred after the change). The dock counts the one facet the analyst has
    # open (FilterPanel.update_counts), so each facet is timed on its own and the slowest is the
    # case, beside the same facet's floor; every facet's figure goes in the JSON report.
    model.set_filter(flt)

    def bare_count(f: str) -> None:
        # The same facet index arrays counted under the shown rows' mask, one bincount.
        vis = model.visible_mask
        idx = facet_index(table, f)
        codes = idx.codes[vis] if idx.rows is None else idx.codes[vis[idx.rows]]
        np.bincount(codes + 1, minlength=len(idx.categories) + 1)

    per_facet: dict[str, tuple[float, float]] = {}
    for f in FACETS:
        panel.facet_counts(f)  # term masks cached, as after the first change
        per_facet[f] = (timed(lambda f=f: panel.facet_counts(f), repeats), timed(lambda f=f: bare_count(f), repeats))
    slowest = max(per_facet, key=lambda f: per_facet[f][0])
    put("workflow_facet_counts", *per_facet[slowest])
    out["workflow_facet_counts"]["extra"] = {  # type: ignore[assignment]
        "all_facets_ms": 1000 * sum(m for m, _ in per_facet.values()),
        **{f"{f}_ms": 1000 * m for f, (m, _) in per_facet.items()}}

    # -- list reset with its view attached, against a bare model of as many rows under a view
    model.set_filter(All())
    app.processEvents()

    class BareRows(QAbstractTableModel):
        def __init__(self) -> None:
            super().__init__()
            self.order = np.arange(0)

        def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(self.order)

        def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else tm.columnCount()

        def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
            # The same number of cells painted, each a fixed short text: what any list must draw.
            return "2024-08-20" if role == 0 else None

        def reset(self) -> None:
            self.beginResetModel()
            self.order = np.arange(n, dtype=np.intp)
            self.endResetModel()

    bare = BareRows()
    bare_view = QTableView()
    bare_view.setModel(bare)
    bare_view.verticalHeader().setVisible(False)
    bare_view.verticalHeader().setDefaultSectionSize(22)
    bare_view.resize(900, 700)
    bare_view.show()
    app.processEvents()
    put("workflow_list_reset", timed(tm.reset_rows, repeats), timed(bare.reset, repeats))

    # -- select 100k events and clear, with the list and the map following
    k = min(100_000, n)
    pick = np.random.default_rng(5).choice(n, k, replace=False).astype(np.intp)
    sel_times, clear_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.select_rows(pick)
        sel_times.append(time.perf_counter() - t0)
        app.processEvents()
        t0 = time.perf_counter()
        model.clear_selection()
        clear_times.append(time.perf_counter() - t0)
        app.processEvents()
    mask = np.zeros(n, dtype=bool)

    def bare_select() -> None:
        rows = np.sort(pick)
        mask[rows] = True

    def bare_clear() -> None:
        mask[pick] = False

    put("workflow_select_100k", float(np.median(sel_times)), timed(bare_select, repeats))
    put("workflow_select_clear", float(np.median(clear_times)), timed(bare_clear, repeats))

    # -- full map redraw: the points view at a new zoom level and after a pan, and the automatic view
    vp = Viewport.fit_lonlat(*REGION, 1600, 1000)
    img = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)

    def draw(v: Any = vp) -> None:
        # The events layer alone: the basemap has its own cases, and the floors draw only points.
        p = QPainter(img)
        scene.events.draw(p, v)
        p.end()

    scene.events.set_density_mode("points")
    draw()

    def draw_new_zoom() -> None:
        scene.events.aggregates.clear()  # as at a zoom level not drawn yet
        draw()

    med_points = timed(draw_new_zoom, repeats)
    shift = [0]

    def draw_panned() -> None:
        shift[0] += 1
        d = 7 * shift[0] * vp.merc_per_px
        draw(Viewport(vp.x0 + d, vp.y0, vp.x1 + d, vp.y1, vp.width, vp.height))

    draw_panned()
    med_pan = timed(draw_panned, repeats)
    agg_shown = scene.events.showing_aggregate
    scene.events.set_density_mode("auto")
    draw()
    med_auto = timed(draw, repeats)
    auto_density = scene.events.showing_density
    gx = np.concatenate([g.x for g in scene.events.groups]) if scene.events.groups else np.zeros(0)
    gy = np.concatenate([g.y for g in scene.events.groups]) if scene.events.groups else np.zeros(0)
    if agg_shown:
        points_floor, pan_floor = aggregate_floor(img, vp, gx, gy, repeats)
    else:
        px, py = vp.to_px(gx, gy)
        points_floor = pan_floor = sprite_stamp_floor(img, px, py, repeats)
    put("workflow_map_redraw_points", med_points, points_floor)
    put("workflow_map_pan_points", med_pan, pan_floor)
    # The automatic view's floor is the floor of what it chose to draw at this size.
    if auto_density:
        auto_floor = density_floor(img, vp, gx, gy, repeats)
    else:
        auto_floor = points_floor
    put("workflow_map_redraw_auto", med_auto, auto_floor)

    # -- list scroll: one page per frame, painted synchronously
    view = panel_list.view
    app.processEvents()
    sb = view.verticalScrollBar()
    page = max(1, sb.pageStep())

    def scroll(i: int) -> None:
        sb.setValue((i * page * 37) % max(1, sb.maximum()))
        view.viewport().repaint()

    scroll(0)
    worst_scroll = _frames(scroll, 30)
    bare_view.resize(view.viewport().size())
    bsb = bare_view.verticalScrollBar()
    app.processEvents()

    def bare_scroll(i: int) -> None:
        bsb.setValue((i * page * 37) % max(1, bsb.maximum()))
        bare_view.viewport().repaint()

    bare_scroll(0)
    put("workflow_list_scroll_frame", worst_scroll, _frames(bare_scroll, 30))

    # -- timeline range drag: region moves, plot repaints (the filter applies on release)
    first = day_number(np.datetime64("2024-09-01"))
    timeline.preview_range(first * DAY_S, (first + 10) * DAY_S)

    def drag(i: int) -> None:
        timeline.preview_range(first * DAY_S, (first + 10 + i) * DAY_S)
        timeline.plot.viewport().repaint()

    worst_drag = _frames(drag, 30)
    # Floor: the same plot with the same bars repainted, the range not moved.
    put("workflow_timeline_drag_frame", worst_drag, _frames(lambda i: timeline.plot.viewport().repaint(), 30))

    # -- the list sorted by title: the first time, and the other way
    model.set_filter(All())
    app.processEvents()
    put("workflow_sort_title", *sort_title(app, tm, table, repeats))
    times = []
    for _ in range(repeats):
        tm.sort(2, Qt.SortOrder.AscendingOrder)
        t0 = time.perf_counter()
        tm.sort(2, Qt.SortOrder.DescendingOrder)
        times.append(time.perf_counter() - t0)
    keep = model.visible_mask

    def bare_reverse() -> Any:
        o = table.sort_order("title")[::-1]
        return o[keep[o]]

    put("workflow_sort_title_reverse", float(np.median(times)), timed(bare_reverse, repeats))
    tm.sort(-1)
    return out


def search_keystrokes(app: Any, model: Any, table: Any, masks: Any, runner: Any, shorter: Any, longer: Any,
                      repeats: int) -> tuple[float, float, float, tuple[float, float, float]]:
    """The keystroke "sudzh" → "sudzha" through the search runner: (first results, whole answer,
    backspace) and their floors (see the module's docstring)."""
    from atlas.model import Text
    from atlas.model.filters import _re2_literal, alternatives, find_part, forget_search_terms

    first, complete, back, scanned = [], [], [], []

    def settle() -> None:
        while runner.running:
            app.processEvents()
            time.sleep(0.001)

    for _ in range(repeats):
        runner.apply(shorter)
        settle()
        app.processEvents()
        forget_search_terms(table, "sudzha")  # as if never typed: only what "sudzh" taught is known
        t0 = time.perf_counter()
        runner.apply(longer)
        first.append(time.perf_counter() - t0)
        scanned.append(runner._scan.scanned if runner._scan is not None else None)
        settle()
        complete.append(time.perf_counter() - t0)
        app.processEvents()
        t0 = time.perf_counter()
        runner.apply(shorter)
        back.append(time.perf_counter() - t0)
        settle()
    # The floors: the same rows scanned bare.
    others = [p for p in longer.parts() if p is not find_part(longer, Text)]
    part = [masks.part_mask(table, p) for p in others]
    knew = Text("sudzh").mask(table)  # "sudzha" must look only at the rows "sudzh" matched
    pattern = "|".join(_re2_literal(t) for t in alternatives("sudzha"))
    seen = [s for s in scanned if s is not None]
    upto = int(np.median(seen)) if seen else None

    def bare(limit: int | None, build_mask: bool) -> Any:
        base = part[0].copy()
        for m in part[1:]:
            base &= m
        cand = np.flatnonzero(base)
        look = cand[:limit] if limit is not None else cand
        look = look[knew[look]]
        hit = table.search_hits(look, pattern)
        if build_mask:
            out = np.zeros(len(table), dtype=bool)
            out[look[hit]] = True
        return hit

    def bare_candidates() -> Any:
        base = part[0].copy()
        for m in part[1:]:
            base &= m
        return np.flatnonzero(base)

    first_floor = timed(lambda: bare(upto, False), repeats) if upto is not None else timed(lambda: bare(None, True), repeats)
    floors = (first_floor, timed(lambda: bare(None, True), repeats), timed(bare_candidates, repeats))
    return (float(np.median(first)), float(np.median(complete)), float(np.median(back)), floors)


def sort_title(app: Any, tm: Any, table: Any, repeats: int) -> tuple[float, float]:
    """The list's first sort by title (the table's kept orders dropped before each repeat) and
    its floor: the same sort bare on the title column as the import holds it. Coded (the
    synthetic titles repeat, as a feed's do): the distinct words lower-cased and sorted by Arrow,
    each code's rank, and NumPy's stable sort of the rows' ranks; Arrow text: Arrow's sort of
    every value lower-cased."""
    import pyarrow.compute as pc

    from atlas.model import sort_order as orders

    times = []
    for _ in range(repeats):
        tm.sort(-1)
        table._sort_keys.pop("title", None)
        table._sort_orders.pop(("title", False), None)
        table._sort_orders.pop(("title", True), None)
        t0 = time.perf_counter()
        tm.sort(2, Qt.SortOrder.AscendingOrder)
        times.append(time.perf_counter() - t0)
        app.processEvents()
    col = table.text["title"]

    def bare() -> Any:
        if hasattr(col, "codes"):
            low = pc.utf8_lower(orders.arrow_text(col.words.tolist()))
            by_word = pc.sort_indices(low).to_numpy()
            rank = np.empty(len(by_word), dtype=np.int16 if len(by_word) < 32_767 else np.int32)
            rank[by_word] = np.arange(len(by_word))
            return np.argsort(rank[col.codes], kind="stable")
        return pc.sort_indices(pc.utf8_lower(orders.arrow_text(col.arrow())))

    return float(np.median(times)), timed(bare, repeats)


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    res = measure(int(sys.argv[1]))
    print(json.dumps(res))
