"""GDAL's ogrinfo opens the GeoJSON and CSV we write too (the other formats have their own tests):
every event counted, typed columns detected, Cyrillic intact, the Excel dialect's byte-order mark
no obstacle."""

from __future__ import annotations

import re
from pathlib import Path

from atlas.bench.io_cases import write_acled_csv
from atlas.io import read_events, write_events

from .gdal import ogrinfo


def _types(out: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^(\S+): (\w+) \(", out, re.MULTILINE)}


def test_ogrinfo_reads_our_geojson(tmp_path: Path) -> None:
    table, _ = read_events(write_acled_csv(tmp_path / "acled.csv", 20))
    path = tmp_path / "events.geojson"
    write_events(table, path)
    out = ogrinfo(path, "GeoJSON", "-so", "-al")
    assert "Feature Count: 20" in out and "Geometry: Point" in out
    types = _types(out)
    assert types["event_date"] == "Date" and types["time_precision"] == "Integer"
    assert types["event_id"] == "String"


def test_ogrinfo_reads_our_csv_in_both_dialects(tmp_path: Path) -> None:
    table, _ = read_events(write_acled_csv(tmp_path / "acled.csv", 20))
    for excel in (False, True):
        path = tmp_path / f"events_{excel}.csv"
        write_events(table, path, excel=excel)
        out = ogrinfo(path, "CSV", "-al", "-oo", "AUTODETECT_TYPE=YES", "-oo", "X_POSSIBLE_NAMES=longitude",
                      "-oo", "Y_POSSIBLE_NAMES=latitude")
        assert "Feature Count: 20" in out
        types = _types(out)
        # The BOM is not part of the first column's name.
        assert types["event_id_cnty"] == "String" and types["event_date"] == "Date"
        assert types["latitude"] == "Real" and types["time_precision"] == "Integer"
        first = str(table.ids[0])
        assert f"event_id_cnty (String) = {first}" in out
