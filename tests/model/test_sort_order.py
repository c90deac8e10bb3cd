"""Column orders by Arrow and NumPy equal a stable Python sort of the same keys."""

from __future__ import annotations

import numpy as np
import pytest

from atlas.model import EventTable
from atlas.model import sort_order as O

WORDS = ["Sudzha", "sudzha", "Korenevo", "", "Суджа", "суджа", "Ärzte", "apple", "Zeta", "bridge", "Bridge",
         "Глушково", "10 km", "9 km"]


def reference(values: list[str]) -> list[int]:
    """Unicode lower case, ties in row order."""
    return sorted(range(len(values)), key=lambda i: (values[i].lower().encode("utf-8"), i))


@pytest.mark.parametrize("repeating", [True, False])
def test_text_order_is_a_stable_case_insensitive_sort(monkeypatch: pytest.MonkeyPatch, repeating: bool) -> None:
    rng = np.random.default_rng(1)
    n = 3000
    if repeating:
        values = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
    else:
        values = [f"{WORDS[i]} {j}" for j, i in enumerate(rng.integers(0, len(WORDS), n))]
        values[::7] = values[1::7][: len(values[::7])]  # some ties even so
    monkeypatch.setattr(O, "SAMPLE_ROWS", 500)  # the sample decides which path is taken
    arr = np.array(values, dtype=object)
    assert O.repeats(O.arrow_text(arr)) is repeating
    assert O.text_order(arr).tolist() == reference(values)


def test_date_order_puts_undated_first_and_keeps_ties_in_row_order() -> None:
    days = np.array(["2024-08-10", "NaT", "2024-08-06", "2024-08-10", "NaT", "1999-01-01", "2025-04-30"],
                    dtype="datetime64[D]")
    assert O.date_order(days).tolist() == [1, 4, 5, 2, 0, 3, 6]
    far = np.array(["1900-01-01", "2100-01-01", "NaT"], dtype="datetime64[D]")  # wider than int16
    assert O.date_order(far).tolist() == [2, 0, 1]


def test_table_sorts_text_dates_and_sources() -> None:
    recs = [{"event_id": f"e{i}", "title": w, "location": w[::-1], "event_date": f"2024-09-{1 + i % 27:02d}",
             "sources": [{"outlet": w or "x"}]} for i, w in enumerate(WORDS * 3)]
    t = EventTable.from_records(recs)
    titles = [str(v) for v in t.text["title"]]
    assert t.sort_order("title").tolist() == reference(titles)
    assert t.sort_order("title", True).tolist() == reference(titles)[::-1]
    key = t.sort_key("event_date")
    assert np.array_equal(t.sort_order("event_date"), np.argsort(key, kind="stable"))
    dates = t.date.astype(np.int64)
    assert np.all(np.diff(dates[t.sort_order("event_date")]) >= 0)
    # Sources are tuples, not text: the Python path still orders them by outlet.
    outlets = [", ".join(s.get("outlet", "") for s in v) for v in t.sources]
    got = [outlets[i] for i in t.sort_order("sources")]
    assert got == sorted(outlets)


class Coded:
    """A compact text column as atlas.model.text_column keeps places: codes into distinct words."""

    dtype = np.dtype(object)

    def __init__(self, codes: list[int], words: list[str]) -> None:
        self.codes, self.words = np.array(codes, dtype=np.int8), words


class InArrow:
    """A compact text column that hands over its Arrow array."""

    dtype = np.dtype(object)

    def __init__(self, values: list[str]) -> None:
        self.values = values

    def arrow(self) -> object:
        import pyarrow as pa

        return pa.chunked_array([pa.array(self.values[:5]), pa.array(self.values[5:])])


def test_compact_text_columns_sort_without_python_strings() -> None:
    words = ["Sudzha", "apple", "Суджа", "", "Bridge"]
    codes = [0, 1, 2, 3, 4, 4, 0, 1, 3, 2, 1]
    values = [words[c] for c in codes]
    assert O.text_order(Coded(codes, words)).tolist() == reference(values)
    assert O.text_order(InArrow(values)).tolist() == reference(values)


def test_coded_title_sorts_by_word_rank_and_keeps_no_rank_per_row() -> None:
    """A title column as a CSV import holds it (codes into its distinct titles, as
    atlas.io.columns.compact_text builds it): the whole order comes from the words' ranks, and
    a rank per row is only built when a small set of rows asks for it."""
    import pyarrow as pa

    from atlas.io.columns import compact_text
    from atlas.model.text_column import CodedText

    rng = np.random.default_rng(2)
    titles = [WORDS[i] for i in rng.integers(0, len(WORDS), 2000)]
    base = EventTable.from_records([{"event_id": f"e{i}", "title": w} for i, w in enumerate(titles)])
    coded = compact_text(pa.chunked_array([pa.array(titles[:700]), pa.array(titles[700:])]), distinct=True)
    assert isinstance(coded, CodedText)
    base.text["title"] = coded
    assert base.sort_order("title").tolist() == reference(titles)
    assert base.sort_order("title", True).tolist() == reference(titles)[::-1]
    assert "title" not in base._sort_keys  # the whole list's sort needed no rank per row
    key = base.sort_key("title")
    assert key.dtype.itemsize <= 4
    assert np.argsort(key, kind="stable").tolist() == reference(titles)
