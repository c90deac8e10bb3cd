"""Bench case ``startup_to_first_map`` (issue 15: ≤ 1 s): a fresh process to the whole window
painted with the bundled data, beside a fresh process painting an empty QMainWindow of the same
size (the floor), runs interleaved in one bench run.

"Painted" is the window's first paint pass in the event loop, as a user's window gets it: the
expose (or update request) that paints every widget into the window's backing store and flushes
it. Nothing paints the window beforehand (a ``grab()`` before the event loop would paint a layout
the user never sees: the first-start dock layout is applied in the loop, before the first expose).
After that paint the child lets the loop run on, untimed, and checks that the window did not
change in a way the user would see (dock and map geometry, map view, rows shown): a start that
painted early and rearranged itself afterwards fails the case instead of being timed at its first,
unfinished picture. Work deferred to after the first paint (panels of hidden dock tabs) runs in
that untimed part; the ``later_passes`` figure counts the paint passes it caused.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Shared by both children: run the event loop until the window's first paint pass has returned.
FIRST_PAINT_HELPER = r'''
import json
import time
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer


def fingerprint(win):
    """What the user would see change: every visible widget of the window's layout (docks, tab
    bars, toolbars, the status bar, the map), the map's view and the rows in the list."""
    from PySide6.QtWidgets import QDockWidget, QStatusBar, QTabBar, QToolBar

    parts = [("window", win.size().width(), win.size().height())]
    for kind in (QDockWidget, QTabBar, QToolBar, QStatusBar):
        for w in win.findChildren(kind):
            if w.isVisible():
                g = w.geometry()
                parts.append((kind.__name__, w.objectName() or w.windowTitle(), g.x(), g.y(), g.width(), g.height()))
    canvas = getattr(win, "canvas", None)
    if canvas is not None:
        g = canvas.geometry()
        vp = canvas.map_viewport()
        parts.append(("map", g.x(), g.y(), g.width(), g.height(), round(vp.x0), round(vp.y0), round(vp.x1), round(vp.y1)))
    model = getattr(win, "model", None)
    if model is not None:
        parts.append(("rows", len(model.table), int(model.visible_rows.size)))
    return sorted(parts, key=repr)


def run_until_painted(app, win, settle_s=0.5):
    """(monotonic time when the window's first paint pass returned, the process's CPU seconds
    then, the fingerprint then, the fingerprint after ``settle_s`` more of the event loop, paint
    passes in that time)."""
    state = {"painted": None, "cpu": None, "first": None, "settled": None, "later": 0}
    loop = QEventLoop()  # (not app.exec(): QApplication.quit() closes the windows first)

    def settled():
        state["settled"] = fingerprint(win)
        loop.quit()

    def painted():
        if state["painted"] is None:
            state["painted"] = time.monotonic()
            state["cpu"] = time.process_time()
            state["first"] = fingerprint(win)
            QTimer.singleShot(int(settle_s * 1000), settled)

    class Watch(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() in (QEvent.Type.Expose, QEvent.Type.UpdateRequest):
                if state["painted"] is None:
                    # Posted: runs once this paint pass has returned to the event loop.
                    QTimer.singleShot(0, painted)
                else:
                    state["later"] += 1
            return False

    watch = Watch()
    win.windowHandle().installEventFilter(watch)
    loop.exec()
    win.windowHandle().removeEventFilter(watch)
    return state["painted"], state["cpu"], state["first"], state["settled"], state["later"]


def report(win, app):
    t, cpu, first, settled, later = run_until_painted(app, win)
    print("FIRST_PAINT " + json.dumps({"t": t, "cpu": cpu, "same_after": first == settled, "later_passes": later,
                                       "first": repr(first), "settled": repr(settled)}), flush=True)
'''

#: A fresh process to the first painted window with the bundled data (as ``main.py`` opens it).
STARTUP_SCRIPT = r"""
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, {root!r})
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
QCoreApplication.setOrganizationName("KurskAtlasBench")
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {tmp!r})
{helper}
from atlas.ui.main_window import MainWindow
win = MainWindow()
win.resize(1600, 1000)
win.show()
win.load_bundled()
win.canvas.show_region()
report(win, app)
"""

#: The floor: a fresh process showing an empty QMainWindow of the same size, painted once.
EMPTY_WINDOW_SCRIPT = r"""
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
{helper}
win = QMainWindow()
win.resize(1600, 1000)
win.show()
report(win, app)
"""


def to_first_paint(script: str, env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds from starting ``python -c script`` to the end of its window's first paint pass,
    the child's CPU seconds by then, paint passes after it). CLOCK_MONOTONIC is one clock for every process on Linux; the settling
    and the interpreter's exit are not counted. Raises when the child failed or its window changed
    after the first paint."""
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_PAINT ")), None)
    if line is None:
        raise RuntimeError(f"startup bench failed: {out.stderr.strip()[-500:]}")
    got = json.loads(line.removeprefix("FIRST_PAINT "))
    if not got["same_after"]:
        raise RuntimeError("the window changed after its first paint (that paint was not the finished window):\n"
                           f"  at the paint: {got['first']}\n  settled:      {got['settled']}")
    return float(got["t"]) - t0, float(got["cpu"]), int(got["later_passes"])


def startup_seconds(runs: int = 5) -> tuple[float, float, dict[str, float]]:
    """(median seconds from a fresh process to the painted window with the bundled data, median
    seconds from a fresh process to a painted empty QMainWindow, other figures: the median CPU
    seconds of each, which vary less than wall time on a shared machine, and the most paint
    passes the window made after its first while settling), runs interleaved.

    Python may keep compiled modules (``__pycache__``) as an installed app has them from its
    installation (pip compiles on install): PYTHONDONTWRITEBYTECODE is dropped for the children
    and one unmeasured run of each writes the caches."""
    root = str(Path(__file__).resolve().parents[2])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    window, empty, window_cpu, empty_cpu, later = [], [], [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        script = STARTUP_SCRIPT.format(root=root, tmp=tmp, helper=FIRST_PAINT_HELPER)
        floor_script = EMPTY_WINDOW_SCRIPT.format(helper=FIRST_PAINT_HELPER)
        to_first_paint(script, env)
        to_first_paint(floor_script, env)
        for _ in range(runs):
            took, cpu, _ = to_first_paint(floor_script, env)
            empty.append(took)
            empty_cpu.append(cpu)
            took, cpu, passes = to_first_paint(script, env)
            window.append(took)
            window_cpu.append(cpu)
            later = max(later, passes)
    return statistics.median(window), statistics.median(empty), {
        "cpu_s": statistics.median(window_cpu), "floor_cpu_s": statistics.median(empty_cpu),
        "later_paint_passes": float(later)}
