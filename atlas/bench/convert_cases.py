"""Bench cases of the headless commands against DuckDB (``main.py bench``), issue 15.

Each runs the command of ``main.py`` on the synthetic ACLED CSV (the import case's file) in a
fresh process, and DuckDB's equivalent in a fresh process in the same run, as its floor; both
report their wall time and their own peak RSS (VmHWM); the goal is within 2× DuckDB's time at
≤ 1 GB peak. The JSON report has both figures, the ratio and both peaks.

- ``convert_acled_csv``: ``convert`` with a date and type filter (``--from 2024-08-20 --to
  2024-12-31 --type Battles``) to CSV; floor: DuckDB's ``COPY (SELECT * FROM read_csv(…) WHERE …)
  TO`` of the same query.
- ``inspect_acled_csv``: ``inspect --json`` of the whole file; floor: DuckDB's one-scan summary
  of the same figures (count, rows with coordinates, date span, bounding box, counts per type).
- ``inspect_acled_csv_filter``: the same of the filter (``inspect --from … --type Battles``);
  floor: DuckDB's summary of the rows that pass it (``WHERE`` the same date range and type).
- ``render_acled_csv``: ``render`` of the filter to a 1600×1000 PNG; floor: the same DuckDB COPY
  as convert's (the reading of the query; DuckDB draws nothing), timed once per run.

DuckDB comes with the bench extra (``pip install -e '.[bench]'``); without it the floor is empty.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from atlas.bench import BenchContext, Result, case

FROM, TO, TYPE = "2024-08-20", "2024-12-31", "Battles"

#: Runs a program in this process and prints its own peak RSS (VmHWM, MB) as the last line.
_WRAP = """
import atexit, runpy, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_MB", int(line.split()[1]) / 1024, file=sys.stderr)
atexit.register(_peak)
{body}
"""
_CONVERT = """
sys.argv = ["main.py"] + sys.argv[1:]
sys.path.insert(0, {root!r})
from atlas.launcher import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.exit(code or 0)
"""
_DUCKDB = """
import duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(
    "COPY (SELECT * FROM read_csv(?, header = true) "
    "WHERE event_date BETWEEN DATE '{frm}' AND DATE '{to}' AND event_type = '{typ}') "
    "TO '" + out.replace("'", "''") + "' (HEADER, DELIMITER ',')", [src])
print("ROWS", con.execute("SELECT count(*) FROM read_csv(?, header = true)", [out]).fetchone()[0], file=sys.stderr)
"""


def _run(body: str, args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stderr) of one fresh process."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _WRAP.format(body=body), *args], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"convert bench child failed: {out.stderr.strip()[-1500:]}")
    peak = next((float(ln.split()[1]) for ln in out.stderr.splitlines() if ln.startswith("PEAK_MB")), float("nan"))
    return wall, peak, out.stderr + out.stdout


def duckdb_available() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


_DUCKDB_SUMMARY = """
import duckdb
src = sys.argv[1]
con = duckdb.connect()
rows = con.execute(
    "SELECT event_type, count(*), count(latitude) FILTER (WHERE longitude IS NOT NULL), min(event_date), "
    "max(event_date), min(longitude), min(latitude), max(longitude), max(latitude) "
    "FROM read_csv(?, header = true) {where}GROUP BY GROUPING SETS ((), (event_type))", [src]).fetchall()
print("ROWS", next((r[1] for r in rows if r[0] is None), 0), file=sys.stderr)
"""


def _figures(ctx: BenchContext, name: str, ours: tuple[float, float, str], rows: int,
             floor: tuple[float, float, int] | None, floor_name: str) -> Result:
    """The case's Result and its printed line: both times, the ratio, both peaks. The result's
    peak RSS is the command's own process's (the bench's parent holds the synthetic columns)."""
    wall, peak, _ = ours
    extra = {"peak_mb": peak, "rows": float(rows)}
    if floor is None:
        print(f"  {name}: {wall:.2f} s, peak {peak:.0f} MB, {rows:,} rows; DuckDB not installed "
              "(pip install -e '.[bench]'), no floor", flush=True)
        return Result(name, ctx.n, wall, None, peak, extra=extra)
    d_wall, d_peak, d_rows = floor
    extra.update({"duckdb_s": d_wall, "duckdb_peak_mb": d_peak, "duckdb_rows": float(d_rows),
                  "ratio_to_duckdb": wall / d_wall if d_wall > 0 else float("nan"),
                  "load_average_1min": _load_average()})
    print(f"  {name}: ours {wall:.2f} s, peak {peak:.0f} MB, {rows:,} rows; {floor_name} {d_wall:.2f} s, "
          f"peak {d_peak:.0f} MB, {d_rows:,} rows; ratio {wall / d_wall:.2f}× "
          f"(goal: ≤ 2× = {2 * d_wall:.2f} s, ≤ 1024 MB; load average {_load_average():.2f})", flush=True)
    return Result(name, ctx.n, wall, d_wall, peak, extra=extra)


def _load_average() -> float:
    import os

    return os.getloadavg()[0]


def _duckdb_copy(ctx: BenchContext, src: Path) -> tuple[float, float, int] | None:
    """DuckDB's COPY of the filter query (wall, peak MB, rows), once per run and size."""
    if not duckdb_available():
        return None
    if "duckdb_copy" not in ctx.cache:
        with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
            duck_out = str(Path(tmp) / "duckdb.csv")
            d_wall, d_peak, d_text = _run(_DUCKDB.format(frm=FROM, to=TO, typ=TYPE), [str(src), duck_out])
        d_rows = next((int(ln.split()[1]) for ln in d_text.splitlines() if ln.startswith("ROWS")), -1)
        ctx.cache["duckdb_copy"] = (d_wall, d_peak, d_rows)
    return ctx.cache["duckdb_copy"]


def _main(args: list[str]) -> tuple[float, float, str]:
    root = str(Path(__file__).resolve().parents[2])
    return _run(_CONVERT.format(root=root), args)


def _filtered(ctx: BenchContext, name: str, command: str, out_name: str, shown: Callable[[str], int]) -> Result:
    """``command`` of the filter on the synthetic CSV, written to a scratch ``out_name``, against
    DuckDB's COPY of the same query timed beside it; ``shown`` reads the rows it kept from what
    the command printed."""
    from atlas.bench.io_cases import _csv_for

    src = _csv_for(ctx)
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        ours = _main([command, str(src), "-o", str(Path(tmp) / out_name), "--from", FROM, "--to", TO, "--type", TYPE])
    wrote = next((ln for ln in ours[2].splitlines() if ln.startswith("wrote ")), "")
    rows = shown(wrote) if wrote else -1
    if command == "convert":
        ctx.cache.pop("duckdb_copy", None)  # timed afresh beside this case (render reuses it)
    return _figures(ctx, name, ours, rows, _duckdb_copy(ctx, src), "DuckDB COPY")


@case
def convert_acled_csv(ctx: BenchContext) -> Result:
    # "wrote 1,258,692 of 10,000,000 events to …"
    return _filtered(ctx, "convert_acled_csv", "convert", "ours.csv", lambda w: int(w.split()[1].replace(",", "")))


def _inspect(ctx: BenchContext, name: str, filters: list[str], where: str) -> Result:
    """``inspect --json`` (``filters``) against DuckDB's one-scan summary of the same rows."""
    from atlas.bench.io_cases import _csv_for

    src = _csv_for(ctx)
    ours = _main(["inspect", "--json", str(src), *filters])
    text = ours[2]  # the child's stderr (its peak) then its stdout (the JSON object)
    events = int(json.loads(text[text.index("\n{") + 1:])["events"]) if "\n{" in text else -1
    floor = None
    if duckdb_available():
        d_wall, d_peak, d_text = _run(_DUCKDB_SUMMARY.replace("{where}", where), [str(src)])
        floor = (d_wall, d_peak, next((int(ln.split()[1]) for ln in d_text.splitlines() if ln.startswith("ROWS")), -1))
    return _figures(ctx, name, ours, events, floor, "DuckDB summary")


@case
def inspect_acled_csv(ctx: BenchContext) -> Result:
    return _inspect(ctx, "inspect_acled_csv", [], "")


@case
def inspect_acled_csv_filter(ctx: BenchContext) -> Result:
    return _inspect(ctx, "inspect_acled_csv_filter", ["--from", FROM, "--to", TO, "--type", TYPE],
                    f"WHERE event_date BETWEEN DATE '{FROM}' AND DATE '{TO}' AND event_type = '{TYPE}' ")


@case
def render_acled_csv(ctx: BenchContext) -> Result:
    # "wrote map.png (1600×1000, 1,258,692 of 10,000,000 events)"
    return _filtered(ctx, "render_acled_csv", "render", "map.png",
                     lambda w: int(w.split("(")[1].split(", ", 1)[1].split(" of ")[0].replace(",", "")) if "(" in w else -1)
