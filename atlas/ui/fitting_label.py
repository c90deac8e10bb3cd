"""A one-line label that says as much as fits: the longest of its wordings that fits its width,
the full wording in its tooltip (a narrow window shows "Drag to choose dates", not "Drag on the
timeline to ch")."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
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
