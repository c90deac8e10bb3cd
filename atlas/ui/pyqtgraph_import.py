"""Import pyqtgraph without making PySide6 build every Qt class at startup.

pyqtgraph keeps its own mirror modules of QtCore, QtGui and QtWidgets (``pyqtgraph.Qt.QtCore``, …)
and fills them by copying every name of PySide6's (``pyqtgraph.Qt._copy_attrs``: ``getattr`` on
each name of ``dir(module)``). PySide6 creates its Python classes lazily, on first use, so that
copy creates some 1,700 classes with their enums, nearly all of which the atlas never touches:
~0.1 s of a start whose goal is 1 s (issue 15).

Here the mirrors are made first, each forwarding a name it lacks to PySide6 on first use (a module
``__getattr__``, PEP 562), and while pyqtgraph imports, ``dir()`` of the three PySide6 modules is
empty so the copy finds nothing to copy. Every name still resolves to the very object the copy
would have put there (tests/ui/test_pyqtgraph_import.py checks each one); what pyqtgraph sets on
a mirror itself (its Qt5-style shims) takes precedence as before. Should a later pyqtgraph not use
these mirrors any more, the import is done again the plain way (checked right after the import).
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: The PySide6 modules pyqtgraph mirrors (pyqtgraph/Qt/__init__.py).
MIRRORED = ("QtCore", "QtGui", "QtWidgets")


def _forwarding_mirror(name: str, source: types.ModuleType) -> types.ModuleType:
    mirror = types.ModuleType(f"pyqtgraph.Qt.{name}", f"pyqtgraph's mirror of {source.__name__}, filled on use")

    def __getattr__(attr: str) -> Any:  # noqa: N807 (PEP 562's name)
        if attr in ("__path__", "__file__"):
            raise AttributeError(attr)  # the mirror is no package, and no file of PySide6's
        return getattr(source, attr)

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(dir(source)) | set(mirror.__dict__))

    mirror.__getattr__ = __getattr__  # type: ignore[method-assign]
    mirror.__dir__ = __dir__  # type: ignore[method-assign]
    return mirror


def import_pyqtgraph() -> types.ModuleType:
    """``import pyqtgraph``, with its Qt mirrors filled on use (see the module's docstring).
    Does nothing special when pyqtgraph is already imported."""
    if "pyqtgraph" in sys.modules:
        return sys.modules["pyqtgraph"]
    sources = {name: importlib.import_module(f"PySide6.{name}") for name in MIRRORED}
    mirrors = {name: _forwarding_mirror(name, src) for name, src in sources.items()}
    saved: dict[str, Callable[[], list[str]] | None] = {}
    for name, src in sources.items():
        saved[name] = src.__dict__.get("__dir__")
        src.__dir__ = list  # type: ignore[method-assign]  (an empty dir() while pyqtgraph copies)
        sys.modules[f"pyqtgraph.Qt.{name}"] = mirrors[name]
    try:
        import pyqtgraph
    except BaseException:
        for name in MIRRORED:  # a failed import leaves nothing half-made behind
            sys.modules.pop(f"pyqtgraph.Qt.{name}", None)
        raise
    finally:
        for name, src in sources.items():
            if saved[name] is None:
                del src.__dir__
            else:
                src.__dir__ = saved[name]  # type: ignore[method-assign]
    used = [getattr(pyqtgraph.Qt, name, None) for name in MIRRORED]
    if used != list(mirrors.values()):
        log.warning("pyqtgraph %s does not mirror PySide6 as expected: imported the plain way", pyqtgraph.__version__)
        for name in [m for m in sys.modules if m == "pyqtgraph" or m.startswith("pyqtgraph.")]:
            del sys.modules[name]
        pyqtgraph = importlib.import_module("pyqtgraph")
    return pyqtgraph
