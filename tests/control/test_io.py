"""Reading control-area files: DeepStateMap GeoJSON, generic GeoJSON with dates, KML/KMZ."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import box

from atlas.control.io import (
    UndatedError,
    date_from_name,
    deepstate_key,
    read_control,
    status_from_deepstate,
)
from atlas.control.model import geodesic_area_km2
from atlas.io.report import InputError

from .helpers import NBSP, deepstate_doc, kml_doc, write_json


@pytest.mark.parametrize("name, expected", [
    ("deepstate_raw_1724184993.geojson", dt.date(2024, 8, 20)),  # 2024-08-20T20:16Z
    ("deepstatemap_data_20250310.geojson", dt.date(2025, 3, 10)),
    ("Control_24_09_01.kml", dt.date(2024, 9, 1)),
    ("front 2025-03-11.geojson", dt.date(2025, 3, 11)),
    ("areas.geojson", None),
    ("Control_24_13_01.kml", None),  # month 13: not a date
])
def test_date_from_file_name(name: str, expected: dt.date | None) -> None:
    assert date_from_name(name) == expected


def test_deepstate_status_comes_from_the_key_not_the_label() -> None:
    assert deepstate_key(f"Звільнено /// Liberated{NBSP}/// geoJSON.status.dismissed\n") == "geoJSON.status.dismissed"
    assert status_from_deepstate("Окуповано /// Occupied /// geoJSON.status.occupied") == ("russian", "geoJSON.status.occupied")
    assert status_from_deepstate(f"Звільнено 25.03 /// Liberated{NBSP}/// geoJSON.status.dismissed_at {{{{at:25.03}}}}")[0] == "ukrainian"
    assert status_from_deepstate("Статус невідомий /// Unknown /// geoJSON.status.unknown")[0] == "grey"
    # A misleading translated label does not matter: the key decides.
    assert status_from_deepstate("Occupied /// Occupied /// geoJSON.status.dismissed")[0] == "ukrainian"
    assert status_from_deepstate("East Prussia /// geoJSON.territories.prussia")[0] is None
    assert status_from_deepstate("no separator") == (None, None)


def test_reads_deepstate_geojson_dated_by_unix_seconds_in_the_name(tmp_path: Path) -> None:
    p = write_json(tmp_path / "deepstate_raw_1724184993.geojson", deepstate_doc())
    snaps, report = read_control(p)
    assert len(snaps) == 1
    s = snaps[0]
    assert s.as_of == dt.date(2024, 8, 20)
    assert "DeepStateMap" in s.source
    assert s.statuses == ("ukrainian", "russian", "grey")
    # 3-D coordinates were dropped; the Kursk square and the small Kyiv-oblast square are both Ukrainian-held
    assert not s.geometry("ukrainian").has_z
    expected = geodesic_area_km2(box(35.0, 51.05, 35.4, 51.3)) + geodesic_area_km2(box(30.0, 50.0, 30.1, 50.1))
    assert s.areas_km2()["ukrainian"] == pytest.approx(expected, rel=1e-9)
    assert report.rows_loaded == 4
    assert any("political markings" in n and "prussia" in n for n in report.notes)
    assert any("point/line" in n for n in report.notes)


def test_deepstate_without_a_date_is_an_undated_error_unless_a_date_is_given(tmp_path: Path) -> None:
    p = write_json(tmp_path / "deepstate.geojson", deepstate_doc(legacy_crs=False))
    with pytest.raises(UndatedError, match="has no date"):
        read_control(p)
    snaps, _ = read_control(p, as_of=dt.date(2024, 9, 1))
    assert snaps[0].as_of == dt.date(2024, 9, 1)


def test_generic_geojson_with_a_date_property_gives_one_snapshot_per_date(tmp_path: Path) -> None:
    def feat(status: str, day: str, b: tuple[float, float, float, float]) -> dict:
        return {"type": "Feature", "properties": {"status": status, "as_of": day, "source": "test survey"},
                "geometry": json.loads(json.dumps(box(*b).__geo_interface__))}

    doc = {"type": "FeatureCollection", "features": [
        feat("Ukrainian-held", "2024-08-20", (35.0, 51.0, 35.5, 51.3)),
        feat("grey zone", "2024-08-20", (35.5, 51.0, 35.6, 51.3)),
        feat("UA", "2025-03-11", (35.1, 51.0, 35.3, 51.2)),
        feat("purple", "2025-03-11", (35.1, 51.0, 35.3, 51.2)),
    ]}
    snaps, report = read_control(write_json(tmp_path / "areas.geojson", doc))
    assert [s.as_of for s in snaps] == [dt.date(2024, 8, 20), dt.date(2025, 3, 11)]
    assert snaps[0].statuses == ("ukrainian", "grey")
    assert snaps[1].source == "test survey"
    assert len(report.rejected) == 1 and "unknown status" in report.rejected[0].what


def test_empty_polygon_with_status_and_date_is_an_empty_snapshot(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "ukrainian", "as_of": "2025-04-26"},
         "geometry": {"type": "MultiPolygon", "coordinates": []}}]}
    snaps, _ = read_control(write_json(tmp_path / "end.geojson", doc))
    assert snaps[0].as_of == dt.date(2025, 4, 26) and snaps[0].statuses == ()


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ('{"type": "Topology"}', "not a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "features": []}', "no control polygons"),
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:99999"}}, "features": []}', "EPSG:99999"),
])
def test_bad_geojson_raises_a_clear_input_error(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "bad_20240820.geojson"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_control(p)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "x.shp"
    p.write_bytes(b"\0")
    with pytest.raises(InputError, match="unknown control-area format"):
        read_control(p)
    with pytest.raises(InputError, match="no such file"):
        read_control(tmp_path / "missing.geojson")


def test_kml_status_from_style_and_date_from_yy_mm_dd_in_the_name(tmp_path: Path) -> None:
    p = tmp_path / "Control_24_09_01.kml"
    p.write_text(kml_doc(), encoding="utf-8")
    snaps, report = read_control(p)
    s = snaps[0]
    assert s.as_of == dt.date(2024, 9, 1)
    assert s.statuses == ("ukrainian", "russian")
    # the inner ring is a hole
    expected = geodesic_area_km2(box(35.0, 51.05, 35.4, 51.3)) - geodesic_area_km2(box(35.1, 51.1, 35.2, 51.2))
    assert s.areas_km2()["ukrainian"] == pytest.approx(expected, rel=1e-9)
    assert report.rows_loaded == 2


def test_kml_with_a_namespace_and_kmz(tmp_path: Path) -> None:
    p = tmp_path / "control 2025-03-01.kmz"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("doc.kml", kml_doc(namespace=True))
    snaps, _ = read_control(p)
    assert snaps[0].as_of == dt.date(2025, 3, 1) and snaps[0].statuses == ("ukrainian", "russian")


def test_kml_refuses_doctype_and_entities(tmp_path: Path) -> None:
    p = tmp_path / "Control_24_09_01.kml"
    bomb = '<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
    p.write_text(kml_doc(extra=bomb), encoding="utf-8")
    with pytest.raises(InputError, match="DOCTYPE or ENTITY"):
        read_control(p)


def test_kml_undated_or_without_statuses(tmp_path: Path) -> None:
    p = tmp_path / "control.kml"
    p.write_text(kml_doc(), encoding="utf-8")
    with pytest.raises(UndatedError):
        read_control(p)
    assert read_control(p, as_of=dt.date(2025, 4, 1))[0][0].as_of == dt.date(2025, 4, 1)
    q = tmp_path / "Control_25_04_01.kml"
    q.write_text(kml_doc(ua_style="zone1", ru_style="zone2"), encoding="utf-8")
    with pytest.raises(InputError, match="no control polygons with a status"):
        read_control(q)
    snaps, _ = read_control(q, default_status="contested")
    assert snaps[0].statuses == ("contested",)


def test_kml_with_a_45000_vertex_ring(tmp_path: Path) -> None:
    import math

    n = 45_000
    pts = [(35.2 + 0.2 * math.cos(2 * math.pi * i / n), 51.2 + 0.1 * math.sin(2 * math.pi * i / n)) for i in range(n)]
    pts.append(pts[0])
    coords = " ".join(f"{x:.6f},{y:.6f},0" for x, y in pts)
    text = (f"<kml><Document><Placemark><styleUrl>#ua</styleUrl><Polygon><outerBoundaryIs><LinearRing>"
            f"<coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>")
    p = tmp_path / "Control_25_03_01.kml"
    p.write_text(text, encoding="utf-8")
    snaps, _ = read_control(p)
    # an ellipse with semi-axes 0.2° lon x 0.1° lat at 51.2° N
    a_km = 0.2 * 111.32 * math.cos(math.radians(51.2))
    b_km = 0.1 * 111.25
    assert snaps[0].areas_km2()["ukrainian"] == pytest.approx(math.pi * a_km * b_km, rel=0.01)
