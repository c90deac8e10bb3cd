"""The bundled approximate reconstruction: its table, its method, and that the file is reproducible."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from shapely.geometry import shape

from atlas.control.io import read_control
from atlas.control.model import geodesic_area_km2
from atlas.control.reconstruction import (
    BUFFER_CHOICES_KM,
    BUFFER_KM,
    DATES,
    HULL_RATIO_CHOICES,
    LABEL,
    RECONSTRUCTION,
    SETTLEMENTS_CSV,
    build,
    bundled_ranges,
    held_area,
    load_settlements,
)
from atlas.control.regions import region_geometry

from ..conftest import ROOT


def test_settlement_table_is_dated_and_sourced() -> None:
    with open(SETTLEMENTS_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 20
    with_dates = [r for r in rows if r["held_from"] and r["held_until"]]
    assert len(with_dates) >= 20
    for r in rows:
        assert r["sources"].strip() and r["held_from_basis"].strip(), r["name"]
        if r["held_until"]:
            assert r["held_until_basis"].strip(), r["name"]
            assert dt.date.fromisoformat(r["held_until"]) > dt.date.fromisoformat(r["held_from"])
        if r["use_in_geometry"] == "true":
            assert r["lat"] and r["lon"] and r["coord_basis"].strip()
    sudzha = next(r for r in rows if r["name"] == "Sudzha")
    assert (sudzha["held_from"], sudzha["held_until"]) == ("2024-08-15", "2025-03-13")
    # every event id cited exists in the bundled events dataset
    events = json.loads((ROOT / "data" / "events" / "kursk_2024_25.geojson").read_text(encoding="utf-8"))
    ids = {f["properties"]["event_id"] for f in events["features"]}
    cited = {e.strip() for r in rows for e in r["event_ids"].split(";") if e.strip()}
    assert cited <= ids


def test_every_source_a_settlement_names_is_a_citation_of_its_events() -> None:
    """The `sources` column names outlets with their publication dates; each must be a citation
    (outlet and date) of one of the row's own events, or an outlet data/events/SOURCES.md names:
    a column left behind when citations are removed or re-dated fails here."""
    with open(SETTLEMENTS_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    events = json.loads((ROOT / "data" / "events" / "kursk_2024_25.geojson").read_text(encoding="utf-8"))
    by_id = {f["properties"]["event_id"]: f["properties"] for f in events["features"]}
    sources_md = (ROOT / "data" / "events" / "SOURCES.md").read_text(encoding="utf-8")
    for r in rows:
        own = {(s["outlet"], s["date"]) for e in r["event_ids"].split(";") if e.strip()
               for s in by_id[e.strip()]["sources"]}
        named = [t.strip() for t in r["sources"].split(";") if t.strip()]
        assert named, r["name"]
        for entry in named:
            outlet, _, day = entry.rpartition(" ")
            assert outlet and len(day) == 10, (r["name"], entry)  # "Outlet YYYY-MM-DD"
            dt.date.fromisoformat(day)
            assert (outlet, day) in own or f"{outlet} {day}" in sources_md, (r["name"], entry)


def test_held_on_is_half_open() -> None:
    rows = {r.name: r for r in load_settlements()}
    sudzha = rows["Sudzha"]
    assert not sudzha.held_on(dt.date(2024, 8, 14))
    assert sudzha.held_on(dt.date(2024, 8, 15)) and sudzha.held_on(dt.date(2025, 3, 12))
    assert not sudzha.held_on(dt.date(2025, 3, 13))


def test_one_point_gives_a_disc_of_the_buffer_radius() -> None:
    import math

    geom = held_area([(35.2706, 51.1914)], clip=None)
    assert geodesic_area_km2(geom) == pytest.approx(math.pi * BUFFER_KM ** 2, rel=0.01)


def test_bundled_file_is_what_the_build_writes_and_is_labelled_approximate() -> None:
    doc = json.loads(RECONSTRUCTION.read_text(encoding="utf-8"))
    assert doc["approximate"] is True and doc["label"] == LABEL
    rebuilt = build(load_settlements(), clip=region_geometry("kursk"))
    assert [f["properties"] for f in doc["features"]] == [f["properties"] for f in rebuilt["features"]]
    central = [f for f in doc["features"] if "model_range" not in f["properties"]]
    assert [f["properties"]["as_of"] for f in central] == list(DATES)
    kursk = region_geometry("kursk")
    for f in doc["features"]:
        p = f["properties"]
        assert p["approximate"] is True and p["status"] == "ukrainian"
        g = shape(f["geometry"])
        assert g.is_empty or kursk.buffer(1e-4).contains(g)  # clipped to the oblast
        assert geodesic_area_km2(g) == pytest.approx(p["area_km2"], abs=0.2)
    areas = [f["properties"]["area_km2"] for f in central]
    # Never empty while a source still reports ground held: Russia's claim of 26 Apr 2025 to have retaken
    # Gornal was denied by Ukraine (KA-0104) and DeepState still showed about 56 km² on 30 Apr.
    assert areas[0] > 500 and 10 < areas[-1] < 60
    assert areas == sorted(areas, reverse=True)  # the table only ever loses settlements after August
    snaps, _ = read_control(RECONSTRUCTION)
    assert len(snaps) == len(DATES) and all(s.approximate for s in snaps)


def test_the_map_range_is_the_envelope_of_the_parameter_choices() -> None:
    """Each date's range on the map: inner = what all nine parameter choices hold, outer = what any
    holds; the central choice lies between them, their areas are the chart's band, and the file
    carries them so every reader and export draws the range, not one polygon."""
    doc = json.loads(RECONSTRUCTION.read_text(encoding="utf-8"))
    snaps, _ = read_control(RECONSTRUCTION)
    ranges = bundled_ranges()
    rows = load_settlements()
    kursk = region_geometry("kursk")
    for snap, rng in zip(snaps, ranges, strict=True):
        env = snap.envelope
        assert env is not None and not env.inner.is_empty and not env.outer.is_empty, snap.as_of
        central = snap.geometry("ukrainian")
        # The file's coordinates are rounded to 1e-5 degrees (about a metre): compare with slack.
        assert env.outer.buffer(1e-4).contains(central) and central.buffer(1e-4).contains(env.inner)
        assert geodesic_area_km2(env.inner) == pytest.approx(rng.low_km2, abs=0.5)
        assert geodesic_area_km2(env.outer) == pytest.approx(rng.high_km2, abs=0.5)
        # Every choice, recomputed here, lies inside the outer envelope and covers the inner one.
        points = [(r.lon, r.lat) for r in rows if r.use_in_geometry and r.lon is not None and r.held_on(snap.as_of)]
        for b in BUFFER_CHOICES_KM:
            for ratio in HULL_RATIO_CHOICES:
                g = held_area(points, kursk, b, ratio)
                assert env.outer.buffer(1e-4).contains(g) and g.buffer(1e-4).contains(env.inner)
    parts = [(f["properties"]["as_of"], f["properties"]["model_range"]) for f in doc["features"]
             if "model_range" in f["properties"]]
    assert parts == [(d, part) for d in DATES for part in ("outer", "inner")]
    assert all(f["properties"]["label"].startswith("Model (range of parameters), not a map")
               for f in doc["features"] if "model_range" in f["properties"])


def test_build_tool_writes_a_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "r.geojson"
    r = subprocess.run([sys.executable, "tools/build_control_reconstruction.py", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "approximate reconstruction" in r.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["features"] == json.loads(
        RECONSTRUCTION.read_text(encoding="utf-8"))["features"]


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".kml"])
def test_an_exported_model_keeps_its_range(tmp_path: Path, suffix: str) -> None:
    """The areas export writes the range beside the central polygon, and reading it back gives the
    same range (so a model re-opened from an export is still drawn as a range, not as one polygon)."""
    from atlas.control.export import export, snapshot_features

    snaps, _ = read_control(RECONSTRUCTION)
    snap = snaps[3]
    out = tmp_path / f"model{suffix}"
    export(out, {"snapshot": snapshot_features(snap)})
    back, _ = read_control(out)
    assert len(back) == 1 and back[0].envelope is not None and back[0].approximate
    for got, want in ((back[0].envelope.inner, snap.envelope.inner), (back[0].envelope.outer, snap.envelope.outer),
                      (back[0].geometry("ukrainian"), snap.geometry("ukrainian"))):
        assert geodesic_area_km2(got) == pytest.approx(geodesic_area_km2(want), rel=1e-3)
