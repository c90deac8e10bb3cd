"""Start the GUI: the QApplication, settings identity, the main window, the first data."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from atlas import APP_NAME, ORG_NAME


def configure_application_identity() -> None:
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)


def run_gui(files: Sequence[str], reset_settings: bool = False, db: str | None = None) -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from atlas.ui.pyqtgraph_import import import_pyqtgraph

    pg = import_pyqtgraph()  # (its Qt mirrors filled on use: a quicker start)

    configure_application_identity()
    pg.setConfigOptions(antialias=True, background="#f4f1ea", foreground="#333")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if reset_settings:
        QSettings().clear()
        QSettings().sync()
    from atlas.logging_setup import configure_logging, install_excepthook

    configure_logging()
    install_excepthook()  # uncaught errors: logged, recovery file written, shown; never a silent exit
    from atlas.ui.main_window import MainWindow

    win = MainWindow()
    win.show()
    # Load after the window is up so it paints at once; errors become a dialog, never a crash.
    # start_session also offers a crash recovery, opens a .katlas argument and starts autosave.
    from atlas.workspace.gui import start_session

    if db:  # --db: the store's events, not the bundled ones first (reading and showing those is wasted)
        QTimer.singleShot(0, lambda: start_on_database(win, files, db))
    else:
        QTimer.singleShot(0, lambda: start_session(win, files))
    return int(app.exec())


def start_on_database(win: Any, files: Sequence[str], db: str) -> None:
    """``--db``: the session starts without the bundled events and the store is opened; should
    it fail to open (the warning says why) and nothing else was opened, the bundled events are shown."""
    from atlas.workspace.gui import start_session

    start_session(win, files, bundled=False)
    if not win.feature("database").open_database_or_warn(db) and not win.model.sources:
        win.load_bundled()
