"""The model without a display: table, filters, selection deltas, no-op sets."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import shapely

from atlas.model import (
    All,
    AtlasModel,
    BBox,
    Categories,
    DateRange,
    EventTable,
    MinConfidence,
    SelectMode,
    Selection,
    Text,
    Within,
    find_part,
    replace_part,
)

from ..conftest import ROOT


def ids(table: EventTable, mask: np.ndarray) -> list[str]:
    return [str(i) for i in table.ids[mask]]


def test_model_package_imports_without_widgets_or_drawing() -> None:
    code = textwrap.dedent(
        """
        import sys, importlib.abc
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name in ("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph") or name.startswith("pyqtgraph."):
                    raise ImportError("blocked: " + name)
                return None
        sys.meta_path.insert(0, Block())
        import atlas.model
        from atlas.model import AtlasModel, EventTable
        m = AtlasModel(EventTable.empty())
        assert "PySide6.QtWidgets" not in sys.modules and "PySide6.QtGui" not in sys.modules
        assert not any(k.startswith("pyqtgraph") for k in sys.modules)
        print("ok")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_table_columns_and_missing_coordinates(sample_table: EventTable) -> None:
    t = sample_table
    assert len(t) == 8
    assert t.lon.dtype == np.float64 and t.date.dtype == np.dtype("datetime64[D]")
    no_xy = ids(t, ~t.has_coords)
    assert no_xy == ["T-5", "T-8"]
    assert np.isnan(t.lon[t.index_of("T-5")])
    assert t.value("event_type", t.index_of("T-3")) == "Explosions/Remote violence"
    rec = t.record(t.index_of("T-2"))
    assert rec["confidence"] == "claimed" and rec["sources"][0]["outlet"] == "Test Outlet"
    assert t.counts("event_type")["Battles"] == 3


def test_filters_combine_with_and_or_not(sample_table: EventTable) -> None:
    t = sample_table
    battles = Categories("event_type", {"Battles"})
    march = DateRange(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert ids(t, (battles & march).mask(t)) == ["T-7"]
    assert ids(t, (battles | march).mask(t)) == ["T-1", "T-4", "T-5", "T-6", "T-7", "T-8"]
    assert ids(t, (battles & ~march).mask(t)) == ["T-1", "T-4"]
    assert ids(t, (All() & battles).mask(t)) == ids(t, battles.mask(t))


def test_text_filter_is_case_insensitive_and_cyrillic(sample_table: EventTable) -> None:
    t = sample_table
    assert ids(t, Text("SUDZHA").mask(t)) == ["T-1", "T-2", "T-7"]
    assert ids(t, Text("командный ПУНКТ").mask(t)) == ["T-6"]
    assert ids(t, Text("  ").mask(t)) == [str(i) for i in t.ids]
    # every term must occur
    assert ids(t, Text("sudzha recapture").mask(t)) == ["T-7"]
    # actors are searched too
    assert "T-4" in ids(t, Text("forces of russia").mask(t))


def test_spatial_and_confidence_filters(sample_table: EventTable) -> None:
    t = sample_table
    box = BBox(35.0, 51.0, 35.5, 51.3)
    assert ids(t, box.mask(t)) == ["T-1", "T-2", "T-7"]
    lasso = Within(shapely.Polygon([(34.5, 51.2), (35.0, 51.2), (35.0, 51.5), (34.5, 51.5)]))
    assert ids(t, lasso.mask(t)) == ["T-3", "T-4"]
    assert ids(t, MinConfidence("reported").mask(t)) == ["T-1", "T-3", "T-5", "T-6", "T-8"]
    with pytest.raises(ValueError):
        MinConfidence("rumoured").mask(t)


def test_replace_part_swaps_only_its_kind() -> None:
    f = DateRange(dt.date(2024, 8, 6), None) & Text("sudzha")
    g = replace_part(f, Text, Text("glushkovo"))
    assert find_part(g, DateRange) == DateRange(dt.date(2024, 8, 6), None)
    assert find_part(g, Text) == Text("glushkovo")
    assert replace_part(g, Text, None) == DateRange(dt.date(2024, 8, 6), None)
    assert replace_part(Text("x"), Text, None) == All()


class Recorder:
    def __init__(self, model: AtlasModel) -> None:
        self.events: list[tuple] = []
        model.table_changed.connect(lambda: self.events.append(("table",)))
        model.filter_changed.connect(lambda: self.events.append(("filter",)))
        # The signal carries rows; named by id here to read the expectations.
        model.selection_changed.connect(lambda a, r: self.events.append(
            ("selection", {str(model.table.ids[i]) for i in a}, {str(model.table.ids[i]) for i in r})))
        model.current_changed.connect(lambda c: self.events.append(("current", c)))


def test_model_signals_carry_deltas_and_no_op_sets_emit_nothing(sample_table: EventTable) -> None:
    m = AtlasModel(sample_table)
    rec = Recorder(m)
    m.set_filter(Text("sudzha"))
    assert rec.events == [("filter",)]
    assert [str(m.table.ids[r]) for r in m.visible_rows] == ["T-1", "T-2", "T-7"]
    rec.events.clear()
    m.set_filter(Text("sudzha"))  # equal value: no-op
    assert rec.events == []

    m.select(["T-1", "T-2"])
    assert rec.events == [("selection", {"T-1", "T-2"}, set()), ("current", "T-2")]
    rec.events.clear()
    m.select(["T-1", "T-2"], current="T-2")  # same selection, same current: nothing
    assert rec.events == []
    m.select(["T-3"], SelectMode.ADD)
    assert rec.events == [("selection", {"T-3"}, set()), ("current", "T-3")]
    rec.events.clear()
    m.select(["T-1"], SelectMode.TOGGLE)
    assert rec.events == [("selection", set(), {"T-1"})]
    rec.events.clear()
    m.set_current("T-7")
    assert rec.events == [("selection", {"T-7"}, {"T-2", "T-3"}), ("current", "T-7")]
    rec.events.clear()
    m.clear_selection()
    assert rec.events == [("selection", set(), {"T-7"}), ("current", "")]
    rec.events.clear()
    m.clear_selection()
    assert rec.events == []
    # unknown ids are ignored, not an error and not a change
    m.set_selection(Selection(frozenset({"nope"}), "nope"))
    assert rec.events == []


def test_selection_is_rows(sample_table: EventTable) -> None:
    """A lasso over a million events selects one array: rows in, rows out, ids only when asked."""
    m = AtlasModel(sample_table)
    m.select_rows(np.array([6, 0, 3, 3]))
    rows = m.selected_rows()
    assert rows.tolist() == [0, 3, 6] and not rows.flags.writeable
    assert m.current_row() == 3  # the last row given
    assert m.selection.ids == {"T-1", "T-4", "T-7"} and m.current_id == "T-4"
    assert m.selection_mask().tolist() == [True, False, False, True, False, False, True, False]
    m.select_rows([3], SelectMode.REMOVE)
    assert m.selected_rows().tolist() == [0, 6] and m.current_row() is None
    m.select_rows([100, -1])  # rows outside the table are ignored
    assert m.selected_rows().tolist() == []
    snap = m.snapshot()
    m.select_rows([1])
    assert snap.selected_rows().tolist() == [] and m.selected_rows().tolist() == [1]


def test_set_table_keeps_filter_and_surviving_selection(sample_table: EventTable) -> None:
    m = AtlasModel(sample_table)
    m.set_filter(Categories("event_type", {"Battles"}))
    m.select(["T-1", "T-5"], current="T-1")
    rec = Recorder(m)
    smaller = sample_table.take(np.array([0, 3, 6]))  # T-1, T-4, T-7
    m.set_table(smaller)
    assert rec.events[0] == ("table",)
    # New table, new rows: the signal names every row selected now (T-5 is gone).
    assert ("selection", {"T-1"}, set()) in rec.events
    assert m.selection.ids == {"T-1"} and m.current_id == "T-1"
    assert m.selected_rows().tolist() == [0] and m.current_row() == 0
    assert [str(m.table.ids[r]) for r in m.visible_rows] == ["T-1", "T-4", "T-7"]


def test_concat_and_take_keep_categories_consistent(sample_table: EventTable) -> None:
    a = sample_table.take(np.array([0, 1]))
    b = sample_table.take(np.array([4, 5]))
    c = EventTable.concat([a, b])
    assert list(c.values("event_type")) == ["Battles", "Strategic developments", "Political developments", "Strategic developments"]
    assert list(c.ids) == ["T-1", "T-2", "T-5", "T-6"]


def test_sort_key_orders_by_value(sample_table: EventTable) -> None:
    t = sample_table
    order = np.argsort(t.sort_key("title"), kind="stable")
    titles = [t.text["title"][i].casefold() for i in order]
    assert titles == sorted(titles)
    order = np.argsort(t.sort_key("event_date"), kind="stable")
    assert list(t.date[order]) == sorted(t.date)


def test_text_search_treats_regex_characters_literally() -> None:
    t = EventTable.from_records([
        {"event_id": "a", "title": "Claim: 1,294 km² (c.500 sq mi) [Syrskyi]"},
        {"event_id": "b", "title": "c5000 sq mi"},
        {"event_id": "c", "title": "a+b*c? ^start$ back\\slash {x}|y"},
    ])
    assert ids(t, Text("c.500").mask(t)) == ["a"]
    assert ids(t, Text("[syrskyi]").mask(t)) == ["a"]
    assert ids(t, Text("a+b*c?").mask(t)) == ["c"]
    assert ids(t, Text("^start$").mask(t)) == ["c"]
    assert ids(t, Text("back\\slash").mask(t)) == ["c"]
    assert ids(t, Text("{x}|y").mask(t)) == ["c"]
    assert ids(t, Text(".").mask(t)) == ["a"]


def test_a_failing_filter_leaves_the_model_as_it_was(sample_table: EventTable) -> None:
    from dataclasses import dataclass

    from atlas.model.filters import Filter

    @dataclass(frozen=True)
    class Broken(Filter):
        def mask(self, table: EventTable) -> np.ndarray:
            raise RuntimeError("boom")

        def describe(self) -> str:
            return "broken"

    m = AtlasModel(sample_table)
    m.set_filter(Text("sudzha"))
    rec = Recorder(m)
    with pytest.raises(RuntimeError):
        m.set_filter(Broken())
    assert m.filter == Text("sudzha") and len(m.visible_rows) == 3 and rec.events == []


def test_categories_on_a_column_the_table_lacks_matches_only_missing(sample_table: EventTable) -> None:
    t = sample_table
    assert not Categories("no_such_column", {"x"}).mask(t).any()
    assert Categories("no_such_column", {"x", ""}).mask(t).all()
