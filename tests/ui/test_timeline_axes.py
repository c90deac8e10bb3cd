"""The timeline's axes: whole-number count ticks, dates that follow the zoom, and a date-range
highlight that leaves the categories' colours alone."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from atlas.model import AtlasModel, DateRange, replace_part
from atlas.ui.timeline import TimelinePanel
from atlas.ui.timeline_axes import DAY_S, count_ticks, date_label, date_ticks, date_of, day_number


@pytest.mark.parametrize("top", [0.4, 1, 2.6, 3, 7, 17.5, 49, 230, 12345])
@pytest.mark.parametrize("n_max", [1, 3, 5, 12])
def test_count_ticks_are_whole_numbers_on_a_1_2_5_step(top: float, n_max: int) -> None:
    step, ticks = count_ticks(top, n_max)
    assert all(isinstance(t, int) for t in ticks)
    assert ticks[0] == 0 and ticks[-1] <= top
    assert len(ticks) <= n_max + 1
    assert int(str(step).strip("0") or "1") in (1, 2, 5)
    assert ticks == list(range(0, ticks[-1] + 1, step))


def day(s: str) -> int:
    return day_number(dt.date.fromisoformat(s))


def test_date_ticks_follow_the_zoom() -> None:
    # ten days on 600 px: every day
    unit, ticks = date_ticks(day("2024-08-06"), day("2024-08-16"), 10)
    assert unit == "day" and ticks == list(range(day("2024-08-06"), day("2024-08-16") + 1))
    assert date_label(ticks[0], unit) == "6 Aug"
    # two months: Mondays
    unit, ticks = date_ticks(day("2024-08-01"), day("2024-10-01"), 10)
    assert unit == "week"
    assert all(date_of(t).weekday() == 0 for t in ticks) and np.all(np.diff(ticks) == 7)
    # nine months: the first of each month, January named by its year
    unit, ticks = date_ticks(day("2024-08-06"), day("2025-04-28"), 10)
    assert unit == "month"
    assert [date_of(t) for t in ticks] == [dt.date(2024, m, 1) for m in range(9, 13)] + [dt.date(2025, m, 1) for m in range(1, 5)]
    assert [date_label(t, unit) for t in ticks[3:5]] == ["Dec", "2025"]
    # decades: years
    unit, ticks = date_ticks(day("1990-03-01"), day("2024-01-01"), 8)
    assert unit == "year" and all(date_of(t).month == 1 and date_of(t).day == 1 for t in ticks)
    assert len(ticks) <= 8


def test_the_timeline_widget_uses_the_axes(qtbot, sample_file) -> None:
    from atlas.io import read_events

    model = AtlasModel()
    table, _ = read_events(sample_file)
    model.set_table(table)
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(700, 220)
    panel.show()
    qtbot.waitExposed(panel)
    left = panel.plot.getPlotItem().getAxis("left")
    (_, values), = left.tickValues(-0.5, 3.7, 120)
    assert values and all(v == int(v) and v >= 0 for v in values)
    assert all(s.isdigit() for s in left.tickStrings(values, 1.0, 1.0))
    bottom = panel.plot.getPlotItem().getAxis("bottom")
    bottom.tickValues(day("2024-08-06") * DAY_S, day("2024-08-13") * DAY_S, 600)
    assert bottom.unit == "day"
    bottom.tickValues(day("2024-08-06") * DAY_S, day("2025-04-28") * DAY_S, 600)
    assert bottom.unit == "month"


def test_the_date_highlight_does_not_tint_the_bars(qtbot, sample_file) -> None:
    """A bar inside the chosen dates keeps its category's colour exactly."""
    from atlas.io import read_events
    from atlas.render.style import event_type_colour

    model = AtlasModel()
    table, _ = read_events(sample_file)
    model.set_table(table)
    panel = TimelinePanel(model)
    qtbot.addWidget(panel)
    panel.resize(800, 240)
    panel.show()
    qtbot.waitExposed(panel)
    lo, hi = (d.astype(object) for d in table.date_span())
    model.set_filter(replace_part(model.filter, DateRange, DateRange(lo, hi)))
    qtbot.wait(50)
    assert panel.region.isVisible()
    assert panel.region.zValue() < min(it.zValue() for it in panel.bar_items)
    img: QImage = panel.plot.grab().toImage()
    colours = {QColor(event_type_colour(n)).rgb() & 0xFFFFFF for n in table.categorical["event_type"].categories}
    seen = {img.pixel(x, y) & 0xFFFFFF for x in range(0, img.width(), 2) for y in range(0, img.height(), 2)}
    assert colours & seen, "the bars inside the range show their categories' own colours"
