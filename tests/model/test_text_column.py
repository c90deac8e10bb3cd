"""The compact text columns read exactly like the object arrays they replace."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from atlas.model.table import EventTable
from atlas.model.text_column import ArrowText, CodedText, concat_text, take_rows

VALUES = ["RUS1", "", "Курск ✓", "UKR22", "RUS1 b", "x" * 300, "last"]


def _forms() -> list[tuple[str, object]]:
    # Arrow text in several chunks (one per parsed block) and in one.
    chunked = ArrowText(pa.chunked_array([pa.array(VALUES[:2]), pa.array(VALUES[2:5]), pa.array(VALUES[5:])]))
    words = sorted(set(VALUES))
    coded = CodedText(np.array([words.index(v) for v in VALUES]), words)
    return [("chunked", chunked), ("single", ArrowText(pa.array(VALUES))), ("coded", coded)]


@pytest.mark.parametrize("name,col", _forms())
def test_indexing_matches_object_array(name: str, col: object) -> None:
    ref = np.array(VALUES, dtype=object)
    assert len(col) == len(ref)  # type: ignore[arg-type]
    for i in range(-len(ref), len(ref)):
        assert col[i] == ref[i]  # type: ignore[index]
        assert isinstance(col[i], str)  # type: ignore[index]
    for key in (slice(None), slice(1, 5), slice(None, None, -2), np.array([6, 0, 2, 2]), [3, 1],
                np.array([True, False, True, False, False, True, True]), np.zeros(0, np.intp)):
        got = col[key]  # type: ignore[index]
        assert got.dtype == object
        assert got.tolist() == ref[key].tolist()
    assert np.asarray(col).tolist() == VALUES
    assert list(col) == VALUES  # type: ignore[call-overload]
    assert (col == "").tolist() == (ref == "").tolist()
    with pytest.raises(IndexError):
        col[len(ref)]  # type: ignore[index]


@pytest.mark.parametrize("name,col", _forms())
def test_take_and_arrow_keep_the_values(name: str, col: object) -> None:
    rows = np.array([5, 0, 3, 3, 6])
    taken = take_rows(col, rows)
    assert type(taken) is type(col)
    assert np.asarray(taken).tolist() == [VALUES[r] for r in rows]
    assert col.arrow_slice(2, 6).to_pylist() == VALUES[2:6]  # type: ignore[attr-defined]
    assert col.arrow().to_pylist() == VALUES  # type: ignore[attr-defined]


def test_concat_keeps_the_compact_forms() -> None:
    a, b = ArrowText(pa.array(["a", "b"])), ArrowText(pa.array(["c"]))
    both = concat_text([a, b])
    assert isinstance(both, ArrowText) and np.asarray(both).tolist() == ["a", "b", "c"]
    c1, c2 = CodedText(np.array([0, 1, 0]), ["x", "y"]), CodedText(np.array([1, 0]), ["", "y"])
    coded = concat_text([c1, c2])
    assert isinstance(coded, CodedText) and np.asarray(coded).tolist() == ["x", "y", "x", "y", ""]
    mixed = concat_text([a, np.array(["z"], dtype=object)])
    assert isinstance(mixed, np.ndarray) and mixed.tolist() == ["a", "b", "z"]


def test_coded_text_uses_the_smallest_codes() -> None:
    assert CodedText(np.zeros(10, np.int64), ["a"]).codes.dtype == np.int8
    assert CodedText(np.zeros(10, np.int64), [str(i) for i in range(200)]).codes.dtype == np.int16


def test_a_table_of_compact_columns_takes_concats_and_searches() -> None:
    n = 4
    base = EventTable.from_records([{"event_id": f"E{i}", "notes": f"Note {i}", "longitude": 35.0, "latitude": 51.0,
                                     "event_type": "Battles"} for i in range(n)])
    t = EventTable(ids=ArrowText(pa.array([f"E{i}" for i in range(n)])), lon=base.lon, lat=base.lat, date=base.date,
                   date_precision=base.date_precision, geo_precision=base.geo_precision,
                   coord_approximate=base.coord_approximate, fatalities=base.fatalities,
                   claim_area_km2=base.claim_area_km2, categorical=base.categorical,
                   text={**base.text, "notes": ArrowText(pa.array([f"Note {i}" for i in range(n)]))},
                   sources=base.sources, extras={"iso": CodedText(np.array([0, 1, 0, 1]), ["643", "804"])})
    assert t.index_of("E2") == 2
    assert t.record(3)["notes"] == "Note 3" and t.record(3)["iso"] == "804"
    sub = t.take([3, 1])
    assert np.asarray(sub.ids).tolist() == ["E3", "E1"] and sub.values("notes").tolist() == ["Note 3", "Note 1"]
    both = EventTable.concat([t, base])
    assert np.asarray(both.ids).tolist() == ["E0", "E1", "E2", "E3"] * 2
    assert both.values("iso").tolist() == ["643", "804", "643", "804", "", "", "", ""]
    # The search index is the rows' own text as the reader kept it: the Arrow notes, no copy.
    (notes,) = [c for c in t.search_column() if "Note 1" in c.to_pylist()]
    assert notes is t.text["notes"].arrow()


def test_search_hits_match_every_field_joined() -> None:
    """Coded fields (actors, region, a coded place) are matched by their vocabularies, the rows'
    own text by the search column: the same rows as a scan of every searched field joined."""
    import pyarrow.compute as pc

    rng = np.random.default_rng(3)
    n = 500
    places = ["Sudzha", "Korenevo", "Суджа", ""]
    actors = ["Military Forces of Ukraine", "Military Forces of Russia", "Civilians (Russia)", ""]
    records = [{"event_id": f"E{i}", "title": ["", "Sudzha strike"][i % 2], "notes": f"Note {i} near KORENEVO" * (i % 3) + " СУДЖА" * (i % 5 == 0),
                "actor1": actors[rng.integers(4)], "actor2": actors[rng.integers(4)],
                "admin1": ["Kursk", "Sumy", ""][i % 3], "longitude": 35.0, "latitude": 51.0} for i in range(n)]
    base = EventTable.from_records(records)
    loc = rng.integers(0, len(places), n)
    coded = EventTable(ids=base.ids, lon=base.lon, lat=base.lat, date=base.date, date_precision=base.date_precision,
                       geo_precision=base.geo_precision, coord_approximate=base.coord_approximate,
                       fatalities=base.fatalities, claim_area_km2=base.claim_area_km2, categorical=base.categorical,
                       text={**base.text, "location": CodedText(loc, places),
                             "notes": ArrowText(pa.array([r["notes"] for r in records]))},
                       sources=base.sources, extras={})
    joined = coded.search_text(0, n)
    assert "\x1fsudzha\x1f" in joined.to_pylist()[int(np.flatnonzero(loc == 0)[0])]
    # The coded fields are not in the index, and the Arrow notes are in it as they are (no copy).
    assert sum(c.nbytes for c in coded.search_column()) < joined.nbytes
    assert any(c is coded.text["notes"].arrow() for c in coded.search_column())
    rows = np.arange(0, n, 3)
    for pattern in ("sudzha|суджа", "korenevo", "forces of ukraine", "sumy", "note 1", "zzz", "e"):
        want = np.asarray(pc.match_substring_regex(joined.take(pa.array(rows)), pattern).to_numpy(zero_copy_only=False))
        assert coded.search_hits(rows, pattern).tolist() == want.tolist(), pattern
