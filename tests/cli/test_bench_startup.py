"""The startup bench (atlas/bench/startup.py) times a fresh process to the end of its window's first
paint pass in the event loop, and refuses a window that changed after that paint. No timing is
asserted here (the machines are shared); what is checked is what gets timed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from atlas.bench import startup

ROOT = str(Path(startup.__file__).resolve().parents[2])


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def test_the_window_is_timed_to_its_first_paint_with_the_bundled_data_and_stays_as_painted() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = startup.STARTUP_SCRIPT.format(root=ROOT, tmp=tmp, helper=startup.FIRST_PAINT_HELPER)
        took, cpu, later = startup.to_first_paint(script, _env())
    assert 0 < took < 120 and 0 < cpu
    assert later >= 0


def test_the_floor_is_an_empty_main_window_timed_the_same_way() -> None:
    took, cpu, _ = startup.to_first_paint(startup.EMPTY_WINDOW_SCRIPT.format(helper=startup.FIRST_PAINT_HELPER), _env())
    assert 0 < took < 120 and 0 < cpu


def test_a_window_that_changes_after_its_first_paint_is_refused() -> None:
    """A start that paints early and then rearranges itself (here: a dock shown only after the
    first paint) would be timed at an unfinished picture: the bench raises instead."""
    script = r"""
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow
app = QApplication([])
{helper}
win = QMainWindow()
win.setCentralWidget(QLabel("map"))
win.resize(800, 600)
dock = QDockWidget("Late")
dock.setObjectName("late_dock")
dock.setWidget(QLabel("late"))
win.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
dock.hide()
win.show()
QTimer.singleShot(100, dock.show)
report(win, app)
""".format(helper=startup.FIRST_PAINT_HELPER)
    with pytest.raises(RuntimeError, match="changed after its first paint"):
        startup.to_first_paint(script, _env())
