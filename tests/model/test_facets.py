"""The facet terms and the time window, without widgets (filter undo: tests/ui/test_undo.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely

from atlas.model import All, AtlasModel, DateRange, EventTable, Text, replace_part
from atlas.model.facets import Area, Facet, combine_area, facet_index, find_facet, replace_facet, without_part
from atlas.model.part_masks import PartMasks


def test_actor_and_outlet_facets_are_multi_valued() -> None:
    t = EventTable.from_records([
        {"event_id": "a", "actor1": "A", "actor2": "B", "sources": [{"outlet": "Reuters"}, {"outlet": "TASS"}]},
        {"event_id": "b", "actor1": "B", "actor2": "", "sources": [{"outlet": "TASS"}, {"outlet": "TASS"}]},
        {"event_id": "c", "actor1": "", "actor2": "", "sources": []},
    ])
    actor = facet_index(t, "actor")
    assert actor.categories == ("A", "B")
    assert actor.counts().tolist() == [1, 2, 1]  # A, B, (none)
    assert Facet("actor", {"B"}).mask(t).tolist() == [True, True, False]
    assert Facet("actor", {"A", "B"}, "all").mask(t).tolist() == [True, False, False]
    assert Facet("actor", {"A"}, "none").mask(t).tolist() == [False, True, True]
    out = facet_index(t, "outlet")
    assert out.categories == ("Reuters", "TASS")
    assert out.counts().tolist() == [1, 2, 1]  # TASS twice in b counts once
    assert out.counts(np.array([False, True, True])).tolist() == [0, 1, 1]
    assert Facet("outlet", {""}).mask(t).tolist() == [False, False, True]


def test_part_masks_leave_out_a_facet(sample_table) -> None:
    flt = Facet("event_type", {"Battles"}) & Facet("side", {"Russia"})
    pm = PartMasks()
    mask = pm.mask_except(sample_table, flt, lambda p: isinstance(p, Facet) and p.field == "event_type")
    # counts of event types among Russian events, whatever type is chosen
    counts = dict(zip(facet_index(sample_table, "event_type").categories, facet_index(sample_table, "event_type").counts(mask)))
    assert counts == {"Battles": 2, "Explosions/Remote violence": 0, "Political developments": 1, "Strategic developments": 1}
    assert find_facet(flt, "side") == Facet("side", {"Russia"})
    assert without_part(flt, Facet("side", {"Russia"})) == Facet("event_type", {"Battles"})


def test_area_combines_geometrically(sample_table) -> None:
    sudzha = shapely.box(35.0, 51.0, 35.5, 51.4)
    glushkovo = shapely.box(34.5, 51.2, 34.7, 51.4)
    a = combine_area(None, sudzha, "replace", "in rectangle")
    ids = lambda f: sorted(sample_table.ids[f.mask(sample_table)])  # noqa: E731
    assert ids(a) == ["T-1", "T-2", "T-7"]
    b = combine_area(a, glushkovo, "or", "in rectangle")
    assert ids(b) == ["T-1", "T-2", "T-3", "T-7"]
    c = combine_area(b, glushkovo, "not", "in rectangle")
    assert ids(c) == ["T-1", "T-2", "T-7"]
    d = combine_area(None, sudzha, "not", "in rectangle")
    assert d.outside and "T-1" not in ids(d) and "T-5" in ids(d)
    assert Area(sudzha, "x") == Area(shapely.box(35.0, 51.0, 35.5, 51.4), "x")
    assert hash(Area(sudzha, "x")) == hash(Area(shapely.box(35.0, 51.0, 35.5, 51.4), "x"))


def test_time_window_is_ordered_and_silent_on_no_op(qtbot) -> None:
    m = AtlasModel()
    seen = []
    m.time_window_changed.connect(lambda: seen.append(m.time_window))
    m.set_time_window((dt.date(2025, 3, 15), dt.date(2025, 3, 1)))
    m.set_time_window((dt.date(2025, 3, 1), dt.date(2025, 3, 15)))
    m.set_time_window(None)
    assert seen == [(dt.date(2025, 3, 1), dt.date(2025, 3, 15)), None]


def _outlet_pairs_row_by_row(t: EventTable) -> list[tuple[int, str]]:
    """What the outlet index must hold: per row, its distinct non-empty outlets in citing order,
    or one "(none)" pair."""
    out: list[tuple[int, str]] = []
    for row, srcs in enumerate(t.sources):
        seen: list[str] = []
        for s in srcs or ():
            o = str(s.get("outlet") or "").strip() if isinstance(s, dict) else ""
            if o and o not in seen:
                seen.append(o)
        out += [(row, o) for o in seen] or [(row, "")]
    return out


def test_outlet_index_of_shared_source_tuples_matches_a_row_by_row_pass() -> None:
    # Readers share one tuple among the rows citing the same sources (atlas.io.columns); the index
    # reads each distinct tuple once and must give every row what a row-by-row pass gives.
    rng = np.random.default_rng(7)
    shared = [
        ({"outlet": "TASS"}, {"outlet": " Reuters "}),
        ({"outlet": "tass"}, {"outlet": "TASS"}, {"outlet": "TASS"}),
        (),
        ({"outlet": ""}, "not a dict", {"title": "no outlet"}),
        ({"outlet": "ISW"},),
    ]
    n = 500
    t = EventTable.from_records([{"event_id": f"e{i}"} for i in range(n)])
    picks = rng.integers(0, len(shared), n)
    t.sources[:] = [shared[k] for k in picks]
    t.sources[3] = ({"outlet": "Kyiv Independent"}, {"outlet": "ISW"})  # a tuple of its own
    idx = facet_index(t, "outlet")
    reference = _outlet_pairs_row_by_row(t)
    first_seen = list(dict.fromkeys(o for _, o in reference if o))
    assert set(first_seen) == {"TASS", "Reuters", "tass", "ISW", "Kyiv Independent"}
    assert idx.categories == tuple(sorted(first_seen, key=str.casefold))  # ties: first seen first
    got = [(int(r), idx.categories[c] if c >= 0 else "") for r, c in zip(idx.rows, idx.codes)]
    assert got == reference
    mask = rng.random(n) < 0.3
    expected = {c: sum(1 for r, o in set(got) if o == c and mask[r]) for c in idx.categories}
    assert dict(zip(idx.categories, idx.counts(mask)[:-1].tolist())) == expected
