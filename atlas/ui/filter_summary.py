"""The one-line summary above the list: "214 of 1,032 events · 6–31 Aug 2024 · Battles · in view".

Each active term is a chip; clicking its ✕ removes just that term from the model's filter.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from atlas.model import AtlasModel
from atlas.model.facets import without_part
from atlas.model.filters import Filter

CHIP_STYLE = (
    "QToolButton { border: 1px solid #b8c2cc; border-radius: 9px; padding: 1px 6px;"
    " background: #eef3f7; color: #1d2a36; }"
    "QToolButton:hover { background: #ffe9e6; border-color: #d07a6e; }"
)


class FilterSummary(QWidget):
    """Count plus one removable chip per top-level filter term (redrawn from the model)."""

    def __init__(self, model: AtlasModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.count = QLabel()
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        # Bold through the font, not a style sheet: a style-sheeted label keeps the palette it was
        # polished with, and stayed black on the dark theme.
        bold = self.count.font()
        bold.setBold(True)
        self.count.setFont(bold)
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(4, 2, 4, 2)
        self._lay.setSpacing(4)
        self._lay.addWidget(self.count)
        self._lay.addStretch(1)
        self.chips: list[QToolButton] = []
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        model.filter_changed.connect(self.refresh)
        model.table_changed.connect(self.refresh)
        model.aggregates_changed.connect(self.refresh)
        model.stale_changed.connect(self.refresh)  # "cached events" while a stale copy
        self.refresh()

    def text(self) -> str:
        """The summary as one line of text (what the chips say)."""
        parts = [self.count.text()] + [c.property("label") for c in self.chips]
        return " · ".join(parts)

    def refresh(self) -> None:
        from .event_list import count_text

        self.count.setText(count_text(self.atlas))
        for c in self.chips:
            self._lay.removeWidget(c)
            c.deleteLater()
        self.chips = []
        for i, part in enumerate(self.atlas.filter.parts()):
            label = part.describe()
            chip = QToolButton()
            chip.setText(f"{label}  ✕".replace("&", "&&"))  # never rich text; "&" is a mnemonic marker
            chip.setProperty("label", label)
            chip.setToolTip("Remove this filter")
            chip.setStyleSheet(CHIP_STYLE)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(lambda _=False, p=part: self.remove(p))
            self._lay.insertWidget(1 + i, chip)
            self.chips.append(chip)

    def remove(self, part: Filter) -> None:
        self.atlas.set_filter(without_part(self.atlas.filter, part))
