"""The details dock: every field, plain text only, safe source links, copy as text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication

from atlas.model import AtlasModel, EventTable
from atlas.ui import details_panel
from atlas.ui.details_panel import DetailsPanel, plain_tooltip, safe_url

HOSTILE = "<b>bold</b> <a href='javascript:alert(1)'>click</a> <img src=x>"


@pytest.fixture
def table() -> EventTable:
    return EventTable.from_records(
        [{
            "event_id": "H-1", "event_date": "2025-03-08", "time_precision": 2, "event_type": "Battles",
            "title": "<i>Operation</i> Potok", "notes": HOSTILE, "location": "Sudzha",
            "longitude": 35.2706, "latitude": 51.1914, "geo_precision": 2, "confidence": "claimed",
            "sources": [
                {"outlet": "Reuters", "date": "2025-03-08", "url": "https://www.reuters.com/x", "title": "Pipeline"},
                {"outlet": "Evil", "url": "javascript:alert(1)"},
                {"outlet": "Local file", "url": "file:///etc/passwd"},
                {"outlet": "No link"},
            ],
            "unit_code": "<script>x</script>",
        }],
        extra_fields=["unit_code"],
    )


@pytest.fixture
def panel(qtbot, table) -> DetailsPanel:
    m = AtlasModel(table)
    p = DetailsPanel(m)
    qtbot.addWidget(p)
    p.resize(500, 700)
    p.show()
    m.set_current("H-1")
    return p


def test_every_field_is_shown_as_plain_text(panel) -> None:
    notes = panel.labels["notes"]
    assert notes.textFormat() == Qt.TextFormat.PlainText
    assert notes.text() == HOSTILE  # the markup is shown, not interpreted
    assert panel.labels["title"].text() == "<i>Operation</i> Potok"
    assert panel.labels["title"].textFormat() == Qt.TextFormat.PlainText
    assert panel.labels["extra:unit_code"].text() == "<script>x</script>"
    assert panel.labels["extra:unit_code"].textFormat() == Qt.TextFormat.PlainText
    assert "approx. (week)" in panel.labels["event_date"].text()
    assert "51.19140° N, 35.27060° E" in panel.labels["coordinates"].text()
    assert "near place" in panel.labels["coordinates"].text()
    assert panel.labels["confidence"].text() == "claimed"
    # every label in the panel is plain text
    from PySide6.QtWidgets import QLabel

    assert all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in panel.findChildren(QLabel))


def test_tooltips_escape_markup() -> None:
    tip = plain_tooltip("<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in tip and "<b>" not in tip


def test_link_scheme_check() -> None:
    assert safe_url("https://www.reuters.com/world/") is not None
    assert safe_url("http://example.org/a?b=c") is not None
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/", "data:text/html,hi", "https://", "", "reuters.com/x", "mailto:a@b.c"):
        assert safe_url(bad) is None, bad


def test_sources_open_only_on_click_and_only_http(qtbot, panel, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda u: opened.append(u.toString()) or True))
    btns = panel.source_buttons
    assert [b.isEnabled() for b in btns] == [True, False, False, False]
    assert opened == []  # showing the event opened nothing
    qtbot.mouseClick(btns[0], Qt.MouseButton.LeftButton)
    assert opened == ["https://www.reuters.com/x"]
    assert details_panel.open_source("javascript:alert(1)") is False
    assert details_panel.open_source("file:///etc/passwd") is False
    assert opened == ["https://www.reuters.com/x"]
    assert "only http and https" in btns[1].toolTip()


def test_copy_as_text(qtbot, panel) -> None:
    qtbot.mouseClick(panel.copy_btn, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text.startswith("<i>Operation</i> Potok\nDate: 2025-03-08")
    assert "Notes: " + HOSTILE in text
    assert "  - Reuters · 2025-03-08 · Pipeline <https://www.reuters.com/x>" in text
    assert "unit_code: <script>x</script>" in text


def test_no_current_event(qtbot, panel) -> None:
    panel.atlas.clear_selection()
    assert panel.row is None and not panel.copy_btn.isEnabled()
