"""The filters dock's own terms (facets, the drawn area) pushed down to the server keep exactly the
events the model's masks keep, hostile values included (a real server)."""

from __future__ import annotations

import psycopg
import pytest
import shapely

from atlas.db import query
from atlas.model.facets import Area, Facet, facet_index

EVIL = ["x' OR '1'='1", "'); DROP TABLE katlas.events; --", "\\", "%", "_"]


def _ids(table, flt) -> list[str]:
    return sorted(str(i) for i in table.ids[flt.mask(table)])


def _some(table, field: str, k: int = 2) -> list[str]:
    idx = facet_index(table, field)
    counts = idx.counts()[: len(idx.categories)]
    return [idx.categories[i] for i in counts.argsort()[::-1][:k]]


def test_every_facet_and_mode_matches_the_models_masks(store, bundled):
    tries = []
    for field in ("event_type", "sub_event_type", "actor", "side", "confidence", "outlet", "admin1", "admin2"):
        values = _some(bundled, field)
        for mode in ("any", "all", "none"):
            tries.append(Facet(field, set(values), mode))
            tries.append(Facet(field, {values[0], ""}, mode))
        tries.append(Facet(field, {""}))
    with psycopg.connect(store) as conn:
        for flt in tries:
            assert sorted(str(i) for i in query.read(conn, flt).ids) == _ids(bundled, flt), flt


def test_the_drawn_area_and_its_outside(store, bundled):
    box = shapely.box(34.9, 51.1, 35.5, 51.4)
    with psycopg.connect(store) as conn:
        for outside in (False, True):
            flt = Area(box, "in the box", outside=outside)
            assert sorted(str(i) for i in query.read(conn, flt).ids) == _ids(bundled, flt)


@pytest.mark.parametrize("evil", EVIL)
def test_a_hostile_facet_value_is_just_a_value(store, bundled, evil):
    with psycopg.connect(store) as conn:
        for field in ("event_type", "actor", "outlet", "side"):
            for mode in ("any", "none"):
                flt = Facet(field, {evil}, mode)
                assert sorted(str(i) for i in query.read(conn, flt).ids) == _ids(bundled, flt)
        assert query.count(conn) == len(bundled)
