"""`main.py areas` exit codes and output; GeoJSON/GeoPackage export round trips."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from atlas.control.export import ExportError, change_features, export, gpkg_blob, series_features, snapshot_features
from atlas.control.io import read_control
from atlas.control.model import ControlSeries, ControlSnapshot, change_between, geodesic_area_km2

from ..conftest import ROOT
from .helpers import deepstate_doc, write_json


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", "areas", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


def test_areas_json_for_a_deepstate_file_clipped_to_kursk(tmp_path: Path) -> None:
    p = write_json(tmp_path / "deepstate_raw_1724184993.geojson", deepstate_doc())
    r = run(str(p), "--clip", "kursk", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    (snap,) = doc["snapshots"]
    assert snap["date"] == "2024-08-20" and snap["clip"] == "kursk"
    # the square north of Sumy oblast: only its Kursk-oblast part counts; the Kyiv square and the
    # Donetsk (occupied) square are outside Kursk oblast
    ua = snap["areas_km2"]["ukrainian"]
    assert 0 < ua < geodesic_area_km2(box(35.0, 51.05, 35.4, 51.3))
    assert snap["areas_km2"]["russian"] == 0.0
    assert snap["areas_sq_mi"]["ukrainian"] == pytest.approx(ua / 2.589988, rel=1e-3)
    unclipped = json.loads(run(str(p), "--json").stdout)["snapshots"][0]
    assert unclipped["areas_km2"]["russian"] > 1000


def test_areas_reconstruction_only_when_asked() -> None:
    r = run("--reconstruction", "--json")
    assert r.returncode == 0, r.stderr
    snaps = json.loads(r.stdout)["snapshots"]
    assert len(snaps) >= 10 and all(s["approximate"] for s in snaps)
    by_date = {s["date"]: s["areas_km2"]["ukrainian"] for s in snaps}
    assert by_date["2024-08-27"] > by_date["2025-03-13"] > by_date["2025-04-26"] > 0.0
    table = run("--reconstruction")
    assert table.returncode == 0 and "MODEL: approximate reconstruction" in table.stdout
    assert "reconstruction" not in run().stdout.split("(--reconstruction")[0]


def test_areas_exit_with_one_line_for_undated_unreadable_or_missing_files(tmp_path: Path) -> None:
    undated = write_json(tmp_path / "areas.geojson", deepstate_doc())
    r = run(str(undated))
    assert r.returncode == 65
    assert r.stderr.count("\n") == 1 and "has no date" in r.stderr and "--date" in r.stderr
    assert run(str(undated), "--date", "2024-08-20").returncode == 0
    bad = tmp_path / "x_20240820.geojson"
    bad.write_text("{", encoding="utf-8")
    r = run(str(bad))
    assert r.returncode == 65 and "not valid JSON" in r.stderr and "Traceback" not in r.stderr
    r = run(str(tmp_path / "missing.kml"))
    assert r.returncode == 66 and "no such file" in r.stderr
    assert run("--clip", "mars").returncode == 64


def _snapshots() -> tuple[ControlSnapshot, ControlSnapshot]:
    a = ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": box(35.0, 51.0, 35.4, 51.3), "grey": box(35.4, 51.0, 35.5, 51.3)}, "t")
    b = ControlSnapshot(dt.date(2025, 3, 11), {"ukrainian": box(35.1, 51.0, 35.3, 51.2)}, "t", approximate=True)
    return a, b


def test_geojson_export_round_trips_through_the_reader(tmp_path: Path) -> None:
    a, b = _snapshots()
    out = tmp_path / "series.geojson"
    msg = export(out, {"series": series_features(ControlSeries.of([a, b]))})
    assert "3 features" in msg
    snaps, _ = read_control(out)
    assert [s.as_of for s in snaps] == [a.as_of, b.as_of]
    assert snaps[0].areas_km2()["grey"] == pytest.approx(a.areas_km2()["grey"], rel=1e-9)
    assert snaps[1].approximate


def _decode_blob(blob: bytes) -> shapely.Geometry:
    assert blob[:2] == b"GP" and blob[2] == 0
    flags = blob[3]
    assert flags & 1  # little endian
    env = (flags >> 1) & 0b111
    assert struct.unpack("<i", blob[4:8])[0] == 4326
    size = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env]
    return shapely.from_wkb(blob[8 + size:])


def test_geopackage_export_is_a_valid_minimal_geopackage(tmp_path: Path) -> None:
    a, b = _snapshots()
    out = tmp_path / "control.gpkg"
    export(out, {"snapshot": snapshot_features(a), "change": change_features(change_between(a, b))})
    con = sqlite3.connect(out)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    contents = dict(con.execute("SELECT table_name, srs_id FROM gpkg_contents").fetchall())
    assert contents == {"snapshot": 4326, "change": 4326}
    cols = con.execute("SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns").fetchall()
    assert ("snapshot", "geom", "MULTIPOLYGON") in cols
    rows = con.execute("SELECT geom, status, area_km2 FROM snapshot ORDER BY fid").fetchall()
    assert [r[1] for r in rows] == ["ukrainian", "grey"]
    geom = _decode_blob(rows[0][0])
    assert geom.geom_type == "MultiPolygon" and geom.equals(box(35.0, 51.0, 35.4, 51.3))
    assert rows[0][2] == pytest.approx(geodesic_area_km2(geom), rel=1e-6)
    change = dict(con.execute("SELECT change, area_km2 FROM change").fetchall())
    assert "gained" not in change  # b lies inside a: nothing was gained
    assert change["lost"] > 0
    con.close()


def test_gpkg_blob_envelope_and_bad_names(tmp_path: Path) -> None:
    blob = gpkg_blob(box(1, 2, 3, 4))
    assert struct.unpack("<4d", blob[8:40]) == (1.0, 3.0, 2.0, 4.0)
    with pytest.raises(ExportError):
        export(tmp_path / "x.shp", {})
    with pytest.raises(ExportError):
        export(tmp_path / "x.gpkg", {"bad name;": []})
    with pytest.raises(ExportError, match="no such folder"):
        export(tmp_path / "nope" / "x.geojson", {})


def test_areas_draws_the_chart_and_the_map_and_prints_the_change(tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage

    shrunk = [[35.25, 51.05, 0], [35.4, 51.05, 0], [35.4, 51.15, 0], [35.25, 51.15, 0], [35.25, 51.05, 0]]
    a = write_json(tmp_path / "deepstate_raw_1724184993.geojson", deepstate_doc())
    b = write_json(tmp_path / "deepstate_raw_1741694646.geojson", deepstate_doc(shrunk))
    chart, mp = tmp_path / "chart.png", tmp_path / "map.png"
    r = run(str(a), str(b), "--clip", "kursk", "--chart", str(chart), "--map", str(mp), "--at", "2025-03-11",
            "--change", "2024-08-20,2025-03-11", "--size", "900x600", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["change"]["lost_km2"] > 0 and doc["change"]["gained_km2"] == 0.0
    img = QImage(str(mp))
    assert (img.width(), img.height()) == (900, 600)
    # the map shows the (lost, hatched) and the held (blue) areas around Sudzha: count bluish pixels
    blue = sum(1 for x in range(0, 900, 6) for y in range(0, 600, 6)
               if (c := img.pixelColor(x, y)).blue() > c.red() + 40 and c.blue() > c.green() + 10)
    assert blue > 50
    ch = QImage(str(chart))
    assert ch.width() == 900 and ch.height() >= 300
    assert QColor(ch.pixelColor(5, 5)).lightness() > 240  # white chart background
    assert run(str(a), "--chart", str(tmp_path / "x.jpg")).returncode == 64


def test_areas_export_writes_series_and_change(tmp_path: Path) -> None:
    shrunk = [[35.25, 51.05, 0], [35.4, 51.05, 0], [35.4, 51.15, 0], [35.25, 51.15, 0], [35.25, 51.05, 0]]
    a = write_json(tmp_path / "deepstate_raw_1724184993.geojson", deepstate_doc())
    b = write_json(tmp_path / "deepstate_raw_1741694646.geojson", deepstate_doc(shrunk))
    out = tmp_path / "kursk.gpkg"
    r = run(str(a), str(b), "--clip", "kursk", "--change", "2024-08-20,2025-03-11", "--export", str(out))
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(out)
    assert {t for (t,) in con.execute("SELECT table_name FROM gpkg_contents")} == {"series", "change"}
    assert con.execute("SELECT count(*) FROM series WHERE clip = 'kursk'").fetchone()[0] == 4
    (lost,) = con.execute("SELECT area_km2 FROM change WHERE change = 'lost'").fetchone()
    assert lost > 0
    con.close()
    assert run(str(a), "--export", str(tmp_path / "x.txt")).returncode == 64
