"""A short welcome on the first start: three things to try, over the map's top-right corner.

Dismissing it is remembered in QSettings (a preference, like the dock layout: no workspace holds
it); Help ▸ Show the welcome tips brings it back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .feature import Feature, FeatureHost

#: The QSettings key that says the user has dismissed the welcome panel.
DISMISSED_KEY = "welcome/dismissed"

TIPS: tuple[str, ...] = (
    "<b>Click an event</b> on the map or in the list: its details and sources open in Details.",
    "<b>Filter by date</b>: drag across the timeline, or tick Dates in Filters.",
    "<b>Export a briefing picture</b>: File ▸ Export picture… (Ctrl+E).",
)


class WelcomePanel(QFrame):
    """The panel: a heading, the three tips and a dismiss button."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)  # the window's colours, so it follows the dark theme
        head = QLabel("Three things to try")
        bold = head.font()  # the font, not a style sheet: the label follows the theme's palette
        bold.setBold(True)
        head.setFont(bold)
        self.close_button = QPushButton("Got it")
        self.close_button.setToolTip("Hide these tips (Help ▸ Show the welcome tips brings them back)")
        self.close_button.clicked.connect(self.dismissed.emit)
        top = QHBoxLayout()
        top.addWidget(head, 1)
        top.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 10)
        lay.addLayout(top)
        self.tips: list[QLabel] = []
        for n, tip in enumerate(TIPS, start=1):
            label = QLabel(f"{n}. {tip}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            lay.addWidget(label)
            self.tips.append(label)
        self.setFixedWidth(300)
        if parent is not None:
            parent.installEventFilter(self)  # follows the map's size

    def place(self) -> None:
        """Top right of the map, below the degree labels, clear of the north arrow (top left)."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        self.move(max(0, parent.width() - self.width() - 14), 30)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if obj is self.parentWidget() and ev.type() == QEvent.Type.Resize:
            self.place()
        return False


class WelcomeFeature(Feature):
    """Shows :class:`WelcomePanel` over the map until the user dismisses it."""

    name = "welcome"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        self.panel = WelcomePanel(host.canvas)
        self.panel.dismissed.connect(self.dismiss)
        self.act_show = host.action("Show the &welcome tips", None, self.show_again,
                                    "Show the three things to try on a first start")
        host.menu("help").addAction(self.act_show)
        self.panel.setVisible(not self.was_dismissed())
        self.panel.place()

    @staticmethod
    def was_dismissed() -> bool:
        return str(QSettings().value(DISMISSED_KEY, "false")).lower() in ("true", "1")

    def dismiss(self) -> None:
        self.panel.hide()
        s = QSettings()
        s.setValue(DISMISSED_KEY, "true")
        s.sync()

    def show_again(self) -> None:
        QSettings().setValue(DISMISSED_KEY, "false")
        self.panel.show()
        self.panel.raise_()
        self.panel.place()
