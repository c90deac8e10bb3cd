"""--center takes the names Go to place knows (the gazetteer), so the command line and the window
agree; a village events name but no source places is refused, saying so, never centred on a guess."""

from __future__ import annotations

import pytest

from atlas.cli.views import parse_center
from atlas.geo.gazetteer import NO_POINT_NOTE, Gazetteer


def test_a_basemap_settlement_in_any_spelling():
    latin = parse_center("Sudzha")
    assert parse_center("Суджа") == latin and parse_center("sudzha") == latin
    lon, lat = latin
    assert 35.2 < lon < 35.35 and 51.15 < lat < 51.25


@pytest.mark.parametrize("name", ["Khalino", "Халино", "Kursk Vostochny airfield"])
def test_a_gazetteer_only_place_is_centred_on_its_sourced_point(name):
    # Not a settlement of the basemap: only the gazetteer knows the airfield, near 51.751 N 36.296 E.
    lon, lat = parse_center(name)
    assert abs(lat - 51.751) < 0.01 and abs(lon - 36.296) < 0.01


def test_an_estimated_village_is_centred_on_its_derived_point():
    gaz = Gazetteer.from_basemap()
    knyazhy = next(p for p in gaz.places if p.name == "Pervy Knyazhy")
    assert knyazhy.has_point and knyazhy.approximate
    assert parse_center("1-й Княжий") == pytest.approx((knyazhy.lon, knyazhy.lat))


@pytest.mark.parametrize("name", ["Krupets", "Крупец"])
def test_a_place_without_a_sourced_position_is_refused_saying_so(name):
    with pytest.raises(ValueError) as err:
        parse_center(name)
    assert NO_POINT_NOTE in str(err.value) and "Krupets" in str(err.value) and "LON,LAT" in str(err.value)


def test_an_unknown_name_is_refused():
    with pytest.raises(ValueError, match="neither LON,LAT nor a place"):
        parse_center("Atlantis")
