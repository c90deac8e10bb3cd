"""The real files of ../shared/fixtures (skipped when the folder is absent)."""

from __future__ import annotations

import datetime as dt

from atlas.control.io import read_control
from atlas.control.model import ControlSeries
from atlas.control.regions import region_geometry

from ..conftest import fixture_path

RAW = ["deepstate_raw_1722889303.geojson", "deepstate_raw_1724184993.geojson", "deepstate_raw_1732138237.geojson",
       "deepstate_raw_1741694646.geojson", "deepstate_raw_1746051545.geojson"]


def _series() -> ControlSeries:
    snaps = []
    for name in RAW:
        snaps += read_control(fixture_path("frontlines", name))[0]
    return ControlSeries.of(snaps)


def test_deepstate_snapshots_in_kursk_oblast() -> None:
    ser = _series()
    assert ser.dates == (dt.date(2024, 8, 5), dt.date(2024, 8, 20), dt.date(2024, 11, 20),
                         dt.date(2025, 3, 11), dt.date(2025, 4, 30))
    kursk = region_geometry("kursk")
    km2 = {s.as_of: s.areas_km2(kursk) for s in ser}
    assert km2[dt.date(2024, 8, 5)]["ukrainian"] < 1  # before the incursion
    aug = km2[dt.date(2024, 8, 20)]
    # Ukrainian-held plus grey zone is close to Syrskyi's 1,263 km² of 20 Aug 2024
    assert 1150 < aug["ukrainian"] + aug["grey"] < 1350
    assert aug["ukrainian"] > km2[dt.date(2024, 11, 20)]["ukrainian"] > km2[dt.date(2025, 3, 11)]["ukrainian"] \
        > km2[dt.date(2025, 4, 30)]["ukrainian"]
    ch = ser.change("2024-08-20", "2025-03-11", "ukrainian", kursk)
    assert ch is not None and ch.lost_km2 > 300 and ch.gained_km2 < 20
    # the status keys, not the labels, decide: Crimea is Russian-held, East Prussia is skipped
    crimea = ser.at("2024-08-20").geometry("russian")  # type: ignore[union-attr]
    from shapely.geometry import Point

    assert crimea.contains(Point(34.1, 45.0))  # central Crimea
    assert not crimea.contains(Point(20.5, 54.7))  # Kaliningrad: a political marking, not this war


def test_cyterat_outlines_are_read_as_occupied_area() -> None:
    snaps, report = read_control(fixture_path("frontlines", "cyterat_deepstatemap_data_20250310.geojson"))
    s = snaps[0]
    assert s.as_of == dt.date(2025, 3, 10) and s.statuses == ("russian",)
    assert 100_000 < s.areas_km2()["russian"] < 130_000  # roughly a fifth of Ukraine (plus Crimea)
    assert any("Russian-held" in n for n in report.notes)


def test_mapsite_kml_control_zones_sudzha_flips() -> None:
    from shapely.geometry import Point

    sudzha = Point(35.2706, 51.1914)
    kursk = region_geometry("kursk")
    sep, apr = (read_control(fixture_path("kml", f"mapsite_Control_{d}.kml"))[0][0] for d in ("24_09_01", "25_04_01"))
    assert sep.as_of == dt.date(2024, 9, 1) and apr.as_of == dt.date(2025, 4, 1)
    assert sep.geometry("ukrainian").contains(sudzha)
    assert apr.geometry("russian").contains(sudzha)
    assert sep.areas_km2(kursk)["ukrainian"] > apr.areas_km2(kursk)["ukrainian"] > 0

