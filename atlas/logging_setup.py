"""Logging to a file in the user's data folder, error dialogs with details, and the global
exception hook.

An uncaught exception (in a slot, a timer, anywhere) is logged with its traceback, every open
workspace writes its recovery file FIRST (so nothing unsaved is lost even if what follows fails),
and then a dialog shows a one-line message with the traceback under "Show Details…".
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger("atlas")

LOG_NAME = "kursk-atlas.log"
#: Called (in order) before the error dialog: workspaces write their recovery files here.
BEFORE_ERROR_DIALOG: list[Callable[[], None]] = []
_handler: logging.Handler | None = None
_showing = False


def data_dir(create: bool = True) -> Path:
    """The user's data folder for Kursk Atlas (QStandardPaths.AppDataLocation), created if asked."""
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(base) if base else Path.home() / ".kursk-atlas"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def log_path() -> Path:
    return data_dir() / "logs" / LOG_NAME


def configure_logging(level: int = logging.INFO) -> Path:
    """Send the ``atlas`` loggers to a rotating log file (1 MB × 3). Idempotent. Returns its path."""
    global _handler
    path = log_path()
    if _handler is not None and getattr(_handler, "baseFilename", None) == str(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
    _handler = logging.handlers.RotatingFileHandler(path, maxBytes=1 << 20, backupCount=3, encoding="utf-8")
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(level)
    return path


def error_dialog(parent: Any, title: str, text: str, details: str = "", modal: bool = True) -> Any:
    """A warning box with ``text`` in plain text and ``details`` under "Show Details…". Returns it."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    where = ""
    if _handler is not None:
        where = f"\n\nThe log file is {getattr(_handler, 'baseFilename', '')}."
    box.setText(text + where)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    if modal:
        box.exec()
    else:
        box.setModal(False)
        box.show()
    return box


def handle_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """The sys.excepthook: log, save recovery files, then tell the user. Never raises."""
    global _showing
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    try:
        log.error("uncaught exception\n%s", details)
    except Exception:
        pass
    for fn in list(BEFORE_ERROR_DIALOG):
        try:
            fn()
        except Exception:  # saving must not turn one error into two dialogs
            log.exception("could not write a recovery file")
    try:
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None or _showing:
            sys.__excepthook__(exc_type, exc, tb)
            return
        _showing = True
        try:
            error_dialog(
                QApplication.activeWindow(),
                "Unexpected error",
                f"Something went wrong: {exc_type.__name__}: {exc}\n\nYour unsaved work was written to a "
                "recovery file; the atlas keeps running. If it misbehaves, save and restart.",
                details,
            )
        finally:
            _showing = False
    except Exception:
        sys.__excepthook__(exc_type, exc, tb)


def install_excepthook() -> None:
    sys.excepthook = handle_exception
