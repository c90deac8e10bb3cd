"""Coordinate notations (DD, DMS, MGRS) against known points, and the gazetteer's name folding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from atlas.geo.coords import format_cursor, format_dd, format_dms, format_mgrs, to_mgrs, utm_zone
from atlas.geo.gazetteer import Gazetteer, Place, fold

SUDZHA = (35.2706, 51.1914)  # lon, lat (en.wikipedia 51°11′29″N 35°16′14″E)


def test_decimal_degrees_and_dms_of_sudzha() -> None:
    assert format_dd(*SUDZHA) == "51.19140° N, 35.27060° E"
    # 51.1914° = 51° 11′ 29.04″; 35.2706° = 35° 16′ 14.16″
    assert format_dms(*SUDZHA) == "51°11′29.0″N 35°16′14.2″E"
    assert format_dms(-0.5, -33.25) == "33°15′00.0″S 0°30′00.0″W"
    # rounding up to 60″ carries into the minutes
    assert format_dms(10.0, 50.999999) == "51°00′00.0″N 10°00′00.0″E"


def test_mgrs_of_sudzha_reasoned_from_the_grid() -> None:
    # Zone 36 spans 30–36° E, band U spans 48–56° N. Zone 36's central meridian is 33° E; Sudzha is
    # 2.27° east of it: easting ≈ 500 km + 2.27° × 111.3 km × cos 51.19° ≈ 658 km → 100 km column 6
    # → the 6th letter of zone 36's set (STUVWXYZ) = X. Northing ≈ 5,673 km → row index 56 + 5
    # (even zone) = 61 → 61 mod 20 = 1 → B.
    ref = to_mgrs(*SUDZHA)
    assert ref.startswith("36UXB")
    e, n = int(ref[5:10]), int(ref[10:15])
    assert 55_000 < e < 62_000
    assert 70_000 < n < 77_000
    assert format_mgrs(*SUDZHA) == f"36U XB {ref[5:10]} {ref[10:15]}"
    assert to_mgrs(*SUDZHA, precision=2) == f"36UXB{ref[5:7]}{ref[10:12]}"
    assert to_mgrs(*SUDZHA, precision=0) == "36UXB"


def test_mgrs_against_independent_utm_maths() -> None:
    """Cross-check the letters with a second method: pyproj's UTM + the NGA lettering by hand."""
    from pyproj import Proj

    for lon, lat in [(35.6521, 51.6601), (34.8003, 50.9216), (-77.0353, 38.8895), (151.2153, -33.8568), (2.2945, 48.8584)]:
        zone = utm_zone(lon, lat)
        proj = Proj(proj="utm", zone=zone, ellps="WGS84", south=lat < 0)
        e, n = proj(lon, lat)
        n = n + (10_000_000 if lat < 0 else 0) if n < 0 else n
        ref = to_mgrs(lon, lat)
        assert int(ref[:2]) == zone
        assert int(ref[5:10]) == int(e) % 100_000
        assert int(ref[10:15]) == int(n) % 100_000


def test_known_published_references() -> None:
    # Washington Monument: USNG/MGRS 18S UJ 23483 06479 (FGDC USNG standard example, ±a few m for
    # the coordinate used). Eiffel Tower: 31U DQ 48251 11932 (commonly cited). Check at 100 m.
    assert to_mgrs(-77.03524, 38.88947, precision=3) == "18SUJ234064"
    assert to_mgrs(2.29448, 48.85826, precision=3) == "31UDQ482119"


def test_mgrs_agrees_with_the_mgrs_package_worldwide() -> None:
    mgrs = pytest.importorskip("mgrs")
    m = mgrs.MGRS()
    rng = np.random.default_rng(3)
    mism = 0
    for lon, lat in zip(rng.uniform(-180, 180, 1500), rng.uniform(-79.5, 83.5, 1500)):
        a = to_mgrs(float(lon), float(lat))
        b = m.toMGRS(float(lat), float(lon))
        if a != b:
            # The two libraries may truncate a coordinate a hair from a metre line differently.
            assert a[:5] == b[:5] and abs(int(a[5:10]) - int(b[5:10])) <= 1 and abs(int(a[10:]) - int(b[10:])) <= 1, (lon, lat, a, b)
            mism += 1
    assert mism < 10
    assert to_mgrs(*SUDZHA) == m.toMGRS(SUDZHA[1], SUDZHA[0])


def test_grid_zone_exceptions_and_limits() -> None:
    assert utm_zone(5.0, 60.0) == 32  # Norway
    assert utm_zone(10.0, 78.0) == 33  # Svalbard
    assert to_mgrs(10.0, 78.0).startswith("33X")
    with pytest.raises(ValueError):
        to_mgrs(0.0, 85.0)
    with pytest.raises(ValueError):
        to_mgrs(math.nan, 50.0)
    assert format_mgrs(0.0, -85.0) == "—"
    assert format_cursor(*SUDZHA).count("·") == 2


@pytest.mark.parametrize("spellings", [
    ("Суджа", "Sudzha", "Sudja", "Sudža", "Sudscha"),
    ("Тёткино", "Tyotkino", "Tjotkino", "Tetkino", "Tëtkino"),
    ("Гуево", "Guevo", "Guyevo"),
    ("Глушково", "Glushkovo"),
    ("Суми", "Sumy"),
])
def test_fold_brings_spellings_together(spellings) -> None:
    assert len({fold(s) for s in spellings}) == 1, {s: fold(s) for s in spellings}


def test_gazetteer_ranks_exact_then_prefix_and_bigger_first() -> None:
    g = Gazetteer([
        Place("Sudzha", "Суджа", 35.27, 51.19, 5000, "Kursk Oblast", "RUS", False),
        Place("Sudzhanskiy", "", 35.0, 51.0, 0, "", "RUS", False),
        Place("Kursk", "Курск", 36.19, 51.74, 440_000, "Kursk Oblast", "RUS", False),
        Place("Kurskiy", "", 36.0, 51.5, 800, "", "RUS", False),
    ])
    assert [m.place.name for m in g.search("Суджа")] == ["Sudzha", "Sudzhanskiy"]
    assert [m.place.name for m in g.search("kurs")] == ["Kursk", "Kurskiy"]
    assert g.search("") == []
    assert g.search("Moscow") == []


def test_gazetteer_of_the_bundled_basemap_finds_sudzha_any_way() -> None:
    g = Gazetteer.from_basemap()
    for q in ("Суджа", "Sudzha", "Sudja", "sudža"):
        top = g.search(q)[0].place
        assert top.name == "Sudzha" and abs(top.lat - 51.19) < 0.02 and abs(top.lon - 35.27) < 0.02, q
    assert g.search("Kursk NPP")[0].place.name == "Kurchatov"
    assert g.search("Тёткино")[0].place.lat == pytest.approx(51.28, abs=0.03)
