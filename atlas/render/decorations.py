"""Map decorations drawn in pixel space: the scale bar and the north arrow.

Both are :class:`MapLayer` subclasses so they can sit in a :class:`MapScene` (the screen canvas)
and are drawn by the export's page layout through the same functions.

The scale bar is true on the ground at the view's centre: its length is measured with
``pyproj.Geod`` along the bar (placed through the centre), never in Mercator metres, and at every
dpi the bar's pixel length follows the viewport (QGIS gets this wrong at high dpi, qgis/QGIS#30728).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from atlas.geo.projection import geodesic_distance_m

from .layers import MapLayer
from .viewport import Viewport

_NICE = (1.0, 2.0, 2.5, 5.0)


@dataclass(frozen=True)
class ScaleBarSpec:
    """A bar of ``distance_m`` on the ground that is ``length_px`` long at latitude ``lat``."""

    distance_m: float
    length_px: float
    lat: float
    segments: int

    @property
    def label(self) -> str:
        d = self.distance_m
        return f"{d / 1000:g} km" if d >= 1000 else f"{d:g} m"


def ground_length_m(vp: Viewport, x0_px: float, x1_px: float, y_px: float) -> float:
    """Geodesic length on the ground of a horizontal pixel segment of the view."""
    lon, lat = vp.px_to_lonlat([x0_px, x1_px], [y_px, y_px])
    return geodesic_distance_m(float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1]))


def scale_bar_spec(vp: Viewport, max_px: float) -> ScaleBarSpec:
    """The longest "nice" distance (1, 2, 2.5, 5 × 10^k m) whose bar fits in ``max_px`` pixels,
    its exact pixel length found by measuring geodesically through the view centre."""
    cx, cy = vp.width / 2, vp.height / 2
    probe = min(100.0, vp.width / 2)
    m_per_px = ground_length_m(vp, cx - probe / 2, cx + probe / 2, cy) / probe
    budget = max_px * m_per_px
    exp = 10 ** math.floor(math.log10(max(budget, 1e-9)))
    nice = max((n * exp for n in _NICE if n * exp <= budget), default=exp)
    # The Mercator scale is uniform along a parallel, so a couple of secant steps converge.
    length = nice / m_per_px
    for _ in range(3):
        measured = ground_length_m(vp, cx - length / 2, cx + length / 2, cy)
        if measured <= 0:
            break
        length *= nice / measured
    lead = nice / exp
    segments = {1.0: 5, 2.0: 4, 2.5: 5, 5.0: 5}.get(lead, 4)
    _, lat = vp.px_to_lonlat([cx], [cy])
    return ScaleBarSpec(nice, length, float(lat[0]), segments)


def _font(px: float, bold: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    return f


def _scale_note(spec: ScaleBarSpec) -> str:
    return f"true at {abs(spec.lat):.1f}° {'N' if spec.lat >= 0 else 'S'}"


def _scale_bar_layout(vp: Viewport, origin: QPointF, max_px: float | None) -> tuple[ScaleBarSpec, QRectF]:
    u = vp.ui_scale
    spec = scale_bar_spec(vp, max_px if max_px is not None else min(vp.width * 0.25, 220 * u))
    h = 6 * u
    fm, fms = QFontMetricsF(_font(11 * u, bold=True)), QFontMetricsF(_font(9 * u))
    x0, y0 = origin.x(), origin.y()
    bounds = QRectF(x0 - 6 * u, y0 - h - fm.height() - 4 * u,
                    max(spec.length_px + fm.horizontalAdvance(spec.label) / 2, fms.horizontalAdvance(_scale_note(spec))) + 14 * u,
                    h + fm.height() + fms.height() + 8 * u)
    return spec, bounds


def scale_bar_rect(vp: Viewport, origin: QPointF, max_px: float | None = None) -> QRectF:
    """Where :func:`draw_scale_bar` would draw (its plate), without drawing."""
    return _scale_bar_layout(vp, origin, max_px)[1]


def north_arrow_rect(vp: Viewport, centre: QPointF, size: float | None = None) -> QRectF:
    """Where :func:`draw_north_arrow` would draw (its plate), without drawing."""
    u = vp.ui_scale
    s = size if size is not None else 34 * u
    fm = QFontMetricsF(_font(12 * u, bold=True))
    return QRectF(centre.x() - s * 0.5, centre.y() - s * 0.5 - fm.height(), s, s + fm.height() + 2 * u)


def _box(r: QRectF) -> tuple[float, float, float, float]:
    return (r.left(), r.top(), r.right(), r.bottom())


def draw_scale_bar(p: QPainter, vp: Viewport, origin: QPointF, max_px: float | None = None,
                   plate: bool = True) -> QRectF:
    """Draw the bar with its left end at ``origin`` (the bar's baseline); returns its bounds.

    Alternating black and white segments, the distance above the right end, and "at 51.2° N"
    (where it is true) below."""
    u = vp.ui_scale
    spec, bounds = _scale_bar_layout(vp, origin, max_px)
    h = 6 * u
    f = _font(11 * u, bold=True)
    fs = _font(9 * u)
    fm, fms = QFontMetricsF(f), QFontMetricsF(fs)
    note = _scale_note(spec)
    x0, y0 = origin.x(), origin.y()
    if plate:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 215))
        p.drawRoundedRect(bounds, 3 * u, 3 * u)
    seg = spec.length_px / spec.segments
    p.setPen(QPen(QColor("#111111"), max(1.0, 1.0 * u)))
    for i in range(spec.segments):
        p.setBrush(QColor("#111111") if i % 2 == 0 else QColor("#ffffff"))
        p.drawRect(QRectF(x0 + i * seg, y0 - h, seg, h))
    p.setPen(QColor("#111111"))
    p.setFont(f)
    p.drawText(QPointF(x0 - fm.horizontalAdvance("0") / 2, y0 - h - 3 * u), "0")
    p.drawText(QPointF(x0 + spec.length_px - fm.horizontalAdvance(spec.label) / 2, y0 - h - 3 * u), spec.label)
    p.setFont(fs)
    p.setPen(QColor("#444444"))
    p.drawText(QPointF(x0, y0 + fms.ascent() + 2 * u), note)
    return bounds


def draw_north_arrow(p: QPainter, vp: Viewport, centre: QPointF, size: float | None = None,
                     plate: bool = True) -> QRectF:
    """A north arrow. The map is web Mercator (conformal, north up everywhere), so it points up."""
    u = vp.ui_scale
    s = size if size is not None else 34 * u
    f = _font(12 * u, bold=True)
    fm = QFontMetricsF(f)
    cx, cy = centre.x(), centre.y()
    bounds = north_arrow_rect(vp, centre, size)
    if plate:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 215))
        p.drawRoundedRect(bounds, 3 * u, 3 * u)
    tip, tail, half = QPointF(cx, cy - s * 0.38), QPointF(cx, cy + s * 0.38), s * 0.2
    mid = QPointF(cx, cy + s * 0.12)
    p.setPen(QPen(QColor("#111111"), max(1.0, 1.0 * u)))
    p.setBrush(QColor("#111111"))
    p.drawPolygon(QPolygonF([tip, QPointF(cx - half, tail.y()), mid]))
    p.setBrush(QColor("#ffffff"))
    p.drawPolygon(QPolygonF([tip, QPointF(cx + half, tail.y()), mid]))
    p.setFont(f)
    p.setPen(QColor("#111111"))
    p.drawText(QPointF(cx - fm.horizontalAdvance("N") / 2, tip.y() - 3 * u), "N")
    return bounds


class ScaleBarLayer(MapLayer):
    """The scale bar in a corner of the view (pixel space; redrawn for every viewport)."""

    key, title = "scale_bar", "Scale bar"

    def __init__(self, corner: str = "bottom-left", margin: float = 16.0) -> None:
        super().__init__()
        self.corner = corner
        self.margin = margin

    def _origin(self, vp: Viewport) -> QPointF:
        u = vp.ui_scale
        m = self.margin * u
        x = m if "left" in self.corner else vp.width * 0.7
        y = vp.height - m - 14 * u if "bottom" in self.corner else m + 40 * u
        return QPointF(x, y)

    def draw(self, p: QPainter, vp: Viewport) -> None:
        draw_scale_bar(p, vp, self._origin(vp))

    def label_reserved(self, vp: Viewport) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The bar's plate: map labels keep out of it (LabelLayout)."""
        return [("scale_bar", _box(scale_bar_rect(vp, self._origin(vp))))]


class NorthArrowLayer(MapLayer):
    """The north arrow in a corner of the view."""

    key, title = "north_arrow", "North arrow"

    def __init__(self, corner: str = "top-right", margin: float = 16.0) -> None:
        super().__init__()
        self.corner = corner
        self.margin = margin

    def _centre(self, vp: Viewport) -> QPointF:
        u = vp.ui_scale
        m = self.margin * u + 20 * u
        x = vp.width - m if "right" in self.corner else m
        y = m + 14 * u if "top" in self.corner else vp.height - m
        return QPointF(x, y)

    def draw(self, p: QPainter, vp: Viewport) -> None:
        draw_north_arrow(p, vp, self._centre(vp))

    def label_reserved(self, vp: Viewport) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The arrow's plate: map labels keep out of it (LabelLayout)."""
        return [("north_arrow", _box(north_arrow_rect(vp, self._centre(vp))))]
