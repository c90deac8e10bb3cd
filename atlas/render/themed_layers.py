"""The scene's background, graticule and region frame, following the map theme.

Subclasses of the plain layers in :mod:`atlas.render.layers` (same keys, same roles) that take
their colours from a :class:`~atlas.render.themes.Theme` via ``set_theme``. The graticule labels
sit along the top and right edges: the bottom-left corner belongs to the scale bar and the
bottom-right to the attribution.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from .layers import BackgroundLayer, GraticuleLayer, RegionFrameLayer, _deg_label, graticule_step
from .themes import LIGHT, Theme
from .viewport import Viewport


class ThemedBackground(BackgroundLayer):
    """The sea / no-data colour under the basemap (or the land colour when there is no basemap)."""

    def __init__(self, theme: Theme = LIGHT, land: bool = False) -> None:
        super().__init__(theme.land_other if land else theme.background)
        self.land = land

    def set_theme(self, theme: Theme) -> None:
        c = QColor(theme.land_other if self.land else theme.background)
        if c != self.colour:
            self.colour = c
            self.changed()


class ThemedGraticule(GraticuleLayer):
    """Dotted lon/lat lines with degree labels (haloed) along the top and right edges."""

    def __init__(self, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.theme = theme

    def set_theme(self, theme: Theme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed()

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        step = graticule_step(vp)
        lon0, lat0, lon1, lat1 = vp.lonlat_bounds()
        u = vp.ui_scale
        line = QColor(t.graticule)
        line.setAlpha(190)
        pen = QPen(line, 0.8 * u, Qt.PenStyle.DotLine)
        p.setPen(pen)
        lons = np.arange(math.ceil(lon0 / step) * step, lon1 + 1e-9, step)
        lats = np.arange(math.ceil(lat0 / step) * step, lat1 + 1e-9, step)
        xs, _ = vp.lonlat_to_px(lons, np.zeros_like(lons))
        _, ys = vp.lonlat_to_px(np.zeros_like(lats), lats)
        for x in xs:
            p.drawLine(QPointF(x, 0), QPointF(x, vp.height))
        for y in ys:
            p.drawLine(QPointF(0, y), QPointF(vp.width, y))
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(10 * u)))
        p.setFont(font)
        fm = QFontMetricsF(font)
        asc = fm.ascent()
        pad = 3 * u
        texts: list[tuple[float, float, str]] = []
        for lon, x in zip(lons.tolist(), xs.tolist()):
            texts.append((x + pad, pad + asc, _deg_label(lon, "E", "W", step)))
        for lat, y in zip(lats.tolist(), ys.tolist()):
            s = _deg_label(lat, "N", "S", step)
            ty = y - pad if y - pad > 2 * asc + pad else y + asc + pad
            texts.append((vp.width - pad - fm.horizontalAdvance(s), ty, s))
        halo = QColor(t.text_halo)
        halo.setAlpha(170)
        p.setPen(halo)
        for x, y, s in texts:
            for dx, dy in ((-u, 0.0), (u, 0.0), (0.0, -u), (0.0, u)):
                p.drawText(QPointF(x + dx, y + dy), s)
        p.setPen(QColor(t.graticule_text))
        for x, y, s in texts:
            p.drawText(QPointF(x, y), s)


class ThemedFrame(RegionFrameLayer):
    """The region-of-interest rectangle; hidden by default once the basemap is shown."""

    def __init__(self, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.theme = theme

    def set_theme(self, theme: Theme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed()

    def draw(self, p: QPainter, vp: Viewport) -> None:
        # The base class draws in style.FRAME_COLOUR; recolour by drawing with the theme colour.
        lon1, lat1, lon2, lat2 = self.region
        xs, ys = vp.lonlat_to_px([lon1, lon2], [lat1, lat2])
        u = vp.ui_scale
        c = QColor(self.theme.frame)
        p.setPen(QPen(c, 1.5 * u, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(QPointF(xs[0], ys[1]), QPointF(xs[1], ys[0])))
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(11 * u)))
        font.setItalic(True)
        p.setFont(font)
        p.setPen(c)
        p.drawText(QPointF(xs[0] + 6 * u, ys[1] + 16 * u), self.label)
