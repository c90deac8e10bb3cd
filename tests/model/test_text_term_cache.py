"""The search remembers each term's answers per row: the answers equal a fresh scan's, whatever
was typed before, in whichever order and on whichever rows."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from atlas.model import Categories, EventTable, Text
from atlas.model import filters as F


def table() -> EventTable:
    titles = ["Shelling of Sudzha", "Drone strike near Korenevo", "Суджа: column seen", "Sudzhanskiy district",
              "bridge at Glushkovo", "convoy near sudzh", "", "Rylsk checkpoint", "SUDZHA outskirts"] * 37
    types = ["Battles", "Explosions/Remote violence", "Battles", "Protests", "Riots", "Battles", "Battles",
             "Protests", "Battles"] * 37
    n = len(titles)
    return EventTable.from_records([{"event_id": f"e{i}", "title": titles[i], "event_type": types[i],
                                     "event_date": "2024-09-01"} for i in range(n)])


def fresh(t: EventTable, query: str, rows: np.ndarray | None = None) -> np.ndarray:
    """The answer without any cache: every term scanned over the rows asked."""
    col = pc.utf8_lower(t.search_text(0, len(t)))  # every searched field joined and lower-cased
    if rows is not None:
        col = col.take(rows)
    out = np.ones(len(col), dtype=bool)
    for term in query.lower().split():
        pattern = "|".join(F._re2_literal(a) for a in F.alternatives(term))
        out &= pc.match_substring_regex(col, pattern).to_numpy(zero_copy_only=False)
    return out


def test_answers_equal_a_fresh_scan_after_any_sequence_of_keystrokes() -> None:
    t = table()
    rng = np.random.default_rng(4)
    typed = ["s", "su", "sud", "sudz", "sudzh", "sudzha", "sudzh", "sudzhan", "суджа", "сударь", "sudzha near",
             "k", "ko", "kor", "korenevo", "x", "", "near sudzh", "shelling sudzha"]
    for q in typed:
        for rows in (None, np.flatnonzero(rng.random(len(t)) < 0.4)):
            got = Text(q).mask(t) if rows is None else Text(q).mask_rows(t, rows)
            np.testing.assert_array_equal(got, fresh(t, q, rows), err_msg=f"{q!r} rows={rows is not None}")


def test_a_longer_term_starts_from_the_shorter_terms_misses(monkeypatch) -> None:
    t = table()
    F.forget_search_terms(t)
    Text("sudzh").mask(t)
    scanned: list[int] = []
    real = t.search_rows
    monkeypatch.setattr(t, "search_rows", lambda rows=None: scanned.append(len(t) if rows is None else len(rows)) or real(rows))
    got = Text("sudzha").mask(t)
    # Only the rows "sudzh" matched (Sudzha, Sudzhanskiy, sudzh, SUDZHA; Суджа is its own spelling) are scanned.
    assert scanned and scanned[0] < len(t)
    np.testing.assert_array_equal(got, fresh(t, "sudzha"))
    # Applied again, nothing is scanned; forgotten, the term is scanned again.
    scanned.clear()
    np.testing.assert_array_equal(Text("sudzha").mask(t), got)
    assert scanned == []
    F.forget_search_terms(t, "sudzha")
    Text("sudzha").mask(t)
    assert scanned


def test_the_cache_follows_the_filter_composition() -> None:
    t = table()
    F.forget_search_terms(t)
    flt = Categories("event_type", {"Battles"}) & Text("sudzha")
    first = flt.mask(t)
    widened = Categories("event_type", {"Battles", "Protests"}) & Text("sudzha")  # rows never scanned before
    want = np.isin(np.array(t.categorical["event_type"].decode(np.arange(len(t)))), ["Battles", "Protests"]) \
        & fresh(t, "sudzha")
    np.testing.assert_array_equal(widened.mask(t), want)
    np.testing.assert_array_equal(flt.mask(t), first)
