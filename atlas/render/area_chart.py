"""The areas-of-control chart: area over time per source and status, with the dataset's dated
area claims as stars (hover for their sources). One widget for the dock and for ``main.py areas
--chart``, so the picture a script writes is the chart the analyst sees."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt

from atlas.control.chart_data import Curves, day_timestamp
from atlas.control.claims import AreaClaim
from atlas.control.model import STATUS_LABELS

from .control_layer import STATUS_STYLE

_PEN_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)


def plain_tip(x: float, y: float, data: AreaClaim) -> str:
    """A claim's tooltip; titles and sources are data, so they are escaped (never rich text)."""
    return "<p style='white-space:pre'>" + html.escape(data.tooltip()) + "</p>"


class AreaChart(pg.PlotWidget):
    """The chart widget; :meth:`show_curves` replaces what it plots."""

    def __init__(self) -> None:
        super().__init__(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("left", "area, km² (geodesic)")
        self.legend = self.addLegend(offset=(-6, 6), labelTextSize="8pt", labelTextColor="#222",
                                     brush=pg.mkBrush(255, 255, 255, 215), pen=pg.mkPen("#bbb"))
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#444", width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.cursor_line, ignoreBounds=True)
        self.claim_items: list[pg.ScatterPlotItem] = []
        self.curve_items: list[pg.PlotDataItem] = []

    def set_cursor(self, day: dt.date | None) -> None:
        if day is not None:
            self.cursor_line.setValue(day_timestamp(day))

    def show_curves(self, curves: Curves, approximate: Callable[[str], bool],
                    claims: Sequence[AreaClaim] | None) -> None:
        """Plot ``curves`` (atlas.control.chart_data); a survey-like source (a map) draws solid, a
        modelled one (``approximate``) dashed with diamonds; ``claims`` as symbols (None: none)."""
        for item in self.curve_items + self.claim_items:
            self.removeItem(item)
        self.curve_items, self.claim_items = [], []
        self.legend.clear()
        sources = list(dict.fromkeys(src for src, _status in curves))
        surveys = [src for src in sources if not approximate(src)]
        styles = {src: _PEN_STYLES[[0, 2, 3][i % 3]] for i, src in enumerate(surveys)}
        top = 0.0
        for (src, status), (xs, ys) in curves.items():
            colour = STATUS_STYLE[status][0] if status in STATUS_STYLE else "#6a3fb5"
            approx = approximate(src)
            short = "bundled reconstruction (≈ approximate)" if approx else (src if len(src) <= 34 else src[:33] + "…")
            curve = pg.PlotDataItem(xs, ys, pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine if approx
                                                         else styles.get(src, Qt.PenStyle.SolidLine)),
                                    symbol="d" if approx else "o", symbolSize=7,
                                    symbolBrush=colour, symbolPen=colour,
                                    name=f"{STATUS_LABELS.get(status, 'Ukrainian-held + grey zone')}: {short}")
            self.addItem(curve)
            self.curve_items.append(curve)
            top = max(top, float(ys.max()))
        for kind, symbol, colour, label in (("held", "star", "#111111", "claimed held area (dataset)"),
                                            ("change", "t", "#7b1fa2", "claimed change, not a held area")):
            cs = [c for c in claims or () if c.kind == kind]
            if not cs:
                continue
            scatter = pg.ScatterPlotItem(
                x=[day_timestamp(c.date) for c in cs], y=[c.km2 for c in cs], data=cs, symbol=symbol, size=13,
                brush=pg.mkBrush(colour), pen=pg.mkPen("w", width=0.8), hoverable=True,
                hoverSize=17, tip=plain_tip, name=label)
            self.addItem(scatter)
            self.claim_items.append(scatter)
            top = max(top, max(c.km2 for c in cs))
        # Headroom above the data for the legend, which sits in the top right corner.
        if top > 0:
            self.setYRange(-0.02 * top, top * (1.25 + 0.09 * len(self.legend.items)), padding=0)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, 6))
