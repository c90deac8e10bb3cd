"""Bench case of memory with the window open (issue 15: ≤ 3 GB at ten million events).

``window_rss``: in a fresh process (offscreen), the main window opens the import case's synthetic
ACLED CSV as File ▸ Open does, draws itself, builds the search index as the window does after a
load, and is left idle; then its resident memory (VmRSS) is read, with the peak on the way (VmHWM)
and the resident growth per event over the empty window. The median is the time from opening the
file to an idle, drawn window. No floor: this case measures memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from atlas.bench import RSS_GOALS_MB_10M, BenchContext, Result, case

_CHILD = """
import gc, json, sys, threading, time
from PySide6.QtWidgets import QApplication
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0
app = QApplication([sys.argv[0]])
from atlas.ui.main_window import MainWindow
win = MainWindow()
win.resize(1600, 1000)
win.show()
for _ in range(5):
    app.processEvents()
gc.collect()
empty = status("VmRSS")
t0 = time.perf_counter()
assert win.load_files([sys.argv[1]], checked=True)  # the large-file question answered: open it
for t in threading.enumerate():
    if t.name == "search-index":
        t.join()
win.grab()  # one full paint: the map's points, the list, the facets and the timeline
for _ in range(20):
    app.processEvents()
loaded = time.perf_counter() - t0
gc.collect()
n = len(win.model.table)
assert n == int(sys.argv[2]), n
rss = status("VmRSS")
print(json.dumps({"loaded": loaded, "rss": rss, "hwm": status("VmHWM"), "empty": empty, "n": n}))
"""



@case
def window_rss(ctx: BenchContext) -> Result:
    from atlas.bench.io_cases import _csv_for

    path = _csv_for(ctx)
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(ctx.n)], capture_output=True, text=True,
                         cwd=str(root), env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"window_rss child failed: {out.stderr.strip()[-1500:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    rss_mb, peak_mb = r["rss"] / 2**20, r["hwm"] / 2**20
    per_event = (r["rss"] - r["empty"]) / ctx.n
    goal = f" (goal ≤ {RSS_GOALS_MB_10M['window_rss']:.0f} MB at 10M)" if ctx.n >= 10_000_000 else ""
    print(f"  window_rss: {rss_mb:.0f} MB resident with the window open{goal}, peak {peak_mb:.0f} MB, "
          f"empty window {r['empty'] / 2**20:.0f} MB, {per_event:.0f} B/event over it; opened and drawn in "
          f"{r['loaded']:.1f} s", flush=True)
    return Result("window_rss", ctx.n, r["loaded"], None, peak_mb,
                  extra={"rss_mb": rss_mb, "bytes_per_event": per_event, "empty_window_mb": r["empty"] / 2**20})
