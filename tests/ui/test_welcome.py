"""The welcome panel: shown on a first start with three things to try, dismissed for good."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from atlas.model import AtlasModel
from atlas.ui.welcome import DISMISSED_KEY, TIPS


def test_welcome_shows_once_and_is_remembered_as_dismissed(qtbot) -> None:
    from atlas.ui.main_window import MainWindow

    QSettings().remove(DISMISSED_KEY)
    QSettings().remove("window/state")  # the first-start layout
    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(150)
    welcome = win.feature("welcome")
    panel = welcome.panel
    assert panel.isVisible() and len(panel.tips) == 3 == len(TIPS)
    text = " ".join(t.text() for t in panel.tips)
    for words in ("Click an event", "Filter by date", "Export a briefing picture"):
        assert words in text
    # over the map, inside it, and small beside it
    canvas = win.canvas
    assert canvas.rect().contains(panel.geometry())
    assert panel.width() * panel.height() < 0.2 * canvas.width() * canvas.height()

    panel.close_button.click()
    assert not panel.isVisible()
    assert QSettings().value(DISMISSED_KEY) == "true"
    win.close()

    again = MainWindow(AtlasModel())
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert not again.feature("welcome").panel.isVisible()
    again.feature("welcome").act_show.trigger()  # Help ▸ Show the welcome tips
    assert again.feature("welcome").panel.isVisible()
    again.feature("welcome").dismiss()
