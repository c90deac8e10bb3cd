"""The annotations layer: labels, callouts, arrows, front lines, polygons, markers, free-hand lines
and distance rings, drawn from lon/lat through the viewport (so they scale with the map).

Everything is drawn as QPainter shapes and real text (``drawText``), so an SVG or PDF export keeps
them as vector paths and ``<text>`` elements. The canvas tools draw the annotation being created
with the same :func:`draw_annotation`, so the rubber band looks like the result.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from atlas.geo.projection import geod, lonlat_to_merc
from atlas.model.annotations import Annotation

from .label_obstacles import Box, line_boxes
from .layers import MapLayer
from .viewport import Viewport

RING_SEGMENTS = 180
HALO = QColor(255, 255, 255, 215)


# ---------------------------------------------------------------------------- geometry helpers
def ring_lonlat(lon: float, lat: float, radius_km: float, n: int = RING_SEGMENTS) -> tuple[np.ndarray, np.ndarray]:
    """A geodesic circle: the points ``radius_km`` from the centre on ``n`` azimuths (WGS84)."""
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = geod().fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_km * 1000.0))
    return np.asarray(lons), np.asarray(lats)


def catmull_rom(xs: np.ndarray, ys: np.ndarray, samples: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A smooth curve through every point (centripetal-free uniform Catmull-Rom), sampled densely.
    Two points bend into a gentle arc (an axis of advance is rarely a ruler line)."""
    if len(xs) == 2:
        (x0, x1), (y0, y1) = xs, ys
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        # Control point 18 % of the length off to the left of the direction of travel.
        cx, cy = mx + (y1 - y0) * 0.18, my - (x1 - x0) * 0.18
        t = np.linspace(0, 1, samples * 2)
        return ((1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1,
                (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1)
    px = np.concatenate([[2 * xs[0] - xs[1]], xs, [2 * xs[-1] - xs[-2]]])
    py = np.concatenate([[2 * ys[0] - ys[1]], ys, [2 * ys[-1] - ys[-2]]])
    t = np.linspace(0, 1, samples, endpoint=False)[:, None]
    out_x, out_y = [], []
    for i in range(1, len(px) - 2):
        p0, p1, p2, p3 = px[i - 1:i + 3]
        q0, q1, q2, q3 = py[i - 1:i + 3]
        t2, t3 = t * t, t * t * t
        out_x.append((0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)).ravel())
        out_y.append((0.5 * (2 * q1 + (-q0 + q2) * t + (2 * q0 - 5 * q1 + 4 * q2 - q3) * t2 + (-q0 + 3 * q1 - 3 * q2 + q3) * t3)).ravel())
    return np.concatenate(out_x + [[xs[-1]]]), np.concatenate(out_y + [[ys[-1]]])


def _poly(xs: Sequence[float], ys: Sequence[float]) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in zip(xs, ys)])


def _font(px: float, bold: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    return f


def _pen(a: Annotation, u: float, width: float | None = None) -> QPen:
    pen = QPen(QColor(a.style.colour), (width if width is not None else a.style.width) * u)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if a.approximate:
        # Geometry no source gives exactly is drawn dashed (as the events mark approximate places).
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def label_text(a: Annotation) -> str:
    text = a.text
    if a.kind == "polygon" and a.show_area:
        text = f"{text}\n{a.area_label()}" if text else a.area_label()
    if a.kind == "ring" and not text:
        text = f"{a.radius_km:g} km"
    if a.approximate and text:
        text += " (approx.)"
    return text


def text_rect(text: str, font: QFont, anchor: QPointF, align: str = "center", pad: float = 3.0) -> QRectF:
    fm = QFontMetricsF(font)
    lines = text.split("\n")
    w = max(fm.horizontalAdvance(s) for s in lines) + 2 * pad
    h = fm.height() * len(lines) + 2 * pad
    if align == "left":
        return QRectF(anchor.x(), anchor.y() - h / 2, w, h)
    if align == "above":
        return QRectF(anchor.x() - w / 2, anchor.y() - h, w, h)
    return QRectF(anchor.x() - w / 2, anchor.y() - h / 2, w, h)


def draw_label(p: QPainter, text: str, rect: QRectF, font: QFont, colour: QColor, plate: bool = True) -> None:
    """Text on a translucent plate (readable over any map; the text stays text in SVG/PDF)."""
    if not text:
        return
    if plate:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(HALO)
        p.drawRoundedRect(rect, 3, 3)
    p.setFont(font)
    p.setPen(colour)
    fm = QFontMetricsF(font)
    y = rect.top() + (rect.height() - fm.height() * len(text.split("\n"))) / 2 + fm.ascent()
    for line in text.split("\n"):
        x = rect.left() + (rect.width() - fm.horizontalAdvance(line)) / 2
        p.drawText(QPointF(x, y), line)
        y += fm.height()


def _arrow_head(p: QPainter, tip: QPointF, dx: float, dy: float, length: float, half: float, colour: QColor) -> None:
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    base = QPointF(tip.x() - ux * length, tip.y() - uy * length)
    left = QPointF(base.x() + uy * half, base.y() - ux * half)
    right = QPointF(base.x() - uy * half, base.y() + ux * half)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawPolygon(QPolygonF([tip, left, right]))


def _trim_end(xs: np.ndarray, ys: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    """Shorten a polyline by ``length`` pixels at its end (the line stops under the arrow head)."""
    seg = np.hypot(np.diff(xs), np.diff(ys))
    total = 0.0
    for i in range(len(seg) - 1, -1, -1):
        if total + seg[i] >= length:
            f = (length - total) / seg[i] if seg[i] else 0
            nx = xs[i + 1] - (xs[i + 1] - xs[i]) * f
            ny = ys[i + 1] - (ys[i + 1] - ys[i]) * f
            return np.append(xs[:i + 1], nx), np.append(ys[:i + 1], ny)
        total += seg[i]
    return xs[:1], ys[:1]


def _marker_path(symbol: str, c: QPointF, r: float) -> QPainterPath:
    path = QPainterPath()
    x, y = c.x(), c.y()
    if symbol == "circle":
        path.addEllipse(c, r, r)
    elif symbol == "square":
        path.addRect(QRectF(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7))
    elif symbol == "triangle":
        path.addPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r * 0.95, y + r * 0.7), QPointF(x - r * 0.95, y + r * 0.7)]))
        path.closeSubpath()
    elif symbol == "diamond":
        path.addPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]))
        path.closeSubpath()
    elif symbol == "star":
        pts = []
        for i in range(10):
            rr = r if i % 2 == 0 else r * 0.45
            ang = -math.pi / 2 + i * math.pi / 5
            pts.append(QPointF(x + rr * math.cos(ang), y + rr * math.sin(ang)))
        path.addPolygon(QPolygonF(pts))
        path.closeSubpath()
    elif symbol == "cross":
        w = r * 0.32
        path.addRect(QRectF(x - r, y - w, 2 * r, 2 * w))
        path.addRect(QRectF(x - w, y - r, 2 * w, 2 * r))
        path.setFillRule(Qt.FillRule.WindingFill)
    else:  # flag: a pole and a pennant, the pole's foot on the point
        path.addRect(QRectF(x - r * 0.08, y - 2 * r, r * 0.16, 2 * r))
        path.addPolygon(QPolygonF([QPointF(x, y - 2 * r), QPointF(x + 1.3 * r, y - 1.6 * r), QPointF(x, y - 1.2 * r)]))
        path.closeSubpath()
        path.setFillRule(Qt.FillRule.WindingFill)
    return path


# ---------------------------------------------------------------------------- drawing
def annotation_px(a: Annotation, vp: Viewport, ring: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The annotation's points (for a ring: its geodesic circle) in the viewport's pixels."""
    if a.kind == "ring":
        lons, lats = ring if ring is not None else ring_lonlat(*a.points[0], a.radius_km)
        return vp.lonlat_to_px(lons, lats)
    lons, lats = zip(*a.points)
    return vp.lonlat_to_px(np.array(lons), np.array(lats))


def draw_annotation(p: QPainter, vp: Viewport, a: Annotation, ring: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    u = vp.ui_scale
    colour = QColor(a.style.colour)
    xs, ys = annotation_px(a, vp, ring)
    font = _font(a.style.font_size * u, bold=a.kind in ("text", "callout"))
    text = label_text(a)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if a.kind == "text":
        c = QPointF(float(xs[0]), float(ys[0]))
        draw_label(p, text or "Text", text_rect(text or "Text", font, c), font, colour)
    elif a.kind == "callout":
        target = QPointF(float(xs[0]), float(ys[0]))
        at = QPointF(float(xs[1]), float(ys[1]))
        rect = text_rect(text or "Callout", font, at)
        # The leader starts on the label's border, at the point nearest the target.
        lx = min(max(target.x(), rect.left()), rect.right())
        ly = min(max(target.y(), rect.top()), rect.bottom())
        p.setPen(_pen(a, u, max(1.0, a.style.width * 0.6)))
        p.drawLine(QPointF(lx, ly), target)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(target, 3 * u, 3 * u)
        p.setPen(QPen(colour, max(1.0, 0.8 * u)))
        p.setBrush(HALO)
        p.drawRoundedRect(rect, 3, 3)
        draw_label(p, text or "Callout", rect, font, colour, plate=False)
    elif a.kind == "arrow":
        if a.curved:
            xs, ys = catmull_rom(xs, ys)
        w = a.style.width * u
        head_len, head_half = (8 + 2.6 * a.style.width) * u, (5 + 1.7 * a.style.width) * u
        tx, ty = _trim_end(xs, ys, head_len * 0.6)
        p.setPen(_pen(a, u))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(_poly(tx, ty))
        k = max(0, len(xs) - 4) if a.curved else len(xs) - 2  # densely sampled curve: look a few samples back
        dx, dy = float(xs[-1] - xs[k]), float(ys[-1] - ys[k])
        _arrow_head(p, QPointF(float(xs[-1]), float(ys[-1])), dx, dy, head_len, head_half, colour)
        if text:
            draw_label(p, text, _arrow_label_rect(xs, ys, text, font, w, u), font, colour)
    elif a.kind == "frontline":
        p.setPen(_pen(a, u))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(_poly(xs, ys))
        _draw_teeth(p, xs, ys, colour, u, a.style.width)
        if text:
            draw_label(p, text, text_rect(text, font, QPointF(float(xs[0]), float(ys[0]) - 1.2 * font.pixelSize()), "center"), font, colour)
    elif a.kind in ("polygon", "ring"):
        fill = QColor(colour)
        fill.setAlphaF(a.style.fill_opacity)
        p.setPen(_pen(a, u))
        p.setBrush(QBrush(fill) if a.style.fill_opacity > 0 else Qt.BrushStyle.NoBrush)
        p.drawPolygon(_poly(xs, ys))
        if a.kind == "ring":
            (cx,), (cy,) = vp.lonlat_to_px([a.points[0][0]], [a.points[0][1]])
            s = 5 * u
            p.setPen(QPen(colour, max(1.0, 1.5 * u)))
            p.drawLine(QPointF(cx - s, cy), QPointF(cx + s, cy))
            p.drawLine(QPointF(cx, cy - s), QPointF(cx, cy + s))
            top = int(np.argmin(ys))
            if text:
                draw_label(p, text, text_rect(text, font, QPointF(float(xs[top]), float(ys[top]) - 2 * u), "above"), font, colour)
        elif text:
            draw_label(p, text, text_rect(text, font, QPointF(float(xs.mean()), float(ys.mean()))), font, colour)
    elif a.kind == "marker":
        c = QPointF(float(xs[0]), float(ys[0]))
        r = 0.6 * a.style.font_size * u
        p.setPen(QPen(QColor("white"), max(1.0, 1.4 * u)))
        p.setBrush(colour)
        p.drawPath(_marker_path(a.symbol, c, r))
        if text:
            draw_label(p, text, text_rect(text, font, QPointF(c.x() + r + 3 * u, c.y()), "left"), font, colour)
    elif a.kind == "freehand":
        p.setPen(_pen(a, u))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(_poly(xs, ys))
        if text:
            mid = len(xs) // 2
            draw_label(p, text, text_rect(text, font, QPointF(float(xs[mid]), float(ys[mid]) - 1.2 * font.pixelSize())), font, colour)


def _arrow_label_rect(xs: np.ndarray, ys: np.ndarray, text: str, font: QFont, w: float, u: float) -> QRectF:
    """The label sits beside the shaft at half its length, on the left of travel: it never covers
    the line, the head or what the arrow points at."""
    r0 = text_rect(text, font, QPointF(0, 0))
    seg = np.hypot(np.diff(xs), np.diff(ys))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = min(int(np.searchsorted(cum, cum[-1] / 2, side="right")) - 1, len(seg) - 1)
    f = (cum[-1] / 2 - cum[i]) / seg[i] if seg[i] else 0.0
    mx, my = xs[i] + (xs[i + 1] - xs[i]) * f, ys[i] + (ys[i + 1] - ys[i]) * f
    ux, uy = ((xs[i + 1] - xs[i]) / seg[i], (ys[i + 1] - ys[i]) / seg[i]) if seg[i] else (1.0, 0.0)
    nx, ny = uy, -ux  # left of travel on a y-down screen
    off = r0.width() / 2 * abs(nx) + r0.height() / 2 * abs(ny) + w / 2 + 4 * u
    return text_rect(text, font, QPointF(float(mx + nx * off), float(my + ny * off)))


def label_obstacles(a: Annotation, vp: Viewport, ring: tuple[np.ndarray, np.ndarray] | None = None) -> list[Box]:
    """Where ``a`` is drawn, as boxes map labels keep clear of: its text plates, its marker or
    cross, and squares along its lines and outlines (a name may sit inside an area or beside an
    arrow, never across one). Mirrors :func:`draw_annotation`."""
    u = vp.ui_scale
    xs, ys = annotation_px(a, vp, ring)
    font = _font(a.style.font_size * u, bold=a.kind in ("text", "callout"))
    text = label_text(a)
    half = a.style.width * u / 2 + 2 * u
    step = 6 * u
    out: list[Box] = []

    def rect(r: QRectF) -> None:
        out.append((r.left(), r.top(), r.right(), r.bottom()))

    if a.kind == "text":
        rect(text_rect(text or "Text", font, QPointF(float(xs[0]), float(ys[0]))))
    elif a.kind == "callout":
        rect(text_rect(text or "Callout", font, QPointF(float(xs[1]), float(ys[1]))))
        out.extend(line_boxes(xs[:2], ys[:2], max(half, 3 * u), step))
    elif a.kind == "arrow":
        cx, cy = catmull_rom(xs, ys) if a.curved else (xs, ys)
        head_half = (5 + 1.7 * a.style.width) * u
        out.extend(line_boxes(cx, cy, half, step))
        out.extend(line_boxes(cx[-1:], cy[-1:], head_half + u, step))
        if text:
            rect(_arrow_label_rect(cx, cy, text, font, a.style.width * u, u))
    elif a.kind in ("frontline", "freehand"):
        teeth = (4 + 1.2 * a.style.width) * u if a.kind == "frontline" else 0.0
        out.extend(line_boxes(xs, ys, half + teeth, step))
        if text:
            at = (xs[0], ys[0]) if a.kind == "frontline" else (xs[len(xs) // 2], ys[len(ys) // 2])
            rect(text_rect(text, font, QPointF(float(at[0]), float(at[1]) - 1.2 * font.pixelSize())))
    elif a.kind in ("polygon", "ring"):
        out.extend(line_boxes(np.append(xs, xs[:1]), np.append(ys, ys[:1]), half, step))
        if a.kind == "ring":
            (cx0,), (cy0,) = vp.lonlat_to_px([a.points[0][0]], [a.points[0][1]])
            out.append((cx0 - 6 * u, cy0 - 6 * u, cx0 + 6 * u, cy0 + 6 * u))
            if text:
                top = int(np.argmin(ys))
                rect(text_rect(text, font, QPointF(float(xs[top]), float(ys[top]) - 2 * u), "above"))
        elif text:
            rect(text_rect(text, font, QPointF(float(xs.mean()), float(ys.mean()))))
    elif a.kind == "marker":
        r = 0.6 * a.style.font_size * u
        c = QPointF(float(xs[0]), float(ys[0]))
        out.append((c.x() - r - u, c.y() - r - u, c.x() + r + u, c.y() + r + u))
        if text:
            rect(text_rect(text, font, QPointF(c.x() + r + 3 * u, c.y()), "left"))
    # Keep what lies in (or near) the view: a long front line far off screen costs nothing.
    m = 40 * u
    return [b for b in out if b[2] > -m and b[0] < vp.width + m and b[3] > -m and b[1] < vp.height + m]


def _draw_teeth(p: QPainter, xs: np.ndarray, ys: np.ndarray, colour: QColor, u: float, width: float) -> None:
    """Triangles on the left of the direction of drawing, every ``spacing`` pixels (the front-line
    symbol: the teeth face the enemy)."""
    spacing, size = (14 + 2 * width) * u, (4 + 1.2 * width) * u
    seg = np.hypot(np.diff(xs), np.diff(ys))
    total = float(seg.sum())
    if total < spacing:
        return
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    for d in np.arange(spacing / 2, total - size, spacing):
        i = min(int(np.searchsorted(cum, d, side="right")) - 1, len(seg) - 1)
        if seg[i] == 0:
            continue
        f = (d - cum[i]) / seg[i]
        ux, uy = (xs[i + 1] - xs[i]) / seg[i], (ys[i + 1] - ys[i]) / seg[i]
        bx, by = xs[i] + (xs[i + 1] - xs[i]) * f, ys[i] + (ys[i + 1] - ys[i]) * f
        nx, ny = uy, -ux  # left of travel on a y-down screen
        p.drawPolygon(QPolygonF([
            QPointF(bx - ux * size * 0.7, by - uy * size * 0.7), QPointF(bx + ux * size * 0.7, by + uy * size * 0.7),
            QPointF(bx + nx * size, by + ny * size)]))


# ---------------------------------------------------------------------------- hit testing
def annotation_bounds_px(a: Annotation, vp: Viewport) -> QRectF:
    xs, ys = annotation_px(a, vp)
    r = QRectF(QPointF(float(xs.min()), float(ys.min())), QPointF(float(xs.max()), float(ys.max())))
    if a.kind in ("text", "callout", "marker"):
        font = _font(a.style.font_size * vp.ui_scale, bold=True)
        at = QPointF(float(xs[-1]), float(ys[-1]))
        t = label_text(a) or a.kind.title()
        tr = text_rect(t, font, QPointF(at.x() + 0.6 * a.style.font_size * vp.ui_scale, at.y()), "left") if a.kind == "marker" else text_rect(t, font, at)
        r = r.united(tr)
    return r


def hit(a: Annotation, vp: Viewport, px: float, py: float, tol: float = 6.0) -> bool:
    """Whether pixel (px, py) touches the annotation (lines within ``tol``; areas inside)."""
    xs, ys = annotation_px(a, vp)
    if a.kind == "arrow" and a.curved:
        xs, ys = catmull_rom(xs, ys)
    if a.kind in ("text", "callout", "marker"):
        if annotation_bounds_px(a, vp).adjusted(-tol, -tol, tol, tol).contains(QPointF(px, py)):
            return a.kind != "callout" or _near_polyline(xs, ys, px, py, tol + 8) or _in_label(a, vp, px, py)
        return False
    if a.kind in ("polygon", "ring"):
        if _poly(xs, ys).containsPoint(QPointF(px, py), Qt.FillRule.OddEvenFill):
            return True
        return _near_polyline(np.append(xs, xs[0]), np.append(ys, ys[0]), px, py, tol)
    return _near_polyline(xs, ys, px, py, tol + a.style.width * vp.ui_scale / 2)


def _in_label(a: Annotation, vp: Viewport, px: float, py: float) -> bool:
    xs, ys = annotation_px(a, vp)
    font = _font(a.style.font_size * vp.ui_scale, bold=True)
    return text_rect(label_text(a) or "Callout", font, QPointF(float(xs[1]), float(ys[1]))).contains(QPointF(px, py))


def _near_polyline(xs: np.ndarray, ys: np.ndarray, px: float, py: float, tol: float) -> bool:
    if len(xs) == 1:
        return math.hypot(xs[0] - px, ys[0] - py) <= tol
    ax, ay, bx, by = xs[:-1], ys[:-1], xs[1:], ys[1:]
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / np.where(ll == 0, 1, ll), 0, 1)
    d = np.hypot(ax + t * dx - px, ay + t * dy - py)
    return bool((d <= tol).any())


# ---------------------------------------------------------------------------- the layer
class AnnotationsLayer(MapLayer):
    """Draws the model's annotations above the events. ``set_date_window`` hides annotations whose
    own date range does not overlap the shown dates (they follow the timeline)."""

    key, title = "annotations", "Annotations"

    def __init__(self) -> None:
        super().__init__()
        self.items: tuple[Annotation, ...] = ()
        self.window: tuple[_dt.date | None, _dt.date | None] = (None, None)
        self._rings: dict[tuple[float, float, float], tuple[np.ndarray, np.ndarray]] = {}

    def set_annotations(self, items: Sequence[Annotation]) -> None:
        items = tuple(items)
        if items == self.items:
            return
        self.items = items
        self.changed()

    def set_date_window(self, start: _dt.date | None, end: _dt.date | None) -> None:
        if (start, end) != self.window:
            self.window = (start, end)
            self.changed()

    def shown(self) -> list[Annotation]:
        return [a for a in self.items if a.visible_between(*self.window)]

    def ring(self, a: Annotation) -> tuple[np.ndarray, np.ndarray]:
        key = (a.points[0][0], a.points[0][1], a.radius_km)
        r = self._rings.get(key)
        if r is None:
            if len(self._rings) > 512:
                self._rings.clear()
            r = self._rings[key] = ring_lonlat(*key)
        return r

    def draw(self, p: QPainter, vp: Viewport) -> None:
        x0, y0, x1, y1 = vp.x0, vp.y0, vp.x1, vp.y1
        for a in self.shown():
            if a.kind == "ring":
                ring = self.ring(a)
            else:
                ring = None
                # Cheap cull: skip annotations wholly outside the view (with a margin for labels).
                lons, lats = zip(*a.points)
                mx, my = lonlat_to_merc(np.array(lons), np.array(lats))
                pad = 400 * vp.ui_scale / vp.sx
                if mx.max() < x0 - pad or mx.min() > x1 + pad or my.max() < y0 - pad or my.min() > y1 + pad:
                    continue
            p.save()
            draw_annotation(p, vp, a, ring)
            p.restore()

    def label_obstacles(self, vp: Viewport) -> list[tuple[str, Box]]:
        """Boxes map labels keep clear of (:func:`label_obstacles` of each shown annotation)."""
        out: list[tuple[str, Box]] = []
        for a in self.shown():
            ring = self.ring(a) if a.kind == "ring" else None
            out.extend((f"annotation:{a.id}", b) for b in label_obstacles(a, vp, ring))
        return out

    def pick(self, vp: Viewport, px: float, py: float, tol: float = 6.0) -> str | None:
        """The id of the topmost shown annotation under a pixel."""
        for a in reversed(self.shown()):
            if hit(a, vp, px, py, tol):
                return a.id
        return None
