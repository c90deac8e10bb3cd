"""The one GeoPackage writer: events and areas of control both come out of atlas.io.gpkg_writer,
and GDAL's ogrinfo opens both with the right layers, geometry types, counts and column types."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from shapely.geometry import Point

from atlas.control.export import write_gpkg as write_areas
from atlas.io import BUNDLED_EVENTS, read_events
from atlas.io.gpkg_events import write_gpkg as write_events

OGRINFO = shutil.which("ogrinfo")
needs_ogrinfo = pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed (apt install gdal-bin)")


def ogrinfo(path: Path) -> str:
    r = subprocess.run([str(OGRINFO), "-so", "-al", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ERROR" not in r.stderr, r.stderr
    return r.stdout


@needs_ogrinfo
def test_events_and_areas_read_in_gdal(tmp_path: Path) -> None:
    table, _ = read_events(BUNDLED_EVENTS)
    n = write_events(table, tmp_path / "events.gpkg")
    out = ogrinfo(tmp_path / "events.gpkg")
    assert "Geometry: Point" in out and f"Feature Count: {n}" in out
    assert re.search(r"fatalities: Real", out) and re.search(r"geo_precision: Integer", out)

    feats = [(Point(35.27, 51.19).buffer(0.05), {"name": "Sudzha", "area_km2": 12.5, "n": 3, "approximate": True}),
             (Point(34.9, 51.3).buffer(0.08), {"name": "Korenevo", "area_km2": 30.0, "n": 1, "approximate": False})]
    write_areas(tmp_path / "areas.gpkg", {"snapshot": feats, "series": feats[:1]})
    out = ogrinfo(tmp_path / "areas.gpkg")
    assert out.count("Geometry: Multi Polygon") == 2
    assert "Feature Count: 2" in out and "Feature Count: 1" in out
    assert re.search(r"area_km2: Real", out) and re.search(r"n: Integer", out)
    assert re.search(r"approximate: Integer\(Boolean\)", out)
