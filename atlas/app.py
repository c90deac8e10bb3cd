"""Start the GUI: the QApplication, settings identity, the main window, the first data."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from atlas import APP_NAME, ORG_NAME


def configure_application_identity() -> None:
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)


def run_gui(files: Sequence[str], reset_settings: bool = False) -> int:
    import pyqtgraph as pg
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    configure_application_identity()
    pg.setConfigOptions(antialias=True, background="#f4f1ea", foreground="#333")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if reset_settings:
        QSettings().clear()
    from atlas.ui.main_window import MainWindow

    win = MainWindow()
    win.show()
    # Load after the window is up so it paints at once; errors become a dialog, never a crash.
    QTimer.singleShot(0, lambda: win.load_files(files) if files else win.load_bundled())
    return int(app.exec())
