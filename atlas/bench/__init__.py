"""``main.py bench``: time the hot paths against synthetic events, each beside its floor.

Performance targets live in the issues and are checked here, not in timed tests (the machines
are shared and noisy). Each case is the median of several repeats in one process; beside it is the
floor measured in the same run, on the same data and view: the bare NumPy, Arrow or QPainter
operation that does the same work (the points redraw against binning the same points into the
same cells and stamping one sprite per occupied cell, the density redraw against binning and
drawing the same cells, the list reset against a bare model of
as many rows with a view attached, the filter against the date, type and text masks). Both
directions are timed (applying and clearing a filter, selecting and clearing). Each line shows the
ratio to its floor and the issue's goal; ``--json`` writes the same as a report.
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
from dataclasses import dataclass, field
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


def import_form(table: Any) -> Any:
    """``table`` with its text held as a CSV import holds it (atlas/io/columns.py's
    ``compact_text``): ids and mostly-distinct text (notes) as Arrow strings, repeating text
    (titles from templates, places) as small codes into its distinct values. The window's cases
    time this form, which is what an analyst's import gives them."""
    import pyarrow as pa

    from atlas.io.columns import compact_text
    from atlas.model import EventTable
    from atlas.model.text_column import ArrowText

    def arrow(col: Any) -> Any:
        # In blocks, as the reader hands them over (and no 10M-row Python list at once).
        step = 1_000_000
        return pa.chunked_array([pa.array(col[i:i + step], type=pa.string(), from_pandas=True)
                                 for i in range(0, len(col), step)] or [pa.array([], pa.string())])

    text = {k: compact_text(arrow(v)) if isinstance(v, np.ndarray) else v for k, v in table.text.items()}
    ids = ArrowText(arrow(table.ids)) if isinstance(table.ids, np.ndarray) else table.ids
    return EventTable(ids=ids, lon=table.lon, lat=table.lat, date=table.date, date_precision=table.date_precision,
                      geo_precision=table.geo_precision, coord_approximate=table.coord_approximate,
                      fatalities=table.fatalities, claim_area_km2=table.claim_area_km2,
                      categorical=table.categorical, text=text, sources=table.sources, extras=table.extras)


#: Cases that are one interaction of the analyst (a keystroke, a click, a drag step, a redraw):
#: at 1M events each must take 50 ms or less (issue 15).
INTERACTIONS: frozenset[str] = frozenset({
    "filter_date_type_text", "filter_clear", "workflow_filter_change", "workflow_filter_clear",
    "workflow_search_keystroke", "workflow_facet_counts", "workflow_list_reset", "workflow_select_100k",
    "workflow_select_clear", "workflow_map_redraw_points", "workflow_map_pan_points", "workflow_map_redraw_auto",
    "workflow_list_scroll_frame", "workflow_timeline_drag_frame", "workflow_search_backspace",
    "workflow_sort_title_reverse",
})
#: Goals at 10M events from issue 15's table (seconds); interactions not named there keep 50 ms.
GOALS_10M: dict[str, float] = {
    "import_acled_csv": 15.0,
    "filter_date_type_text": 0.150, "filter_clear": 0.150,
    "workflow_filter_change": 0.150, "workflow_filter_clear": 0.150, "workflow_search_keystroke": 0.150,
    "workflow_map_redraw_points": 0.300, "workflow_map_pan_points": 0.300, "workflow_map_redraw_auto": 0.300,
    "workflow_select_100k": 0.050, "workflow_select_clear": 0.050,
    "text_index_build": 3.0, "id_index_build": 3.0, "workflow_search_backspace": 0.150, "workflow_sort_title": 2.0,
    "workflow_sort_title_reverse": 0.150,
}
INTERACTION_GOAL_S = 0.050
#: Issue 16's goals for the shared store (``bench --db``), in seconds; the push scales per million.
DB_GOALS: dict[str, float] = {"db_filter_change": 0.300, "db_filter_clear": 0.300, "db_window_open": 2.0}
DB_PUSH_GOAL_S_PER_M = 60.0
#: Goals relative to the floor (issue 15: convert within 2× DuckDB's COPY of the same query).
GOAL_RATIOS: dict[str, float] = {"convert_acled_csv": 2.0, "inspect_acled_csv": 2.0, "inspect_acled_csv_filter": 2.0,
                                  "render_acled_csv": 2.0}
#: Peak memory goals (MB) on the case's own process, read from its ``peak_mb`` figure.
PEAK_GOALS_MB: dict[str, float] = {"convert_acled_csv": 1024.0, "inspect_acled_csv": 1024.0,
                                   "inspect_acled_csv_filter": 1024.0,
                                   "render_acled_csv": 1024.0, "import_acled_csv": 4096.0,
                                   "db_window_open": 500.0}
#: Resident-memory goals (MB) at 10M events, read from the case's ``rss_mb`` figure (issue 15).
RSS_GOALS_MB_10M: dict[str, float] = {"window_rss": 3072.0}


#: Goals that hold at any size (issue 15: startup to a painted window with the bundled data).
FIXED_GOALS: dict[str, float] = {"startup_to_first_map": 1.0}


def goal_for(case_name: str, n: int) -> float | None:
    """The issue's target for ``case_name`` at ``n`` events, or None when the issue sets none.

    From 10M events on, the 10M table applies (a wider budget for filters and redraws); below
    it every interaction has 50 ms. The store's cases (``db_*``) have issue 16's goals at any size."""
    if case_name in DB_GOALS:
        return DB_GOALS[case_name]
    if case_name in FIXED_GOALS:
        return FIXED_GOALS[case_name]
    if case_name == "db_push":
        return DB_PUSH_GOAL_S_PER_M * n / 1_000_000
    if n >= 10_000_000 and case_name in GOALS_10M:
        return GOALS_10M[case_name]
    if case_name in INTERACTIONS:
        return INTERACTION_GOAL_S
    return None


@dataclass
class Result:
    case: str
    n: int
    median_s: float
    floor_s: float | None
    peak_rss_mb: float
    #: Other figures of the case (for the load: bytes per event), written to the JSON report.
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times the floor the case took (None without a floor or with a zero floor)."""
        if self.floor_s is None or self.floor_s <= 0:
            return None
        return self.median_s / self.floor_s

    @property
    def goal_s(self) -> float | None:
        ratio = GOAL_RATIOS.get(self.case)
        if ratio is not None:
            return None if self.floor_s is None else ratio * self.floor_s
        return goal_for(self.case, self.n)

    @property
    def meets_goal(self) -> bool | None:
        rss_goal = RSS_GOALS_MB_10M.get(self.case)
        if rss_goal is not None and self.n >= 10_000_000:
            return self.extra.get("rss_mb", 0.0) <= rss_goal
        goal = self.goal_s
        if goal is None:
            return None
        peak_goal = PEAK_GOALS_MB.get(self.case)
        if peak_goal is not None and self.extra.get("peak_mb", 0.0) > peak_goal:
            return False
        return self.median_s <= goal

    def as_dict(self) -> dict[str, Any]:
        ratio = self.ratio
        return {"case": self.case, "n": self.n, "median_s": round(self.median_s, 6),
                "floor_s": None if self.floor_s is None else round(self.floor_s, 6),
                "ratio_to_floor": None if ratio is None else round(ratio, 3),
                "goal_s": self.goal_s, "meets_goal": self.meets_goal,
                "peak_rss_mb": round(self.peak_rss_mb, 1), **{k: round(v, 3) for k, v in self.extra.items()}}


HEADER = f"{'case':<34}{'n':>12}{'median':>11}{'floor':>11}{'ratio':>8}{'goal':>10}{'peak RSS':>11}"


def format_line(r: Result) -> str:
    """One printed line: the case, its median, its floor and the ratio between them, the goal
    (with ✗ when missed) and the peak RSS."""
    floor = "—" if r.floor_s is None else f"{r.floor_s * 1000:8.1f} ms"
    ratio = "—" if r.ratio is None else f"{r.ratio:6.1f}×"
    goal = r.goal_s
    mark = "" if r.meets_goal is None else (" ✓" if r.meets_goal else " ✗")
    goal_txt = "—" if goal is None else f"{goal * 1000:.0f} ms{mark}"
    rss_goal = RSS_GOALS_MB_10M.get(r.case)
    if goal is None and rss_goal is not None and r.n >= 10_000_000:
        goal_txt = f"{rss_goal:.0f} MB{mark}"  # a memory goal: the resident figure is printed after
    line = (f"{r.case:<34}{r.n:>12,}{r.median_s * 1000:8.1f} ms{floor:>11}{ratio:>8}{goal_txt:>10}"
            f"{r.peak_rss_mb:>8.0f} MB")
    if "bytes_per_event" in r.extra:
        line += f"  {r.extra['bytes_per_event']:.0f} B/event"
    if "rss_mb" in r.extra:
        line += f"  {r.extra['rss_mb']:.0f} MB resident"
    return line


def report(results: list[Result], sizes: list[int]) -> dict[str, Any]:
    """The JSON report: when and where it ran, the sizes, every case, and the goals missed."""
    import os
    import platform

    missed = [f"{r.case}@{r.n}" for r in results if r.meets_goal is False]
    return {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "sizes": sizes,
        "cases": [r.as_dict() for r in results],
        "goals_missed": missed,
    }


def parse_sizes(text: str) -> list[int]:
    """``--events``/``--sizes``: a comma-separated list of event counts (1 to 20,000,000)."""
    from atlas.cli.common import CliError

    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CliError(f"--events {text!r} is not a comma-separated list of integers") from None
    if not sizes or any(s < 1 or s > 20_000_000 for s in sizes):
        raise CliError("--events must be between 1 and 20,000,000")
    return sizes


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
    """The search index, built lazily on the first text search (on a worker after a load): the
    synthetic table holds its title and notes as Python strings, so they are put in Arrow once
    (a CSV import's Arrow notes are used as they are: nothing to build)."""
    from atlas.model import EventTable

    t = EventTable.from_columns(ctx.n, ctx.columns)

    def build() -> None:
        t._search = None
        t.search_column()

    med = timed(build, ctx.repeats)
    import pyarrow as pa

    # The same work bare: the searched text fields held as Python strings (title, notes) in Arrow.
    floor = timed(lambda: [pa.array(t.text[f], type=pa.string(), from_pandas=True) for f in ("title", "notes")],
                  ctx.repeats)
    return Result("text_index_build", ctx.n, med, floor, peak_rss_mb())


@case
def id_index_build(ctx: BenchContext) -> Result:
    """The id → row lookup (atlas/model/id_index.py) built and one id looked up, as the first
    lookup by id does (a workspace's selection, a --focus). Floor: the same work bare, every id's
    hash into one array and one argsort of it."""
    from atlas.model.id_index import IdIndex

    t = _table(ctx)
    probe = str(t.ids[len(t) // 2])

    def build() -> None:
        IdIndex(t.ids).row(probe)

    med = timed(build, ctx.repeats)
    floor = timed(lambda: np.argsort(np.fromiter(map(hash, t.ids), dtype=np.int64, count=len(t))), ctx.repeats)
    return Result("id_index_build", ctx.n, med, floor, peak_rss_mb())


def filter_floor(table: Any) -> Callable[[], Any]:
    """The bare work under :func:`_filter`: the date and type mask in NumPy, then the text term's
    one regex scan of the search column over the rows those two left (the least any search does)."""
    d0, d1 = np.datetime64("2024-08-20"), np.datetime64("2024-12-31")
    codes = table.categorical["event_type"].codes_for(["Battles", "Strategic developments"])
    from atlas.model.filters import _re2_literal, alternatives

    table.search_column()  # built before the timing, as the window builds it after a load
    # The same pattern the text term scans with: "sudzha" and its other spellings (Суджа).
    pattern = "|".join(_re2_literal(t) for t in alternatives("sudzha"))

    def run() -> Any:
        rows = np.flatnonzero((table.date >= d0) & (table.date <= d1) & np.isin(table.categorical["event_type"].codes, codes))
        # The rows' strings taken chunk by chunk (Arrow's take on the chunked column is ~3x slower).
        # The rows' text scanned once, the coded fields by their vocabularies (EventTable.search_hits).
        hit = table.search_hits(rows, pattern)
        return rows[hit]

    return run


def _switch_times(model: Any, before: Any, after: Any, repeats: int) -> float:
    """Median time of ``model.set_filter(after)`` starting each time from ``before``."""
    times = []
    for _ in range(repeats):
        model.set_filter(before)
        t0 = time.perf_counter()
        model.set_filter(after)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@case
def filter_date_type_text(ctx: BenchContext) -> Result:
    """The model alone applying date + type + text (no view attached; the workflow case has them).
    The text term's answers are remembered per row (filters.term_hits), so re-applying the filter
    scans nothing: this is a filter applied again (undo, a facet toggled back); a term never
    typed before is the workflow_search_keystroke case."""
    from atlas.model import All, AtlasModel

    table = _table(ctx)
    model = AtlasModel(table)
    ctx.cache["model"] = model
    flt = _filter()
    model.set_filter(flt)  # the first application builds term caches, as the first keystroke does
    med = _switch_times(model, All(), flt, ctx.repeats)
    floor = timed(filter_floor(table), ctx.repeats)
    return Result("filter_date_type_text", ctx.n, med, floor, peak_rss_mb())


@case
def filter_clear(ctx: BenchContext) -> Result:
    """The model alone clearing that filter. Floor: every row's index, which is what is left."""
    from atlas.model import All, AtlasModel

    model = ctx.cache.get("model") or AtlasModel(_table(ctx))
    med = _switch_times(model, _filter(), All(), ctx.repeats)
    floor = timed(lambda: np.arange(ctx.n, dtype=np.intp), ctx.repeats)
    return Result("filter_clear", ctx.n, med, floor, peak_rss_mb())


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
    default = ",".join(str(s) for s in DEFAULT_SIZES)
    p.add_argument("--events", "--sizes", dest="sizes", default=default, metavar="N,N,...",
                   help=f"event counts, e.g. 10000000 (default {default})")
    p.add_argument("--json", dest="json_out", metavar="OUT.json", help="also write the report as JSON")
    p.add_argument("--cases", metavar="NAME,NAME", help="only these cases (default: all)")
    p.add_argument("--csv-dir", metavar="DIR",
                   help="keep the synthetic ACLED CSVs of the import and convert cases in DIR as acled_N.csv "
                        "and reuse one already there (a 10M file is 4 GB and takes minutes to write)")
    p.add_argument("--db", metavar="URI|scratch",
                   help="bench the shared PostgreSQL/PostGIS store instead: an empty database, or 'scratch' "
                        "for a throwaway server started for the run (docs/database.md)")
    p.add_argument("--db-keep", action="store_true",
                   help="with --db URI: bench the events atlas/bench/db_synthetic.py generated in that store "
                        "(as many as --events) instead of pushing, and keep them")


def run(args: argparse.Namespace) -> int:
    from atlas.cli.common import CliError

    sizes = parse_sizes(args.sizes)
    if args.json_out and not Path(args.json_out).resolve().parent.exists():
        raise CliError(f"{args.json_out}: no such folder")
    wanted = set(args.cases.split(",")) if args.cases else None
    if getattr(args, "csv_dir", None):
        from atlas.bench import io_cases

        if not Path(args.csv_dir).is_dir():
            raise CliError(f"{args.csv_dir}: no such folder")
        io_cases.CSV_DIR = Path(args.csv_dir)
    results: list[Result] = []
    if getattr(args, "db", None):
        _run_db(args.db, sizes, wanted, results, keep=bool(getattr(args, "db_keep", False)))
    else:
        _run_cases(sizes, wanted, results)
    missed = [r for r in results if r.meets_goal is False]
    print(f"{len(missed)} of {sum(r.meets_goal is not None for r in results)} goals missed"
          + (": " + ", ".join(f"{r.case}@{r.n:,}" for r in missed) if missed else ""))
    if args.json_out:
        from atlas.io.atomic import atomic_write_text

        atomic_write_text(args.json_out, json.dumps(report(results, sizes), indent=1, ensure_ascii=False))
        print(f"wrote {args.json_out}", file=sys.stderr)
    return 0


def _run_db(target: str, sizes: list[int], wanted: set[str] | None, results: list[Result],
            keep: bool = False) -> None:
    """The store's cases (atlas/bench/db_cases.py) against ``target`` at each size."""
    from atlas.bench.db_cases import database, run_db_cases
    from atlas.cli.common import CliError

    try:
        if keep and target == "scratch":
            raise CliError("--db-keep needs --db URI of a store filled by atlas/bench/db_synthetic.py")
        with database(target, keep) as info:
            print(HEADER)
            for n in sizes:
                for r in run_db_cases(n, info, keep):
                    if wanted and r.case not in wanted:
                        continue
                    results.append(r)
                    print(format_line(r), flush=True)
    except RuntimeError as exc:  # no server programs for a scratch server
        raise CliError(str(exc)) from None


def _run_cases(sizes: list[int], wanted: set[str] | None, results: list[Result]) -> None:
    from atlas.cli.common import headless_app

    headless_app()
    _load_extra_cases()
    print(HEADER)
    for n in sizes:
        ctx = BenchContext(n)
        for fn in CASES:
            # filter_date_type_text builds the model the model-only cases share.
            if wanted and fn.__name__ not in wanted and fn.__name__ not in ("filter_date_type_text",):
                continue
            r = fn(ctx)
            if wanted and r.case not in wanted:
                continue
            results.append(r)
            print(format_line(r), flush=True)
        del ctx


#: Modules that add bench cases when imported (other features list theirs here).
EXTRA_CASE_MODULES: list[str] = [
    "atlas.bench.workflow",
    "atlas.bench.io_cases",
    "atlas.bench.basemap",
    "atlas.bench.export",
    "atlas.bench.convert_cases",
    "atlas.bench.memory_cases",
]


def _load_extra_cases() -> None:
    import importlib

    for name in EXTRA_CASE_MODULES:
        importlib.import_module(name)
