"""Filter values ↔ JSON: every Filter class round-trips, masks are unchanged, bad input is a clear
FilterJsonError."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil

import numpy as np
import pytest
import shapely

import atlas.model
from atlas.model import filters as F
from atlas.model.filter_json import FilterJsonError, filter_from_json, filter_to_json, known_tags, tag_of

LASSO = shapely.Polygon([(34.9, 51.0), (35.5, 51.0), (35.5, 51.4), (34.9, 51.4)])


def _all_filter_classes() -> set[type[F.Filter]]:
    for m in pkgutil.iter_modules(atlas.model.__path__):
        importlib.import_module(f"atlas.model.{m.name}")
    out, stack = set(), list(F.Filter.__subclasses__())
    while stack:
        c = stack.pop()
        stack.extend(c.__subclasses__())
        if c.__module__.startswith("atlas.model"):
            out.add(c)
    return out


def examples() -> list[F.Filter]:
    ex: list[F.Filter] = [
        F.All(),
        F.DateRange(dt.date(2024, 8, 6), dt.date(2025, 3, 13)),
        F.DateRange(None, dt.date(2024, 9, 1)),
        F.DateRange(dt.date(2024, 9, 1), None),
        F.Categories("event_type", frozenset({"Battles", "Explosions/Remote violence"})),
        F.Categories("side", frozenset({""})),
        F.Text("Суджа bridge"),
        F.BBox(34.5, 51.0, 35.7, 51.5),
        F.InView(34.0, 50.5, 36.0, 52.0),
        F.Within(LASSO, "in lasso"),
        F.Within(shapely.MultiPolygon([LASSO, shapely.box(36.0, 51.6, 36.3, 51.8)])),
        F.MinConfidence("reported"),
        F.HasCoordinates(),
    ]
    ex += [F.And((ex[1], ex[6])), F.Or((ex[4], ex[12])), F.Not(ex[5]), F.Not(F.And((ex[7], F.Or((ex[9], ex[11])))))]
    try:
        from atlas.model import facets as FC

        ex += [FC.Facet("actor", frozenset({"Military Forces of Russia"}), "none"), FC.Facet("outlet", frozenset({"ISW", "Meduza"}), "all"),
               FC.Area(LASSO, "in drawn area", outside=True), FC.Area(shapely.Polygon(), "in drawn area (empty)")]
    except ImportError:
        pass
    return ex


@pytest.mark.parametrize("flt", examples(), ids=lambda f: type(f).__name__)
def test_round_trip_equal_value_and_mask(flt: F.Filter, sample_table) -> None:
    doc = filter_to_json(flt)
    text = json.dumps(doc, allow_nan=False)  # real JSON, no NaN
    back = filter_from_json(json.loads(text))
    assert type(back) is type(flt)
    if isinstance(flt, F.Within):
        assert back.geometry.equals(flt.geometry) or (back.geometry.is_empty and flt.geometry.is_empty)
        assert back.label == flt.label
    else:
        assert back == flt
    if not (isinstance(flt, F.Within) and flt.geometry.is_empty):
        np.testing.assert_array_equal(back.mask(sample_table), flt.mask(sample_table))


def test_every_filter_class_has_a_tag_and_an_example() -> None:
    """A new Filter class in atlas/model must round-trip (add a codec or an example here)."""
    covered = {type(f) for f in examples()}
    missing = {c.__name__ for c in _all_filter_classes()} - {c.__name__ for c in covered}
    assert not missing, f"Filter classes without a JSON round-trip test: {sorted(missing)}"
    tags = [tag_of(c) for c in _all_filter_classes()]
    assert len(tags) == len(set(tags)), "two filter classes share a schema tag"
    assert set(tags) <= set(known_tags())


def test_tags_are_the_documented_ones() -> None:
    assert filter_to_json(F.DateRange(dt.date(2024, 8, 6), None)) == {"type": "date_range", "start": "2024-08-06", "end": None}
    assert filter_to_json(F.Categories("side", frozenset({"Ukraine", "Russia"}))) == {"type": "categories", "field": "side", "values": ["Russia", "Ukraine"]}
    assert filter_to_json(F.Not(F.HasCoordinates())) == {"type": "not", "term": {"type": "has_coordinates"}}


@pytest.mark.parametrize("doc, says", [
    ({"type": "telepathy"}, "unknown filter type 'telepathy'"),
    ({"nope": 1}, "needs a 'type' tag"),
    ([], "expected a filter object"),
    ({"type": "and"}, "needs a 'terms' member"),
    ({"type": "and", "terms": {"a": 1}}, "expected a list"),
    ({"type": "date_range", "start": "2024-13-01"}, "not a date"),
    ({"type": "date_range", "start": "2025-01-01", "end": "2024-01-01"}, "is after end"),
    ({"type": "bbox", "lon1": 200, "lat1": 0, "lon2": 1, "lat2": 1}, "outside -180..180"),
    ({"type": "bbox", "lon1": "x", "lat1": 0, "lon2": 1, "lat2": 1}, "expected a number"),
    ({"type": "bbox", "lon1": float("nan"), "lat1": 0, "lon2": 1, "lat2": 1}, "outside"),
    ({"type": "min_confidence", "level": "rumoured"}, "is not one of"),
    ({"type": "categories", "field": "side", "values": [1]}, "expected text"),
    ({"type": "within", "geometry": {"type": "Point", "coordinates": [1, 2]}}, "Polygon or MultiPolygon"),
    ({"type": "within", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}, "at least 4 positions"),
    ({"type": "within", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, "a"], [0, 0]]]}}, "expected a number"),
    ({"type": "not", "term": {"type": "not", "term": {"type": "nothing"}}}, "filter.term.term: unknown"),
])
def test_bad_documents_are_clear_errors(doc: object, says: str) -> None:
    with pytest.raises(FilterJsonError) as info:
        filter_from_json(doc)
    assert says in str(info.value)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    doc: dict = {"type": "all"}
    for _ in range(10_000):
        doc = {"type": "not", "term": doc}
    with pytest.raises(FilterJsonError, match="nested deeper"):
        filter_from_json(doc)
