"""Every point of the curated dataset stands for the place it names (issue 13, "Places").

* The event's ``place`` resolves in the gazetteer (the basemap's settlements plus
  data/basemap/gazetteer_extra.csv) and its point lies within its stated radius
  (``coord_uncertainty_km``) of that place.
* No event is drawn on another place's point: no two events naming different places share a point,
  and no point sits on a gazetteer place other than its own.
* ``geo_precision`` follows ACLED (1 the place itself, 2 near it, 3 the district or region) and
  agrees with ``coord_approximate``: only precision 1 is exact, and only at a place whose coordinate
  a source gives.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from atlas.geo.gazetteer import Gazetteer, Place, fold

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "events" / "kursk_2024_25.geojson"
#: Coordinates are given to 4-5 decimals: 0.05 km of slack for rounding.
ROUNDING_KM = 0.05
#: A point this close to a gazetteer place is drawn "on" that place.
ON_A_PLACE_KM = 0.2


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (spherical, R = 6371 km: far below the radii tested)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def located() -> list[tuple[dict[str, Any], float, float]]:
    doc = json.loads(DATASET.read_text(encoding="utf-8"))
    out = []
    for f in doc["features"]:
        p, g = f["properties"], f["geometry"]
        if g is None:
            assert p["place"] is None and p["coord_uncertainty_km"] is None, p["event_id"]
            continue
        lon, lat = g["coordinates"]
        out.append((p, lat, lon))
    assert len(out) >= 40
    return out


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_basemap()


def _named(gaz: Gazetteer, name: str) -> list[Place]:
    """Gazetteer places of which ``name`` is a spelling (name, local name or alternate)."""
    key = fold(name)
    return [p for p, keys in zip(gaz.places, gaz._keys) if key in keys]


def test_every_point_names_its_place_and_a_radius(located) -> None:
    for p, _lat, _lon in located:
        assert isinstance(p["place"], str) and p["place"].strip(), p["event_id"]
        r = p["coord_uncertainty_km"]
        assert isinstance(r, (int, float)) and not isinstance(r, bool) and 0 < r <= 50, p["event_id"]


def test_place_resolves_and_point_lies_within_its_radius(located, gazetteer) -> None:
    for p, lat, lon in located:
        eid, radius = p["event_id"], p["coord_uncertainty_km"]
        places = [q for q in _named(gazetteer, p["place"]) if q.has_point]
        assert places, f"{eid}: {p['place']!r} is not in the gazetteer with a point"
        nearest = min(places, key=lambda q: _km(lat, lon, q.lat, q.lon))
        d = _km(lat, lon, nearest.lat, nearest.lon)
        assert d <= radius + ROUNDING_KM, f"{eid}: {d:.2f} km from {nearest.name}, radius {radius} km"


def test_no_event_sits_on_another_places_point(located, gazetteer) -> None:
    by_point: dict[tuple[float, float], set[str]] = defaultdict(set)
    for p, lat, lon in located:
        by_point[(round(lat, 4), round(lon, 4))].add(p["place"])
        own = {id(q) for q in _named(gazetteer, p["place"])}
        for q in gazetteer.places:
            if q.has_point and id(q) not in own and _km(lat, lon, q.lat, q.lon) < ON_A_PLACE_KM:
                pytest.fail(f"{p['event_id']} ({p['place']}) is drawn on {q.name}'s point")
    shared = {pt: names for pt, names in by_point.items() if len(names) > 1}
    assert not shared, f"events naming different places share a point: {shared}"


def test_geo_precision_agrees_with_coord_approximate(located, gazetteer) -> None:
    for p, lat, lon in located:
        eid, gp = p["event_id"], p["geo_precision"]
        assert gp in (1, 2, 3), eid
        # ACLED: 1 the place itself (exact), 2 near it, 3 only the district/region: both approximate.
        assert p["coord_approximate"] is (gp >= 2), f"{eid}: geo_precision {gp} but coord_approximate {p['coord_approximate']}"
        if gp == 3:
            assert p["coord_uncertainty_km"] >= 10, f"{eid}: a district-level point needs a district-sized radius"
        if gp == 1:
            place = min((q for q in _named(gazetteer, p["place"]) if q.has_point), key=lambda q: _km(lat, lon, q.lat, q.lon))
            assert not place.approximate, f"{eid}: precision 1 at {place.name}, whose coordinate no source gives"


def test_a_derived_position_says_how(located) -> None:
    for p, _lat, _lon in located:
        if p["coord_basis"].startswith("estimated"):
            assert p["coord_approximate"] and p["geo_precision"] >= 2, p["event_id"]
            assert p["coord_basis"].startswith(f"estimated (radius {p['coord_uncertainty_km']:g} km"), p["event_id"]


def test_every_place_is_found_by_go_to_place_and_the_event_search_in_cyrillic(located, gazetteer) -> None:
    # Go to place searches the gazetteer; the event search expands a place's name into all its
    # spellings (atlas.model.place_aliases). Both must find each event's place by its Cyrillic name.
    from atlas.model import place_aliases

    place_aliases.set_alias_source(None)  # the bundled gazetteer
    try:
        for p, lat, lon in located:
            place = min((q for q in _named(gazetteer, p["place"]) if q.has_point), key=lambda q: _km(lat, lon, q.lat, q.lon))
            cyrillic = [n for n in gazetteer.names(place) if any("\u0400" <= ch <= "\u04ff" for ch in n)]
            assert cyrillic, f"{p['event_id']}: {place.name} has no Cyrillic name in the gazetteer"
            for name in cyrillic:
                assert place in [m.place for m in gazetteer.search(name)], (p["event_id"], name)
                assert place.name.lower() in place_aliases.alternatives(name), (p["event_id"], name)
    finally:
        place_aliases.set_alias_source(None)


@pytest.mark.parametrize("spelling, place", [
    ("Viktorovka", "Viktorovka (Sudzha district)"), ("Викторовка", "Viktorovka (Sudzha district)"),
    ("Вікторівка", "Viktorovka (Sudzha district)"), ("Nikolaevka", "Nikolayevka (Sudzha district)"),
    ("Николаевка", "Nikolayevka (Sudzha district)"),
])
def test_the_villages_ka_0074_names_are_in_the_gazetteer(gazetteer: Gazetteer, spelling: str, place: str) -> None:
    """KA-0074 names Viktorovka, Nikolayevka and Staraya Sorochina: Go to place finds each, in Latin,
    Russian and Ukrainian spelling, at an estimated point within 2 km of Malaya Loknya."""
    hits = [getattr(h, "place", h) for h in gazetteer.search(spelling)]
    found = next(p for p in hits if p.name == place)
    assert found.approximate
    assert _km(found.lat, found.lon, 51.3325, 35.2275) < 2.0


#: Every village the events name in their titles, in the spellings analysts meet: Latin, Russian,
#: Ukrainian (issue 13: "Go to place finds each one"). Some have no sourced position; they are
#: in the gazetteer by name only.
VILLAGES_EVENTS_NAME: dict[str, tuple[str, ...]] = {
    # name: (event, the word the event uses, other spellings ...)
    "Uspenovka": ("KA-0040", "Uspenovka", "Успеновка", "Успенівка", "Uspenivka"),
    "Pokrovsky": ("KA-0042", "Pokrovsky", "Покровский", "Покровський", "Pokrovskiy"),
    "Krupets": ("KA-0108", "Krupets", "Крупец", "Крупець", "Krupec"),
    "Zeleny Shlyakh": ("KA-0043", "Zeleny Shlyakh", "Зелёный Шлях", "Зелений Шлях", "Zelenyi Shliakh"),
    "Orlovka": ("KA-0067", "Orlovka", "Орловка", "Орлівка", "Orlivka"),
    "Cherkasskoye Porechnoye": ("KA-0075", "Cherkasskoye Porechnoye", "Черкасское Поречное", "Черкаське Поріччя",
                                "Cherkasskoe Porechnoe"),
    "Kositsa": ("KA-0075", "Kositsa", "Косица", "Косиця", "Kosytsia"),
    "Lebedevka": ("KA-0075", "Lebedevka", "Лебедевка", "Лебедівка", "Lebedivka"),
    "Pervy Knyazhy": ("KA-0082", "Pervoye and Vtoroye Knyazhy", "1-й Княжий", "Перший Княжий", "Pershyi Kniazhyi"),
    "Vtoroy Knyazhy": ("KA-0082", "Pervoye and Vtoroye Knyazhy", "2-й Княжий", "Другий Княжий", "Druhyi Kniazhyi"),
    "Zamostye": ("KA-0082", "Zamostye", "Замостье", "Замостя", "Zamostia"),
    "Mirny": ("KA-0082", "Mirny", "Мирный", "Мирний", "Myrnyi"),
    "Melovoy": ("KA-0085", "Melovoy", "Меловой", "Меловий", "Melovoi"),
    "Podol": ("KA-0085", "Podol", "Подол", "Поділ", "Podil"),
    "Rubanshchina": ("KA-0094", "Rubanshchina", "Рубанщина", "Rubanshchyna"),
}


@pytest.mark.parametrize("name", sorted(VILLAGES_EVENTS_NAME))
def test_every_village_an_event_names_is_found_by_go_to_place(gazetteer: Gazetteer, name: str) -> None:
    event_id, word, *spellings = VILLAGES_EVENTS_NAME[name]
    doc = json.loads(DATASET.read_text(encoding="utf-8"))
    event = next(f for f in doc["features"] if f["properties"]["event_id"] == event_id)
    assert word in event["properties"]["title"] + " " + event["properties"]["notes"], f"{event_id} does not name {name}"
    for spelling in (name, *spellings):
        hits = [m.place for m in gazetteer.search(spelling)]
        assert any(p.name == name for p in hits), f"Go to place does not find {name} as {spelling!r}"
    place = next(m.place for m in gazetteer.search(name) if m.place.name == name)
    if not place.has_point:
        # Known by name only: the label says so, and no event is drawn at a guessed point for it.
        assert "no source gives its position" in place.label
        for f in doc["features"]:
            if f["properties"].get("place") == name:
                pytest.fail(f"{f['properties']['event_id']} is drawn at {name}, which has no sourced position")


def test_a_place_without_a_point_says_why() -> None:
    import csv

    with (ROOT / "data" / "basemap" / "gazetteer_extra.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    no_point = [r for r in rows if not r["lat"] and not r["lon"]]
    assert no_point, "the villages without a sourced position are in the gazetteer by name"
    for r in no_point:
        assert r["source"].startswith("NO POINT") and "KA-" in r["source"], r["name"]
        assert any("\u0400" <= ch <= "\u04ff" for ch in r["name_local"]), r["name"]


def test_an_estimated_village_says_its_radius_and_lies_in_its_oblast() -> None:
    """A point derived from a description carries its radius and derivation, and lands in the oblast
    the gazetteer gives (a derived point across the border would be a plain error)."""
    import csv

    import shapely
    from shapely.geometry import Point, shape

    oblasts = json.loads((ROOT / "data" / "basemap" / "oblasts.geojson").read_text(encoding="utf-8"))
    kursk = shapely.union_all([shape(f["geometry"]) for f in oblasts["features"]
                               if f["properties"]["name_en"] == "Kursk Oblast"])
    with (ROOT / "data" / "basemap" / "gazetteer_extra.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["source"].startswith("ESTIMATED")]
    assert {"Pervy Knyazhy", "Lebedevka", "Rubanshchina", "Cherkasskoye Porechnoye"} <= {r["name"] for r in rows}
    for r in rows:
        assert r["approximate"] == "true", r["name"]
        assert r["source"].startswith("ESTIMATED (radius "), r["name"]
        if r["admin1"] == "Kursk Oblast":
            assert kursk.contains(Point(float(r["lon"]), float(r["lat"]))), f"{r['name']} lies outside Kursk oblast"
