"""The whole window follows the map's theme: a dark map gets dark docks, menus and lists.

The map theme is session state (``MapStyle.theme`` in the model); this module only turns it into
the application's palette. On a first start (no theme chosen yet) the theme follows the system's
colour scheme (``QGuiApplication.styleHints().colorScheme()``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

#: The palette and style the application started with, restored for the light theme.
_light: tuple[QPalette, str] | None = None


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme (Qt 6.5+ reports it)."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    return bool(scheme == Qt.ColorScheme.Dark)


def dark_palette() -> QPalette:
    """A dark palette with enough contrast for text (WCAG AA on every text/background pair)."""
    pal = QPalette()
    window, base, alt, text = QColor("#24272b"), QColor("#1b1d20"), QColor("#2a2d32"), QColor("#e6e6e6")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.ToolTipBase: QColor("#33373d"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#9aa0a6"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#2f3338"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Light: QColor("#3a3f45"),
        QPalette.ColorRole.Midlight: QColor("#33373d"),
        QPalette.ColorRole.Mid: QColor("#4a4f56"),
        QPalette.ColorRole.Dark: QColor("#15171a"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
        QPalette.ColorRole.Highlight: QColor("#3d7bd9"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#7fb2ff"),
        QPalette.ColorRole.LinkVisited: QColor("#c29bff"),
    }
    for role, colour in roles.items():
        pal.setColor(role, colour)
    grey = QColor("#7d838a")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, grey)
    return pal


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply_window_theme(dark: bool) -> None:
    """Give the application the dark palette (Fusion, which honours every palette role) or give
    back the palette and style it started with."""
    global _light
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _light is None:
        _light = (QPalette(app.palette()), app.style().name())
    if dark:
        style = QStyleFactory.create("Fusion")
        if style is not None:
            app.setStyle(style)
        app.setPalette(dark_palette())
    else:
        pal, name = _light
        if app.style().name() != name:
            style = QStyleFactory.create(name)
            if style is not None:
                app.setStyle(style)
        app.setPalette(pal)
