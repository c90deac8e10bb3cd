"""Start the GUI: the QApplication, settings identity, the main window, the first data."""

from __future__ import annotations

import sys
from collections.abc import Sequence

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

    QTimer.singleShot(0, lambda: start_session(win, files))
    if db:  # --db: the store's events replace the bundled ones once the session has started
        QTimer.singleShot(0, lambda: win.feature("database").open_database_or_warn(db))
    return int(app.exec())
