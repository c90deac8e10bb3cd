"""Clip regions from the basemap and the dataset's dated area claims."""

from __future__ import annotations

import pytest

from atlas.control.claims import area_claims, claim_kind
from atlas.control.model import geodesic_area_km2
from atlas.control.regions import RegionError, region_geometry
from atlas.io import BUNDLED_EVENTS, read_events


def test_regions_come_from_the_basemap_with_plausible_areas() -> None:
    kursk = geodesic_area_km2(region_geometry("kursk"))
    sumy = geodesic_area_km2(region_geometry("sumy"))
    assert 28_000 < kursk < 31_000  # Kursk oblast: ~30,000 km²
    assert 22_000 < sumy < 25_000  # Sumy oblast: ~23,800 km²
    assert region_geometry("russia").contains(region_geometry("kursk").representative_point())
    assert not region_geometry("ukraine").intersection(region_geometry("kursk")).area > 1e-3
    with pytest.raises(RegionError):
        region_geometry("mars")


def test_regions_fall_back_to_reading_the_files(tmp_path) -> None:
    from atlas.control.regions import BASEMAP_DIR

    g = region_geometry("kursk", BASEMAP_DIR)
    assert geodesic_area_km2(g) == pytest.approx(geodesic_area_km2(region_geometry("kursk")), rel=1e-6)


def test_area_claims_of_the_bundled_dataset() -> None:
    table, _ = read_events(BUNDLED_EVENTS)
    claims = area_claims(table)
    by_id = {c.event_id: c for c in claims}
    syrskyi = by_id["KA-0030"]
    assert (syrskyi.date.isoformat(), syrskyi.km2, syrskyi.kind) == ("2024-08-27", 1294.0, "held")
    assert "UNN 2024-08-27 <https://unn.ua/" in syrskyi.sources_text() and "1,294 km²" in syrskyi.tooltip()
    nyt = by_id["KA-0031"]
    assert nyt.sq_mi == pytest.approx(500, abs=1) and "New York Times" in nyt.tooltip()
    assert by_id["KA-0079"].kind == "change"  # "over 100 km2 in a day": not a held area
    assert [c.date for c in claims] == sorted(c.date for c in claims)


def test_claim_kind() -> None:
    assert claim_kind("Syrskyi: Ukrainian forces control about 1,000 km2") == "held"
    assert claim_kind("MoD claims 12 settlements and over 100 km2 in a day") == "change"
    assert claim_kind("Syrskyi: 1,263 km2 and 93 settlements") == "held"
