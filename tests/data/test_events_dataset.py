"""Validates the committed curated dataset data/events/kursk_2024_25.geojson against docs/schema.md.

Standard library only (json, re, datetime, csv): the file must be valid on its own, whatever state the
importers are in. The coordinates of places.csv used by the dataset are embedded below so the check runs
in CI without ../shared; when ../shared/reference/places.csv is present the embedded copy is checked
against it too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "events" / "kursk_2024_25.geojson"
SOURCES_MD = ROOT / "data" / "events" / "SOURCES.md"
PLACES_CSV = ROOT.parent / "shared" / "reference" / "places.csv"

FIRST_DAY = "2024-08-06"  # the crossing
LAST_DAY = "2025-04-30"  # South Korea's estimate of North Korean casualties

EVENT_TYPES = {
    "Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
    "Strategic developments", "Political developments",
}
SUB_EVENT_TYPES = {
    # ACLED
    "Armed clash", "Government regains territory", "Non-state actor overtakes territory",
    "Air/drone strike", "Shelling/artillery/missile attack", "Remote explosive/landmine/IED", "Attack",
    "Disrupted weapons use", "Agreement", "Headquarters or base established", "Change to group/activity",
    "Looting/property destruction", "Other",
    # atlas
    "Territorial gain", "Recapture claim", "Area-control claim", "Troop deployment", "Casualty claim",
    "Withdrawal", "Emergency declared", "Evacuation", "Infrastructure damage", "Policy decision",
    "Statement", "Negotiations", "Visit",
}
SIDES = {"Ukraine", "Russia", "Third party"}
CONFIDENCE = {"confirmed", "reported", "claimed", "disputed"}
PROPERTY_KEYS = {
    "event_id", "event_date", "time_precision", "event_type", "sub_event_type", "title", "actor1",
    "actor2", "side", "country", "admin1", "admin2", "location", "geo_precision", "coord_approximate",
    "coord_basis", "place", "coord_uncertainty_km", "notes", "fatalities", "confidence", "claimed_by", "claim_area_km2", "sources",
}
REQUIRED_STRINGS = ("event_id", "event_date", "event_type", "sub_event_type", "title", "actor1", "side",
                    "location", "notes", "confidence")
OPTIONAL_STRINGS = ("actor2", "country", "admin1", "admin2", "claimed_by")

# The places.csv rows (lat, lon) the dataset may cite as "places.csv '<name>'".
PLACES: dict[str, tuple[float, float]] = {
    "Sudzha": (51.1914, 35.2706),
    "Korenevo": (51.4119, 34.9080),
    "Glushkovo": (51.3392, 34.6328),
    "Karyzh": (51.3772, 34.4517),
    "Tetkino": (51.2792, 34.2792),
    "Rylsk": (51.5655, 34.6822),
    "Lgov": (51.6667, 35.2667),
    "Kurchatov": (51.6601, 35.6521),
    "Kursk Nuclear Power Plant": (51.6740, 35.6070),
    "Kursk": (51.7373, 36.1874),
    "Bolshoye Soldatskoye": (51.3333, 35.5083),
    "Malaya Loknya": (51.3325, 35.2275),
    "Martynovka": (51.2389, 35.3664),
    "Gornal": (51.0661, 35.2325),
    "Plekhovo": (51.1000, 35.3333),
    "Lyubimovka": (51.3119, 35.0428),
    "Snagost": (51.3150, 34.8933),
    "Vuhledar": (47.7792, 37.2483),
    "Zaoleshenka": (51.2028, 35.2581),
    "Goncharovka": (51.1911, 35.2519),
    "Staraya Sorochina": (51.3428, 35.2211),
}
# places.csv rows without a sourced coordinate: never plotted as if a source gave the point.
UNCONFIRMED_PLACES = {
    "Sudzha gas metering station", "Zvannoye", "Berdin", "Kazachya Loknya", "Nikolayevo-Daryino",
    "Oleshnya", "Guevo", "Makhnovka", "Pogrebki", "Sverdlikovo", "Olgovka",
}
# places.csv marks this sourced coordinate itself as approximate (a selsoviet point).
APPROXIMATE_IN_PLACES = {"Snagost"}

NYT_SEED = {"outlet": "The New York Times", "date": "2025-03-13",
            "title": "As Russia Tries to Push Ukraine Out of Kursk, Here's What to Know"}
# One phrase per claim of ../shared/reference/seed-article.txt; each must appear in the title or notes
# of an event that cites the seed article.
SEED_CLAIM_PHRASES = (
    "close to driving Ukraine",          # Russia close to driving Ukraine out
    "bargaining chip",                   # ... denying Zelensky a bargaining chip
    "froze military aid",                # the aid and intelligence freeze of 3 March
    "intelligence support",
    "appeared to accelerate",            # the push accelerated after the freeze
    "30-day cease-fire",                 # aid resumed as Ukraine agreed to the proposal
    "flow of aid resumed",
    "news conference",                   # Putin's preliminary support and questions
    "lay down their arms",
    "first on Russian soil since World War II",
    "thinly defended border",
    "surprised even its key allies",
    "colonel",                           # the colonel's three objectives
    "push Moscow's artillery out of range",
    "nearly 500 square miles",
    "not been told in advance",          # allies incl. the US not told
    "population of around 5,000",        # Sudzha seized
    "gamble",                            # analysts
    "not want to stay on Russian soil indefinitely",  # Zelensky
    "main military focus",               # Putin: eastern Ukraine
    "Vuhledar",                          # taken in October
    "began gradually to lose ground",    # the Ukrainian push slowed
    "around 11,000 soldiers",            # North Korea's deployment
    "heavy losses",
    "withdrawn from the frontline",
    "drones and fighter jets",           # the rapid Russian advance
    "command post",                      # Putin's visit late Wednesday
    "hold the line",                     # Syrskyi
    "retaken Sudzha",                    # the MoD claim of Thursday 13 March
    "small pockets",                     # what would be left if confirmed
)


def _load() -> dict[str, Any]:
    with DATASET.open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return _load()


@pytest.fixture(scope="module")
def props(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [f["properties"] for f in collection["features"]]


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _seed_events(props: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in props if any(s.get("outlet") == NYT_SEED["outlet"] and s.get("date") == NYT_SEED["date"]
                                    for s in p["sources"])]


# --- the collection --------------------------------------------------------------------------------

def test_collection_header(collection: dict[str, Any]) -> None:
    assert collection["type"] == "FeatureCollection"
    assert collection["schema"] == "kursk-atlas-events"
    assert collection["schema_version"] == 1
    assert isinstance(collection["features"], list)


def test_at_least_80_events_spanning_the_incursion(props: list[dict[str, Any]]) -> None:
    assert len(props) >= 80
    dates = sorted(p["event_date"] for p in props)
    assert dates[0] == FIRST_DAY
    assert dates[-1] == LAST_DAY


def test_ids_unique_sequential_and_chronological(collection: dict[str, Any]) -> None:
    feats = collection["features"]
    ids = [f["properties"]["event_id"] for f in feats]
    assert len(set(ids)) == len(ids)
    # Ids are stable: a removed event's id is never reused, and SOURCES.md's change table lists it
    # as removed; every other number up to the last is in use.
    removed = set(re.findall(r"^\| (KA-\d{4}) \| removed \|", SOURCES_MD.read_text(encoding="utf-8"), re.M))
    assert not removed & set(ids), "a removed id is back in the data"
    last = max(int(i[3:]) for i in ids)
    assert sorted(set(ids) | removed) == [f"KA-{i:04d}" for i in range(1, last + 1)]
    assert ids == sorted(ids)
    assert all(f["id"] == f["properties"]["event_id"] for f in feats)
    # Ids follow the date order in which events were added; an event re-dated later keeps its id,
    # and SOURCES.md's change table lists it (nothing else may be out of order).
    # Events added in a later pass get the next free id whatever their date: the change table lists
    # them as "added".
    redated = set(re.findall(r"^\| (KA-\d{4}) \| (?:event_date|added) \|", SOURCES_MD.read_text(encoding="utf-8"), re.M))
    dates = [(f["properties"]["event_date"], f["id"]) for f in feats if f["id"] not in redated]
    assert dates == sorted(dates), "KA ids must follow the chronological order"
    assert redated <= set(ids) | removed


def test_no_url_carries_a_default_port(collection: dict[str, Any]) -> None:
    for f in collection["features"]:
        for s in f["properties"].get("sources") or []:
            url = s.get("url") or ""
            assert not re.match(r"https?://[^/]+:(443|80)/", url), (f["id"], url)


# --- every event -----------------------------------------------------------------------------------

def test_every_feature_has_exactly_the_schema_fields(collection: dict[str, Any]) -> None:
    for f in collection["features"]:
        assert f["type"] == "Feature"
        assert set(f["properties"]) == PROPERTY_KEYS, f["id"]


def test_field_types_and_vocabularies(props: list[dict[str, Any]]) -> None:
    for p in props:
        eid = p["event_id"]
        for key in REQUIRED_STRINGS:
            assert isinstance(p[key], str) and p[key].strip(), (eid, key)
        for key in OPTIONAL_STRINGS:
            assert p[key] is None or (isinstance(p[key], str) and p[key].strip()), (eid, key)
        assert _is_date(p["event_date"]), eid
        assert FIRST_DAY <= p["event_date"] <= LAST_DAY, eid
        assert p["time_precision"] in (1, 2, 3) and _is_int(p["time_precision"]), eid
        assert p["event_type"] in EVENT_TYPES, (eid, p["event_type"])
        assert p["sub_event_type"] in SUB_EVENT_TYPES, (eid, p["sub_event_type"])
        assert p["side"] in SIDES, eid
        assert p["confidence"] in CONFIDENCE, eid
        assert p["fatalities"] is None or (_is_int(p["fatalities"]) and p["fatalities"] >= 0), eid
        area = p["claim_area_km2"]
        assert area is None or (isinstance(area, (int, float)) and not isinstance(area, bool) and area >= 0), eid
        if area == 0:  # "nothing held any more" is a side's claim of complete recapture
            assert p["sub_event_type"] in ("Recapture claim", "Area-control claim") and p["claimed_by"], eid
        assert "<" not in p["notes"] and "<" not in p["title"], f"{eid}: notes are plain text"


def test_month_precision_dates_say_so(props: list[dict[str, Any]]) -> None:
    for p in props:
        if p["time_precision"] == 3:
            assert p["event_date"][8:] in ("01", "15"), p["event_id"]
            assert "month" in p["notes"].lower(), p["event_id"]


def test_sources(props: list[dict[str, Any]]) -> None:
    for p in props:
        sources = p["sources"]
        assert isinstance(sources, list) and sources, p["event_id"]
        for s in sources:
            assert set(s) <= {"outlet", "date", "url", "title"}, (p["event_id"], s)
            assert isinstance(s["outlet"], str) and s["outlet"].strip(), p["event_id"]
            assert _is_date(s["date"]), (p["event_id"], s)
            if "url" in s:
                assert isinstance(s["url"], str) and re.match(r"https?://\S+$", s["url"]), (p["event_id"], s)
            if "title" in s:
                assert isinstance(s["title"], str) and s["title"].strip(), p["event_id"]


def test_claims_say_who_claimed(props: list[dict[str, Any]]) -> None:
    for p in props:
        if p["confidence"] in ("claimed", "disputed"):
            assert p["claimed_by"], p["event_id"]
        if p["sub_event_type"] == "Recapture claim":
            assert p["claimed_by"], p["event_id"]


def test_area_claims_carry_areas(props: list[dict[str, Any]]) -> None:
    areas = {p["event_date"]: p["claim_area_km2"] for p in props
             if p["sub_event_type"] == "Area-control claim" and p["claim_area_km2"] is not None}
    # Syrskyi's claims of 12, 15, 20 and 27 Aug 2024 and the seed article's ~500 sq mi.
    assert areas.get("2024-08-12") == 1000
    assert areas.get("2024-08-20") == 1263
    assert 1294 in {p["claim_area_km2"] for p in props}
    assert 1295 in {p["claim_area_km2"] for p in props}
    for p in props:
        if p["claim_area_km2"] is not None:
            assert p["sub_event_type"] in ("Area-control claim", "Recapture claim"), p["event_id"]


# --- geometry and coordinates --------------------------------------------------------------------

def test_geometry_and_coordinate_provenance(collection: dict[str, Any]) -> None:
    located = 0
    for f in collection["features"]:
        p, g = f["properties"], f["geometry"]
        eid = p["event_id"]
        if g is None:
            assert p["geo_precision"] is None and p["coord_approximate"] is None and p["coord_basis"] is None, eid
            continue
        located += 1
        assert g["type"] == "Point" and len(g["coordinates"]) == 2, eid
        lon, lat = g["coordinates"]
        assert all(isinstance(v, float) and math.isfinite(v) for v in (lon, lat)), eid
        assert -180 <= lon <= 180 and -90 <= lat <= 90 and (lon, lat) != (0.0, 0.0), eid
        assert p["geo_precision"] in (1, 2, 3), eid
        assert isinstance(p["coord_approximate"], bool), eid
        assert isinstance(p["coord_basis"], str) and p["coord_basis"].strip(), eid
        cited = re.match(r"places\.csv '([^']+)'", p["coord_basis"])
        if cited:
            name = cited.group(1)
            assert name in PLACES, (eid, name)
            plat, plon = PLACES[name]
            assert abs(lat - plat) <= 1e-4 and abs(lon - plon) <= 1e-4, (eid, name)
        if not p["coord_approximate"]:
            # A coordinate only counts as sourced when it is the point of the place itself: its places.csv row,
            # or its gazetteer entry with that entry's source (GeoNames, Wikipedia); tests/data/test_event_places.py
            # checks the point against the gazetteer.
            gazetteer = re.match(r"gazetteer '([^']+)'", p["coord_basis"])
            assert cited or gazetteer, f"{eid}: exact coordinates must come from places.csv or the gazetteer"
            name = (cited or gazetteer).group(1)
            assert name not in APPROXIMATE_IN_PLACES, eid
            assert name == p["place"], eid
        for name in UNCONFIRMED_PLACES:
            if p["location"].startswith(name):
                assert p["coord_approximate"] is True, f"{eid}: {name} has no sourced coordinate"
    assert located >= 40


def test_embedded_places_match_places_csv() -> None:
    if not PLACES_CSV.exists():
        pytest.skip("../shared/reference/places.csv not present (CI); the embedded copy is used")
    with PLACES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    for name, (lat, lon) in PLACES.items():
        assert name in rows, name
        assert abs(float(rows[name]["lat"]) - lat) <= 1e-4 and abs(float(rows[name]["lon"]) - lon) <= 1e-4, name
    for name in UNCONFIRMED_PLACES:
        assert name in rows and not rows[name]["lat"].strip(), name


# --- the seed article -------------------------------------------------------------------------------

def test_seed_article_source_is_cited_exactly(props: list[dict[str, Any]]) -> None:
    seed = _seed_events(props)
    assert len(seed) >= 20
    for p in seed:
        cited = [s for s in p["sources"] if s["outlet"] == NYT_SEED["outlet"] and s["date"] == NYT_SEED["date"]]
        assert cited == [NYT_SEED], p["event_id"]  # no invented URL, exact title


@pytest.mark.parametrize("phrase", SEED_CLAIM_PHRASES)
def test_every_seed_claim_is_an_event(props: list[dict[str, Any]], phrase: str) -> None:
    seed = _seed_events(props)
    hits = [p["event_id"] for p in seed if phrase.lower() in (p["title"] + " " + p["notes"]).lower()]
    assert hits, f"no seed-article event carries the claim {phrase!r}"


def test_seed_claims_dated_when_made(props: list[dict[str, Any]]) -> None:
    by_phrase = {
        "froze military aid": "2025-03-03",
        "retaken Sudzha": "2025-03-13",
        "hold the line": "2025-03-12",
        "command post": "2025-03-12",
        "news conference": "2025-03-13",
    }
    seed = _seed_events(props)
    for phrase, day in by_phrase.items():
        days = {p["event_date"] for p in seed if phrase.lower() in p["notes"].lower()}
        assert day in days, (phrase, days)
    sudzha = [p for p in seed if "retaken Sudzha" in p["notes"]][0]
    assert sudzha["claimed_by"] == "Russian Ministry of Defence"


def test_full_recapture_claim_is_disputed(props: list[dict[str, Any]]) -> None:
    final = [p for p in props if p["event_date"] == "2025-04-26" and p["sub_event_type"] == "Recapture claim"]
    assert final and all(p["confidence"] == "disputed" for p in final)
    assert any("Gornal" == p["location"] for p in final)


def test_recapture_claims_are_graded(props: list[dict[str, Any]]) -> None:
    claims = [p for p in props if p["sub_event_type"] == "Recapture claim"]
    assert len(claims) >= 15
    counts = Counter(p["confidence"] for p in claims)
    assert counts["claimed"] >= 10
    assert counts["reported"] == 0  # a recapture is either one side's claim, confirmed, or disputed


def test_sources_md_documents_the_compilation() -> None:
    text = SOURCES_MD.read_text(encoding="utf-8")
    for needle in ("CC BY 4.0", "places.csv", "claimed_by", "time_precision", "The New York Times"):
        assert needle in text, needle
