"""A one-line label that says as much as fits: the longest of its wordings that fits its width,
the full wording in its tooltip (a narrow window shows "Drag to choose dates", not "Drag on the
timeline to ch")."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class FittingLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        # The layout gives the label what is left; it never widens the bar.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self._wordings: tuple[str, ...] = ("",)

    def set_wordings(self, wordings: Sequence[str]) -> None:
        """Longest first; the first is the tooltip and what a wide label shows."""
        self._wordings = tuple(w for w in wordings if w) or ("",)
        self.setToolTip(self._wordings[0])
        self._fit()

    def wordings(self) -> tuple[str, ...]:
        return self._wordings

    def full_text(self) -> str:
        return self._wordings[0]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        fm = QFontMetrics(self.font())
        room = self.contentsRect().width()
        shown = next((w for w in self._wordings if fm.horizontalAdvance(w) <= room), None)
        if shown is None:
            shown = fm.elidedText(self._wordings[-1], Qt.TextElideMode.ElideRight, max(0, room))
        if shown != self.text():
            self.setText(shown)


class CappedFittingLabel(FittingLabel):
    """A fitting label in a bar beside other text (a status bar's permanent field): as wide as its
    longest wording but never more than ``share`` of the bar, so the bar's message keeps the rest
    (at 1280 px the attribution took all but "Loaded 120 events, … from" of the import message)."""

    def __init__(self, share: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.share = share
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._watched: QWidget | None = None

    def _bar(self) -> QWidget | None:
        bar = self.parentWidget()
        if bar is not None and bar is not self._watched:
            bar.installEventFilter(self)  # its width sets our cap
            self._watched = bar
        return bar

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if obj is self._watched and event.type() == QEvent.Type.Resize:
            self.updateGeometry()
        return False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        hint = super().sizeHint()
        m = self.contentsMargins()
        full = QFontMetrics(self.font()).horizontalAdvance(self.full_text()) + m.left() + m.right() + 4
        bar = self._bar()
        cap = int(bar.width() * self.share) if bar is not None and bar.width() > 0 else full
        return QSize(max(40, min(full, cap)), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(40, super().minimumSizeHint().height())

    def set_wordings(self, wordings: Sequence[str]) -> None:
        super().set_wordings(wordings)
        self.updateGeometry()
