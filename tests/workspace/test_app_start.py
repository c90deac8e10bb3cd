"""Starting the app: `main.py WORKSPACE.katlas`, `--reset-settings`, the recovery offer, logging and
the exception hook as run_gui wires them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from atlas.model import Text


@pytest.fixture
def real_identity():
    """run_gui sets the real organisation/application names; put the test ones back afterwards."""
    org, app = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    hook = sys.excepthook
    yield
    QCoreApplication.setOrganizationName(org)
    QCoreApplication.setApplicationName(app)
    sys.excepthook = hook


def _run_gui_once(qtbot, monkeypatch, argv: list[str]):
    """main(argv) with the event loop replaced by a return: the window is built and left to us.
    (The window is caught as it is made: walking QApplication.topLevelWidgets() can touch widgets
    other tests already deleted.)"""
    import atlas.ui.main_window as mw
    from atlas.launcher import main

    created = []

    class Recording(mw.MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(mw, "MainWindow", Recording)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    # Recovery files some other run left in the real-identity folder must not pop a modal question.
    import atlas.workspace.gui as wsgui

    monkeypatch.setattr(wsgui, "orphaned_recoveries", lambda: [])
    assert main(argv) == 0
    assert len(created) == 1
    win = created[0]
    # A failing assertion must not leave the close question to block the teardown.
    qtbot.addWidget(win, before_close_func=lambda w: setattr(w.feature("workspace"), "confirm_close", False))
    qtbot.waitUntil(lambda: win.feature("workspace").confirm_close, timeout=5000)  # start_session ran
    return win


def test_reset_settings_forgets_layout_and_recent_files(qtbot, monkeypatch, real_identity) -> None:
    from atlas.app import configure_application_identity

    configure_application_identity()
    s = QSettings()
    s.setValue("window/geometry", b"junk")
    s.setValue("workspace/recent", ["/tmp/a.katlas"])
    s.setValue("limits/ask_above_mb", 1)
    s.sync()
    win = _run_gui_once(qtbot, monkeypatch, ["--reset-settings"])
    for key in ("window/geometry", "workspace/recent", "limits/ask_above_mb"):
        assert QSettings().value(key) is None, key
    # It started normally: the bundled dataset, autosave armed, nothing to save.
    assert len(win.model.table) > 50
    assert win.feature("workspace").autosave.isActive() and not win.feature("workspace").dirty
    from atlas import logging_setup

    assert sys.excepthook is logging_setup.handle_exception
    assert logging_setup.log_path().parent.is_dir()
    win.feature("workspace").confirm_close = False
    win.close()


def test_main_opens_a_workspace_argument(qtbot, monkeypatch, real_identity, tmp_path: Path, sample_file: Path) -> None:
    from atlas.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.load_files([sample_file])
    w.model.set_filter(Text("bridge"))
    ws = tmp_path / "arg.katlas"
    assert w.feature("workspace").save_to(ws)
    win = _run_gui_once(qtbot, monkeypatch, [str(ws)])
    qtbot.waitUntil(lambda: win.feature("workspace").path is not None, timeout=5000)
    assert win.feature("workspace").path == ws.resolve()
    assert win.model.filter == Text("bridge") and len(win.model.table) == 8
    assert not win.feature("workspace").dirty and win.windowTitle().startswith("arg.katlas")
    win.feature("workspace").confirm_close = False
    win.close()


def test_main_refuses_a_damaged_or_mixed_workspace_argument(tmp_path: Path, sample_file: Path, capsys, monkeypatch) -> None:
    import atlas.app
    from atlas.launcher import main

    monkeypatch.setattr(atlas.app, "run_gui", lambda *a, **k: pytest.fail("must not start"))
    bad = tmp_path / "bad.katlas"
    bad.write_text('{"format": "kursk-atlas-workspace", "version": 99}', encoding="utf-8")
    assert main([str(bad)]) == 65
    err = capsys.readouterr().err
    assert "newer Kursk Atlas" in err and err.count("\n") == 1
    good = tmp_path / "good.katlas"
    good.write_text(json.dumps({"format": "kursk-atlas-workspace", "version": 1, "sections": {}}), encoding="utf-8")
    assert main([str(good), str(sample_file)]) == 64
    assert "on its own" in capsys.readouterr().err


def test_start_session_offers_recovery_before_loading(qtbot, sample_file: Path) -> None:
    from atlas.ui.main_window import MainWindow
    from atlas.workspace.gui import start_session

    w = MainWindow()
    qtbot.addWidget(w)
    w.load_files([sample_file])
    w.model.set_filter(Text("sudzha"))
    rec = w.feature("workspace").write_recovery()
    orphan = rec.with_name("recovery-4199999-3.katlas")
    rec.rename(orphan)
    rec.with_suffix(".json").rename(orphan.with_suffix(".json"))

    w2 = MainWindow()
    qtbot.addWidget(w2, before_close_func=lambda w: setattr(w.feature("workspace"), "confirm_close", False))
    asked = []
    w2.feature("workspace").ask_restore_recovery = lambda p, ws: (asked.append(p), True)[1]  # type: ignore[method-assign]
    start_session(w2, [])
    assert asked == [orphan]
    assert w2.model.filter == Text("sudzha") and len(w2.model.table) == 8  # not the bundled dataset
    assert w2.feature("workspace").dirty and w2.feature("workspace").confirm_close and w2.feature("workspace").autosave.isActive()
    w2.feature("workspace").autosave.stop()
    w2.feature("workspace").discard_recovery()
    w.feature("workspace").discard_recovery()
