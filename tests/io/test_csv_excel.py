"""The Excel dialect of CSV export: UTF-8 with a byte-order mark, formula-like text defused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from atlas.io import read_events, write_events
from atlas.launcher import main
from atlas.model.table import EventTable


def _table() -> EventTable:
    recs = [
        {"event_id": "E1", "event_date": "2024-08-06", "title": "Бои в районе Суджи", "location": "Суджа",
         "latitude": 51.19, "longitude": 35.27, "notes": "=HYPERLINK(\"http://x\",\"click\")", "tags": "-12.5"},
        {"event_id": "E2", "event_date": "2024-08-07", "title": "Обстріл Сум", "location": "Суми",
         "latitude": 50.91, "longitude": -0.5, "notes": "+1 more strike; @channel", "tags": "-x"},
    ]
    return EventTable.from_records(recs, extra_fields=["tags"])


def test_excel_csv_has_a_bom_and_cyrillic_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    assert write_events(_table(), path, excel=True) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[0] == "event_id_cnty"  # the BOM is not part of the first header
    assert rows[0]["title"] == "Бои в районе Суджи" and rows[1]["location"] == "Суми"
    # Formula-like text is defused; numbers (a negative longitude, "-12.5") are not touched.
    assert rows[0]["notes"] == "'=HYPERLINK(\"http://x\",\"click\")" and rows[1]["notes"] == "'+1 more strike; @channel"
    assert rows[0]["tags"] == "-12.5" and rows[1]["tags"] == "'-x" and rows[1]["longitude"] == "-0.5"
    # The atlas reads its Excel files back (the BOM is skipped).
    back, report = read_events(path)
    assert list(back.ids) == ["E1", "E2"] and str(back.value("title", 1)) == "Обстріл Сум"


def test_plain_csv_has_no_bom_and_keeps_text_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    write_events(_table(), path)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0]["notes"].startswith("=HYPERLINK")


def test_the_excel_dialect_is_a_csv_option_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CSV option"):
        write_events(_table(), tmp_path / "x.geojson", excel=True)


def test_convert_excel_option(sample_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "for_excel.csv"
    assert main(["convert", "-o", str(out), str(sample_file), "--excel"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Путин посетил командный пункт" in out.read_bytes().decode("utf-8-sig")
    capsys.readouterr()
    assert main(["convert", "-o", str(tmp_path / "x.kml"), str(sample_file), "--excel"]) == 64
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--excel" in err
