"""A start imports no module that only a menu action or an optional layer needs (issue 15:
startup ≤ 1 s): raster tiles (and QtNetwork) come with the first tile source, vector file layers
with the first file layer, readers and writers of other formats with an import or export (that
they still work when asked: tests/ui/test_navigation.py, the file-layer and import tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Modules a start with the bundled data must not import.
NOT_AT_START = ("atlas.render.tiles", "PySide6.QtNetwork", "atlas.render.file_layer", "atlas.io.csv_events",
                "atlas.io.export")


def test_a_start_imports_only_what_it_draws(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from atlas.ui.main_window import MainWindow\n"
        "win = MainWindow()\n"
        "win.resize(1600, 1000)\n"
        "win.show()\n"
        "assert win.load_bundled()\n"
        "win.canvas.show_region()\n"
        "win.grab()\n"  # the first paint, with every layer drawn
        "print(' '.join(m for m in " + repr(NOT_AT_START) + " if m in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}  # a first start
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""

