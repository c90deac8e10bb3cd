"""GeoJSON features with an empty geometry (RFC 7946 §3.1) are events without a point, like null."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from atlas.io import read_events

EMPTY_GEOMETRIES = [
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Point", "coordinates": []},
    {"type": "Point"},
    {"type": "MultiPoint", "coordinates": []},
    {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": []}]},
]


@pytest.mark.parametrize("geom", EMPTY_GEOMETRIES, ids=lambda g: json.dumps(g))
def test_an_empty_geometry_is_kept_as_an_event_without_a_point(tmp_path: Path, geom: dict) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [35.27, 51.19]},
         "properties": {"date": "2024-08-06", "title": "Crossing"}},
        {"type": "Feature", "id": "b", "geometry": geom, "properties": {"date": "2024-08-07", "title": "Statement"}},
        {"type": "Feature", "id": "c", "geometry": None, "properties": {"date": "2024-08-08", "title": "Decree"}},
    ]}
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    table, report = read_events(path)
    assert list(table.ids) == ["a", "b", "c"]
    assert table.has_coords.tolist() == [True, False, False]
    assert table.value("title", 1) == "Statement" and table.date[1] == np.datetime64("2024-08-07")
    assert not any(p.action == "rejected" for p in report.problems)
    assert any("1 features with an empty geometry kept as events without a point" in n for n in report.notes)


def test_a_point_with_one_coordinate_is_still_rejected(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.27, 51.19]}, "properties": {"date": "2024-08-06"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.27]}, "properties": {"date": "2024-08-06"}},
    ]}
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    table, report = read_events(path)
    assert len(table) == 1
    assert [(p.where, p.action) for p in report.problems] == [("feature 2", "rejected")]
