"""Every kind of vector file reads as a map layer; bad and hostile files are one-line refusals."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import shapely

from atlas.io.report import InputError
from atlas.io.vector_layers import list_layers, read_layer

from . import files
from .files import LAKE, ROAD, VILLAGE


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-9)


@pytest.mark.parametrize("kind", ["gpkg", "geojson", "fgb", "shp", "zip", "kml", "kmz", "parquet"])
def test_each_format_reads_its_geometry_and_attributes(tmp_path: Path, kind: str) -> None:
    if kind == "gpkg":
        path = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    elif kind == "geojson":
        path = files.geojson(tmp_path / "roads.geojson", [ROAD], ["R1"])
    elif kind == "fgb":
        path = files.write_ogr(tmp_path / "roads.fgb", [ROAD], ["R1"], "FlatGeobuf", "roads")
    elif kind == "shp":
        path = files.write_ogr(tmp_path / "roads.shp", [ROAD], ["R1"], "ESRI Shapefile", "roads")
    elif kind == "zip":
        path = files.shp_zip(tmp_path / "roads.zip", tmp_path)
    elif kind == "kml":
        path = files.kml(tmp_path / "roads.kml")
    elif kind == "kmz":
        path = files.kmz(tmp_path / "roads.kmz", tmp_path)
    else:
        path = files.geoparquet(tmp_path / "roads.parquet", [ROAD], ["R1"])
    before = set(os.listdir(tmp_path))
    infos = list_layers(path)
    assert infos and infos[0].kind in ("line", "mixed")
    data = read_layer(path, infos[0].name)
    assert len(data) == 1 and data.kind == "line"
    assert _same(data.geoms[0], ROAD)
    label = "Name" if kind in ("kml", "kmz") else "name"
    assert data.fields[label].tolist() == ["R1"]
    assert set(os.listdir(tmp_path)) == before  # nothing written next to the input


def test_projected_coordinates_come_back_as_lon_lat(tmp_path: Path) -> None:
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, 3857, always_xy=True)
    merc = shapely.transform(LAKE, lambda xy: __import__("numpy").column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    path = files.write_ogr(tmp_path / "lake.fgb", [merc], ["Lake"], "FlatGeobuf", "lake", crs="EPSG:3857")
    data = read_layer(path)
    assert data.kind == "polygon"
    assert shapely.equals_exact(shapely.normalize(data.geoms[0]), shapely.normalize(LAKE), tolerance=1e-7)


def test_geopackage_with_several_layers_lists_them(tmp_path: Path) -> None:
    path = files.write_ogr(tmp_path / "base.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    files.write_ogr(path, [VILLAGE], ["Testovo"], "GPKG", "villages")
    infos = {i.name: i.kind for i in list_layers(path)}
    assert infos == {"roads": "line", "villages": "point"}
    assert read_layer(path, "villages").fields["name"].tolist() == ["Testovo"]
    with pytest.raises(InputError, match="no layer 'rivers'"):
        read_layer(path, "rivers")


def test_osm_pbf_themes_are_picked_by_tags(tmp_path: Path) -> None:
    path = files.osm_pbf(tmp_path / "region.osm.pbf")
    before = set(os.listdir(tmp_path))
    assert [i.name for i in list_layers(path)] == ["landuse", "woods", "water", "waterways", "railways", "roads",
                                                   "places"]
    roads = read_layer(path, "roads")
    assert len(roads) == 1 and _same(roads.geoms[0], ROAD)  # the footway is not a road
    water = read_layer(path, "water")
    assert len(water) == 1 and water.kind == "polygon" and _same(water.geoms[0].geoms[0], LAKE)
    places = read_layer(path, "places")
    assert places.fields["name"].tolist() == ["Testovo"]  # the hamlet is left out
    assert len(read_layer(path, "railways")) == 1
    assert len(read_layer(path, "woods")) == 0
    # Only what lies inside the box is read.
    assert len(read_layer(path, "places", bbox=(30.0, 40.0, 31.0, 41.0))) == 0
    assert set(os.listdir(tmp_path)) == before  # GDAL's node index went to a private folder


@pytest.mark.parametrize("content", [b"", b"not a layer at all", b"\x00" * 4096, b'{"type": "FeatureCollection", "features": [1e99999]}',
                                     b"[" * 100_000])
def test_garbage_is_a_one_line_refusal(tmp_path: Path, content: bytes) -> None:
    for suffix in (".geojson", ".gpkg", ".fgb", ".kml", ".parquet", ".osm.pbf"):
        path = tmp_path / f"bad{suffix}"
        path.write_bytes(content)
        with pytest.raises(InputError) as info:
            data = read_layer(path, "roads" if suffix == ".osm.pbf" else "")
            if len(data) == 0:  # GDAL may read an empty file as an empty layer: nothing to draw, no crash
                raise InputError(path, "empty")
        assert "\n" not in str(info.value)


def test_devices_pipes_and_missing_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "roads.geojson"
    os.mkfifo(fifo)
    for p in (Path("/dev/zero"), fifo, tmp_path / "missing.gpkg", tmp_path):
        with pytest.raises(InputError):
            read_layer(p)


def test_hostile_geopackage_view_is_refused_in_time(tmp_path: Path) -> None:
    path = files.write_ogr(tmp_path / "evil.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    con = sqlite3.connect(path)
    con.execute("CREATE VIEW forever AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                "SELECT x AS fid, NULL AS geom FROM c")
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('forever', 'features', 4326)")
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('forever', 'geom', 'GEOMETRY', 4326, 0, 0)")
    con.commit()
    con.close()
    from atlas.io import safety

    old = safety.DEFAULT_SQLITE_LIMITS
    safety.DEFAULT_SQLITE_LIMITS = safety.SqliteLimits(seconds=1.0)
    try:
        with pytest.raises(InputError, match="longer than"):
            read_layer(path, "forever")
    finally:
        safety.DEFAULT_SQLITE_LIMITS = old


def test_kml_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lol.kml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&b;</name></Document></kml>')
    with pytest.raises(InputError):
        read_layer(path)


def test_an_extract_costs_one_pass_per_gdal_layer(tmp_path: Path, monkeypatch) -> None:
    from atlas.io import vector_layers as vl
    from atlas.render.file_layer import layers_from_file

    path = files.osm_pbf(tmp_path / "region.osm.pbf")
    passes: list[str] = []
    real = vl._read_gdal
    monkeypatch.setattr(vl, "_read_gdal", lambda *a: passes.append(a[1]) or real(*a))
    layers, notes = layers_from_file(path, [])
    assert [x.layer for x in layers] == ["water", "railways", "roads", "places"] and notes == []
    assert sorted(passes) == ["lines", "multipolygons", "points"]


def test_a_damaged_extract_is_one_refusal_not_one_per_theme(tmp_path: Path) -> None:
    from atlas.render.file_layer import layers_from_file

    good = files.osm_pbf(tmp_path / "good.osm.pbf").read_bytes()
    bad = tmp_path / "cut.osm.pbf"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError) as info:
        layers_from_file(bad, [])
    assert "cut.osm.pbf" in str(info.value) and "\n" not in str(info.value)
