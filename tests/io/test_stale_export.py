"""Exports of a stale view (a store's events while its server is unreachable) say so in every
format a data export can be written in (atlas.io.stale_mark): a ``stale_copy`` column that a
second program shows for every feature (GDAL's ogrinfo; DuckDB for GeoParquet, which the GDAL in
Debian cannot read), and the file's description where the format has one."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from atlas.io import WRITERS, read_events, write_events
from atlas.io.stale_mark import PARQUET_KEY, STALE_FIELD
from atlas.model.table import EventTable

from .gdal import kmz_member, ogrinfo

NOTE = ("Stale: events of the database user=anna dbname=atlas host=db.example port=5433 as read at "
        "2026-12-04 15:55 UTC (local cache; server unreachable)")

#: suffix → (ogrinfo driver, how it opens the file), for the formats the GDAL in Debian reads.
OGR: dict[str, tuple[str, str]] = {
    ".csv": ("CSV", "{p}"), ".geojson": ("GeoJSON", "{p}"), ".json": ("GeoJSON", "{p}"),
    ".kml": ("LIBKML", "{p}"), ".kmz": ("LIBKML", "{p}"), ".gpkg": ("GPKG", "{p}"),
    ".fgb": ("FlatGeobuf", "{p}"), ".shp": ("ESRI Shapefile", "{p}"),
    ".shp.zip": ("ESRI Shapefile", "/vsizip/{p}"), ".zip": ("ESRI Shapefile", "/vsizip/{p}"),
    ".xlsx": ("XLSX", "{p}"), ".ods": ("ODS", "{p}"),
}
#: The formats with a description of the whole file, as ogrinfo shows it.
DESCRIBED = {".geojson", ".json", ".gpkg"}


def _events() -> EventTable:
    return EventTable.from_records([
        {"event_id": f"st{i}", "event_date": "2024-08-1" + str(i), "title": f"Event {i}", "event_type": "Battles",
         "side": "Ukraine", "longitude": 35.1 + i / 10, "latitude": 51.2, "notes": "Суджа"}
        for i in range(4)])


def test_every_data_export_format_is_covered():
    assert set(WRITERS) == set(OGR) | {".parquet", ".geoparquet"}


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_a_stale_export_carries_the_note_in_a_column_that_reads_back(suffix: str, tmp_path: Path) -> None:
    table = _events()
    path = tmp_path / f"stale{suffix}"
    assert write_events(table, path, [0, 2, 3], stale=NOTE) == 3
    back, _ = read_events(path)
    assert sorted(map(str, back.ids)) == ["st0", "st2", "st3"]  # FlatGeobuf: in its index's order
    assert [str(v) for v in back.values(STALE_FIELD, range(3))] == [NOTE] * 3
    # The table exported from is not changed; an export of a fresh view has no such column.
    assert STALE_FIELD not in table.extras
    fresh = tmp_path / f"fresh{suffix}"
    write_events(table, fresh)
    assert STALE_FIELD not in read_events(fresh)[0].extras


@pytest.mark.parametrize("suffix", sorted(OGR))
def test_ogrinfo_shows_the_stale_note_for_every_feature(suffix: str, tmp_path: Path) -> None:
    driver, target = OGR[suffix]
    path = tmp_path / f"stale{suffix}"
    write_events(_events(), path, stale=NOTE)
    out = ogrinfo(target.format(p=kmz_member(path, driver) if suffix == ".kmz" else path), driver, "-al")
    assert len(re.findall(rf"^  {STALE_FIELD} \(String\) = {re.escape(NOTE)}$", out, re.MULTILINE)) == 4, out[-1500:]
    if suffix in DESCRIBED:  # the layer's description, which QGIS shows in the layer's properties
        assert re.search(rf"^  DESCRIPTION=.*{re.escape(NOTE)}$", out, re.MULTILINE), out[:800]


def test_the_csv_keeps_its_header_first_and_the_note_in_a_column(tmp_path: Path) -> None:
    """No comment line before the header: ACLED readers and spreadsheets take line 1 as the header."""
    path = tmp_path / "stale.csv"
    write_events(_events(), path, stale=NOTE, excel=True)
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert next(csv.reader(io.StringIO(text)))[0] == "event_id_cnty" and len(rows) == 4
    assert all(r[STALE_FIELD] == NOTE for r in rows)


def test_geoparquet_and_kml_say_it_for_the_whole_file_too(tmp_path: Path) -> None:
    import duckdb

    pq_path = tmp_path / "stale.parquet"
    write_events(_events(), pq_path, stale=NOTE)
    assert pq.read_schema(pq_path).metadata[PARQUET_KEY].decode("utf-8") == NOTE
    con = duckdb.connect()
    try:
        got = con.execute("SELECT value FROM parquet_kv_metadata(?) WHERE key = ?",
                          [str(pq_path), PARQUET_KEY]).fetchall()
        assert [bytes(v).decode("utf-8") for (v,) in got] == [NOTE]
        column = con.execute(f"SELECT DISTINCT {STALE_FIELD} FROM read_parquet(?)", [str(pq_path)]).fetchall()
        assert column == [(NOTE,)]
    finally:
        con.close()
    kmz = tmp_path / "stale.kmz"
    write_events(_events(), kmz, stale=NOTE)
    with zipfile.ZipFile(kmz) as zf:
        doc = zf.read("doc.kml").decode("utf-8")
    head = doc.split("<Schema", 1)[0]
    assert f"<description>{NOTE}</description>" in head  # the Document's, beside its name


def test_flatgeobuf_header_description(tmp_path: Path) -> None:
    import pyogrio

    path = tmp_path / "stale.fgb"
    write_events(_events(), path, stale=NOTE)
    assert (pyogrio.read_info(path).get("layer_metadata") or {}).get("DESCRIPTION") == NOTE
