"""Bench case of ``convert`` against DuckDB (``main.py bench``), issue 15.

``convert_acled_csv``: ``main.py convert`` of the synthetic ACLED CSV (the import case's file)
with a date and type filter (``--from 2024-08-20 --to 2024-12-31 --type Battles``) to CSV, in a
fresh process. Floor: DuckDB's ``COPY (SELECT * FROM read_csv(…) WHERE …) TO`` of the same query
on the same file, in a fresh process, in the same run. Both report their wall time and their own
peak RSS (VmHWM); the goal (issue 15) is within 2× DuckDB's time at ≤ 1 GB peak. DuckDB comes
with the bench extra (``pip install -e '.[bench]'``); without it the floor is left empty.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from atlas.bench import BenchContext, Result, case, peak_rss_mb

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


@case
def convert_acled_csv(ctx: BenchContext) -> Result:
    from atlas.bench.io_cases import _csv_for

    src = _csv_for(ctx)
    root = str(Path(__file__).resolve().parents[2])
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        ours_out = str(Path(tmp) / "ours.csv")
        wall, peak, text = _run(_CONVERT.format(root=root),
                                ["convert", str(src), "-o", ours_out, "--from", FROM, "--to", TO, "--type", TYPE])
        wrote = next((ln for ln in text.splitlines() if ln.startswith("wrote ")), "")
        kept = int(wrote.split()[1].replace(",", "")) if wrote else -1
        extra = {"peak_mb": peak, "rows_written": float(kept)}
        floor = None
        if duckdb_available():
            duck_out = str(Path(tmp) / "duckdb.csv")
            d_wall, d_peak, d_text = _run(_DUCKDB.format(frm=FROM, to=TO, typ=TYPE), [str(src), duck_out])
            d_rows = next((int(ln.split()[1]) for ln in d_text.splitlines() if ln.startswith("ROWS")), -1)
            floor = d_wall
            extra.update({"duckdb_s": d_wall, "duckdb_peak_mb": d_peak, "duckdb_rows": float(d_rows)})
            print(f"  convert_acled_csv: convert {wall:.2f} s, peak {peak:.0f} MB, {kept:,} rows; "
                  f"DuckDB COPY {d_wall:.2f} s, peak {d_peak:.0f} MB, {d_rows:,} rows "
                  f"(goal: ≤ 2× DuckDB = {2 * d_wall:.2f} s, ≤ 1024 MB)", flush=True)
        else:
            print(f"  convert_acled_csv: convert {wall:.2f} s, peak {peak:.0f} MB, {kept:,} rows; DuckDB not "
                  "installed (pip install -e '.[bench]'), no floor", flush=True)
    return Result("convert_acled_csv", ctx.n, wall, floor, peak_rss_mb(), extra=extra)
