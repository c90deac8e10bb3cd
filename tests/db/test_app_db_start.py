"""``main.py --db URI`` (issue 16: the atlas opened on a store, interactive in 2 s): the window starts
on the store's events without reading and showing the bundled dataset first; a store that cannot
be opened is said so, and the bundled events are shown instead of an empty window."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox


@pytest.fixture
def started(qtbot, monkeypatch):
    """``main(argv)`` with the event loop replaced by a return; (the window, the bundled loads)."""
    import atlas.ui.main_window as mw
    import atlas.workspace.gui as wsgui
    from atlas.launcher import main

    created: list[mw.MainWindow] = []
    bundled_loads: list[int] = []

    class Recording(mw.MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

        def load_bundled(self) -> bool:
            bundled_loads.append(1)
            return super().load_bundled()

    monkeypatch.setattr(mw, "MainWindow", Recording)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setattr(wsgui, "orphaned_recoveries", lambda: [])
    # run_gui names the real application; the test identity comes back afterwards
    from PySide6.QtCore import QCoreApplication

    org, app = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    hook = sys.excepthook

    def start(argv: list[str]):
        assert main(argv) == 0
        (win,) = created
        qtbot.addWidget(win, before_close_func=lambda w: setattr(w.feature("workspace"), "confirm_close", False))
        qtbot.waitUntil(lambda: win.feature("workspace").confirm_close, timeout=10000)  # the start ran
        return win, bundled_loads

    yield start
    QCoreApplication.setOrganizationName(org)
    QCoreApplication.setApplicationName(app)
    sys.excepthook = hook


def test_db_start_shows_the_store_without_reading_the_bundled_events(started, synthetic) -> None:
    win, bundled_loads = started(["--db", synthetic])
    assert bundled_loads == []
    assert win.model.remote is not None and win.model.store_name
    assert win.event_list.table_model.rowCount() > 0
    assert not any("kursk_2024_25" in s for s in win.model.sources)


def test_a_store_that_cannot_be_opened_leaves_the_bundled_events_and_says_why(started, monkeypatch, tmp_path) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warned.append(text))
    win, bundled_loads = started(["--db", f"host={tmp_path} port=1 dbname=none connect_timeout=2"])
    assert warned and "cannot open the database" in warned[0]
    assert bundled_loads == [1] and len(win.model.table) > 50 and win.model.remote is None
