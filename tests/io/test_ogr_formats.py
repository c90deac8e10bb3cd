"""FlatGeobuf, Shapefile (plain and zipped) and GeoParquet: what we write opens in a second program
with the right counts and column types (GDAL's ogrinfo; DuckDB for GeoParquet, which the GDAL in
Debian and in pyogrio's wheel cannot read), reads back with our reader, and hostile files are
refused in one line."""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from atlas.bench.io_cases import write_acled_csv
from atlas.io import InputError, read_events, write_events
from atlas.io.report import MISSING
from atlas.model.table import EventTable

from .gdal import ogrinfo

OGR_FORMATS = {"fgb": "FlatGeobuf", "shp": "ESRI Shapefile", "shp.zip": "ESRI Shapefile"}


@pytest.fixture(scope="module")
def acled(tmp_path_factory: pytest.TempPathFactory) -> EventTable:
    src = write_acled_csv(tmp_path_factory.mktemp("acled") / "acled.csv", 30)
    table, _ = read_events(src)
    return table


def _field_types(out: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^(\S+): (\w+) \(", out, re.MULTILINE)}


@pytest.mark.parametrize("fmt", list(OGR_FORMATS))
def test_ogrinfo_opens_what_we_write_with_counts_and_types(fmt: str, acled: EventTable, tmp_path: Path) -> None:
    path = tmp_path / f"acled.{fmt}"
    assert write_events(acled, path) == 30
    out = ogrinfo(path, OGR_FORMATS[fmt], "-so", "-al")
    assert "Geometry: Point" in out and "Feature Count: 30" in out
    assert 'ID["EPSG",4326]' in out
    types = _field_types(out)
    short = fmt.startswith("shp")
    # Dates as dates (FlatGeobuf has only DateTime), precisions as integers, ACLED's codes as
    # 64-bit integers, counts as reals, text as text.
    assert types["event_date"] == ("Date" if short else "DateTime")
    assert types["time_prec" if short else "time_precision"] == "Integer"
    assert types["geo_prec" if short else "geo_precision"] == "Integer"
    assert types["fatalities"] == "Real"
    for column in ("year", "inter1", "iso", "timestamp"):
        assert types[column] == "Integer64", column
    assert types["event_id"] == types["notes"] == types["region"] == "String"
    # Our reader gives back the same events (the Shapefile's short names mapped back; a FlatGeobuf
    # with a spatial index holds them in the index's order).
    back, report = read_events(path)
    assert len(back) == 30 and not report.problems
    back = back.take(np.argsort(back.ids.astype(str), kind="stable"))
    acled = acled.take(np.argsort(acled.ids.astype(str), kind="stable"))
    assert list(back.ids) == list(acled.ids)
    assert back.lon.tolist() == acled.lon.tolist() and back.lat.tolist() == acled.lat.tolist()
    assert list(back.date) == list(acled.date)
    assert back.date_precision.tolist() == acled.date_precision.tolist()
    for column in ("year", "inter1", "iso", "timestamp", "region"):
        assert list(back.extras[column]) == list(acled.extras[column]), column


@pytest.mark.parametrize("fmt", list(OGR_FORMATS))
def test_cyrillic_and_events_without_a_point_survive(fmt: str, tmp_path: Path) -> None:
    recs = [{"event_id": "K-1", "event_date": "2024-08-06", "title": "Бои у Суджи", "location": "Суджа",
             "longitude": 35.2706, "latitude": 51.1914, "notes": "Обстрел; «кавычки»"},
            {"event_id": "K-2", "event_date": "2024-08-07", "title": "Без координат", "location": "Курская область"}]
    table = EventTable.from_records(recs)
    path = tmp_path / f"k.{fmt}"
    write_events(table, path)
    out = ogrinfo(path, OGR_FORMATS[fmt], "-al")
    assert "Feature Count: 2" in out
    assert "title (String) = Бои у Суджи" in out and "location (String) = Курская область" in out
    assert out.count("POINT (35.2706 51.1914)") == 1
    back, _ = read_events(path)
    assert [back.record(i) | {"dataset": ""} for i in range(2)] == [table.record(i) | {"dataset": ""} for i in range(2)]


def test_a_flatgeobuf_of_located_events_has_a_spatial_index(acled: EventTable, tmp_path: Path) -> None:
    path = tmp_path / "acled.fgb"
    write_events(acled, path)
    # ogrinfo's -spat uses the index; the count is the events inside the box.
    lon, lat = acled.lon, acled.lat
    box = (float(np.median(lon)), float(np.median(lat)), float(lon.max()) + 1, float(lat.max()) + 1)
    inside = int(((lon >= box[0]) & (lat >= box[1])).sum())
    out = ogrinfo(path, "FlatGeobuf", "-so", "-al", "-spat", *map(str, box))
    assert f"Feature Count: {inside}" in out and 0 < inside < 30


def test_shapefile_text_longer_than_254_bytes_is_cut_by_the_format(tmp_path: Path) -> None:
    long_note = "Суджа " * 60  # 720 bytes of UTF-8
    table = EventTable.from_records([{"event_id": "L-1", "event_date": "2024-08-06", "notes": long_note,
                                      "longitude": 35.27, "latitude": 51.19}])
    write_events(table, tmp_path / "long.shp")
    back, report = read_events(tmp_path / "long.shp")
    note = str(back.value("notes", 0))
    assert long_note.startswith(note) and 200 < len(note.encode("utf-8")) <= 254
    assert not report.rejected


def _pyogrio_layer(path: Path, geoms: list[object], crs: str = "EPSG:4326", driver: str | None = None) -> Path:
    import pyogrio

    tbl = pa.table({"event_id": [f"G-{i + 1}" for i in range(len(geoms))],
                    "event_date": ["2024-08-06"] * len(geoms),
                    "geometry": pa.array([None if g is None else shapely.to_wkb(g) for g in geoms], pa.binary())})
    options = {"SPATIAL_INDEX": "NO"} if path.suffix == ".fgb" else {}  # its index cannot hold a null geometry
    pyogrio.write_arrow(tbl, str(path), driver=driver, geometry_name="geometry", geometry_type="Unknown", crs=crs,
                        layer_options=options)
    return path


def test_multipoints_split_other_geometries_rejected(tmp_path: Path) -> None:
    path = _pyogrio_layer(tmp_path / "mixed.fgb", [shapely.MultiPoint([(35.1, 51.1), (35.2, 51.2)]), shapely.Point(35.3, 51.3),
                                                    shapely.box(35, 51, 36, 52), None])
    t, report = read_events(path)
    assert list(t.ids) == ["G-1#1", "G-1#2", "G-2", "G-4"]
    assert t.lon[:3].tolist() == [35.1, 35.2, 35.3] and not t.has_coords[3]
    assert [(p.where, p.action) for p in report.problems] == [("feature 1", "flagged"), ("feature 3", "rejected")]
    assert "Polygon" in report.rejected[0].what


def test_a_shapefile_in_web_mercator_is_transformed(tmp_path: Path) -> None:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(35.2706, 51.1914)
    path = _pyogrio_layer(tmp_path / "merc.shp", [shapely.Point(x, y)], crs="EPSG:3857", driver="ESRI Shapefile")
    t, report = read_events(path)
    assert t.lon[0] == pytest.approx(35.2706) and t.lat[0] == pytest.approx(51.1914)
    assert any("transformed" in n for n in report.notes)


# ---------------------------------------------------------------------------- GeoParquet
def test_duckdb_reads_our_geoparquet(acled: EventTable, tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "acled.parquet"
    write_events(acled, path)
    con = duckdb.connect()
    try:
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                                 [str(path)]).fetchall())
        assert types["event_date"] == "DATE" and types["time_precision"] == "INTEGER"
        assert types["fatalities"] == "DOUBLE" and types["coord_approximate"] == "BOOLEAN"
        for column in ("year", "inter1", "iso", "timestamp"):
            assert types[column] == "BIGINT", column
        # DuckDB knows GeoParquet: the column is a geometry in OGC:CRS84 (WGS 84 longitude/latitude).
        assert types["geometry"].startswith("GEOMETRY") and "CRS84" in types["geometry"]
        (count,) = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()
        assert count == 30
        wkt = [r[0] for r in con.execute("SELECT ST_AsText(geometry) FROM read_parquet(?)", [str(path)]).fetchall()]
        assert wkt[0] == f"POINT ({float(acled.lon[0])!r} {float(acled.lat[0])!r})"
        meta = dict(con.execute("SELECT key, value FROM parquet_kv_metadata(?)", [str(path)]).fetchall())
        geo = json.loads(meta[b"geo"])
        assert geo["version"] == "1.1.0" and geo["columns"]["geometry"]["encoding"] == "WKB"
    finally:
        con.close()
    back, report = read_events(path)
    assert list(back.ids) == list(acled.ids) and not report.problems


def _geoparquet(path: Path, geoms: list[object], crs: object = None, encoding: str = "WKB") -> Path:
    spec: dict[str, object] = {"encoding": encoding, "geometry_types": []}
    if crs is not None:
        spec["crs"] = crs
    geo = {"version": "1.1.0", "primary_column": "geom", "columns": {"geom": spec}}
    tbl = pa.table({"id": [f"P-{i + 1}" for i in range(len(geoms))], "date": ["2024-08-06"] * len(geoms),
                    "geom": pa.array([None if g is None else shapely.to_wkb(g) for g in geoms], pa.binary())})
    pq.write_table(tbl.replace_schema_metadata({b"geo": json.dumps(geo).encode()}), path)
    return path


def test_geoparquet_of_another_tool_in_web_mercator(tmp_path: Path) -> None:
    from pyproj import CRS, Transformer

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(35.2706, 51.1914)
    path = _geoparquet(tmp_path / "m.parquet", [shapely.Point(x, y), shapely.LineString([(0, 0), (1, 1)]), None],
                       crs=CRS.from_epsg(3857).to_json_dict())
    t, report = read_events(path)
    assert list(t.ids) == ["P-1", "P-3"]
    assert t.lon[0] == pytest.approx(35.2706) and t.lat[0] == pytest.approx(51.1914) and not t.has_coords[1]
    assert [(p.where, p.action) for p in report.problems] == [("row 2", "rejected")]


def test_a_parquet_file_without_geo_metadata_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), path)
    with pytest.raises(InputError, match="without GeoParquet 'geo' metadata"):
        read_events(path)


# ---------------------------------------------------------------------------- hostile input
@pytest.mark.parametrize("name", ["junk.fgb", "junk.shp", "junk.parquet", "junk.zip"])
def test_damaged_files_are_one_line_refusals(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(os.urandom(4096))
    with pytest.raises(InputError) as err:
        read_events(path)
    assert "\n" not in str(err.value) and str(err.value).startswith(str(path))


def test_a_named_pipe_beside_a_shapefile_is_refused_without_hanging(tmp_path: Path) -> None:
    table = EventTable.from_records([{"event_id": "F-1", "event_date": "2024-08-06", "longitude": 35.2, "latitude": 51.2}])
    write_events(table, tmp_path / "e.shp")
    (tmp_path / "e.dbf").unlink()
    os.mkfifo(tmp_path / "e.dbf")  # GDAL would block for ever opening it
    start = time.monotonic()
    with pytest.raises(InputError) as err:
        read_events(tmp_path / "e.shp")
    assert err.value.kind == MISSING and "named pipe" in str(err.value) and "e.dbf" in str(err.value)
    assert time.monotonic() - start < 5


def test_hostile_zipped_shapefiles_are_refused(tmp_path: Path) -> None:
    climb = tmp_path / "climb.zip"
    with zipfile.ZipFile(climb, "w") as zf:
        zf.writestr("../evil.shp", b"x")
    with pytest.raises(InputError, match="climbs out of the archive"):
        read_events(climb)
    bomb = tmp_path / "bomb.shp.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("e.shp", b"\0" * (64 << 20))
    with pytest.raises(InputError, match="compression bomb"):
        read_events(bomb)
    empty = tmp_path / "nothing.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    with pytest.raises(InputError, match="holds no Shapefile"):
        read_events(empty)


def test_reading_writes_nothing_beside_the_input(acled: EventTable, tmp_path: Path) -> None:
    for fmt in ("fgb", "shp", "shp.zip", "parquet"):
        folder = tmp_path / fmt
        folder.mkdir()
        write_events(acled, folder / f"a.{fmt}")
        before = sorted(p.name for p in folder.iterdir())
        read_events(folder / f"a.{fmt}")
        assert sorted(p.name for p in folder.iterdir()) == before, fmt
