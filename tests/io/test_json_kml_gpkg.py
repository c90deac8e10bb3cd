"""GeoJSON, ACLED API JSON, JSON records, KML/KMZ (incl. hostile XML and archives) and GeoPackage."""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from atlas.io import InputError, read_events, write_events
from atlas.io.gpkg_events import GPKG_APPLICATION_ID, parse_point_blob, point_blob
from tests.conftest import fixture_path


def dump(tmp_path: Path, name: str, doc: object) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


# ------------------------------------------------------------------ JSON
def test_geojson_foreign_members_z_and_properties(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "crs": {"type": "name"}, "generator": "x", "features": [
        {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [35.27, 51.19, 180.0]},
         "properties": {"date": "2024-08-06", "title": "Crossing", "place": "Sudzha", "nested": {"a": 1}}, "foreign": True},
        {"type": "Feature", "geometry": None, "properties": {"date": "2024-08-07", "title": "Statement"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {"title": "zero"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "properties": {}},
    ]}
    t, r = read_events(dump(tmp_path, "g.geojson", doc))
    assert len(t) == 3 and t.ids[0] == "7"
    assert t.lon[0] == 35.27 and t.value("title", 0) == "Crossing" and t.value("location", 0) == "Sudzha"
    assert t.date[1] == np.datetime64("2024-08-07") and not t.has_coords[1] and not t.has_coords[2]
    assert json.loads(t.extras["nested"][0]) == {"a": 1}
    assert sorted((p.where, p.action) for p in r.problems) == [("feature 3", "kept without a point"), ("feature 4", "rejected")]
    assert any("z" in n for n in r.notes) and any("crs" in n for n in r.notes)


def test_polygon_only_geojson_is_refused_clearly(tmp_path: Path) -> None:
    poly = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": poly, "properties": {}}] * 3}
    with pytest.raises(InputError, match=r"no Point features .*3 Polygon.*area or line layer"):
        read_events(dump(tmp_path, "areas.geojson", doc))


def test_acled_api_envelope_all_strings_and_wrong_count(tmp_path: Path) -> None:
    rec = {"event_id_cnty": "UKR1", "event_date": "2024-01-01", "year": "2024", "time_precision": "1",
           "event_type": "Battles", "actor1": "Military Forces of Russia (2000-)", "country": "Ukraine",
           "admin1": "Donetsk", "location": "Andriivka", "latitude": "48.5008", "longitude": "37.9680",
           "geo_precision": "2", "source": "A; B", "notes": "n", "fatalities": "2", "inter1": "8"}
    doc = {"status": 200, "success": True, "count": 122, "data": [rec, dict(rec, event_id_cnty="UKR2")]}
    t, r = read_events(dump(tmp_path, "api.json", doc))
    assert r.format == "ACLED API JSON" and len(t) == 2
    assert t.lat[0] == pytest.approx(48.5008) and t.geo_precision[0] == 2 and t.fatalities[0] == 2
    assert r.problems[0].where == "envelope" and "122" in r.problems[0].what
    failed = {"status": 403, "success": False, "messages": ["denied"], "data": []}
    with pytest.raises(InputError, match="failure"):
        read_events(dump(tmp_path, "denied.json", failed))


def test_json_records_with_string_coordinates_and_sources(tmp_path: Path) -> None:
    recs = [{"id": "C1", "date": "02/24/2022", "latitude": "49.2", "longitude": "38.9", "description": "shelling",
             "sources": [{"id": "s1", "path": "https://example.org/a"}]},
            {"id": "C2", "date": "03/01/2022", "latitude": "0", "longitude": "0", "description": "zero"}, "junk"]
    t, r = read_events(dump(tmp_path, "recs.json", recs))
    assert r.format == "JSON records" and len(t) == 2
    assert t.date[0] == np.datetime64("2022-02-24") and t.value("notes", 0) == "shelling"
    assert t.sources[0][0]["url"] == "https://example.org/a" and t.sources[0][0]["outlet"] == "example.org"
    assert not t.has_coords[1]
    assert ("record 3", "rejected") in [(p.where, p.action) for p in r.problems]


def test_bad_json_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_events(p)


# ------------------------------------------------------------------ KML / KMZ
KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Folder><name>Strikes</name><TimeSpan><begin>2024-08</begin><end>2024-09</end></TimeSpan>
 <Placemark id="p1"><name>Inherited</name><Point><coordinates>35.27,51.19,0</coordinates></Point></Placemark>
 <Placemark><name>Own stamp</name><TimeStamp><when>2024-08-16T10:00:00Z</when></TimeStamp>
  <description><![CDATA[Bridge <b>destroyed</b><br>at Glushkovo]]></description>
  <ExtendedData><Data name="Тип"><value>мост</value></Data>
   <SchemaData schemaUrl="#s"><SimpleData name="Length">3.5</SimpleData></SchemaData></ExtendedData>
  <Point><coordinates>34.63,51.34</coordinates></Point></Placemark>
 <Placemark><name>Area</name><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
 <Placemark><name>No place</name><TimeStamp><when>2025</when></TimeStamp></Placemark>
</Folder></Document></kml>"""


def test_kml_points_time_inheritance_and_extended_data(tmp_path: Path) -> None:
    p = tmp_path / "s.kml"
    p.write_text(KML, encoding="utf-8")
    t, r = read_events(p)
    assert len(t) == 3
    assert t.ids[0] == "p1" and t.date[0] == np.datetime64("2024-08-01") and t.date_precision[0] == 3
    assert t.date[1] == np.datetime64("2024-08-16") and t.date_precision[1] == 1
    assert t.value("notes", 1) == "Bridge destroyed\nat Glushkovo"
    assert t.extras["Тип"][1] == "мост" and t.extras["Length"][1] == "3.5" and t.extras["folder"][0] == "Strikes"
    assert not t.has_coords[2] and t.date[2] == np.datetime64("2025-01-01")
    # The polygon is an area (the window reads it as an area of control), not a rejected event.
    assert r.area_placemarks == 1 and "placemark 3" not in [q.where for q in r.problems]
    assert "1 polygon placemark (areas, not events)" in r.notes and r.rows_read == 3
    assert any("year only" in q.what for q in r.problems)


def test_kml_without_namespace(tmp_path: Path) -> None:
    p = tmp_path / "nons.kml"
    p.write_text("<kml><Placemark><name>A</name><Point><coordinates>35,51</coordinates></Point></Placemark></kml>")
    t, _ = read_events(p)
    assert len(t) == 1 and t.lat[0] == 51


@pytest.mark.parametrize("payload", [
    # billion laughs
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><kml><Placemark><name>&lol3;</name></Placemark></kml>',
    # external entity (XXE)
    '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><kml><Placemark><name>&xxe;</name></Placemark></kml>',
])
def test_hostile_xml_is_refused_fast(tmp_path: Path, payload: str) -> None:
    p = tmp_path / "evil.kml"
    p.write_text(payload)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="refused"):
        read_events(p)
    assert time.perf_counter() - t0 < 1.0


def test_kmz_reads_doc_kml_and_refuses_hostile_archives(tmp_path: Path) -> None:
    good = tmp_path / "good.kmz"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("files/icon.png", b"\x89PNG")
        z.writestr("doc.kml", KML)
    t, r = read_events(good)
    assert len(t) == 3 and r.format == "KMZ"
    trav = tmp_path / "trav.kmz"
    with zipfile.ZipFile(trav, "w") as z:
        z.writestr("doc.kml", KML)
        z.writestr("../../evil.kml", KML)
    with pytest.raises(InputError, match="path traversal"):
        read_events(trav)
    bomb = tmp_path / "bomb.kmz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", b"<kml>" + b" " * (20 << 20) + b"</kml>")
    with pytest.raises(InputError, match="zip bomb"):
        read_events(bomb)
    many = tmp_path / "many.kmz"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(2001):
            z.writestr(f"f{i}.txt", b"")
    with pytest.raises(InputError, match="2,001 files"):
        read_events(many)
    notzip = tmp_path / "no.kmz"
    notzip.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable KMZ"):
        read_events(notzip)


def test_polygon_only_kml_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "zones.kml"
    p.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><Polygon/></Placemark>'
                 '<Placemark><LineString/></Placemark></Document></kml>')
    with pytest.raises(InputError, match=r"no point placemarks.*1 Polygon, 1 LineString"):
        read_events(p)


# ------------------------------------------------------------------ GeoPackage
def test_point_blob_layout() -> None:
    b = point_blob(35.25, 51.5)
    assert b[:2] == b"GP" and b[2] == 0 and b[3] == 1 and struct.unpack("<i", b[4:8])[0] == 4326
    assert b[8] == 1 and struct.unpack("<I", b[9:13])[0] == 1 and struct.unpack("<dd", b[13:29]) == (35.25, 51.5)
    assert parse_point_blob(b) == (35.25, 51.5, 4326)
    # big-endian with an XY envelope (flags: envelope code 1, byte order 0)
    be = b"GP" + bytes([0, 0b10]) + struct.pack(">i", 4326) + struct.pack(">dddd", 1, 2, 3, 4) + struct.pack(">BIdd", 0, 1, 30.0, 50.0)
    assert parse_point_blob(be) == (30.0, 50.0, 4326)
    assert "Polygon" in parse_point_blob(b"GP\x00\x01" + struct.pack("<i", 4326) + struct.pack("<BI", 1, 3))


def test_written_geopackage_follows_the_spec(tmp_path: Path, sample_table) -> None:
    out = tmp_path / "ev.gpkg"
    assert write_events(sample_table, out) == len(sample_table)
    con = sqlite3.connect(out)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
        srs = {r[0] for r in con.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        assert {4326, -1, 0} <= srs
        assert con.execute("SELECT data_type, srs_id FROM gpkg_contents WHERE table_name='events'").fetchone() == ("features", 4326)
        assert con.execute("SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns").fetchone() == ("geom", "POINT", 4326, 0, 0)
        minx, miny, maxx, maxy = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents").fetchone()
        assert minx == pytest.approx(np.nanmin(sample_table.lon)) and maxy == pytest.approx(np.nanmax(sample_table.lat))
        rows = con.execute("SELECT event_id, geom, title FROM events ORDER BY fid").fetchall()
        assert len(rows) == len(sample_table) and rows[0][0] == "T-1"
        assert parse_point_blob(rows[0][1])[:2] == (sample_table.lon[0], sample_table.lat[0])
        assert rows[4][1] is None  # no coordinates: a NULL geometry, still a feature
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    t, r = read_events(out)
    assert list(t.ids) == list(sample_table.ids) and not r.problems


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_geopackage_opens_in_gdal(tmp_path: Path, sample_table) -> None:
    out = tmp_path / "ev.gpkg"
    write_events(sample_table, out)
    info = subprocess.run(["ogrinfo", "-so", "-al", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Layer name: events" in info and f"Feature Count: {len(sample_table)}" in info
    assert "event_id: String" in info and "fatalities: Real" in info


def test_geopackage_in_another_crs_is_transformed(tmp_path: Path) -> None:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(35.27, 51.19)
    p = tmp_path / "merc.gpkg"
    con = sqlite3.connect(p)
    con.executescript("""
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
          organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
        CREATE TABLE pts (fid INTEGER PRIMARY KEY, shape BLOB, name TEXT, date TEXT);
        INSERT INTO gpkg_contents VALUES ('pts', 'features', 'pts', 3857);
        INSERT INTO gpkg_geometry_columns VALUES ('pts', 'shape', 'POINT', 3857, 0, 0);
    """)
    blob = b"GP\x00\x01" + struct.pack("<i", 3857) + struct.pack("<BIdd", 1, 1, x, y)
    con.execute("INSERT INTO pts VALUES (1, ?, 'Sudzha', '2024-08-06')", (blob,))
    con.commit()
    con.close()
    t, _ = read_events(p)
    assert t.lon[0] == pytest.approx(35.27) and t.lat[0] == pytest.approx(51.19)
    assert t.value("title", 0) == "Sudzha" and t.date[0] == np.datetime64("2024-08-06")


def test_not_a_geopackage(tmp_path: Path) -> None:
    p = tmp_path / "x.gpkg"
    p.write_bytes(b"hello")
    with pytest.raises(InputError, match="not a GeoPackage"):
        read_events(p)


# ------------------------------------------------------------------ shared fixtures
@pytest.mark.parametrize("name, rows, points", [
    ("googlesamples_time-stamp-point.kmz", 361, 361), ("googlesamples_schemadata-trailhead.kml", 2, 2),
    ("googlesamples_data-golf.kml", 2, 0),  # placemarks without geometry: listed, not on the map
    ("mapsite_osint_alarm_2024.kml", 73, 73),
])
def test_kml_fixtures(name: str, rows: int, points: int) -> None:
    t, _ = read_events(fixture_path("kml", name))
    assert len(t) == rows and int(t.has_coords.sum()) == points


def test_kml_fixture_dates_from_extended_data() -> None:
    t, _ = read_events(fixture_path("kml", "mapsite_osint_alarm_2024.kml"))
    assert not np.isnat(t.date).any()


@pytest.mark.parametrize("name", ["mapsite_Control_24_09_01.kml", "mapsite_FrontLine_25_03_01.kml"])
def test_area_kml_fixtures_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="area or line layer"):
        read_events(fixture_path("kml", name))


def test_json_fixtures() -> None:
    t, r = read_events(fixture_path("acled", "pynetworkfriction_acled_api_response_ukr_2024-01-01.json"))
    assert r.format == "ACLED API JSON" and len(t) == 8 and r.problems[0].where == "envelope"
    t, r = read_events(fixture_path("events", "bellingcat_civharm_ukr-civharm-2024-06-02.json"))
    assert len(t) == 1790 and not np.isnat(t.date).any()
    t, r = read_events(fixture_path("events", "mikloshetzer_isw_ground_latest.geojson"))
    assert len(t) == 4
