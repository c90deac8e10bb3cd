"""A quicker answer to PySide6's question about every module imported after it.

PySide6 supports ``from __feature__ import snake_case, true_property`` per module. To know which
modules might, its import hook (``shibokensupport.feature.feature_imported``) asks
``_mod_uses_pyside(module)`` of every module imported after PySide6 itself, and that function reads
the module's whole source with ``inspect.getsource`` (through linecache, line by line) to see
whether the text "PySide6" occurs in it. A start of the atlas imports some 550 modules after
PySide6 (pyqtgraph, NumPy's and Arrow's submodules, the atlas's own): 40-60 ms of a start whose
goal is 1 s (issue 15).

:func:`install` puts a function in its place that gives the same answer for a module with a
Python source file by looking for the same text in the file's bytes (an ASCII word is the same in
any encoding a Python source may have), ~6x quicker; any other module (extension, frozen, zipped,
a file that cannot be read) is asked the original function, as before. Should a later PySide6 not
have this hook, nothing is changed. tests/ui/test_pyside_source_check.py checks that both
functions give every module of a started window the same answer.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable

#: The function PySide6 calls, and its module (PySide6 6.1 and later).
HOOK_MODULE = "shibokensupport.feature"
HOOK_NAME = "_mod_uses_pyside"


def source_mentions_pyside(module: types.ModuleType, original: Callable[[types.ModuleType], bool]) -> bool:
    """Whether ``module``'s source contains "PySide6" (``original``'s answer where there is no
    readable .py file to look into)."""
    path = getattr(module, "__file__", None)
    if isinstance(path, str) and path.endswith(".py"):
        try:
            with open(path, "rb") as fh:
                return b"PySide6" in fh.read()
        except OSError:
            pass
    return original(module)


def install() -> bool:
    """Replace PySide6's check by the quicker one (once); True when it is in place."""
    importlib.import_module("PySide6.QtCore")  # (PySide6 sets its hook up on its own import)
    hook = sys.modules.get(HOOK_MODULE)
    original = getattr(hook, HOOK_NAME, None) if hook is not None else None
    if hook is None or not callable(original):
        return False
    if getattr(original, "__wrapped__", None) is not None:
        return True  # installed already

    def quicker(module: types.ModuleType) -> bool:
        return source_mentions_pyside(module, original)

    quicker.__wrapped__ = original  # type: ignore[attr-defined]
    quicker.__doc__ = source_mentions_pyside.__doc__
    setattr(hook, HOOK_NAME, quicker)
    return True
