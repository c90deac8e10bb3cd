"""The legacy GeoJSON ``crs`` member honoured or refused; RFC 7946 winding in what we write."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, box, shape

from atlas.control.export import snapshot_features, write_geojson as write_control_geojson
from atlas.control.io import read_control
from atlas.control.model import ControlSnapshot, geodesic_area_km2
from atlas.io import InputError, read_events
from atlas.io.annotations_io import read_annotations, to_geojson, write_annotations
from atlas.launcher import main
from atlas.model.annotations import Annotation

SUDZHA = (35.27, 51.19)
KOREN = (35.06, 51.29)
TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)


def points_doc(crs_name: str | None, coords: list[list[float]], crs: Any = None) -> dict[str, Any]:
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": c},
              "properties": {"date": "2024-08-06", "title": f"event {i}"}} for i, c in enumerate(coords)]
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if crs is not None:
        doc["crs"] = crs
    elif crs_name is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return doc


def dump(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def mercator(lon: float, lat: float) -> list[float]:
    x, y = TO_3857.transform(lon, lat)
    return [x, y]


@pytest.mark.parametrize("name, coords", [
    ("EPSG:3857", [mercator(*SUDZHA), mercator(*KOREN)]),
    ("urn:ogc:def:crs:EPSG::3857", [mercator(*SUDZHA), mercator(*KOREN)]),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", [list(SUDZHA), list(KOREN)]),
    ("OGC:CRS84", [list(SUDZHA), list(KOREN)]),
    ("EPSG:4326", [list(SUDZHA), list(KOREN)]),  # the short form: traditional lon/lat order
    # The URN form declares the EPSG registry's order: latitude first.
    ("urn:ogc:def:crs:EPSG::4326", [[SUDZHA[1], SUDZHA[0]], [KOREN[1], KOREN[0]]]),
    ("http://www.opengis.net/def/crs/EPSG/0/4326", [[SUDZHA[1], SUDZHA[0]], [KOREN[1], KOREN[0]]]),
])
def test_a_legacy_crs_is_honoured(tmp_path: Path, name: str, coords: list[list[float]]) -> None:
    t, r = read_events(dump(tmp_path / "e.geojson", points_doc(name, coords)))
    assert len(t) == 2 and t.has_coords.all() and r.problems == []
    assert t.lon.tolist() == pytest.approx([SUDZHA[0], KOREN[0]], abs=1e-9)
    assert t.lat.tolist() == pytest.approx([SUDZHA[1], KOREN[1]], abs=1e-9)
    assert any(name in n and "honoured" in n for n in r.notes)


def test_the_old_epsg_object_form_is_honoured(tmp_path: Path) -> None:
    doc = points_doc(None, [mercator(*SUDZHA)], crs={"type": "EPSG", "properties": {"code": 3857}})
    t, _ = read_events(dump(tmp_path / "e.geojson", doc))
    assert (t.lon[0], t.lat[0]) == pytest.approx(SUDZHA)


def test_a_latitude_first_declaration_the_data_contradicts_is_read_the_other_way(tmp_path: Path) -> None:
    # Longitudes past 90° cannot be latitudes: the file is lon/lat whatever its label says.
    doc = points_doc("urn:ogc:def:crs:EPSG::4326", [[135.5, 34.7], [35.27, 51.19]])
    t, r = read_events(dump(tmp_path / "e.geojson", doc))
    assert t.lon.tolist() == [135.5, 35.27] and t.lat.tolist() == [34.7, 51.19]
    assert any("other order" in n for n in r.notes)


def test_positions_outside_the_projection_are_rejected_not_invented(tmp_path: Path) -> None:
    doc = points_doc("EPSG:3857", [mercator(*SUDZHA), [1e300, 1e300], ["x", 5]])
    t, r = read_events(dump(tmp_path / "e.geojson", doc))
    assert t.has_coords.tolist() == [True, False, False]
    assert (t.lon[0], t.lat[0]) == pytest.approx(SUDZHA)
    assert {p.where for p in r.problems} == {"feature 2", "feature 3"}


@pytest.mark.parametrize("crs, message", [
    ({"type": "name", "properties": {"name": "EPSG:99999"}}, "EPSG:99999.*pyproj does not know"),
    ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::99999"}}, "pyproj does not know"),
    ({"type": "name", "properties": {"name": "Lambert somewhere"}}, "not CRS84 or an EPSG code"),
    ({"type": "link", "properties": {"href": "http://example.com/crs", "type": "proj4"}}, "does not fetch"),
    (["EPSG:3857"], "not an object"),
])
def test_a_crs_the_atlas_cannot_honour_is_refused(tmp_path: Path, crs: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_events(dump(tmp_path / "e.geojson", points_doc(None, [list(SUDZHA)], crs=crs)))


def test_convert_honours_epsg_3857_and_refuses_an_unknown_crs_with_status_65(tmp_path: Path, capsys) -> None:
    src = dump(tmp_path / "web.geojson", points_doc("EPSG:3857", [mercator(*SUDZHA), mercator(*KOREN)]))
    out = tmp_path / "out.geojson"
    assert main(["convert", "-o", str(out), str(src)]) == 0
    assert "wrote 2 of 2 events" in capsys.readouterr().out
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert feats[0]["geometry"]["coordinates"] == pytest.approx(list(SUDZHA))
    bad = dump(tmp_path / "bad.geojson", points_doc("EPSG:99999", [[1.0, 2.0]]))
    assert main(["convert", "-o", str(out), str(bad)]) == 65
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "EPSG:99999" in err


def test_control_polygons_in_web_mercator_are_transformed(tmp_path: Path) -> None:
    ring = [(35.0, 51.05), (35.4, 51.05), (35.4, 51.3), (35.0, 51.3), (35.0, 51.05)]
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
           "features": [{"type": "Feature", "properties": {"status": "ukrainian", "as_of": "2024-08-20"},
                         "geometry": {"type": "Polygon", "coordinates": [[mercator(*p) for p in ring]]}}]}
    snaps, report = read_control(dump(tmp_path / "areas.geojson", doc))
    held = snaps[0].geometry("ukrainian")
    assert held.bounds == pytest.approx((35.0, 51.05, 35.4, 51.3))
    assert geodesic_area_km2(held) == pytest.approx(geodesic_area_km2(Polygon(ring)), rel=1e-9)
    assert any("EPSG:3857" in n and "honoured" in n for n in report.notes)


# ---------------------------------------------------------------------------- winding
def _ccw(ring: list[list[float]]) -> bool:
    return shapely.LinearRing(ring).is_ccw


def test_control_geojson_exteriors_are_counter_clockwise_and_holes_clockwise(tmp_path: Path) -> None:
    # Built the wrong way round on purpose: exterior clockwise, hole counter-clockwise.
    outer = list(box(35.0, 51.0, 35.5, 51.4).exterior.coords)[::-1]
    hole = list(box(35.1, 51.1, 35.2, 51.2).exterior.coords)
    held = shapely.MultiPolygon([Polygon(outer, [hole]), Polygon(list(box(36, 51, 36.2, 51.2).exterior.coords)[::-1])])
    assert not shapely.LinearRing(outer).is_ccw
    snap = ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": held}, "test", "t", False, ())
    out = tmp_path / "held.geojson"
    write_control_geojson(out, snapshot_features(snap))
    geom = json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"]
    rings = [(i, ring) for poly in geom["coordinates"] for i, ring in enumerate(poly)]
    assert len(rings) == 3
    assert all(_ccw(ring) == (i == 0) for i, ring in rings)
    assert shape(geom).equals(held)  # the same area, only the ring order changed


def test_annotation_polygons_are_written_counter_clockwise_and_read_back_as_drawn(tmp_path: Path) -> None:
    clockwise = Annotation("polygon", ((35.0, 51.0), (35.0, 51.1), (35.1, 51.1), (35.1, 51.0)))
    anticlockwise = Annotation("polygon", ((35.0, 51.0), (35.1, 51.0), (35.1, 51.1), (35.0, 51.1)))
    doc = to_geojson([clockwise, anticlockwise])
    for feat in doc["features"]:
        assert _ccw(feat["geometry"]["coordinates"][0])
    assert doc["features"][0]["properties"]["drawn_clockwise"] is True
    assert "drawn_clockwise" not in doc["features"][1]["properties"]
    p = tmp_path / "a.geojson"
    write_annotations(p, [clockwise, anticlockwise])
    back, report = read_annotations(p)
    assert back == [clockwise, anticlockwise] and report.problems == []
