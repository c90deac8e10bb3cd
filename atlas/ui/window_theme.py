"""The whole window follows the map's theme: a dark map gets dark docks, menus and lists.

The map theme is session state (``MapStyle.theme`` in the model); this module only turns it into
the application's palette. On a first start (no theme chosen yet) the theme follows the system's
colour scheme (``QGuiApplication.styleHints().colorScheme()``).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

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


#: Check boxes on the dark palette: Fusion outlines them with the window colour darkened, which on
#: a dark window is black on near-black (the Filters dock's boxes could not be seen).
CHECK_EDGE = QColor("#a7adb4")
CHECK_EDGE_DISABLED = QColor("#5f646b")


class DarkIndicatorStyle(QProxyStyle):
    """Fusion with check boxes (widgets and list items) drawn with a light edge and a filled,
    ticked box when checked, whenever the palette is dark; on a light palette it draws as Fusion."""

    _CHECKS = (QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck)

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter,  # noqa: N802
                      widget: QWidget | None = None) -> None:
        if element not in self._CHECKS or not is_dark(option.palette):
            super().drawPrimitive(element, option, painter, widget)
            return
        draw_dark_check(painter, QRectF(option.rect), option.state, option.palette)


def draw_dark_check(p: QPainter, rect: QRectF, state: QStyle.StateFlag, pal: QPalette) -> None:
    """A check box on a dark palette: edge, fill and tick with AA contrast against the window."""
    enabled = bool(state & QStyle.StateFlag.State_Enabled)
    on = bool(state & QStyle.StateFlag.State_On)
    partial = bool(state & QStyle.StateFlag.State_NoChange)
    side = min(rect.width(), rect.height()) - 2
    box = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = pal.color(QPalette.ColorRole.Highlight) if (on or partial) and enabled else pal.color(QPalette.ColorRole.Base)
    p.setPen(QPen(CHECK_EDGE if enabled else CHECK_EDGE_DISABLED, 1.2))
    p.setBrush(fill)
    p.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)
    mark = QPen(QColor("#ffffff") if enabled else CHECK_EDGE_DISABLED, max(1.5, side / 7))
    mark.setCapStyle(Qt.PenCapStyle.RoundCap)
    mark.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(mark)
    if on:
        x, y, w = box.left(), box.top(), box.width()
        p.drawPolyline([QPointF(x + w * 0.22, y + w * 0.52), QPointF(x + w * 0.42, y + w * 0.72),
                        QPointF(x + w * 0.78, y + w * 0.3)])
    elif partial:
        p.drawLine(QPointF(box.left() + side * 0.25, box.center().y()), QPointF(box.right() - side * 0.25, box.center().y()))
    p.restore()


_dark_style: DarkIndicatorStyle | None = None


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
        global _dark_style
        base = QStyleFactory.create("Fusion")
        if base is not None:
            _dark_style = DarkIndicatorStyle(base)
            app.setStyle(_dark_style)
        app.setPalette(dark_palette())
    else:
        pal, name = _light
        if app.style().name() != name:
            style = QStyleFactory.create(name)
            if style is not None:
                app.setStyle(style)
        app.setPalette(pal)
