"""XLSX and ODS events: Cyrillic and typed cells round-trip through our reader; GDAL's ogrinfo (its
XLSX and ODS drivers) and LibreOffice (``soffice --convert-to csv``) open what we write; spreadsheets
of other tools (a title row, repeated ODS rows, formulas) and hostile ones are read or refused."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from atlas.bench.io_cases import write_acled_csv
from atlas.io import InputError, read_events, write_events
from atlas.model.table import EventTable

from .gdal import ogrinfo

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FORMATS = {"xlsx": "XLSX", "ods": "ODS"}

CYRILLIC = [
    {"event_id": "K-1", "event_date": "2024-08-06", "time_precision": 1, "event_type": "Battles",
     "title": "Бои у Суджи", "location": "Суджа", "admin1": "Курская область", "longitude": 35.2706,
     "latitude": 51.1914, "geo_precision": 1, "notes": "Обстрел; «кавычки», ё/Ё и Ї\nвторая строка",
     "fatalities": 3, "sources": [{"outlet": "Коммерсантъ", "date": "2024-08-07", "url": "https://example.org/a"}]},
    {"event_id": "K-2", "event_date": "2024-08-07", "time_precision": 3, "event_type": "Strategic developments",
     "title": "=HYPERLINK(\"http://x\")", "location": "Курская область", "notes": "два  пробела\tи таб"},
]


def _table() -> EventTable:
    return EventTable.from_records(CYRILLIC, extra_fields=[])


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_cyrillic_events_round_trip(fmt: str, tmp_path: Path) -> None:
    table = _table()
    path = tmp_path / f"k.{fmt}"
    assert write_events(table, path) == 2
    back, report = read_events(path)
    assert not report.problems, report.problems
    assert [back.record(i) | {"dataset": ""} for i in range(2)] == [table.record(i) | {"dataset": ""} for i in range(2)]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_acled_round_trip_keeps_every_column(fmt: str, tmp_path: Path) -> None:
    src = write_acled_csv(tmp_path / "acled.csv", 40)
    table, _ = read_events(src)
    path = tmp_path / f"acled.{fmt}"
    write_events(table, path)
    back, report = read_events(path)
    assert "ACLED" in report.format and not report.problems
    assert [back.record(i) | {"dataset": ""} for i in range(40)] == [table.record(i) | {"dataset": ""} for i in range(40)]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_ogrinfo_reads_typed_columns(fmt: str, tmp_path: Path) -> None:
    src = write_acled_csv(tmp_path / "acled.csv", 25)
    table, _ = read_events(src)
    path = tmp_path / f"acled.{fmt}"
    write_events(table, path)
    out = ogrinfo(path, FORMATS[fmt], "-so", "-al", "--config", f"OGR_{FORMATS[fmt]}_HEADERS", "FORCE")
    assert "Layer name: events" in out and "Feature Count: 25" in out
    types = {m.group(1): m.group(2) for m in re.finditer(r"^(\S+): (\w+) \(", out, re.MULTILINE)}
    assert types["event_date"] == "Date"
    assert types["latitude"] == types["longitude"] == "Real"
    assert types["time_precision"] == types["year"] == "Integer"
    assert types["event_id_cnty"] == types["notes"] == "String"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_ogrinfo_reads_cyrillic_and_formula_like_text_as_text(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"k.{fmt}"
    write_events(_table(), path)
    out = ogrinfo(path, FORMATS[fmt], "-al", "--config", f"OGR_{FORMATS[fmt]}_HEADERS", "FORCE")
    assert "title (String) = Бои у Суджи" in out and "admin1 (String) = Курская область" in out
    assert 'title (String) = =HYPERLINK("http://x")' in out  # text, never run as a formula


def _soffice_csv(path: Path, out_dir: Path) -> list[dict[str, str]]:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed (apt install libreoffice-calc-nogui)")
    # A private profile: no user's settings, no first-start dialogs; UTF-8 CSV (filter options 44,34,76).
    profile = out_dir / "lo-profile"
    r = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out_dir), str(path)],
                       capture_output=True, text=True, timeout=240)
    target = out_dir / (path.stem + ".csv")
    assert r.returncode == 0 and target.exists(), r.stderr + r.stdout
    with target.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_libreoffice_opens_what_we_write(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"k.{fmt}"
    write_events(_table(), path)
    out_dir = tmp_path / "lo"
    out_dir.mkdir()
    rows = _soffice_csv(path, out_dir)
    assert [r["event_id_cnty"] for r in rows] == ["K-1", "K-2"]
    assert rows[0]["title"] == "Бои у Суджи" and rows[0]["admin1"] == "Курская область"
    assert rows[0]["notes"] == CYRILLIC[0]["notes"]
    assert rows[0]["event_date"] == "2024-08-06" and float(rows[0]["latitude"]) == 51.1914
    assert rows[1]["title"] == '=HYPERLINK("http://x")'  # shown as text, not evaluated
    # Two spaces kept; LibreOffice 7.4 drops an ODS cell's <text:tab/> when it converts (our reader
    # and GDAL keep it, and the same text in an XLSX keeps its tab in LibreOffice).
    tab = CYRILLIC[1]["notes"] if fmt == "xlsx" else CYRILLIC[1]["notes"].replace("\t", "")
    assert rows[1]["notes"] == tab


# ---------------------------------------------------------------------------- other tools' sheets
def test_an_xlsx_with_a_title_row_dates_and_formulas(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Обстрелы"
    ws.append(["Обстрелы Курской области, август 2024"])
    ws.append(["ID", "Дата", "Lat", "Lon", "Описание", "Fatalities"])
    ws.append(["S-1", dt.date(2024, 8, 6), 51.1914, 35.2706, "Суджа", 2])
    ws.append([])
    ws.append(["S-2", dt.datetime(2024, 8, 7), "51,25", 35.3, "Горналь", "=1+1"])
    wb.create_sheet("other")
    path = tmp_path / "other.xlsx"
    wb.save(path)
    t, report = read_events(path)
    assert list(t.ids) == ["S-1", "S-2"]
    assert [str(d) for d in t.date.astype("datetime64[D]")] == ["2024-08-06", "2024-08-07"]
    assert t.lat[0] == 51.1914 and t.lon[1] == 35.3
    assert str(t.value("notes", 0)) == "Суджа"
    assert any("row(s) before the header skipped" in n for n in report.notes)
    assert any("2 sheets" in n for n in report.notes)
    # A formula Excel never calculated has no saved value: the cell reads empty, never as its formula.
    assert t.fatalities[0] == 2 and np.isnan(t.fatalities[1])
    # Rows are numbered as the spreadsheet numbers them (the title row and a blank row counted).
    assert [(p.where, p.action) for p in report.problems] == [("row 5", "repaired")]


def test_an_ods_with_repeated_rows_and_cells(tmp_path: Path) -> None:
    path = tmp_path / "rep.ods"
    content = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="s">
<table:table-row><table:table-cell office:value-type="string"><text:p>id</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>date</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>lat</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>lon</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="16380"/></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>R</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2024-08-06"/>
<table:table-cell office:value-type="float" office:value="51.5" table:number-columns-repeated="2"/>
<table:table-cell table:number-columns-repeated="16380"/></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>""")
    t, report = read_events(path)
    assert list(t.ids) == ["R", "R#2", "R#3"]
    assert t.lat.tolist() == [51.5] * 3 and t.lon.tolist() == [51.5] * 3
    assert report.rows_read == 3


# ---------------------------------------------------------------------------- hostile input
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_billion_laughs_workbook_is_refused(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"lol.{fmt}"
    write_events(_table(), path)
    member = "content.xml" if fmt == "ods" else "xl/worksheets/sheet1.xml"
    evil = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            "<x>&lol2;</x>")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[member] = evil.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(InputError, match="declares a DTD or an entity"):
        read_events(path)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_damaged_and_bomb_workbooks_are_one_line_refusals(fmt: str, tmp_path: Path) -> None:
    junk = tmp_path / f"junk.{fmt}"
    junk.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(InputError) as err:
        read_events(junk)
    assert "\n" not in str(err.value)
    bomb = tmp_path / f"bomb.{fmt}"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("content.xml" if fmt == "ods" else "xl/worksheets/sheet1.xml", b" " * (600 << 20))
    with pytest.raises(InputError, match="bomb|more than"):
        read_events(bomb)


def test_too_many_events_for_a_sheet_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.io import spreadsheet_events

    monkeypatch.setattr(spreadsheet_events, "MAX_ROWS", 2)
    with pytest.raises(ValueError, match="do not fit in one Excel sheet"):
        write_events(_table(), tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()
