"""pyqtgraph imported with its Qt mirrors filled on use (atlas/ui/pyqtgraph_import.py) gives every
name the plain import gives, the same objects, and the same shims of pyqtgraph's own; without
creating PySide6's classes up front. Each import runs in a fresh interpreter (this one has pyqtgraph
already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

MIRRORED = ("QtCore", "QtGui", "QtWidgets")

#: In the child: for each mirror, the names whose object is not PySide6's own (pyqtgraph's shims),
#: whether every other name of PySide6's module resolves to the very same object, and how many
#: of QtWidgets' classes were created by the import.
_PROBE = r"""
import json, sys, types
from PySide6 import QtCore, QtGui, QtWidgets
created_before = len(QtWidgets.__dict__)
if sys.argv[1] == "lean":
    from atlas.ui.pyqtgraph_import import import_pyqtgraph
    pg = import_pyqtgraph()
else:
    import pyqtgraph as pg
created = len(QtWidgets.__dict__) - created_before
out = {"created": created, "mirrors": {}}
for name in ("QtCore", "QtGui", "QtWidgets"):
    src, mirror = getattr(sys.modules["PySide6"], name), getattr(pg.Qt, name)
    own = sorted(k for k, v in vars(mirror).items()
                 if not (k.startswith("__") and k.endswith("__")) and getattr(src, k, None) is not v)
    missing = [k for k in dir(src) if not hasattr(mirror, k) and k not in ("__file__", "__path__")]
    differ = [k for k in dir(src) if k not in own and not (k.startswith("__") and k.endswith("__"))
              and getattr(mirror, k) is not getattr(src, k)]
    out["mirrors"][name] = {"own": own, "missing": missing, "differ": differ}
# pyqtgraph works: a plot item draws into an image
from PySide6.QtWidgets import QApplication
app = QApplication.instance() or QApplication([])
w = pg.PlotWidget()
w.plot([1, 2, 3], [3, 1, 2])
w.resize(200, 150)
out["grab"] = [w.grab().width(), w.grab().height()]
print(json.dumps(out))
"""


def _probe(kind: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    res = subprocess.run([sys.executable, "-c", _PROBE, kind], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_mirrors_give_the_plain_imports_objects_and_create_no_classes_up_front() -> None:
    lean, plain = _probe("lean"), _probe("plain")
    for name in MIRRORED:
        got, want = lean["mirrors"][name], plain["mirrors"][name]
        assert got["missing"] == [] and got["differ"] == [], name
        # pyqtgraph's own shims (e.g. QtWidgets.QOpenGLWidget) are there, as with the plain import
        assert got["own"] == want["own"], name
    assert lean["grab"] == plain["grab"] == [200, 150]
    # the plain import creates every QtWidgets class; the lean one only the few pyqtgraph uses
    assert plain["created"] > 150
    assert lean["created"] < plain["created"] / 3
