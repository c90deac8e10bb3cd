"""What the areas-of-control chart plots, as numbers: one curve per (source, status) of the area
over time, computed geodesically from each source's snapshots. No Qt: the dock and ``main.py
areas --chart`` compute it the same way and draw it with atlas.render.area_chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from .model import STATUSES, ControlSeries, ControlSnapshot

#: The curve of the Ukrainian-held area plus the grey zone: the most a claim of held ground could cover.
UA_PLUS_GREY = "ukrainian+grey"
#: The statuses the chart shows unless the user says otherwise.
CHART_STATUSES_DEFAULT = ("ukrainian", "contested", "grey")

Curves = dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]


def day_timestamp(d: dt.date) -> float:
    """A date as the chart's x value: noon UTC of that day, in seconds (pyqtgraph's date axis)."""
    return dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.timezone.utc).timestamp()


def group_by_source(snaps: Iterable[ControlSnapshot]) -> dict[str, ControlSeries]:
    """Snapshots of one source make one series (one line on the chart)."""
    groups: dict[str, ControlSeries] = {}
    for snap in snaps:
        src = snap.source or snap.label
        groups[src] = groups.get(src, ControlSeries()).merged([snap])
    return groups


def chart_curves(series_of: Mapping[str, ControlSeries], statuses: Iterable[str], include_sum: bool,
                 areas: Callable[[ControlSnapshot], dict[str, float]] | None = None) -> Curves:
    """(source, status) → (x timestamps, km²) for every wanted status with any area, plus
    :data:`UA_PLUS_GREY` where a source has a grey zone and ``include_sum``."""
    wanted = [s for s in STATUSES if s in set(statuses)]
    area_of = areas or (lambda snap: snap.areas_km2())
    out: Curves = {}
    for src, ser in series_of.items():
        if not ser:
            continue
        rows = [(s.as_of, area_of(s)) for s in ser]
        xs = np.array([day_timestamp(d) for d, _a in rows])
        for status in wanted:
            ys = np.array([a[status] for _d, a in rows])
            if ys.any():
                out[(src, status)] = (xs, ys)
        if include_sum:
            ys = np.array([a["ukrainian"] + a["grey"] for _d, a in rows])
            if ys.any() and any(a["grey"] for _d, a in rows):
                out[(src, UA_PLUS_GREY)] = (xs, ys)
    return out
