"""The dark theme darkens the whole window, not only the map, and the light theme gives it back."""

from __future__ import annotations

from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QApplication

from atlas.model import AtlasModel
from atlas.ui.window_theme import dark_palette, is_dark


def test_dark_map_theme_darkens_the_window_and_its_icons(qtbot) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    nav = win.feature("navigation")
    nav.set_theme("light", save=False)
    assert not is_dark(QApplication.palette())
    zoom_in = next(a for a in win.findChildren(QAction) if a.text() == "Zoom &in")
    try:
        nav.set_theme("dark", save=False)
        pal = QApplication.palette()
        assert is_dark(pal)
        text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
        assert text.lightness() - base.lightness() > 150  # readable text on the dark lists
        assert zoom_in.property("atlas_icon_dark") is True
        timeline = win.feature("workflow").timeline
        qtbot.waitUntil(lambda: timeline.plot.backgroundBrush().color().lightness() < 80, timeout=2000)
    finally:
        nav.set_theme("light", save=False)
    assert not is_dark(QApplication.palette())
    assert zoom_in.property("atlas_icon_dark") is False
    assert is_dark(dark_palette())
