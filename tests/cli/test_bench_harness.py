"""The bench harness's logic: arguments, ratios, goals, the printed line and the JSON report, and
that each floor does the same work as its case (same rows out). No timings are asserted here."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from atlas.bench import (
    GOALS_10M,
    INTERACTION_GOAL_S,
    Result,
    _filter,
    add_arguments,
    filter_floor,
    format_line,
    goal_for,
    parse_sizes,
    report,
    synthetic_columns,
)
from atlas.cli.common import CliError


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(list(argv))


def test_events_is_an_alias_of_sizes() -> None:
    assert parse_sizes(_parse("--events", "10000000").sizes) == [10_000_000]
    assert parse_sizes(_parse("--sizes", "1000,2_000").sizes) == [1000, 2000]
    assert parse_sizes(_parse().sizes) == [10_000, 100_000, 1_000_000]


@pytest.mark.parametrize("bad", ["", "ten", "0", "20000001", "5,-3"])
def test_bad_event_counts_are_refused(bad: str) -> None:
    with pytest.raises(CliError):
        parse_sizes(bad)


def test_ratio_to_floor() -> None:
    assert Result("x", 10, 0.3, 0.1, 1.0).ratio == pytest.approx(3.0)
    assert Result("x", 10, 0.3, None, 1.0).ratio is None
    assert Result("x", 10, 0.3, 0.0, 1.0).ratio is None


def test_goals_follow_the_issue_table() -> None:
    # at 1M every interaction has 50 ms; loading and building have none
    assert goal_for("workflow_filter_clear", 1_000_000) == INTERACTION_GOAL_S == 0.05
    assert goal_for("workflow_select_100k", 1_000_000) == 0.05
    assert goal_for("build_table", 1_000_000) is None
    # at 10M the issue's table
    assert goal_for("workflow_filter_change", 10_000_000) == 0.15
    assert goal_for("workflow_map_redraw_points", 10_000_000) == 0.3
    assert goal_for("workflow_select_100k", 10_000_000) == 0.05
    assert goal_for("import_acled_csv", 10_000_000) == 15.0
    assert goal_for("import_acled_csv", 1_000_000) is None
    # an interaction the 10M table does not name keeps the 50 ms
    assert "workflow_list_scroll_frame" not in GOALS_10M
    assert goal_for("workflow_list_scroll_frame", 10_000_000) == 0.05
    # startup to a painted window with the bundled data: 1 s, whatever the size
    assert goal_for("startup_to_first_map", 0) == goal_for("startup_to_first_map", 10_000_000) == 1.0


def test_printed_line_has_ratio_goal_and_bytes_per_event() -> None:
    ok = format_line(Result("workflow_filter_change", 1_000_000, 0.020, 0.010, 300.0))
    assert "2.0×" in ok and "50 ms ✓" in ok and "1,000,000" in ok
    missed = format_line(Result("workflow_filter_clear", 1_000_000, 0.200, 0.001, 300.0))
    assert "✗" in missed and "200.0×" in missed
    load = format_line(Result("import_acled_csv", 1000, 0.5, 0.25, 100.0, extra={"bytes_per_event": 612.4}))
    assert "612 B/event" in load and "—" in load  # no goal below 10M


def test_memory_goals_of_import_and_window() -> None:
    """The window's resident memory has a goal at 10M only (3 GB); the import's peak one of 4 GB."""
    big = Result("window_rss", 10_000_000, 90.0, None, 4600.0, extra={"rss_mb": 3995.0, "bytes_per_event": 395.0})
    assert big.meets_goal is False and "3072 MB ✗" in format_line(big) and "3995 MB resident" in format_line(big)
    assert Result("window_rss", 10_000_000, 90.0, None, 3000.0, extra={"rss_mb": 2900.0}).meets_goal is True
    assert Result("window_rss", 1_000_000, 9.0, None, 700.0, extra={"rss_mb": 650.0}).meets_goal is None
    heavy = Result("import_acled_csv", 10_000_000, 12.0, 10.0, 5000.0, extra={"peak_mb": 5000.0})
    assert heavy.meets_goal is False  # in time, over the 4 GB peak
    assert Result("import_acled_csv", 10_000_000, 12.0, 10.0, 3500.0, extra={"peak_mb": 3500.0}).meets_goal is True


def test_report_is_json_with_missed_goals() -> None:
    results = [
        Result("workflow_filter_change", 1_000_000, 0.020, 0.010, 300.0),
        Result("workflow_filter_clear", 1_000_000, 0.200, 0.001, 300.0),
        Result("import_acled_csv", 1_000_000, 2.0, 1.0, 900.0, extra={"bytes_per_event": 600.0}),
    ]
    rep = json.loads(json.dumps(report(results, [1_000_000])))
    assert rep["sizes"] == [1_000_000]
    assert rep["goals_missed"] == ["workflow_filter_clear@1000000"]
    by = {c["case"]: c for c in rep["cases"]}
    assert by["workflow_filter_change"]["ratio_to_floor"] == pytest.approx(2.0)
    assert by["workflow_filter_change"]["meets_goal"] is True
    assert by["workflow_filter_clear"]["meets_goal"] is False
    assert by["import_acled_csv"]["goal_s"] is None and by["import_acled_csv"]["bytes_per_event"] == 600.0
    assert rep["machine"]["cpus"] >= 1


def test_filter_floor_finds_the_rows_the_filter_finds() -> None:
    """The floor is the same work: date, type and the text term with its other spellings."""
    from atlas.model import AtlasModel, EventTable

    n = 5000
    table = EventTable.from_columns(n, synthetic_columns(n))
    model = AtlasModel(table)
    model.set_filter(_filter())
    got = filter_floor(table)()
    assert got.size > 0
    np.testing.assert_array_equal(np.sort(got), model.visible_rows)


def test_a_case_measured_once_per_run_keeps_its_extra_figures() -> None:
    # The startup and basemap cases run once for all sizes (atlas/bench/basemap.py _once); the
    # figures beside their median (CPU seconds, later paint passes) belong in every size's report.
    from atlas.bench import BenchContext
    from atlas.bench.basemap import _DONE, _once

    made = Result("demo_once", 0, 1.0, 0.5, 10.0, extra={"cpu_s": 0.9, "later_paint_passes": 0.0})
    _DONE.pop("demo", None)
    try:
        got = [_once("demo", BenchContext(n), lambda: made) for n in (10, 20)]
    finally:
        _DONE.pop("demo", None)
    assert [r.n for r in got] == [10, 20]
    assert all(r.extra == {"cpu_s": 0.9, "later_paint_passes": 0.0} for r in got)
