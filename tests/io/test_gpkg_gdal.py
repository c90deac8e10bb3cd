"""GeoPackages we write: an R-tree spatial index GDAL uses and keeps up to date, ACLED's numeric
columns typed INTEGER/REAL, and MultiPoint layers read one event per part."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import MultiPoint, box

from atlas.bench.io_cases import write_acled_csv
from atlas.control.export import export, series_features
from atlas.control.model import ControlSeries, ControlSnapshot
from atlas.io import read_events, write_events
from atlas.io.gpkg_writer import GpkgLayer, blob_bounds, gpkg_blob, point_blob, write_geopackage

from .gdal import ogr_edit, ogrinfo


def _rtree(path: Path, layer: str) -> list[tuple[int, float, float, float, float]]:
    con = sqlite3.connect(path)
    try:
        ext = con.execute("SELECT column_name, extension_name, scope FROM gpkg_extensions WHERE table_name = ?",
                          (layer,)).fetchall()
        assert ext == [("geom", "gpkg_rtree_index", "write-only")]
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {f"rtree_{layer}_geom_{k}" for k in ("insert", "update1", "update2", "update3", "update4", "delete")} <= triggers
        return con.execute(f'SELECT * FROM "rtree_{layer}_geom" ORDER BY id').fetchall()
    finally:
        con.close()


def test_event_geopackage_has_a_filled_spatial_index(sample_table, tmp_path: Path) -> None:
    path = tmp_path / "events.gpkg"
    write_events(sample_table, path)
    index = _rtree(path, "events")
    with_point = [i for i in range(len(sample_table)) if sample_table.has_coords[i]]
    assert [row[0] for row in index] == [i + 1 for i in with_point]  # fid = row + 1; no entry for NULL geometry
    for (_fid, minx, maxx, miny, maxy), i in zip(index, with_point, strict=True):
        # R-tree boxes are float32, rounded outwards: they contain the point.
        assert minx <= sample_table.lon[i] <= maxx and maxx - minx < 1e-5
        assert miny <= sample_table.lat[i] <= maxy and maxy - miny < 1e-5


def test_control_geopackage_has_a_spatial_index_of_the_polygon_extents(tmp_path: Path) -> None:
    snap = ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": box(35.0, 51.0, 35.4, 51.3),
                                                   "grey": box(35.0, 51.3, 35.4, 51.35)}, "test", "t", False, ())
    path = tmp_path / "areas.gpkg"
    export(path, {"series": series_features(ControlSeries([snap]))})
    index = _rtree(path, "series")
    boxes = sorted(r[1:] for r in index)
    assert len(boxes) == 2
    assert boxes[0] == pytest.approx((35.0, 35.4, 51.0, 51.3), abs=1e-5)
    assert boxes[1] == pytest.approx((35.0, 35.4, 51.3, 51.35), abs=1e-5)


def test_gdal_uses_the_index_and_its_triggers_keep_it_right(sample_table, tmp_path: Path) -> None:
    path = tmp_path / "events.gpkg"
    write_events(sample_table, path)
    out = ogrinfo(path, "GPKG", "-sql", "SELECT HasSpatialIndex('events', 'geom')")
    assert re.search(r"HasSpatialIndex.* = 1", out)
    # Sudzha's events only, found through the index.
    near = ogrinfo(path, "GPKG", "-so", "-al", "-spat", "35.2", "51.1", "35.3", "51.2")
    sudzha = sum(1 for i in range(len(sample_table)) if sample_table.has_coords[i]
                 and 35.2 <= sample_table.lon[i] <= 35.3 and 51.1 <= sample_table.lat[i] <= 51.2)
    assert f"Feature Count: {sudzha}" in near
    # GDAL edits the layer (its SQL has the ST_* functions the triggers call): the index follows.
    before = len(_rtree(path, "events"))
    ogr_edit(path, "DELETE FROM events WHERE event_id = 'T-1'")
    assert len(_rtree(path, "events")) == before - 1


def test_acled_numeric_columns_are_integer_in_the_geopackage(tmp_path: Path) -> None:
    src = write_acled_csv(tmp_path / "acled.csv", 30)
    table, _ = read_events(src)
    path = tmp_path / "acled.gpkg"
    write_events(table, path)
    con = sqlite3.connect(path)
    types = {name: kind for _cid, name, kind, *_ in con.execute('PRAGMA table_info("events")')}
    con.close()
    for column in ("year", "inter1", "inter2", "interaction", "iso", "timestamp"):
        assert types[column] == "INTEGER", column
    assert types["fatalities"] == "REAL" and types["time_precision"] == "INTEGER"
    assert types["region"] == "TEXT" and types["source_scale"] == "TEXT"
    out = ogrinfo(path, "GPKG", "-so", "-al")
    for column in ("year", "inter1", "iso", "timestamp"):
        assert re.search(rf"^{column}: Integer64 ", out, re.MULTILINE), column
    assert re.search(r"^fatalities: Real ", out, re.MULTILINE)
    # Reading the typed file back gives the same text as the CSV did.
    back, _ = read_events(path)
    for column in ("year", "inter1", "iso", "timestamp"):
        assert list(back.extras[column]) == list(table.extras[column]), column


@pytest.mark.parametrize("values, expected", [
    (["1", "-20", ""], "INTEGER"),
    (["1.5", "2.25", "-0.125"], "REAL"),
    (["007", "8"], "TEXT"),  # a leading zero would not come back
    (["1", "1.5"], "TEXT"),  # 1 would come back as 1.0
    (["1e5"], "TEXT"),
    (["nan"], "TEXT"),
    (["", ""], "TEXT"),
])
def test_extra_column_types_keep_the_text(values: list[str], expected: str, tmp_path: Path) -> None:
    from atlas.model.table import EventTable

    recs = [{"event_id": f"E{i}", "event_date": "2024-08-06", "note_col": v} for i, v in enumerate(values)]
    table = EventTable.from_records(recs, extra_fields=["note_col"])
    path = tmp_path / "t.gpkg"
    write_events(table, path)
    con = sqlite3.connect(path)
    types = {name: kind for _cid, name, kind, *_ in con.execute('PRAGMA table_info("events")')}
    con.close()
    assert types["note_col"] == expected
    back, _ = read_events(path)
    assert [v or "" for v in back.extras["note_col"]] == values


def _multipoint_gpkg(path: Path) -> Path:
    rows = [(gpkg_blob(MultiPoint([(35.1, 51.1), (35.2, 51.2), (35.3, 51.3)])), "S-1", "2024-08-06", "strikes"),
            (gpkg_blob(MultiPoint([(35.4, 51.4)])), "S-2", "2024-08-07", "single"),
            (point_blob(35.5, 51.5), "S-3", "2024-08-08", "a point in a MultiPoint layer"),
            (None, "S-4", "2024-08-09", "no geometry")]
    layer = GpkgLayer("strikes", "MULTIPOINT", [("event_id", "TEXT"), ("event_date", "DATE"), ("title", "TEXT")],
                      rows, (35.1, 51.1, 35.5, 51.5))
    write_geopackage(path, [layer])
    return path


def test_multipoint_layers_give_one_event_per_part(tmp_path: Path) -> None:
    path = _multipoint_gpkg(tmp_path / "multi.gpkg")
    out = ogrinfo(path, "GPKG", "-so", "-al")
    assert "Geometry: Multi Point" in out and "Feature Count: 4" in out
    t, report = read_events(path)
    assert list(t.ids) == ["S-1#1", "S-1#2", "S-1#3", "S-2", "S-3", "S-4"]
    assert t.lon[:5].tolist() == [35.1, 35.2, 35.3, 35.4, 35.5] and not t.has_coords[5]
    assert [str(t.value("title", i)) for i in range(3)] == ["strikes"] * 3
    assert report.rows_read == report.rows_loaded == 6
    assert [(p.where, p.action) for p in report.problems] == [("strikes feature 1", "flagged")]
    assert "MultiPoint of 3 points" in report.problems[0].what
    assert any("MultiPoint features: one event per point" in n for n in report.notes)


# ---------------------------------------------------------------------------- areas of control read back
def _areas() -> ControlSeries:
    return ControlSeries([
        ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": box(35.0, 51.0, 35.4, 51.3), "grey": box(35.0, 51.3, 35.4, 51.35)},
                        "test", "t", False, ()),
        ControlSnapshot(dt.date(2024, 9, 1), {"ukrainian": box(35.0, 51.0, 35.3, 51.3)}, "test", "t", False, ()),
    ])


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_control_exports_with_a_change_layer_read_back(tmp_path: Path, suffix: str) -> None:
    from atlas.control.export import change_features
    from atlas.control.io import read_control

    series = _areas()
    change = series.change(dt.date(2024, 8, 20), dt.date(2024, 9, 1), "ukrainian")
    path = tmp_path / f"areas{suffix}"
    export(path, {"series": series_features(series), "change": change_features(change)})
    snaps, report = read_control(path)
    assert [s.as_of for s in snaps] == [dt.date(2024, 8, 20), dt.date(2024, 9, 1)]
    for back, orig in zip(snaps, series, strict=True):
        assert back.statuses == orig.statuses
        assert all(back.geometry(s).equals(orig.geometry(s)) for s in orig.statuses)
    assert any("change feature" in n for n in report.notes)


def test_a_control_geopackage_in_web_mercator_is_transformed(tmp_path: Path) -> None:
    from pyproj import Transformer
    from shapely import from_wkb, transform

    from atlas.control.io import read_control

    path = tmp_path / "areas.gpkg"
    export(path, {"series": series_features(_areas())})
    to_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
    con = sqlite3.connect(path)
    # The index triggers call the GeoPackage SQL functions, which plain sqlite3 lacks.
    con.create_function("ST_IsEmpty", 1, lambda b: blob_bounds(b) is None)
    for k, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, lambda b, k=k: blob_bounds(b)[k])
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 / Pseudo-Mercator', 3857, 'EPSG', 3857, 'undefined', '')")
    for fid, blob in con.execute("SELECT fid, geom FROM series").fetchall():
        geom = transform(from_wkb(blob[40:]), lambda xy: np.column_stack(to_3857.transform(xy[:, 0], xy[:, 1])))
        con.execute("UPDATE series SET geom = ? WHERE fid = ?", (gpkg_blob(geom, 3857), fid))
    con.execute("UPDATE gpkg_geometry_columns SET srs_id = 3857")
    con.commit()
    con.close()
    index = _rtree(path, "series")
    assert index[0][1] == pytest.approx(to_3857.transform(35.0, 51.0)[0], rel=1e-6)  # the triggers followed
    snaps, _ = read_control(path)
    assert snaps[0].geometry("ukrainian").bounds == pytest.approx((35.0, 51.0, 35.4, 51.3))
