"""The areas-of-control chart: who said how much ground Ukraine held in Kursk oblast, and when.

By default it draws the dataset's dated area claims as one series per kind of source (the Ukrainian
side's claims, the Russian side's, independent estimates), each point labelled with who said it and
hoverable for its sources. Areas computed from loaded maps (DeepState, ISW KML) are curves per source
and status; the bundled reconstruction, when the user opts in, is drawn as a range: the band between
the smallest and largest areas its parameter choices give, labelled a model. One widget for the dock
and for ``main.py areas --chart``, so the picture a script writes is the chart the analyst sees."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from atlas.control.chart_data import Curves, day_timestamp
from atlas.control.claims import SOURCE_KIND_LABELS, AreaClaim, claim_series, group_label, label_groups
from atlas.control.model import STATUS_LABELS
from atlas.control.reconstruction import ModelRange

from .control_layer import STATUS_STYLE

_PEN_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
#: colour and symbol of each kind of source; the sides' colours follow the map (Ukrainian blue,
#: Russian red), independent estimates are green.
KIND_STYLE: dict[str, tuple[str, str]] = {"ukrainian": ("#1f5fbf", "o"), "russian": ("#c62828", "s"),
                                          "independent": ("#2e7d32", "t1")}
#: Where a kind's labels sit: the sides' above their points, the independent estimates' below, so
#: that a side's claim and an estimate of the same days do not print over each other.
_LABEL_ANCHOR = {"ukrainian": (0.5, 1.15), "russian": (0.5, 1.15), "independent": (0.5, -0.2)}
MODEL_COLOUR = "#6a3fb5"
#: Two figures of one kind of source further apart than this are not joined by a solid line: a
#: straight line across months says the area fell steadily in between, which nobody said. The gap
#: is drawn dotted and faint instead (the UK DI figure of September and Reuters' of March).
MAX_JOINED_DAYS = 45
#: Beside the model's start line: the model has no figure before its first date, which is not zero.
MODEL_START_TEXT = "← model starts {first.day} {first:%b %Y}: no model before (not zero)"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least ``value``
    (1,456 -> 1,500; 300 -> 300): a y axis that ends just above the data."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** np.floor(np.log10(value))
    for m in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * magnitude >= value * (1 - 1e-9):
            return float(m * magnitude)
    return float(10 * magnitude)


def joined_segments(dates: Sequence[dt.date]) -> np.ndarray:
    """For figures in date order: which consecutive pairs are close enough in time
    (:data:`MAX_JOINED_DAYS`) to be joined by a solid line; the last element is always False, as
    pyqtgraph's ``connect`` array wants."""
    days = np.array([d.toordinal() for d in dates], dtype=np.int64)
    out = np.zeros(len(days), dtype=bool)
    out[:-1] = np.diff(days) <= MAX_JOINED_DAYS
    return out


def plain_tip(x: float, y: float, data: AreaClaim) -> str:
    """A claim's tooltip; titles and sources are data, so they are escaped (never rich text)."""
    return "<p style='white-space:pre'>" + html.escape(data.tooltip()) + "</p>"


class AreaChart(pg.PlotWidget):
    """The chart widget; :meth:`show_curves` replaces what it plots."""

    def __init__(self) -> None:
        super().__init__(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("left", "area held by Ukraine, km²")
        self.legend = self.addLegend(offset=(-6, 6), labelTextSize="8pt", labelTextColor="#222",
                                     brush=pg.mkBrush(255, 255, 255, 215), pen=pg.mkPen("#bbb"))
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#444", width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.cursor_line, ignoreBounds=True)
        self.claim_items: list[pg.ScatterPlotItem] = []
        self.curve_items: list[pg.GraphicsObject] = []
        self.label_items: list[pg.TextItem] = []
        #: the first day the drawn model covers (None: no model drawn)
        self.model_start: dt.date | None = None

    def set_cursor(self, day: dt.date | None) -> None:
        if day is not None:
            self.cursor_line.setValue(day_timestamp(day))

    def show_curves(self, curves: Curves, approximate: Callable[[str], bool],
                    claims: Sequence[AreaClaim] | None,
                    model_ranges: Mapping[str, Sequence[ModelRange]] | None = None) -> None:
        """Plot ``curves`` (atlas.control.chart_data): a survey-like source (a map) solid, a modelled
        one (``approximate``) dashed, or as its range where ``model_ranges`` has it; ``claims`` as one
        labelled series per kind of source (None: none)."""
        for item in self.curve_items + self.claim_items + self.label_items:
            self.removeItem(item)
        self.curve_items, self.claim_items, self.label_items = [], [], []
        self.model_start = None
        self.legend.clear()
        ranges = model_ranges or {}
        sources = list(dict.fromkeys(src for src, _status in curves))
        surveys = [src for src in sources if not approximate(src)]
        styles = {src: _PEN_STYLES[[0, 2, 3][i % 3]] for i, src in enumerate(surveys)}
        top = 0.0
        for src, rs in ranges.items():
            top = max(top, self._draw_range(rs))
        for (src, status), (xs, ys) in curves.items():
            if src in ranges:
                continue  # the model is drawn as its range
            colour = STATUS_STYLE[status][0] if status in STATUS_STYLE else MODEL_COLOUR
            approx = approximate(src)
            short = "model (reconstruction, ≈)" if approx else (src if len(src) <= 34 else src[:33] + "…")
            curve = pg.PlotDataItem(xs, ys, pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine if approx
                                                         else styles.get(src, Qt.PenStyle.SolidLine)),
                                    symbol="d" if approx else "o", symbolSize=7,
                                    symbolBrush=colour, symbolPen=colour,
                                    name=f"{STATUS_LABELS.get(status, 'Ukrainian-held + grey zone')}: {short}")
            self.addItem(curve)
            self.curve_items.append(curve)
            top = max(top, float(ys.max()))
        if claims:
            top = max(top, self._draw_claims(list(claims)))
        # The axis ends at the next round number above the data and its labels, not higher: the
        # legend sits in the top right corner, where the held area has long since shrunk. A claim
        # of 0 km² (nothing held) is drawn on the axis's zero, so the axis starts a little below.
        if top > 0:
            upper = nice_ceiling(top * 1.12)
            self.setYRange(-0.03 * upper, upper, padding=0)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, 6))

    def _draw_range(self, rs: Sequence[ModelRange]) -> float:
        """The reconstruction as a band from its smallest to its largest area over the parameter
        choices, with its central choice dashed: a model's spread, not a measurement."""
        if not rs:
            return 0.0
        xs = np.array([day_timestamp(r.day) for r in rs])
        lo = pg.PlotDataItem(xs, [r.low_km2 for r in rs], pen=pg.mkPen(MODEL_COLOUR, width=0.8))
        hi = pg.PlotDataItem(xs, [r.high_km2 for r in rs], pen=pg.mkPen(MODEL_COLOUR, width=0.8))
        band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(106, 63, 181, 55))
        first = rs[0].day
        mid = pg.PlotDataItem(xs, [r.central_km2 for r in rs], symbol="d", symbolSize=6,
                              symbolBrush=MODEL_COLOUR, symbolPen=MODEL_COLOUR,
                              pen=pg.mkPen(MODEL_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
                              name=f"MODEL (reconstruction): range over its parameter choices, from {first.day} {first:%b %Y}")
        # Before its first date the model says nothing (its settlements are dated from Syrskyi's
        # claim of 15 Aug 2024): a start line says so, so that the empty stretch beside the sources'
        # figures of 6-14 Aug (AFP's 800 km² of 13 Aug) does not read as "nothing held".
        start = pg.InfiniteLine(pos=day_timestamp(first), angle=90,
                                pen=pg.mkPen(MODEL_COLOUR, width=1.0, style=Qt.PenStyle.DotLine))
        note = pg.TextItem(MODEL_START_TEXT.format(first=first), color=MODEL_COLOUR, anchor=(0, 1))
        font = QFont()
        font.setPointSizeF(7.5)
        note.setFont(font)
        note.setPos(day_timestamp(first), max(r.high_km2 for r in rs) * 0.06)
        for item in (band, lo, hi, mid, start):
            self.addItem(item)
            self.curve_items.append(item)
        self.addItem(note)
        self.label_items.append(note)
        self.model_start = first
        return max(r.high_km2 for r in rs)

    def _draw_claims(self, claims: list[AreaClaim]) -> float:
        top = 0.0
        font = QFont()
        font.setPointSizeF(7.5)
        for kind, cs in claim_series(claims).items():
            colour, symbol = KIND_STYLE[kind]
            xs = [day_timestamp(c.date) for c in cs]
            ys = [c.km2 for c in cs]
            near = joined_segments([c.date for c in cs])
            far = np.zeros_like(near)
            far[:-1] = ~near[:-1]
            line = pg.PlotDataItem(xs, ys, pen=pg.mkPen(colour, width=1.2), connect=near)
            if far.any():  # months with no figure of this kind: a faint dotted bridge, not a trend
                gap = pg.PlotDataItem(xs, ys, connect=far,
                                      pen=pg.mkPen(colour, width=1.0, style=Qt.PenStyle.DotLine))
                gap.setOpacity(0.45)
                self.addItem(gap)
                self.curve_items.append(gap)
            scatter = pg.ScatterPlotItem(x=xs, y=ys, data=cs, symbol=symbol, size=10,
                                         brush=pg.mkBrush(colour), pen=pg.mkPen("w", width=0.8),
                                         hoverable=True, hoverSize=14, tip=plain_tip,
                                         name=f"{SOURCE_KIND_LABELS[kind]} (dated when said)")
            self.addItem(line)
            self.addItem(scatter)
            self.curve_items.append(line)
            self.claim_items.append(scatter)
            below = _LABEL_ANCHOR[kind][1] < 0
            for group in label_groups(cs):
                peak = (min if below else max)(group, key=lambda c: c.km2)
                text = pg.TextItem(group_label(group), color=colour, anchor=_LABEL_ANCHOR[kind])
                text.setFont(font)
                text.setPos(day_timestamp(peak.date), peak.km2)
                self.addItem(text)
                self.label_items.append(text)
            top = max(top, max(ys))
        if any(isinstance(i, pg.PlotDataItem) and i.opacity() < 1 for i in self.curve_items):
            self.legend.addItem(pg.PlotDataItem([], [], pen=pg.mkPen("#777", width=1.0, style=Qt.PenStyle.DotLine)),
                                f"dotted: no figure of that kind for over {MAX_JOINED_DAYS} days")
        changes = [c for c in claims if c.kind == "change"]
        if changes:
            scatter = pg.ScatterPlotItem(
                x=[day_timestamp(c.date) for c in changes], y=[c.km2 for c in changes], data=changes,
                symbol="t", size=11, brush=pg.mkBrush("#7b1fa2"), pen=pg.mkPen("w", width=0.8),
                hoverable=True, hoverSize=15, tip=plain_tip, name="claimed change (retaken), not a held area")
            self.addItem(scatter)
            self.claim_items.append(scatter)
            top = max(top, max(c.km2 for c in changes))
        return top
