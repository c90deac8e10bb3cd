"""Every facet of the filters dock has the server's counts with a store open, equal to the model's
own facet counts over the same events (a real server; the bundled dataset, multi-valued actors and
outlets included), under every term but the facet's own."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from atlas.db.facet_counts import SERVER_FACETS, count_facets, without_facet
from atlas.model import DateRange, Text
from atlas.model.facets import FACETS, Facet, facet_index


def _local(table, flt, field) -> dict[str, int]:
    """The model's counts of ``field`` under every term but its own, as {value: n} ("" none)."""
    idx = facet_index(table, field)
    c = idx.counts(np.asarray(without_facet(flt, field).mask(table), bool))
    out = {v: int(n) for v, n in zip(idx.categories, c[:-1]) if n}
    if c[-1]:
        out[""] = int(c[-1])
    return out


def test_the_server_counts_every_facet_of_the_filters_dock():
    assert set(SERVER_FACETS) == set(FACETS)


@pytest.mark.parametrize("flt", [
    None,
    Facet("side", {"Ukraine"}),
    Facet("actor", {"Military Forces of Ukraine"}) & DateRange(dt.date(2024, 8, 6), dt.date(2024, 12, 31)),
    Facet("outlet", {"TASS"}, "none") & Facet("confidence", {"confirmed", "probable"}),
    Text("sudzha") & Facet("event_type", {"Battles", "Strategic developments"}) & Facet("admin2", {""}, "none"),
])
def test_server_facet_counts_equal_the_models(store, bundled, flt):
    from atlas.model import All

    flt = All() if flt is None else flt
    with psycopg.connect(store) as conn:
        total, counts = count_facets(conn, flt, SERVER_FACETS)
    assert total == int(np.asarray(flt.mask(bundled), bool).sum())
    for field in FACETS:
        assert counts[field] == _local(bundled, flt, field), field
    assert len(counts["actor"]) > 3 and len(counts["outlet"]) > 5  # the multi-valued facets are real


def test_every_facet_list_of_the_filters_dock_shows_the_servers_counts(window, store, bundled, qtbot):
    """With the bundled dataset pushed to a store, each facet list of the dock lists the values
    and counts a file of the same events lists (was: only type, side and confidence; the rest empty)."""
    from atlas.model import All
    from atlas.ui.facet_list import VALUE_ROLE

    feature = window.feature("database")
    assert feature.open_database(store) is None
    assert window.model.remote is not None
    assert feature.wait_for_aggregates()
    panel = window.feature("workflow").filters

    def check(flt) -> None:
        for field, fl in panel.facets.items():
            panel.toolbox.setCurrentWidget(fl)
            panel.update_counts()
            want = _local(bundled, flt, field)
            values = [fl.list.item(i).data(VALUE_ROLE) for i in range(fl.list.count())]
            listed = {v: fl.count_of(v) for v in values}
            assert listed and {v: n for v, n in listed.items() if n} == want, field

    check(All())
    flt = Facet("actor", {"Military Forces of Ukraine"}) & Facet("outlet", {"TASS"}, "none")
    window.model.set_filter(flt)
    assert feature.wait_for_aggregates()
    check(flt)


def test_the_slow_facets_follow_the_totals_in_a_second_answer(store, bundled):
    """Actors and outlets take a row per value of each event: the count, the column facets and the
    timeline are answered first (``pending`` names what follows), then everything."""
    from atlas.db.remote import aggregates

    parts = []
    with psycopg.connect(store) as conn:
        final = aggregates(conn, Facet("side", {"Ukraine"}), SERVER_FACETS, parts.append)
    assert len(parts) == 1 and parts[0].pending == ("actor", "outlet")
    assert set(parts[0].facets) == set(SERVER_FACETS) - {"actor", "outlet"}
    assert parts[0].total == final.total and final.pending == () and set(final.facets) == set(SERVER_FACETS)
    assert int(parts[0].day_count.sum()) == int(final.day_count.sum()) > 0
