"""The UCDP GED preset (dates, points, codes) and a partial --columns merged with the recognised mapping."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from atlas.io import read_events
from atlas.io.columns import merge_mapping
from atlas.io.csv_events import read_csv
from atlas.launcher import main

#: UCDP GED's 49 columns, in its codebook's order.
GED_COLUMNS = (
    "id relid year active_year code_status type_of_violence conflict_dset_id conflict_new_id conflict_name "
    "dyad_dset_id dyad_new_id dyad_name side_a_dset_id side_a_new_id side_a side_b_dset_id side_b_new_id side_b "
    "number_of_sources source_article source_office source_date source_headline source_original where_prec "
    "where_coordinates where_description adm_1 adm_2 latitude longitude geom_wkt priogrid_gid country country_id "
    "region event_clarity date_prec date_start date_end deaths_a deaths_b deaths_civilians deaths_unknown best "
    "high low gwnoa gwnob").split()
assert len(GED_COLUMNS) == 49


def ged_row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {c: "" for c in GED_COLUMNS}
    row.update({"year": 2024, "active_year": 1, "code_status": "Clear", "conflict_name": "Russia - Ukraine",
                "dyad_name": "Government of Russia (Soviet Union) - Government of Ukraine",
                "side_a": "Government of Russia (Soviet Union)", "side_b": "Government of Ukraine",
                "country": "Russia (Soviet Union)", "region": "Europe", "event_clarity": 1})
    row.update(kw)
    return row


ROWS = [
    ged_row(id=501, relid="RUS-2024-1-1-1", type_of_violence=1, where_prec=1, where_coordinates="Sudzha town",
            where_description="Sudzha", adm_1="Kursk oblast", latitude=51.1914, longitude=35.2706,
            date_prec=1, date_start="2024-08-06 00:00:00.000", date_end="2024-08-06 00:00:00.000", best=12,
            source_original="Reuters"),
    ged_row(id=502, relid="RUS-2024-1-1-2", type_of_violence=3, where_prec=6, where_coordinates="Russia",
            latitude=55.75, longitude=37.62, date_prec=4, date_start="2024-09-01 00:00:00.000",
            date_end="2024-09-30 00:00:00.000", best=3),
    ged_row(id=503, relid="RUS-2024-1-1-3", type_of_violence=2, where_prec=2, where_coordinates="Korenevo",
            latitude=51.41, longitude=34.91, date_prec=3, date_start="2024-08-20 00:00:00.000",
            date_end="2024-08-26 00:00:00.000", best=0),
]


def write_ged_csv(path: Path, rows: list[dict[str, object]] = ROWS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=GED_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def check_ged(t, report) -> None:
    assert list(t.ids) == ["501", "502", "503"] and report.problems == []
    assert t.date.astype(str).tolist() == ["2024-08-06", "2024-09-01", "2024-08-20"]
    assert t.date_precision.tolist() == [1, 3, 2]  # day; a month → month; a week → week
    assert t.lon.tolist() == [35.2706, 37.62, 34.91] and t.lat.tolist() == [51.1914, 55.75, 51.41]
    assert t.geo_precision.tolist() == [1, 3, 2]  # exact; the country → region or coarser; 25 km → near
    assert t.fatalities.tolist() == [12.0, 3.0, 0.0]
    assert [t.value("event_type", i) for i in range(3)] == ["State-based conflict", "One-sided violence", "Non-state conflict"]
    assert t.value("actor1", 0) == "Government of Russia (Soviet Union)" and t.value("admin1", 0) == "Kursk oblast"
    assert t.value("location", 0) == "Sudzha town"
    assert "relid" in t.extras and t.extras["relid"][0] == "RUS-2024-1-1-1"


def test_ucdp_ged_csv_loads_with_dates_points_and_codes(tmp_path: Path) -> None:
    t, report = read_events(write_ged_csv(tmp_path / "GEDEvent_v25_1.csv"))
    assert report.format == "UCDP GED CSV"
    check_ged(t, report)
    assert any("date_prec recoded" in n for n in report.notes)


def test_ucdp_ged_api_json_records_load_the_same(tmp_path: Path) -> None:
    records = [{k: v for k, v in r.items()} for r in ROWS]
    for r in records:
        r["date_start"] = str(r["date_start"])[:10]
    p = tmp_path / "ged_api.json"
    p.write_text(json.dumps(records), encoding="utf-8")
    t, report = read_events(p)
    assert report.format == "UCDP GED JSON"
    check_ged(t, report)


def test_ucdp_codes_outside_the_codebook_are_reported_not_guessed(tmp_path: Path) -> None:
    rows = [dict(ROWS[0], date_prec=9)]
    t, report = read_events(write_ged_csv(tmp_path / "ged.csv", rows))
    assert len(t) == 1 and [(p.where, p.action) for p in report.problems] == [("line 2", "repaired")]
    assert "time_precision '9' is not 1..3" in report.problems[0].what


# ---------------------------------------------------------------------------- --columns
def test_merge_mapping_rules() -> None:
    guessed = {"event_date": "date", "event_type": "type", "title": "name"}
    assert merge_mapping(guessed, {"latitude": "Breite", "longitude": "Laenge"}) == {
        **guessed, "latitude": "Breite", "longitude": "Laenge"}
    # A column given to another field leaves the field that had it; FIELD= unmaps.
    assert merge_mapping(guessed, {"notes": "type", "title": ""}) == {"event_date": "date", "notes": "type"}


def test_partial_columns_keep_the_recognised_ones(tmp_path: Path, capsys) -> None:
    src = tmp_path / "odd.csv"
    src.write_text("id,date,type,Breite,Laenge\nA,2024-08-06,Battles,51.19,35.27\nB,2024-08-07,Protests,51.2,35.3\n",
                   encoding="utf-8")
    out = tmp_path / "out.geojson"
    assert main(["convert", "-o", str(out), str(src), "--columns", "latitude=Breite,longitude=Laenge"]) == 0
    t, _ = read_events(out)
    assert list(t.ids) == ["A", "B"] and t.lat.tolist() == [51.19, 51.2]
    # Dates and types were recognised and kept, not dropped by the partial mapping.
    assert t.date.astype(str).tolist() == ["2024-08-06", "2024-08-07"]
    assert [t.value("event_type", i) for i in range(2)] == ["Battles", "Protests"]
    assert main(["convert", "-o", str(out), str(src), "--columns",
                 "latitude=Breite,longitude=Laenge,event_type=,notes=type"]) == 0
    t, _ = read_events(out)
    assert [t.value("event_type", i) for i in range(2)] == ["", ""] and t.value("notes", 0) == "Battles"


def test_a_full_mapping_from_the_dialog_still_replaces(tmp_path: Path) -> None:
    src = tmp_path / "odd.csv"
    src.write_text("id,date,type,Breite,Laenge\nA,2024-08-06,Battles,51.19,35.27\n", encoding="utf-8")
    t, _ = read_csv(src, {"event_id": "id", "latitude": "Breite", "longitude": "Laenge"})
    assert np.isnat(t.date[0]) and t.value("event_type", 0) in ("", None)
    t, _ = read_csv(src, {"latitude": "Breite", "longitude": "Laenge"}, merge=True)
    assert str(t.date[0]) == "2024-08-06" and t.value("event_type", 0) == "Battles"


def test_columns_override_a_preset_field(tmp_path: Path) -> None:
    t, report = read_csv(write_ged_csv(tmp_path / "ged.csv"), {"event_date": "date_end"}, merge=True)
    assert t.date.astype(str).tolist() == ["2024-08-06", "2024-09-30", "2024-08-26"]
    assert t.date_precision.tolist() == [1, 3, 2] and t.fatalities.tolist() == [12.0, 3.0, 0.0]
