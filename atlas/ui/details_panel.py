"""The details dock: every field of the current event, its sources, and copy-as-text.

Everything imported is shown as plain text (labels are ``Qt.PlainText``; tooltips are escaped
and wrapped so Qt never interprets imported markup). Source links open in the system browser
only when clicked and only for ``http``/``https`` addresses; anything else is shown, not opened.
"""

from __future__ import annotations

import html
import math
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from atlas.model import AtlasModel, EventTable
from atlas.model.table import DATE_PRECISION_LABELS, GEO_PRECISION_LABELS

ALLOWED_SCHEMES = frozenset({"http", "https"})
#: Fields shown in the header or in their own section, not again in the field list.
_SPECIAL = {"title", "sources", "latitude", "longitude", "geo_precision", "coord_approximate", "event_date", "time_precision"}
LINK_STYLE = "QPushButton { text-align: left; color: #0b57d0; border: none; padding: 1px; } QPushButton:hover { text-decoration: underline; }"


def safe_url(url: str) -> QUrl | None:
    """``url`` as a QUrl if it is a well-formed http(s) address with a host, else None."""
    if not isinstance(url, str) or not url.strip():
        return None
    q = QUrl(url.strip(), QUrl.ParsingMode.StrictMode)
    if not q.isValid() or q.scheme().lower() not in ALLOWED_SCHEMES or not q.host():
        return None
    return q


def open_source(url: str) -> bool:
    """Open ``url`` in the system browser if it is http(s); returns whether it was opened."""
    q = safe_url(url)
    if q is None:
        return False
    return bool(QDesktopServices.openUrl(q))


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally (Qt guesses rich text from a leading tag)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def fmt_value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return "—" if math.isnan(v) else f"{v:,.6g}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v) if str(v) != "" else "—"


def date_text(rec: dict[str, Any]) -> str:
    d = rec.get("event_date")
    prec = int(rec.get("time_precision") or 0)
    if not d:
        return "undated"
    return f"{d}  (precision: {DATE_PRECISION_LABELS.get(prec, str(prec))})"


def coord_text(rec: dict[str, Any]) -> str:
    lat, lon = rec.get("latitude"), rec.get("longitude")
    if lat is None or lon is None:
        return "no coordinates (listed and on the timeline, not on the map)"
    gp = rec.get("geo_precision")
    prec = GEO_PRECISION_LABELS.get(int(gp), str(gp)) if gp is not None else "?"
    # 5 decimals ≈ 1 m: never more digits than any source gives.
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    s = f"{abs(lat):.5f}° {ns}, {abs(lon):.5f}° {ew}  (precision: {prec})"
    if rec.get("coord_approximate"):
        s += "\napproximate: no source gives this point; placed by the dataset"
    return s


def source_text(src: dict[str, Any]) -> str:
    bits = [str(src.get("outlet") or "unnamed source")]
    if src.get("date"):
        bits.append(str(src["date"]))
    if src.get("title"):
        bits.append(str(src["title"]))
    return " · ".join(bits)


def event_text(table: EventTable, row: int) -> str:
    """The event as plain text, field by field (what "Copy as text" puts on the clipboard)."""
    rec = table.record(row)
    lines = [str(rec.get("title") or rec.get("event_id")), f"Date: {date_text(rec)}", f"Coordinates: {coord_text(rec)}"]
    for name in table.columns:
        if name in _SPECIAL or name in table.extras:
            continue
        lines.append(f"{field_label(name)}: {fmt_value(rec.get(name))}")
    for name in table.extras:
        lines.append(f"{name}: {fmt_value(rec.get(name))}")
    srcs = rec.get("sources") or []
    if srcs:
        lines.append("Sources:")
        for s in srcs:
            lines.append("  - " + source_text(s) + (f" <{s['url']}>" if s.get("url") else ""))
    return "\n".join(lines)


def _plain_label(text: str, bold: bool = False) -> QLabel:
    lbl = QLabel(text)
    lbl.setTextFormat(Qt.TextFormat.PlainText)
    lbl.setWordWrap(True)
    lbl.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        f = lbl.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        lbl.setFont(f)
    return lbl


class DetailsPanel(QWidget):
    """Shows the model's current event (rebuilt on ``current_changed``)."""

    def __init__(self, model: AtlasModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.atlas = model
        self.row: int | None = None
        self.copy_btn = QPushButton("Copy as text")
        self.copy_btn.setToolTip("Copy every field of this event to the clipboard (Ctrl+Alt+C)")
        self.copy_btn.clicked.connect(self.copy_text)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        top = QHBoxLayout()
        self.header = QLabel("No event chosen. Click one on the map or in the list.")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.header.setMinimumWidth(40)
        top.addWidget(self.header, 1)
        top.addWidget(self.copy_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.scroll, 1)
        self._layout = lay
        self.labels: dict[str, QLabel] = {}
        self.source_buttons: list[QPushButton] = []
        model.current_changed.connect(self._on_current)
        model.table_changed.connect(self._on_current)
        model.resident_changed.connect(self._on_current)  # a colleague's edit of a remote store
        self._on_current()

    def add_section(self, widget: QWidget) -> None:
        """A feature's part of the panel under the event's fields (the database's inline editor)."""
        self._layout.addWidget(widget)

    def _on_current(self, *_args: object) -> None:
        self.show_row(self.atlas.current_row())

    def show_row(self, row: int | None) -> None:
        self.row = row
        body = QWidget()
        v = QVBoxLayout(body)
        self.labels = {}
        self.source_buttons = []
        self.copy_btn.setEnabled(row is not None)
        if row is None:
            self.header.setText("No event chosen. Click one on the map or in the list.")
            v.addStretch(1)
            self.scroll.setWidget(body)
            return
        t = self.atlas.table
        rec = t.record(row)
        self.header.setText(str(rec.get("event_id")))
        title = _plain_label(str(rec.get("title") or "(untitled)"), bold=True)
        self.labels["title"] = title
        v.addWidget(title)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        def add(name: str, label: str, text: str) -> None:
            lbl = _plain_label(text)
            self.labels[name] = lbl
            form.addRow(_plain_label(label + ":"), lbl)

        add("event_date", "Date", date_text(rec))
        add("coordinates", "Coordinates", coord_text(rec))
        for name in t.columns:
            if name in _SPECIAL or name in t.extras:
                continue
            add(name, field_label(name), fmt_value(rec.get(name)))
        v.addLayout(form)

        srcs = rec.get("sources") or []
        box = QGroupBox(f"Sources ({len(srcs)})")
        sv = QVBoxLayout(box)
        if not srcs:
            sv.addWidget(_plain_label("No source given."))
        for s in srcs:
            url = str(s.get("url") or "")
            btn = QPushButton(source_text(s).replace("&", "&&"))  # "&" would be a mnemonic marker
            ok = safe_url(url) is not None
            btn.setEnabled(ok)
            btn.setFlat(True)
            btn.setCursor(Qt.CursorShape.PointingHandCursor if ok else Qt.CursorShape.ArrowCursor)
            btn.setStyleSheet(LINK_STYLE if ok else "QPushButton { text-align: left; border: none; color: #444; }")
            if ok:
                btn.setToolTip(plain_tooltip(f"Open in the browser: {url}"))
            elif url:
                btn.setToolTip(plain_tooltip(f"Not opened (only http and https links are): {url}"))
            else:
                btn.setToolTip(plain_tooltip("No link given for this source."))
            btn.setProperty("url", url)
            btn.clicked.connect(lambda _=False, u=url: open_source(u))
            self.source_buttons.append(btn)
            sv.addWidget(btn)
        v.addWidget(box)

        if t.extras:
            ex = QGroupBox("Other imported fields")
            ef = QFormLayout(ex)
            for name in t.extras:
                lbl = _plain_label(fmt_value(rec.get(name)))
                self.labels["extra:" + name] = lbl
                ef.addRow(_plain_label(name + ":"), lbl)
            v.addWidget(ex)
        v.addStretch(1)
        self.scroll.setWidget(body)

    def text(self) -> str:
        return "" if self.row is None else event_text(self.atlas.table, self.row)

    def copy_text(self) -> None:
        if self.row is not None:
            QGuiApplication.clipboard().setText(self.text())
