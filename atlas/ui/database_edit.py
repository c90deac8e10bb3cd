"""Editing a stored event: inline in the details panel, and the dialog of Edit ▸ Edit event in database….

It reads the event as stored now (with its version) and saves through the database feature, which
reports a colleague's earlier save or a read-only role instead of writing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QMessageBox,
    QPlainTextEdit, QPushButton, QWidget,
)

from atlas.model.table import CONFIDENCE_LEVELS

if TYPE_CHECKING:
    from atlas.model import AtlasModel

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


class EditFields:
    """The editable fields of one stored event (grade, place name, point, sources) in a form;
    shared by the details panel's inline editor and the Edit menu's dialog."""

    def __init__(self, form: QFormLayout) -> None:
        self.grade = QComboBox()
        self.location = QLineEdit()
        self.lon, self.lat = QDoubleSpinBox(), QDoubleSpinBox()
        for box, lim in ((self.lon, 180.0), (self.lat, 90.0)):
            box.setRange(-lim, lim)
            box.setDecimals(5)
            box.valueChanged.connect(self._touch_place)
        self.sources = QPlainTextEdit()
        self.sources.setPlaceholderText("outlet | url | title — one source per line")
        form.addRow("Grade", self.grade)
        form.addRow("Place name", self.location)
        form.addRow("Longitude", self.lon)
        form.addRow("Latitude", self.lat)
        form.addRow("Sources", self.sources)
        self.stored: Any = None
        self._place_touched = False

    def widgets(self) -> list[QWidget]:
        return [self.grade, self.location, self.lon, self.lat, self.sources]

    def show(self, stored: Any) -> None:
        """Fill the fields with ``stored`` (:class:`atlas.db.edit.Stored`)."""
        self.stored = stored
        v = stored.values
        self.grade.clear()
        if v.get("confidence") not in CONFIDENCE_LEVELS:
            self.grade.addItem("")  # ungraded stays ungraded unless a grade is picked
        self.grade.addItems(list(CONFIDENCE_LEVELS))
        if v.get("confidence") in CONFIDENCE_LEVELS:
            self.grade.setCurrentText(v["confidence"])
        self.location.setText(v.get("location") or "")
        for box, val in ((self.lon, v.get("lon")), (self.lat, v.get("lat"))):
            box.blockSignals(True)
            box.setValue(float(val) if val is not None else 0.0)
            box.blockSignals(False)
        # An event without a point keeps none unless the analyst sets one (0, 0 is not "no place").
        self._place_touched = False
        self.lon.setToolTip("No point stored: set both values to place the event" if v.get("lon") is None else "")
        self.sources.setPlainText(sources_to_text(stored.sources))

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

    def source_list(self) -> list[dict[str, Any]]:
        return sources_from_text(self.sources.toPlainText())


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
        form = QFormLayout(self)
        form.addRow(QLabel(f"Stored version {self.stored.version}; saved only if nobody saves first."))
        self.fields = EditFields(form)
        self.fields.show(self.stored)
        self.grade, self.location, self.lon, self.lat, self.sources = self.fields.widgets()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        #: the message of the last refused save (for tests and the status)
        self.error: str | None = None

    def changes(self) -> dict[str, Any]:
        return self.fields.changes()

    def save(self) -> None:
        version, error = self.feature.save_edit(self.event_id, self.stored.version, self.changes(),
                                                self.fields.source_list())
        self.error = error
        if error:
            QMessageBox.warning(self, "Not saved", error)
            return
        self.accept()


class InlineEventEditor(QGroupBox):
    """The details panel's editor of the current event in the shared store.

    Shown while a store is open. Its fields hold the event as stored now (read with its version
    when the event becomes current); Save writes through :meth:`DatabaseFeature.save_edit`, and a
    refusal (a colleague saved first, the role may only read, the server is gone) is shown in
    red under the fields, which keep the analyst's values. For a read-only role or an offline
    store the fields are disabled and say why."""

    def __init__(self, feature: DatabaseFeature, model: AtlasModel) -> None:
        super().__init__("Edit in the database")
        self.feature = feature
        self.atlas = model
        form = QFormLayout(self)
        self.fields = EditFields(form)
        self.save_btn = QPushButton("Save to database")
        self.save_btn.setToolTip("Save grade, place and sources in one transaction; "
                                 "refused if a colleague saved this event first")
        self.save_btn.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # a server's message is not markup
        self.message.setWordWrap(True)
        form.addRow(self.save_btn)
        form.addRow(self.message)
        self.event_id: str | None = None
        model.current_changed.connect(self.refresh)
        model.table_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Follow the current event and the store's state (open, read-only, offline)."""
        f = self.feature
        self.setVisible(bool(f.connection))
        eid = self.atlas.current_id
        if not f.connection or eid is None:
            self.event_id = None
            self._enable(False, "" if not f.connection else "Choose an event to edit it.")
            return
        if f.stale:
            self._enable(False, f.status.text())
            return
        if eid != self.event_id or self.fields.stored is None:
            stored, error = f.load_event(eid)
            if stored is None:
                self.event_id = None
                self._enable(False, error or "")
                return
            self.event_id = eid
            self.fields.show(stored)
        if not f.may_edit:
            self._enable(False, "Your database role may only read the shared store: editing is disabled.")
            return
        self._enable(True, f"Stored version {self.fields.stored.version}.")

    def _enable(self, on: bool, text: str, error: bool = False) -> None:
        for w in (*self.fields.widgets(), self.save_btn):
            w.setEnabled(on)
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020; font-weight: bold" if error else "")

    def save(self) -> str | None:
        """Save the fields; returns the refusal shown (None when saved)."""
        if self.event_id is None or self.fields.stored is None:
            return "no event"
        eid = self.event_id
        version, error = self.feature.save_edit(eid, self.fields.stored.version, self.fields.changes(),
                                                self.fields.source_list())
        if error:
            self._enable(self.feature.may_edit and not self.feature.stale, error, error=True)
            return error
        stored, _ = self.feature.load_event(eid)
        if stored is not None:
            self.fields.show(stored)
        self._enable(True, f"Saved: version {version}.")
        return None
