"""``main.py bench``: time the hot paths against synthetic events, each beside its floor.

Performance targets live in the issues and are checked here, not in timed tests (the machines
are shared and noisy). Each case is the median of several repeats in one process; beside it is the
floor measured in the same run: what the bare NumPy or QPainter operation underneath costs.
Later features register more cases in :data:`CASES`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TYPES = (
    "Battles", "Explosions/Remote violence", "Strategic developments", "Political developments",
    "Violence against civilians", "Protests", "Riots",
)
_WORDS = (
    "Sudzha Korenevo Glushkovo Tetkino Rylsk Lgov Kurchatov Kursk Sumy Snagost Gornal Oleshnya "
    "Martynovka Pogrebki Makhnovka Plekhovo Berdin Zvannoye Karyzh Yunakivka Суджа Коренево "
    "shelling drone strike armoured column bridge assault counter-attack withdrawal evacuation "
    "artillery infantry brigade village pipeline checkpoint convoy reported claimed ministry"
).split()


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def synthetic_columns(n: int, seed: int = 7) -> dict[str, Any]:
    """Columns of ``n`` plausible events spread over the region and the campaign."""
    from atlas.model.table import Categorical

    rng = np.random.default_rng(seed)
    words = np.array(_WORDS, dtype=object)
    # Titles and notes from a few thousand templates: realistic lengths without 1M Python joins.
    templates = np.array([" ".join(rng.choice(words, 6)) for _ in range(4096)], dtype=object)
    notes_t = np.array([" ".join(rng.choice(words, 24)) for _ in range(4096)], dtype=object)
    places = np.array(_WORDS[:22], dtype=object)
    day0 = np.datetime64("2024-08-06")
    return {
        "event_id": np.array([f"S{i}" for i in range(n)], dtype=object),
        "longitude": rng.uniform(33.0, 38.0, n),
        "latitude": rng.uniform(50.0, 52.5, n),
        "event_date": day0 + rng.integers(0, 266, n).astype("timedelta64[D]"),
        "time_precision": rng.choice(np.array([1, 1, 1, 2, 3], dtype=np.int8), n),
        "event_type": Categorical(rng.integers(0, len(TYPES), n).astype(np.int32), tuple(sorted(TYPES))),
        "side": Categorical(rng.integers(0, 3, n).astype(np.int32), ("Russia", "Third party", "Ukraine")),
        "confidence": Categorical(rng.integers(0, 4, n).astype(np.int32), ("claimed", "confirmed", "disputed", "reported")),
        "title": templates[rng.integers(0, len(templates), n)],
        "notes": notes_t[rng.integers(0, len(notes_t), n)],
        "location": places[rng.integers(0, len(places), n)],
    }


@dataclass
class Result:
    case: str
    n: int
    median_s: float
    floor_s: float | None
    peak_rss_mb: float

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, "n": self.n, "median_s": round(self.median_s, 6),
                "floor_s": None if self.floor_s is None else round(self.floor_s, 6),
                "peak_rss_mb": round(self.peak_rss_mb, 1)}


class BenchContext:
    """State shared by the cases of one size (the table, the model, a headless scene)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.columns = synthetic_columns(n)
        self.repeats = 3 if n >= 500_000 else 5
        self.cache: dict[str, Any] = {}


Case = Callable[[BenchContext], Result]
#: Registered cases, run in order for each size. Other modules append to this list.
CASES: list[Case] = []


def case(fn: Case) -> Case:
    CASES.append(fn)
    return fn


def _table(ctx: BenchContext) -> Any:
    from atlas.model import EventTable

    if "table" not in ctx.cache:
        t = EventTable.from_columns(ctx.n, ctx.columns)
        t.search_column()
        ctx.cache["table"] = t
    return ctx.cache["table"]


def _filter() -> Any:
    from atlas.model import Categories, DateRange, Text

    return DateRange(dt.date(2024, 8, 20), dt.date(2024, 12, 31)) & Categories("event_type", {"Battles", "Strategic developments"}) & Text("sudzha")


@case
def build_table(ctx: BenchContext) -> Result:
    from atlas.model import EventTable

    med = timed(lambda: EventTable.from_columns(ctx.n, ctx.columns), ctx.repeats)
    floor = timed(lambda: [np.array(ctx.columns[k], copy=True) for k in ("longitude", "latitude", "event_date", "title", "notes", "location")], ctx.repeats)
    return Result("build_table", ctx.n, med, floor, peak_rss_mb())


@case
def text_index_build(ctx: BenchContext) -> Result:
    """The Arrow search column, built lazily on the first text search."""
    from atlas.model import EventTable

    t = EventTable.from_columns(ctx.n, ctx.columns)

    def build() -> None:
        t._search = None
        t.search_column()

    med = timed(build, ctx.repeats)
    import pyarrow as pa

    floor = timed(lambda: pa.array(t.text["title"], type=pa.string(), from_pandas=True), ctx.repeats)
    return Result("text_index_build", ctx.n, med, floor, peak_rss_mb())


@case
def filter_date_type_text(ctx: BenchContext) -> Result:
    from atlas.model import All, AtlasModel

    table = _table(ctx)
    model = AtlasModel(table)
    ctx.cache["model"] = model
    flt = _filter()

    def apply() -> None:
        model.set_filter(All())
        t0 = time.perf_counter()
        model.set_filter(flt)
        apply.elapsed = time.perf_counter() - t0  # type: ignore[attr-defined]

    times = []
    for _ in range(ctx.repeats):
        apply()
        times.append(apply.elapsed)  # type: ignore[attr-defined]
    d0, d1 = np.datetime64("2024-08-20"), np.datetime64("2024-12-31")
    codes = table.categorical["event_type"].codes_for(["Battles", "Strategic developments"])
    floor = timed(lambda: np.flatnonzero((table.date >= d0) & (table.date <= d1) & np.isin(table.categorical["event_type"].codes, codes)), ctx.repeats)
    return Result("filter_date_type_text", ctx.n, statistics.median(times), floor, peak_rss_mb())


@case
def list_model_reset(ctx: BenchContext) -> Result:
    from atlas.model import All
    from atlas.ui.event_list import EventTableModel

    model = ctx.cache["model"]
    model.set_filter(All())
    tm = EventTableModel(model)
    med = timed(tm.reset_rows, ctx.repeats)
    floor = timed(lambda: np.arange(len(model.visible_rows)), ctx.repeats)
    return Result("list_model_reset", ctx.n, med, floor, peak_rss_mb())


@case
def map_redraw_1600x1000(ctx: BenchContext) -> Result:
    from PySide6.QtGui import QImage, QPainter

    from atlas.geo.projection import REGION
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport

    model = ctx.cache["model"]
    scene = MapScene(model)
    vp = Viewport.fit_lonlat(*REGION, 1600, 1000)
    img = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)

    def draw() -> None:
        p = QPainter(img)
        scene.paint(p, vp)
        p.end()

    med = timed(draw, ctx.repeats)
    px, py = vp.lonlat_to_px(model.table.lon, model.table.lat)
    floor = sprite_stamp_floor(img, px, py, ctx.repeats)
    return Result("map_redraw_1600x1000", ctx.n, med, floor, peak_rss_mb())


def sprite_stamp_floor(img: Any, px: np.ndarray, py: np.ndarray, repeats: int) -> float:
    """The QPainter floor of a map redraw: every point's sprite stamped with one call, positions
    precomputed, no culling, grouping or projection."""
    from PySide6.QtGui import QPainter
    from pyqtgraph.Qt import internals as pg_internals

    from atlas.render.layers import make_marker

    pm = make_marker("#d62728", False, 10.0)
    frags = pg_internals.PrimitiveArray(QPainter.PixmapFragment, 10)
    frags.resize(len(px))
    arr = frags.ndarray()
    arr[:, 0], arr[:, 1] = px, py
    arr[:, 2:6] = (0, 0, pm.width(), pm.height())
    arr[:, 6:10] = (1, 1, 0, 1)

    def stamp() -> None:
        p = QPainter(img)
        p.drawPixmapFragments(*frags.drawargs(), pm)
        p.end()

    return timed(stamp, repeats)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES), metavar="N,N,...", help="event counts (default 10000,100000,1000000)")
    p.add_argument("--json", dest="json_out", metavar="OUT.json", help="also write the results as JSON")
    p.add_argument("--cases", metavar="NAME,NAME", help="only these cases (default: all)")


def run(args: argparse.Namespace) -> int:
    from atlas.cli.common import CliError, headless_app

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise CliError(f"--sizes {args.sizes!r} is not a comma-separated list of integers") from None
    if not sizes or any(s < 1 or s > 20_000_000 for s in sizes):
        raise CliError("--sizes must be between 1 and 20,000,000")
    if args.json_out and not Path(args.json_out).resolve().parent.exists():
        raise CliError(f"{args.json_out}: no such folder")
    wanted = set(args.cases.split(",")) if args.cases else None
    headless_app()
    _load_extra_cases()
    results: list[Result] = []
    print(f"{'case':<34}{'n':>10}{'median':>11}{'floor':>11}{'peak RSS':>11}")
    for n in sizes:
        ctx = BenchContext(n)
        for fn in CASES:
            if wanted and fn.__name__ not in wanted and fn.__name__ not in ("filter_date_type_text",):
                continue
            r = fn(ctx)
            if wanted and r.case not in wanted:
                continue
            results.append(r)
            floor = "—" if r.floor_s is None else f"{r.floor_s * 1000:8.1f} ms"
            print(f"{r.case:<34}{r.n:>10,}{r.median_s * 1000:8.1f} ms{floor:>11}{r.peak_rss_mb:>8.0f} MB", flush=True)
        del ctx
    if args.json_out:
        from atlas.io.atomic import atomic_write_text

        atomic_write_text(args.json_out, json.dumps({"cases": [r.as_dict() for r in results]}, indent=1))
        print(f"wrote {args.json_out}", file=sys.stderr)
    return 0


#: Modules that add bench cases when imported (other features list theirs here).
EXTRA_CASE_MODULES: list[str] = [
    "atlas.bench.workflow",
    "atlas.bench.io_cases",
    "atlas.bench.basemap",
    "atlas.bench.export",
]


def _load_extra_cases() -> None:
    import importlib

    for name in EXTRA_CASE_MODULES:
        importlib.import_module(name)
