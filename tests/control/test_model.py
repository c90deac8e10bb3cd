"""The control-area model: geodesic areas, series lookup by date, clipping, changes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box

from atlas.control.model import (
    STATUSES,
    ControlSeries,
    ControlSnapshot,
    change_between,
    geodesic_area_km2,
    km2_to_sq_mi,
)

from ..conftest import ROOT


def test_geodesic_area_of_a_one_degree_cell_at_51n_matches_pyproj() -> None:
    cell = box(35.0, 51.0, 36.0, 52.0)
    lons, lats = [35, 36, 36, 35], [51, 51, 52, 52]
    ref, _ = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert geodesic_area_km2(cell) == pytest.approx(abs(ref) / 1e6, rel=1e-9)
    # and it is the ellipsoidal value (~7,735 km²), not planar degrees or Mercator metres
    assert 7700 < geodesic_area_km2(cell) < 7770


def test_area_does_not_depend_on_ring_orientation_and_holes_are_subtracted() -> None:
    cw = Polygon([(35, 51), (35, 52), (36, 52), (36, 51)])
    ccw = Polygon([(35, 51), (36, 51), (36, 52), (35, 52)])
    assert geodesic_area_km2(cw) == pytest.approx(geodesic_area_km2(ccw))
    holed = Polygon(ccw.exterior.coords, [[(35.25, 51.25), (35.75, 51.25), (35.75, 51.75), (35.25, 51.75)]])
    hole = geodesic_area_km2(box(35.25, 51.25, 35.75, 51.75))
    assert geodesic_area_km2(holed) == pytest.approx(geodesic_area_km2(ccw) - hole, rel=1e-9)
    multi = MultiPolygon([box(35, 51, 35.5, 51.5), box(36, 51, 36.5, 51.5)])
    assert geodesic_area_km2(multi) == pytest.approx(geodesic_area_km2(box(35, 51, 35.5, 51.5))
                                                     + geodesic_area_km2(box(36, 51, 36.5, 51.5)))


def test_square_miles() -> None:
    assert km2_to_sq_mi(1295.0) == pytest.approx(500.0, abs=0.1)


def snap(day: str, ua: Polygon | None = None, grey: Polygon | None = None) -> ControlSnapshot:
    polys = {}
    if ua is not None:
        polys["ukrainian"] = ua
    if grey is not None:
        polys["grey"] = grey
    return ControlSnapshot(dt.date.fromisoformat(day), polys, "test")


def test_series_at_returns_latest_snapshot_at_or_before_the_date() -> None:
    a, b, c = snap("2024-08-20", box(0, 0, 1, 1)), snap("2024-11-20"), snap("2025-03-11")
    ser = ControlSeries.of([c, a, b])
    assert ser.dates == (dt.date(2024, 8, 20), dt.date(2024, 11, 20), dt.date(2025, 3, 11))
    assert ser.at("2024-08-19") is None
    assert ser.at(dt.date(2024, 8, 20)) is a
    assert ser.at(dt.date(2024, 11, 19)) is a
    assert ser.at(dt.datetime(2024, 11, 20, 23, 59)) is b
    assert ser.at("2030-01-01") is c


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown control status"):
        ControlSnapshot(dt.date(2024, 8, 20), {"blue": box(0, 0, 1, 1)})


def test_clip_counts_only_the_part_inside_the_region() -> None:
    s = snap("2024-08-20", ua=box(35.0, 51.0, 36.0, 52.0), grey=box(40, 40, 41, 41))
    region = box(35.0, 51.0, 35.5, 52.0)
    areas = s.areas_km2(region)
    assert set(areas) == set(STATUSES)
    assert areas["ukrainian"] == pytest.approx(geodesic_area_km2(region), rel=1e-9)
    assert areas["grey"] == 0.0
    assert s.areas_km2()["grey"] > 0


def test_change_between_two_dates_gives_gained_and_lost_polygons_with_areas() -> None:
    a = snap("2024-08-20", ua=box(35.0, 51.0, 35.4, 51.3))
    b = snap("2025-03-11", ua=box(35.2, 51.0, 35.6, 51.3))
    ch = change_between(a, b)
    assert ch.gained.equals(box(35.4, 51.0, 35.6, 51.3))
    assert ch.lost.equals(box(35.0, 51.0, 35.2, 51.3))
    assert ch.gained_km2 == pytest.approx(geodesic_area_km2(box(35.4, 51.0, 35.6, 51.3)))
    assert ch.net_km2 == pytest.approx(ch.gained_km2 - ch.lost_km2)
    ser = ControlSeries.of([a, b])
    ch2 = ser.change("2024-09-01", "2025-04-01", region=box(35.0, 51.0, 35.3, 51.3))
    assert ch2 is not None and ch2.gained.is_empty
    assert ch2.lost_km2 == pytest.approx(geodesic_area_km2(box(35.0, 51.0, 35.2, 51.3)), rel=1e-6)
    assert ser.change("2024-01-01", "2025-04-01") is None


def test_control_model_imports_without_widgets() -> None:
    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name.startswith(('PySide6.QtWidgets', 'PySide6.QtGui', 'pyqtgraph')):\n"
        "        raise ImportError('blocked ' + name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "import atlas.control.model, atlas.control.io, atlas.control.export, atlas.control.claims\n"
        "import atlas.control.reconstruction, atlas.control.regions\n"
        "assert 'PySide6.QtWidgets' not in sys.modules and 'PySide6.QtGui' not in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
