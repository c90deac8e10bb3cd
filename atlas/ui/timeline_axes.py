"""The timeline's axes: whole-number counts up the side, dates along the bottom that follow the zoom.

pyqtgraph's own axes put fractional ticks on a count (2.5 events) and, zoomed in, label days with
the day of the month alone or with hours of the day; a date axis of an event atlas steps in days,
weeks (Mondays), months or years, whichever keeps the labels apart at the current zoom.
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np
import pyqtgraph as pg

DAY_S = 86400.0
#: Steps of the date axis, finest first: (unit, step in units).
DATE_STEPS: tuple[tuple[str, int], ...] = (
    ("day", 1), ("day", 2), ("week", 1), ("week", 2), ("month", 1), ("month", 3), ("month", 6),
    ("year", 1), ("year", 2), ("year", 5), ("year", 10),
)
#: Room one date label needs, in pixels.
DATE_LABEL_PX = 48
#: Room one count label needs, in pixels (height).
COUNT_LABEL_PX = 18


def count_ticks(top: float, n_max: int) -> tuple[int, list[int]]:
    """Whole-number ticks from 0 to ``top``, at most ``n_max`` + 1 of them, on a 1-2-5 step."""
    n_max = max(1, n_max)
    limit = max(0, math.floor(top))
    step = 1
    while limit / step > n_max:
        for m in (2, 5, 10):  # 1 → 2 → 5 → 10 → 20 …
            base = 10 ** math.floor(math.log10(step))
            if m * base > step:
                step = m * base
                break
    return step, list(range(0, limit + 1, step))


def _month_index(day: int) -> int:
    d = date_of(day)
    return d.year * 12 + d.month - 1


def _month_start(index: int) -> int:
    return day_number(_dt.date(index // 12, index % 12 + 1, 1))


def day_number(d: _dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def date_of(day: int) -> _dt.date:
    return np.datetime64(int(day), "D").astype(object)  # type: ignore[no-any-return]


def date_ticks(first: float, last: float, n_max: int) -> tuple[str, list[int]]:
    """The unit ("day", "week", "month", "year") and the day numbers of the ticks between day
    numbers ``first`` and ``last``: the finest step that gives at most ``n_max`` ticks. Weeks start
    on Mondays, months on the 1st, years on 1 January."""
    n_max = max(1, n_max)
    span = max(last - first, 1e-9)
    lo, hi = math.ceil(first), math.floor(last)
    for unit, step in DATE_STEPS:
        days = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}[unit] * step
        if span / days <= n_max:
            break
    if unit == "day":
        start = lo + (-lo) % step
        return unit, list(range(start, hi + 1, step))
    if unit == "week":
        monday = lo + (-(lo + 3)) % 7  # 1970-01-01 was a Thursday: day n is a Monday when (n + 3) % 7 == 0
        return unit, list(range(monday, hi + 1, 7 * step))
    if unit == "month":
        m0 = _month_index(lo) + (1 if date_of(lo).day != 1 else 0)
        m0 += (-m0) % step  # quarters start in January, April, …
        ticks = []
        m = m0
        while (d := _month_start(m)) <= hi:
            ticks.append(d)
            m += step
        return unit, ticks
    y0 = date_of(lo).year + (0 if date_of(lo).timetuple().tm_yday == 1 else 1)
    y0 += (-y0) % step
    return unit, [day_number(_dt.date(y, 1, 1)) for y in range(y0, date_of(hi).year + 1, step)]


def date_label(day: int, unit: str) -> str:
    """A tick's text: "6 Aug" for days and weeks, "Sep" for months (the year on January), "2025"."""
    d = date_of(day)
    if unit in ("day", "week"):
        return f"{d.day} {d:%b}"
    if unit == "month":
        return str(d.year) if d.month == 1 else f"{d:%b}"
    return str(d.year)


class CountAxis(pg.AxisItem):
    """The left axis: event counts are whole numbers, so are its ticks."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802
        step, values = count_ticks(maxVal, int(size // COUNT_LABEL_PX))
        return [(float(step), [float(v) for v in values if v >= minVal])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [str(int(round(v))) for v in values]


class DayAxis(pg.AxisItem):
    """The bottom axis over seconds since the epoch (whole days): days, weeks, months or years,
    whichever fits the zoom. :attr:`unit` is the unit of the ticks last laid out."""

    unit = "month"

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802
        self.unit, days = date_ticks(minVal / DAY_S, maxVal / DAY_S, int(size // DATE_LABEL_PX))
        spacing = {"day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}[self.unit] * DAY_S
        return [(spacing, [d * DAY_S for d in days])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [date_label(int(round(v / DAY_S)), self.unit) for v in values]
