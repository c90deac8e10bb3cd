"""The dialog of Edit ▸ Edit event in database…: grade, place and sources of the current event.

It reads the event as stored now (with its version) and saves through the database feature, which
reports a colleague's earlier save or a read-only role instead of writing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QMessageBox,
    QPlainTextEdit, QWidget,
)

from atlas.model.table import CONFIDENCE_LEVELS

if TYPE_CHECKING:
    from .database_feature import DatabaseFeature


def sources_from_text(text: str) -> list[dict[str, Any]]:
    """One source per line: ``outlet | url | title`` (url and title optional)."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not any(parts):
            continue
        src = {k: v for k, v in zip(("outlet", "url", "title"), parts) if v}
        out.append(src)
    return out


def sources_to_text(sources: list[dict[str, Any]]) -> str:
    return "\n".join(" | ".join(s.get(k, "") or "" for k in ("outlet", "url", "title")).rstrip(" |")
                     for s in sources)


class EditEventDialog(QDialog):
    def __init__(self, feature: DatabaseFeature, event_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from atlas.db import edit
        from atlas.db.connect import connect

        self.feature = feature
        self.event_id = event_id
        self.setWindowTitle(f"Edit event {event_id}")
        with connect(feature._target) as conn:
            self.stored = edit.load(conn, event_id)
        v = self.stored.values
        form = QFormLayout(self)
        form.addRow(QLabel(f"Stored version {self.stored.version}; saved only if nobody saves first."))
        self.grade = QComboBox()
        if v.get("confidence") not in CONFIDENCE_LEVELS:
            self.grade.addItem("")  # ungraded stays ungraded unless a grade is picked
        self.grade.addItems(list(CONFIDENCE_LEVELS))
        if v.get("confidence") in CONFIDENCE_LEVELS:
            self.grade.setCurrentText(v["confidence"])
        form.addRow("Grade", self.grade)
        self.location = QLineEdit(v.get("location") or "")
        form.addRow("Place name", self.location)
        self.lon, self.lat = QDoubleSpinBox(), QDoubleSpinBox()
        for box, lim, val in ((self.lon, 180.0, v.get("lon")), (self.lat, 90.0, v.get("lat"))):
            box.setRange(-lim, lim)
            box.setDecimals(5)
            box.setValue(float(val) if val is not None else 0.0)
        # An event without a point keeps none unless the analyst sets one (0, 0 is not "no place").
        self._place_touched = False
        for box in (self.lon, self.lat):
            box.valueChanged.connect(self._touch_place)
        if v.get("lon") is None:
            self.lon.setToolTip("No point stored: set both values to place the event")
        form.addRow("Longitude", self.lon)
        form.addRow("Latitude", self.lat)
        self.sources = QPlainTextEdit(sources_to_text(self.stored.sources))
        self.sources.setPlaceholderText("outlet | url | title — one source per line")
        form.addRow("Sources", self.sources)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        #: the message of the last refused save (for tests and the status)
        self.error: str | None = None

    def _touch_place(self, *_args: object) -> None:
        self._place_touched = True

    def changes(self) -> dict[str, Any]:
        v = self.stored.values
        out: dict[str, Any] = {"confidence": self.grade.currentText(), "location": self.location.text().strip()}
        lon, lat = round(self.lon.value(), 5), round(self.lat.value(), 5)
        if v.get("lon") is None:
            if self._place_touched:
                out["lon"], out["lat"] = lon, lat
        elif (round(float(v["lon"]), 5), round(float(v["lat"]), 5)) != (lon, lat):
            out["lon"], out["lat"] = lon, lat
        return out

    def save(self) -> None:
        version, error = self.feature.save_edit(self.event_id, self.stored.version, self.changes(),
                                                sources_from_text(self.sources.toPlainText()))
        self.error = error
        if error:
            QMessageBox.warning(self, "Not saved", error)
            return
        self.accept()
