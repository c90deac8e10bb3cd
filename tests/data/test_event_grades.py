"""The grading rule of data/events/SOURCES.md, its mechanical parts (issue 13, "Grades").

* confirmed: at least two cited outlets of different owners (data/events/outlets.csv; a syndicated
  copy such as "CNA (Reuters)" belongs to the agency that wrote it, and official channels such as
  Kremlin.ru or NATO are a party's own word, not an outlet);
* reported: at least one outlet, and no claimant;
* claimed and disputed: ``claimed_by`` names the claimant;
* a claimant on a confirmed event means "confirmed in hindsight": the notes say so and a source
  published after the claim is cited.
What the outlets actually say is judgement and is not tested here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "events" / "kursk_2024_25.geojson"
OUTLETS = ROOT / "data" / "events" / "outlets.csv"
KINDS = {"wire", "media", "state media", "analyst", "official"}


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    doc = json.loads(DATASET.read_text(encoding="utf-8"))
    return [f["properties"] for f in doc["features"]]


@pytest.fixture(scope="module")
def outlets() -> dict[str, dict[str, str]]:
    with OUTLETS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and list(rows[0]) == ["outlet", "owner", "kind"]
    table = {r["outlet"]: r for r in rows}
    assert len(table) == len(rows), "an outlet is listed twice"
    for r in rows:
        assert r["owner"].strip() and r["kind"] in KINDS, r
    return table


def _owners(p: dict[str, Any], outlets: dict[str, dict[str, str]]) -> set[str]:
    return {outlets[s["outlet"]]["owner"] for s in p["sources"] if outlets[s["outlet"]]["kind"] != "official"}


def test_every_cited_outlet_has_an_owner(events, outlets) -> None:
    missing = {s["outlet"] for p in events for s in p["sources"]} - set(outlets)
    assert not missing, f"outlets without an owner row in outlets.csv: {sorted(missing)}"


def test_confirmed_cites_two_outlets_of_different_owners(events, outlets) -> None:
    for p in events:
        if p["confidence"] == "confirmed":
            owners = _owners(p, outlets)
            assert len(owners) >= 2, f"{p['event_id']} is confirmed on {sorted(owners)} alone"


def test_reported_rests_on_an_outlet_and_names_no_claimant(events, outlets) -> None:
    for p in events:
        if p["confidence"] == "reported":
            assert _owners(p, outlets), p["event_id"]
            assert not p["claimed_by"], f"{p['event_id']}: a claimant makes it a claim, not a report"


def test_a_claim_names_its_claimant(events) -> None:
    for p in events:
        if p["confidence"] in ("claimed", "disputed"):
            assert isinstance(p["claimed_by"], str) and p["claimed_by"].strip(), p["event_id"]


def test_confirmed_in_hindsight_says_what_confirmed_it(events) -> None:
    hindsight = [p for p in events if p["confidence"] == "confirmed" and p["claimed_by"]]
    assert hindsight, "the rule's hindsight case (e.g. the MoD's Sudzha claim, KA-0085) is in the data"
    for p in hindsight:
        assert "Confirmed in hindsight" in p["notes"], p["event_id"]
        assert any(s["date"] > p["event_date"] for s in p["sources"]), \
            f"{p['event_id']}: cite the later source that confirmed the claim"
