"""The area chart by kind of source (issue 13, "The area held"): Ukrainian claims, Russian claims and
independent estimates as separate series, each point dated by when it was said and labelled with who
said it; the bundled reconstruction only when asked for, drawn as the range of its parameter choices
and never empty while a source still reports ground held."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.control.claims import (
    AreaClaim, claim_series, group_label, label_groups, short_source, source_kind)
from atlas.control.reconstruction import BUFFER_CHOICES_KM, HULL_RATIO_CHOICES, bundled_ranges
from atlas.io import BUNDLED_EVENTS, read_events

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def claims() -> list[AreaClaim]:
    from atlas.control.claims import area_claims

    table, _ = read_events(BUNDLED_EVENTS)
    return area_claims(table)


def test_kind_of_source_follows_the_side_of_the_event() -> None:
    assert source_kind("Ukraine") == "ukrainian" and source_kind("Russia") == "russian"
    assert source_kind("Third party") == "independent"


def test_a_point_is_labelled_with_who_said_it() -> None:
    assert short_source("Oleksandr Syrskyi") == "Syrskyi"
    assert short_source("Sergei Rudskoi (Russian General Staff)") == "Rudskoi"
    assert short_source("UK Defence Intelligence") == "UK DI"
    # An outlet's own finding, relayed: the agency that made it, not the relay.
    assert short_source("", ({"outlet": "Vårt Land (AFP)"},)) == "AFP"
    assert short_source("", ({"outlet": "UrduPoint (APP/AFP)"},)) == "AFP"
    assert short_source("Senior Ukrainian General Staff source (to Reuters)") == "General Staff source"
    assert short_source("", ({"outlet": "Reuters", "date": "2025-03-16"},)) == "Reuters"
    assert short_source("", ({"outlet": "Vårt Land (AFP)", "date": "2024-08-13"},)) == "AFP"


def test_the_bundled_claims_make_three_series_dated_when_said(claims) -> None:
    series = claim_series(claims)
    assert set(series) == {"ukrainian", "russian", "independent"}
    ua = {(c.date.isoformat(), c.km2) for c in series["ukrainian"]}
    assert {("2024-08-12", 1000.0), ("2024-08-27", 1294.0), ("2024-11-23", 800.0), ("2025-02-13", 500.0)} <= ua
    ru = {(c.date.isoformat(), c.km2, c.label) for c in series["russian"]}
    assert ("2025-02-20", 400.0, "Rudskoi") in ru and ("2025-03-12", 180.0, "Gerasimov") in ru
    ind = {(c.date.isoformat(), c.km2, c.label) for c in series["independent"]}
    assert ("2024-09-15", 800.0, "UK DI") in ind and ("2025-03-16", 110.0, "Reuters") in ind
    assert ("2024-08-13", 800.0, "AFP") in ind
    for kind, cs in series.items():
        assert [c.date for c in cs] == sorted(c.date for c in cs), kind
        assert all(c.kind == "held" and c.sources for c in cs), kind
    # an area said to be retaken is not on any held-area series
    assert all(c.event_id != "KA-0079" for cs in series.values() for c in cs)


def test_the_axis_ends_at_a_round_number_just_above_the_data() -> None:
    from atlas.render.area_chart import nice_ceiling

    assert [nice_ceiling(v) for v in (1456, 1300, 300, 301, 45, 0.7)] == [1500, 1500, 300, 400, 50, 0.8]


def test_a_claim_that_nothing_is_held_is_a_held_area_of_zero(claims) -> None:
    ru = {c.event_id: c for c in claim_series(claims)["russian"]}
    assert ru["KA-0103"].km2 == 0 and ru["KA-0103"].kind == "held" and ru["KA-0103"].label == "Gerasimov"


def test_claims_of_one_week_share_a_label(claims) -> None:
    ua = claim_series(claims)["ukrainian"]
    groups = label_groups(ua)
    august = next(g for g in groups if g[0].date == dt.date(2024, 8, 12))
    assert {c.date.day for c in august} >= {12, 15, 19, 20}
    assert group_label(august).startswith("Syrskyi, Zelensky") and group_label(august).endswith("1,000–1,300")
    assert len(groups) < len(ua)


def test_the_model_is_a_range_and_never_empty_while_ground_is_reported_held(claims) -> None:
    assert len(BUFFER_CHOICES_KM) >= 3 and len(HULL_RATIO_CHOICES) >= 3
    ranges = bundled_ranges()
    assert all(r.low_km2 <= r.central_km2 <= r.high_km2 for r in ranges)
    assert all(r.high_km2 - r.low_km2 > 1 for r in ranges if r.central_km2 > 0)
    # On its last date (26 Apr 2025, Russia's claim of full recapture, denied by Ukraine) sources
    # still reported ground held (DeepState: about 56 km² on 30 Apr), so the model is not empty.
    assert ranges[-1].day == dt.date(2025, 4, 26) and ranges[-1].low_km2 > 10


def test_chart_draws_one_labelled_series_per_kind_and_the_model_as_a_band(qapp, claims) -> None:
    import pyqtgraph as pg

    from atlas.control.reconstruction import SOURCE
    from atlas.render.area_chart import AreaChart

    chart = AreaChart()
    chart.show_curves({}, lambda src: True, claims)
    names = [item.name() for item in chart.claim_items]
    assert names[:3] == ["Ukrainian claims (dated when said)", "Russian claims (dated when said)",
                         "independent estimates (dated when said)"]
    labels = [t.toPlainText() for t in chart.label_items]
    assert any("Syrskyi" in t for t in labels) and "UK DI 800" in labels and "AFP 800" in labels and "Gerasimov 180" in labels
    assert not any(isinstance(i, pg.FillBetweenItem) for i in chart.curve_items)
    # Russia's claim of full recapture is a held area of 0, drawn at 0 with its label, not dropped.
    assert "Gerasimov 0" in labels
    zero = [t for t in chart.label_items if t.toPlainText() == "Gerasimov 0"][0]
    assert zero.pos().y() == 0
    # The axis ends at the next round number above the data (1,300 km²), not at twice it.
    (_x0, _x1), (y0, y1) = chart.getViewBox().viewRange()
    assert y1 == 1500 and -60 < y0 < 0
    chart.show_curves({}, lambda src: True, claims, {SOURCE: bundled_ranges()})
    assert any(isinstance(i, pg.FillBetweenItem) for i in chart.curve_items)
    legend = [label.text for _sample, label in chart.legend.items]
    assert any(t.startswith("MODEL (reconstruction)") for t in legend)


def test_areas_without_files_lists_the_claims_and_the_model_only_when_asked(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", "areas", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})

    r = run("--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["snapshots"] == []
    kinds = {c["source_kind"] for c in doc["claims"]}
    assert kinds == {"ukrainian", "russian", "independent"}
    assert all(c["sources"] for c in doc["claims"])
    table = run()
    assert "Ukrainian claims" in table.stdout and "independent estimates" in table.stdout
    assert "approximate reconstruction" not in table.stdout
    model = run("--reconstruction", "--json")
    snaps = json.loads(model.stdout)["snapshots"]
    assert snaps and all(s["approximate"] for s in snaps)
    assert snaps[-1]["date"] == "2025-04-26" and snaps[-1]["areas_km2"]["ukrainian"] > 0
    chart = tmp_path / "chart.png"
    assert run("--chart", str(chart), "--size", "900x600").returncode == 0 and chart.stat().st_size > 5000
    assert run("--map", str(tmp_path / "m.png")).returncode == 64


def test_figures_months_apart_are_not_joined_as_a_trend(qapp, claims) -> None:
    """The UK DI figure of September and Reuters' of March are six months apart: no solid line
    between them (it would say the area fell steadily); a faint dotted bridge, named in the legend."""
    import pyqtgraph as pg

    from atlas.control.claims import claim_series
    from atlas.render.area_chart import MAX_JOINED_DAYS, AreaChart, joined_segments

    d = dt.date
    assert joined_segments([d(2024, 8, 13), d(2024, 9, 15), d(2025, 3, 12)]).tolist() == [True, False, False]
    assert joined_segments([d(2025, 3, 12), d(2025, 3, 12) + dt.timedelta(days=MAX_JOINED_DAYS)]).tolist() == [True, False]
    assert joined_segments([]).tolist() == []
    independent = claim_series(list(claims))["independent"]
    gaps = [(b.date - a.date).days for a, b in zip(independent, independent[1:])]
    assert max(gaps) > MAX_JOINED_DAYS  # the bundled data has such a gap: the test exercises it
    chart = AreaChart()
    chart.show_curves({}, lambda src: True, claims)
    faint = [i for i in chart.curve_items if isinstance(i, pg.PlotDataItem) and i.opacity() < 1]
    assert faint, "a gap of months is drawn faint"
    solid_pens = [i.opts["pen"] for i in chart.curve_items if isinstance(i, pg.PlotDataItem) and i.opacity() == 1]
    assert all(p.style() == pg.QtCore.Qt.PenStyle.SolidLine for p in solid_pens)
    legend = [label.text for _sample, label in chart.legend.items]
    assert any(t.startswith("dotted: no figure of that kind") for t in legend)


def test_the_model_says_where_it_starts_beside_earlier_figures(qapp, claims) -> None:
    """The reconstruction starts on 15 Aug 2024; AFP's 800 km² of 13 Aug (and Syrskyi's 1,000 of
    12 Aug) come before it. The chart must not let the stretch before the model read as "nothing
    held": a start line and a note say the model has no figure there, and the legend dates it."""
    import pyqtgraph as pg

    from atlas.control.reconstruction import SOURCE
    from atlas.render.area_chart import AreaChart

    ranges = bundled_ranges()
    first = ranges[0].day
    assert first == dt.date(2024, 8, 15)
    assert any(c.date < first and c.km2 > 0 for c in claims), "a source reports ground held before the model"
    chart = AreaChart()
    chart.show_curves({}, lambda src: True, claims, {SOURCE: ranges})
    assert chart.model_start == first
    starts = [i for i in chart.curve_items if isinstance(i, pg.InfiniteLine)]
    assert len(starts) == 1 and starts[0].value() == pytest.approx(chart_x(first))
    notes = [t.toPlainText() for t in chart.label_items]
    assert "← model starts 15 Aug 2024: no model before (not zero)" in notes
    legend = [label.text for _sample, label in chart.legend.items]
    assert "MODEL (reconstruction): range over its parameter choices, from 15 Aug 2024" in legend
    # Without the model, no start line.
    chart.show_curves({}, lambda src: True, claims)
    assert chart.model_start is None and not any(isinstance(i, pg.InfiniteLine) for i in chart.curve_items)


def chart_x(day: dt.date) -> float:
    from atlas.control.chart_data import day_timestamp

    return float(day_timestamp(day))
