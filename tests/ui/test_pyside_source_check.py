"""PySide6's per-module check (does the source mention PySide6?) answered from the file's bytes
(atlas/ui/pyside_source_check.py) gives every module of a started window the same answer as
PySide6's own function, and is the one PySide6 calls."""

from __future__ import annotations

import linecache
import sys
import types

import pytest

import atlas.ui  # noqa: F401  (installs the check, as a start does)
from atlas.ui import pyside_source_check as check


def _hook() -> types.ModuleType:
    hook = sys.modules.get(check.HOOK_MODULE)
    if hook is None:
        pytest.fail(f"PySide6 has no {check.HOOK_MODULE}: the check is not installed (update the module)")
    return hook


def test_pyside_calls_the_quicker_check() -> None:
    fn = getattr(_hook(), check.HOOK_NAME)
    assert getattr(fn, "__wrapped__", None) is not None
    assert check.install()  # a second call changes nothing
    assert getattr(_hook(), check.HOOK_NAME) is fn


def test_same_answer_for_every_module_of_a_started_window(qapp) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow()
    try:
        assert win.load_bundled()
        original = getattr(_hook(), check.HOOK_NAME).__wrapped__
        modules = [m for m in list(sys.modules.values()) if isinstance(m, types.ModuleType)]
        assert len(modules) > 300
        answers = {True: 0, False: 0}
        for m in modules:
            got = check.source_mentions_pyside(m, original)
            assert got == original(m), m.__name__
            answers[got] += 1
        linecache.clearcache()
        # Both kinds occur (pyqtgraph's Qt modules and the atlas's widgets do; NumPy's do not).
        assert answers[True] > 20 and answers[False] > 100
    finally:
        win.deleteLater()


def test_a_module_without_a_readable_source_is_asked_the_original(tmp_path) -> None:
    calls: list[str] = []

    def original(m: types.ModuleType) -> bool:
        calls.append(m.__name__)
        return False

    gone = types.ModuleType("gone")
    gone.__file__ = str(tmp_path / "gone.py")  # no such file
    compiled = types.ModuleType("compiled")
    compiled.__file__ = str(tmp_path / "compiled.so")
    source = types.ModuleType("source")
    (tmp_path / "source.py").write_text("from PySide6.QtCore import Qt\n", encoding="utf-8")
    source.__file__ = str(tmp_path / "source.py")
    assert not check.source_mentions_pyside(gone, original)
    assert not check.source_mentions_pyside(compiled, original)
    assert check.source_mentions_pyside(source, original)
    assert calls == ["gone", "compiled"]
