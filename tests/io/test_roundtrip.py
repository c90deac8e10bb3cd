"""Round trip, per format: importing an export gives back the same events (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from atlas.io import read_events, write_events
from atlas.model.table import CATEGORICAL_FIELDS, TEXT_FIELDS, EventTable

FORMATS = ("csv", "geojson", "kml", "kmz", "gpkg", "fgb", "shp", "shp.zip", "parquet", "xlsx", "ods")

_chars = st.one_of(st.characters(categories=["L", "N", "P", "S"]), st.sampled_from([" ", " ", "\n", "ё", "Ї", "\"", ",", ";", "<", "&"]))


def _clean(s: str) -> str:
    return s.strip()


text = st.text(_chars, max_size=40).map(_clean)
word = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)
cat_value = st.sampled_from(["", "Battles", "Strategic developments", "Військові сили України", "Kursk", "Sumy",
                             "Military Forces of Russia (2000-)", "confirmed", "claimed", "Atlantis"])
source = st.fixed_dictionaries(
    {"outlet": word},
    optional={"date": st.dates().map(str), "url": word.map(lambda w: f"https://example.org/{w}"), "title": text.filter(bool)},
)


@st.composite
def tables(draw: Any) -> EventTable:
    n = draw(st.integers(1, 8))
    ids = draw(st.lists(st.text(st.characters(categories=["L", "N"]) | st.sampled_from("-_."), min_size=1, max_size=10),
                        min_size=n, max_size=n, unique=True))
    extra_names = draw(st.lists(st.sampled_from(["extra_a", "Примечание", "col b"]), unique=True, max_size=2))
    records = []
    for i in range(n):
        has_point = draw(st.booleans())
        lon = draw(st.floats(-179.9, 179.9, allow_nan=False)) if has_point else None
        lat = draw(st.floats(-89.9, 89.9, allow_nan=False)) if has_point else None
        if has_point and lon == 0 and lat == 0:
            lon = 1.5
        rec: dict[str, Any] = {
            "event_id": ids[i],
            "event_date": draw(st.one_of(st.none(), st.dates(min_value=__import__("datetime").date(1990, 1, 1),
                                                             max_value=__import__("datetime").date(2030, 12, 31)))),
            "time_precision": draw(st.integers(1, 3)),
            "longitude": lon,
            "latitude": lat,
            "geo_precision": draw(st.integers(1, 3)) if has_point else None,
            "coord_approximate": draw(st.booleans()),
            "fatalities": draw(st.one_of(st.none(), st.integers(0, 5000), st.floats(0, 1e6, allow_nan=False))),
            "claim_area_km2": draw(st.one_of(st.none(), st.floats(0, 1e5, allow_nan=False))),
            "sources": draw(st.lists(source, max_size=3)),
        }
        for f in CATEGORICAL_FIELDS:
            rec[f] = draw(cat_value)
        rec["dataset"] = "roundtrip"
        for f in TEXT_FIELDS:
            rec[f] = draw(text)
        for e in extra_names:
            rec[e] = draw(text)
        records.append(rec)
    return EventTable.from_records(records, extra_fields=extra_names)


def records(t: EventTable) -> list[dict[str, Any]]:
    return [t.record(i) for i in range(len(t))]


def in_order(recs: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    """A FlatGeobuf with a spatial index stores its features in the index's (Hilbert) order: the
    same events come back, in another order."""
    return sorted(recs, key=lambda r: r["event_id"]) if fmt == "fgb" else recs


def fits_dbf(t: EventTable) -> bool:
    """Every text cell within a Shapefile's 254 bytes (DBF's limit)."""
    from atlas.io.export import field_text

    rows = np.arange(len(t))
    cells = [v for f in t.columns if f not in t.extras for v in field_text(t, f, rows)]
    cells += [v for col in t.extras.values() for v in col.tolist()]
    return all(len(str(v or "").encode("utf-8")) <= 254 for v in cells)


def expected(t: EventTable, fmt: str) -> list[dict[str, Any]]:
    """What reading ``t`` back from ``fmt`` must give: the same records, except that an XLSX keeps
    16 significant digits of a number, and that a Shapefile
    cuts the names of extra columns to DBF's 10 bytes (the schema's own fields are mapped back)
    and writes decimals with 15 decimal places (DBF numbers are fixed-point text)."""
    recs = records(t)
    if fmt == "xlsx":
        # openpyxl writes numbers with 16 significant digits (Excel itself shows 15).
        def xl(k: str, v: Any) -> Any:
            numeric = k in ("latitude", "longitude", "fatalities", "claim_area_km2")
            return float("%.16g" % v) if numeric and isinstance(v, float) else v

        return [{k: xl(k, v) for k, v in r.items()} for r in recs]
    if not fmt.startswith("shp"):
        return recs
    from atlas.io.ogr_events import _short_name

    taken = {"geometry"} | {_short_name(f, set()).lower() for f in t.columns if f not in t.extras}
    short = {name: _short_name(name, taken) for name in t.extras}
    def dbf(k: str, v: Any) -> Any:
        return round(v, 15) if k in ("fatalities", "claim_area_km2") and v is not None else v

    return [{short.get(k, k): dbf(k, v) for k, v in r.items()} for r in recs]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_export_then_import_gives_the_same_events(fmt: str, table: EventTable) -> None:
    if fmt.startswith("shp"):
        assume(fits_dbf(table))  # longer text is cut by the format (tests/io/test_ogr_formats.py)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"events.{fmt}"
        assert write_events(table, path) == len(table)
        back, report = read_events(path)
    assert not report.rejected, report.rejected
    assert in_order(records(back), fmt) == in_order(expected(table, fmt), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_of_chosen_rows_only(fmt: str, sample_table: EventTable, tmp_path: Path) -> None:
    rows = np.array([1, 3, 4])
    path = tmp_path / f"part.{fmt}"
    assert write_events(sample_table, path, rows) == 3
    back, _ = read_events(path)
    assert sorted(back.ids) == sorted(sample_table.ids[r] for r in rows)
    assert in_order(records(back), fmt) == in_order(expected(sample_table.take(rows), fmt), fmt)


def test_csv_export_is_acled_compatible(sample_table: EventTable, tmp_path: Path) -> None:
    import csv

    path = tmp_path / "acled.csv"
    write_events(sample_table, path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    acled = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
             "country", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities"]
    assert [h for h in header if h in acled] == acled  # ACLED's order
    assert rows[0]["event_id_cnty"] == "T-1" and rows[0]["event_date"] == "2024-08-06"
    assert rows[0]["source"] == "Test Outlet" and rows[4]["latitude"] == ""
    assert {"title", "side", "confidence", "sources", "dataset"} <= set(header)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_export_reads_back_as_no_events(fmt: str, sample_table: EventTable, tmp_path: Path) -> None:
    path = tmp_path / f"none.{fmt}"
    assert write_events(sample_table, path, np.array([], dtype=np.intp)) == 0
    back, report = read_events(path)
    assert len(back) == 0 and report.rows_loaded == 0 and not report.problems
