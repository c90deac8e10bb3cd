"""The measure tool: geodesic length of a polyline and area of a polygon on the WGS84 ellipsoid.

Click to add vertices, double-click or Enter to finish, Backspace removes the last vertex, Esc
cancels. Distances and areas come from ``pyproj.Geod`` (never Mercator metres, which are 1.59x too
long at 51° N). The line is drawn on the map by :class:`MeasureLayer` (a dynamic scene layer, so the
rubber band moves without redrawing the basemap), with the result beside the last vertex; the same
text goes to ``on_result`` (the status bar).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeyEvent, QPainter, QPainterPath, QPen, QPolygonF

from atlas.geo.projection import geod
from atlas.render.layers import MapLayer
from atlas.render.viewport import Viewport

from .tools import MapTool

if TYPE_CHECKING:
    from .canvas import MapCanvas

KM_PER_MI = 1.609344
KM2_PER_SQMI = KM_PER_MI**2


@dataclass(frozen=True)
class Measurement:
    """A finished or in-progress measurement. ``area_m2`` only for polygons (≥ 3 vertices)."""

    mode: str  # "line" or "area"
    vertices: tuple[tuple[float, float], ...]  # lon, lat
    length_m: float  # polyline length, or polygon perimeter
    area_m2: float | None = None

    @property
    def length_km(self) -> float:
        return self.length_m / 1000.0

    @property
    def length_mi(self) -> float:
        return self.length_km / KM_PER_MI

    @property
    def area_km2(self) -> float | None:
        return None if self.area_m2 is None else self.area_m2 / 1e6

    @property
    def area_sqmi(self) -> float | None:
        a = self.area_km2
        return None if a is None else a / KM2_PER_SQMI

    def text(self) -> str:
        if self.mode == "area":
            if self.area_km2 is None:
                return "Area: add at least 3 points"
            return (f"Area {_num(self.area_km2)} km² ({_num(self.area_sqmi or 0.0)} sq mi) · "
                    f"perimeter {_num(self.length_km)} km ({_num(self.length_mi)} mi)")
        return f"Distance {_num(self.length_km)} km ({_num(self.length_mi)} mi)"


def _num(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def geodesic_length_m(lons: Sequence[float], lats: Sequence[float]) -> float:
    if len(lons) < 2:
        return 0.0
    return float(geod().line_length(list(lons), list(lats)))


def geodesic_area_m2(lons: Sequence[float], lats: Sequence[float]) -> tuple[float, float]:
    """(area m², perimeter m) of the polygon through the points (closed automatically)."""
    if len(lons) < 3:
        return 0.0, geodesic_length_m(lons, lats)
    area, perim = geod().polygon_area_perimeter(list(lons), list(lats))
    return abs(float(area)), float(perim)


def measure(mode: str, vertices: Sequence[tuple[float, float]]) -> Measurement:
    lons = [v[0] for v in vertices]
    lats = [v[1] for v in vertices]
    if mode == "area":
        if len(vertices) >= 3:
            area, perim = geodesic_area_m2(lons, lats)
            return Measurement(mode, tuple(vertices), perim, area)
        return Measurement(mode, tuple(vertices), geodesic_length_m(lons, lats), None)
    return Measurement("line", tuple(vertices), geodesic_length_m(lons, lats))


def densify(vertices: Sequence[tuple[float, float]], step_m: float = 10_000.0) -> tuple[np.ndarray, np.ndarray]:
    """Points along the geodesics between vertices (the true path, curved in Mercator)."""
    lons: list[float] = []
    lats: list[float] = []
    for (lo1, la1), (lo2, la2) in zip(vertices[:-1], vertices[1:]):
        lons.append(lo1)
        lats.append(la1)
        d = geod().inv(lo1, la1, lo2, la2)[2]
        n = min(200, int(d // step_m))
        if n > 0:
            for lo, la in geod().npts(lo1, la1, lo2, la2, n):
                lons.append(lo)
                lats.append(la)
    if vertices:
        lons.append(vertices[-1][0])
        lats.append(vertices[-1][1])
    return np.asarray(lons), np.asarray(lats)


class MeasureLayer(MapLayer):
    """Draws the measured line or polygon, the rubber band to the cursor and the result."""

    key, title = "measure", "Measurement"
    dynamic = True

    def __init__(self) -> None:
        super().__init__()
        self.mode = "line"
        self.vertices: list[tuple[float, float]] = []
        self.hover: tuple[float, float] | None = None
        self.finished = False

    def draw(self, p: QPainter, vp: Viewport) -> None:
        pts = list(self.vertices)
        if not pts:
            return
        live = pts + ([self.hover] if self.hover and not self.finished else [])
        ring = live + ([live[0]] if self.mode == "area" and len(live) >= 3 else [])
        lon, lat = densify(ring)
        x, y = vp.lonlat_to_px(lon, lat)
        u = vp.ui_scale
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        poly = QPolygonF([QPointF(a, b) for a, b in zip(x.tolist(), y.tolist())])
        if self.mode == "area" and len(live) >= 3:
            path = QPainterPath()
            path.addPolygon(poly)
            path.closeSubpath()
            p.fillPath(path, QColor(255, 140, 0, 50))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(255, 255, 255, 220), 5 * u, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        p.drawPolyline(poly)
        p.setPen(QPen(QColor("#d35400"), 2.2 * u, Qt.PenStyle.DashLine if not self.finished else Qt.PenStyle.SolidLine,
                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        p.drawPolyline(poly)
        vx, vy = vp.lonlat_to_px([v[0] for v in pts], [v[1] for v in pts])
        p.setPen(QPen(QColor("#ffffff"), 1.5 * u))
        p.setBrush(QColor("#d35400"))
        for a, b in zip(vx.tolist(), vy.tolist()):
            p.drawEllipse(QPointF(a, b), 4 * u, 4 * u)
        m = measure(self.mode, live)
        if len(live) >= 2:
            text = m.text()
            f = QFont("DejaVu Sans")
            f.setPixelSize(max(1, round(12 * u)))
            f.setBold(True)
            fm = QFontMetricsF(f)
            end_lon, end_lat = live[-1]
            (ex,), (ey,) = vp.lonlat_to_px([end_lon], [end_lat])
            w, h = fm.horizontalAdvance(text) + 12 * u, fm.height() + 6 * u
            bx = min(max(4 * u, ex + 10 * u), vp.width - w - 4 * u)
            by = min(max(4 * u, ey - h - 8 * u), vp.height - h - 4 * u)
            box = QRectF(bx, by, w, h)
            p.setPen(QPen(QColor("#d35400"), 1 * u))
            p.setBrush(QColor(255, 255, 255, 235))
            p.drawRoundedRect(box, 3 * u, 3 * u)
            p.setFont(f)
            p.setPen(QColor("#1e1e1e"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class MeasureTool(MapTool):
    """Click vertices; double-click / Enter finishes; Backspace undoes a vertex; Esc cancels.

    ``on_result(text)`` is called with the measurement text whenever it changes ("" when
    cancelled). ``measurement`` is the last finished :class:`Measurement` (None before)."""

    name = "measure"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, mode: str = "line", on_result: Callable[[str], None] | None = None) -> None:
        if mode not in ("line", "area"):
            raise ValueError(f"measure mode must be 'line' or 'area', not {mode!r}")
        self.mode = mode
        self.on_result = on_result
        self.layer = MeasureLayer()
        self.layer.mode = mode
        self.measurement: Measurement | None = None
        self._canvas: MapCanvas | None = None

    # ------------------------------------------------------------------ lifecycle
    def activate(self, canvas: MapCanvas) -> None:
        super().activate(canvas)
        self._canvas = canvas
        scene = canvas.scene_layers
        if scene.layer(MeasureLayer.key) is not None:
            scene.layers.remove(scene.layer(MeasureLayer.key))  # type: ignore[arg-type]
        scene.insert(self.layer)  # on top
        canvas.item.update()

    def deactivate(self, canvas: MapCanvas) -> None:
        super().deactivate(canvas)
        if self.layer in canvas.scene_layers.layers:
            canvas.scene_layers.layers.remove(self.layer)
        canvas.item.update()
        self._canvas = None

    # ------------------------------------------------------------------ editing (also the API tests drive)
    @property
    def vertices(self) -> list[tuple[float, float]]:
        return self.layer.vertices

    def add_vertex(self, lon: float, lat: float) -> None:
        if self.layer.finished:
            self.layer.vertices = []
            self.layer.finished = False
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return
        self.layer.vertices.append((float(lon), float(lat)))
        self._changed()

    def finish(self) -> Measurement | None:
        if len(self.layer.vertices) < 2 or (self.mode == "area" and len(self.layer.vertices) < 3):
            return None
        self.layer.finished = True
        self.layer.hover = None
        self.measurement = measure(self.mode, self.layer.vertices)
        self._changed()
        return self.measurement

    def cancel(self) -> None:
        self.layer.vertices = []
        self.layer.hover = None
        self.layer.finished = False
        self._changed(cancelled=True)

    def undo_vertex(self) -> None:
        if self.layer.vertices and not self.layer.finished:
            self.layer.vertices.pop()
            self._changed()

    def current(self) -> Measurement:
        return measure(self.mode, self.layer.vertices)

    def _changed(self, cancelled: bool = False) -> None:
        if self.on_result is not None:
            if cancelled or not self.layer.vertices:
                self.on_result("")
            else:
                m = self.current()
                prefix = "" if self.layer.finished else "Measuring: "
                self.on_result(prefix + m.text())
        if self._canvas is not None:
            self._canvas.item.update()

    # ------------------------------------------------------------------ gestures
    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        if ev.double():
            # The first click of the pair already added this vertex.
            self.finish()
            return True
        pos = canvas.widget_pos(ev.scenePos())
        lon, lat = canvas.map_viewport().px_to_lonlat(pos.x(), pos.y())
        self.add_vertex(float(lon), float(lat))
        return True

    def hover(self, canvas: MapCanvas, pos: QPointF) -> None:
        if self.layer.vertices and not self.layer.finished:
            lon, lat = canvas.map_viewport().px_to_lonlat(pos.x(), pos.y())
            self.layer.hover = (float(lon), float(lat))
            canvas.item.update()

    def key(self, canvas: MapCanvas, ev: QKeyEvent) -> bool:
        k = ev.key()
        if k in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if k == Qt.Key.Key_Escape:
            if self.layer.vertices:
                self.cancel()
                return True
            return False  # nothing to cancel: let Esc clear the selection as usual
        if k == Qt.Key.Key_Backspace:
            self.undo_vertex()
            return True
        return False
