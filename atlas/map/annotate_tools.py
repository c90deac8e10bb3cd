"""Annotation tools for the map canvas: one small state machine per kind, plus the edit tool.

Each tool turns clicks and drags into an :class:`Annotation` in lon/lat and hands it to the
:class:`AnnotateController` as an undoable command (the controller pushes it onto the window's
QUndoStack, or applies it directly without one). Esc cancels the shape being drawn. The shape being
drawn and the handles of the annotation being edited are drawn by a screen-only overlay item with
the same :func:`draw_annotation` the map and the export use; they are never exported.

Gestures:

- text, marker: click. callout: drag from the point referred to to where the label goes.
- ring: click (asks the radius) or drag from the centre out to the radius.
- arrow (straight or curved), front line, polygon: click the points, double-click or Enter to
  finish (Backspace removes the last point); an arrow can also be dragged from tail to head.
- free-hand line: drag.
- edit: click selects; drag the body to move, a handle to reshape; Delete deletes, Ctrl+D
  duplicates, Esc cancels a drag or clears the choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from atlas.geo.projection import geodesic_distance_m, region_merc
from atlas.model import AtlasModel
from atlas.model.annotations import (
    Annotation,
    AnnotationCommand,
    AnnotationError,
    AnnotationStyle,
    cmd_add,
    cmd_duplicate,
    cmd_remove,
)
from atlas.render.annotations_layer import annotation_px, draw_annotation
from atlas.render.viewport import Viewport

from .tools import MapTool

if TYPE_CHECKING:
    from .canvas import MapCanvas

HANDLE_PX = 5.0


class AnnotateController:
    """What the tools share: the model, where commands go, the default style, and how to ask the
    user for a text or a radius (tests replace ``ask_text``/``ask_radius`` with plain functions)."""

    def __init__(self, model: AtlasModel, push: Callable[[AnnotationCommand], None] | None = None) -> None:
        self.model = model
        self.push: Callable[[AnnotationCommand], None] = push or (lambda cmd: self.run_internal(lambda: cmd.redo(model)))
        self.style = AnnotationStyle()
        self.ask_text: Callable[[str, str], str | None] = lambda kind, default: default
        self.ask_radius: Callable[[float], float | None] = lambda default: default
        self.overlay: AnnotationOverlay | None = None
        #: > 0 while a change comes from the tools or the undo stack; any other change to the
        #: annotations (opening a workspace) makes the undo history meaningless.
        self.internal = 0

    def run_internal(self, fn: Callable[[], None]) -> None:
        self.internal += 1
        try:
            fn()
        finally:
            self.internal -= 1

    def preview(self, items: tuple[Annotation, ...]) -> None:
        """Show an edit in progress (a drag) in every view, without an undo step."""
        self.run_internal(lambda: self.model.set_annotations(items))

    def add(self, a: Annotation) -> None:
        self.push(cmd_add(self.model.annotations, [a]))
        self.model.set_current_annotation(a.id)

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.push(cmd_remove(self.model.annotations, ids))

    def duplicate(self, ids: list[str]) -> None:
        if ids:
            cmd, new_ids = cmd_duplicate(self.model.annotations, ids)
            self.push(cmd)
            self.model.set_current_annotation(new_ids[-1] if new_ids else None)

    def refresh(self) -> None:
        if self.overlay is not None:
            self.overlay.update()


class AnnotationOverlay(pg.GraphicsObject):
    """Screen-only feedback: the draft shape and the edit handles (pixel space, like SceneItem)."""

    def __init__(self, canvas: MapCanvas, controller: AnnotateController) -> None:
        super().__init__()
        self.canvas = canvas
        self.controller = controller
        self.draft: Annotation | None = None
        self.rubber: list[tuple[float, float]] = []  # lon/lat of a line being drawn (+ cursor)
        x0, y0, x1, y1 = region_merc((-179.9, -85.0, 179.9, 85.0))
        self._bounds = QRectF(x0, y0, x1 - x0, y1 - y0)
        self.setZValue(10)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._bounds

    def paint(self, p: QPainter, opt: object, widget: QWidget | None = None) -> None:
        if widget is None:
            return
        vp = self.canvas.map_viewport()
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.draft is not None:
            p.setOpacity(0.8)
            draw_annotation(p, vp, self.draft)
            p.setOpacity(1.0)
        elif len(self.rubber) >= 2:
            xs, ys = vp.lonlat_to_px(*zip(*self.rubber))
            p.setPen(QPen(QColor(self.controller.style.colour), 1.5, Qt.PenStyle.DashLine))
            for i in range(len(xs) - 1):
                p.drawLine(QPointF(xs[i], ys[i]), QPointF(xs[i + 1], ys[i + 1]))
        cur = self.controller.model.current_annotation
        a = self.controller.model.annotation(cur) if cur else None
        if a is not None:
            for x, y in handle_points(a, vp):
                p.setPen(QPen(QColor("#102030"), 1.2))
                p.setBrush(QColor("#ffffff"))
                p.drawRect(QRectF(x - HANDLE_PX, y - HANDLE_PX, 2 * HANDLE_PX, 2 * HANDLE_PX))
        p.restore()


def handle_points(a: Annotation, vp: Viewport) -> list[tuple[float, float]]:
    """The draggable handles: every vertex; for a ring, its centre and a point on its rim (east)."""
    if a.kind == "ring":
        (cx,), (cy,) = vp.lonlat_to_px([a.points[0][0]], [a.points[0][1]])
        xs, ys = annotation_px(a, vp)
        return [(float(cx), float(cy)), (float(xs[len(xs) // 4]), float(ys[len(ys) // 4]))]
    lons, lats = zip(*a.points)
    xs, ys = vp.lonlat_to_px(np.array(lons), np.array(lats))
    return list(zip(xs.tolist(), ys.tolist()))


def _lonlat(canvas: MapCanvas, ev: Any) -> tuple[float, float, QPointF]:
    pos = canvas.widget_pos(ev.scenePos())
    lon, lat = canvas.map_viewport().px_to_lonlat([pos.x()], [pos.y()])
    return float(lon[0]), float(lat[0]), pos


def _drag_start_lonlat(canvas: MapCanvas, ev: Any) -> tuple[float, float]:
    pos = canvas.widget_pos(ev.buttonDownScenePos())
    lon, lat = canvas.map_viewport().px_to_lonlat([pos.x()], [pos.y()])
    return float(lon[0]), float(lat[0])


class AnnotationTool(MapTool):
    """Base of the creating tools."""

    kind = "text"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, controller: AnnotateController, **options: Any) -> None:
        self.controller = controller
        self.options = options
        self.name = f"annotate-{self.kind}"

    @property
    def overlay(self) -> AnnotationOverlay | None:
        return self.controller.overlay

    def make(self, points: list[tuple[float, float]], **extra: Any) -> Annotation | None:
        kw = dict(self.options)
        kw.update(extra)
        try:
            return Annotation(kind=self.kind, points=tuple(points), style=self.controller.style, **kw)
        except AnnotationError:
            return None

    def set_draft(self, a: Annotation | None, rubber: list[tuple[float, float]] | None = None) -> None:
        if self.overlay is not None:
            self.overlay.draft = a
            self.overlay.rubber = rubber or []
            self.overlay.update()

    def cancel(self) -> None:
        self.set_draft(None)

    def deactivate(self, canvas: MapCanvas) -> None:
        self.cancel()
        super().deactivate(canvas)

    def key(self, canvas: MapCanvas, ev: QKeyEvent) -> bool:
        if ev.key() == Qt.Key.Key_Escape:
            self.cancel()
            return True
        return False


class PointAnnotationTool(AnnotationTool):
    """Text labels and markers: one click places it (text is asked for)."""

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        lon, lat, _ = _lonlat(canvas, ev)
        default = "Label" if self.kind == "text" else ""
        text = self.controller.ask_text(self.kind, default)
        if text is None or (self.kind == "text" and not text.strip()):
            return True
        a = self.make([(lon, lat)], text=text)
        if a is not None:
            self.controller.add(a)
        return True


class TextTool(PointAnnotationTool):
    kind = "text"


class MarkerTool(PointAnnotationTool):
    kind = "marker"


class CalloutTool(AnnotationTool):
    """Drag from the point referred to, release where the label goes."""

    kind = "callout"

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        start = _drag_start_lonlat(canvas, ev)
        lon, lat, _ = _lonlat(canvas, ev)
        if ev.isFinish():
            self.set_draft(None)
            text = self.controller.ask_text(self.kind, "Callout")
            if text:
                a = self.make([start, (lon, lat)], text=text)
                if a is not None:
                    self.controller.add(a)
        else:
            self.set_draft(self.make([start, (lon, lat)], text="…"))
        return True


class RingTool(AnnotationTool):
    """Click for a ring of the asked radius (10 km by default), or drag out the radius."""

    kind = "ring"
    default_radius_km = 10.0

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        lon, lat, _ = _lonlat(canvas, ev)
        r = self.controller.ask_radius(self.default_radius_km)
        if r:
            a = self.make([(lon, lat)], radius_km=float(r))
            if a is not None:
                self.controller.add(a)
        return True

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        c = _drag_start_lonlat(canvas, ev)
        lon, lat, _ = _lonlat(canvas, ev)
        r_km = round(geodesic_distance_m(c[0], c[1], lon, lat) / 1000.0, 1)
        a = self.make([c], radius_km=max(r_km, 0.1))
        if ev.isFinish():
            self.set_draft(None)
            if a is not None and r_km > 0:
                self.controller.add(a)
        else:
            self.set_draft(a)
        return True


class PolylineTool(AnnotationTool):
    """Arrows, front lines and polygons: click the points; double-click or Enter finishes."""

    kind = "arrow"

    def __init__(self, controller: AnnotateController, **options: Any) -> None:
        super().__init__(controller, **options)
        self.points: list[tuple[float, float]] = []

    def cancel(self) -> None:
        self.points = []
        super().cancel()

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        lon, lat, _ = _lonlat(canvas, ev)
        if ev.double():
            self.finish()
            return True
        self.points.append((lon, lat))
        self._preview()
        return True

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        # Dragging with no points yet draws a straight two-point shape (an arrow from tail to head).
        if ev.button() != Qt.MouseButton.LeftButton or self.points or self.kind == "polygon":
            return False
        start = _drag_start_lonlat(canvas, ev)
        lon, lat, _ = _lonlat(canvas, ev)
        a = self.make([start, (lon, lat)])
        if ev.isFinish():
            self.set_draft(None)
            if a is not None:
                self.controller.add(a)
        else:
            self.set_draft(a)
        return True

    def hover(self, canvas: MapCanvas, pos: QPointF) -> None:
        if self.points:
            lon, lat = canvas.map_viewport().px_to_lonlat([pos.x()], [pos.y()])
            self._preview((float(lon[0]), float(lat[0])))

    def _preview(self, cursor: tuple[float, float] | None = None) -> None:
        pts = self.points + ([cursor] if cursor else [])
        a = self.make(pts) if len(pts) >= (3 if self.kind == "polygon" else 2) else None
        self.set_draft(a, pts if a is None else None)

    def finish(self) -> None:
        # A double-click delivers its first press as a click too: drop the duplicate point.
        pts = [p for i, p in enumerate(self.points) if i == 0 or p != self.points[i - 1]]
        while len(pts) >= 2 and np.hypot(pts[-1][0] - pts[-2][0], pts[-1][1] - pts[-2][1]) < 1e-9:
            pts.pop()
        a = self.make(pts)
        self.cancel()
        if a is not None:
            self.controller.add(a)

    def key(self, canvas: MapCanvas, ev: QKeyEvent) -> bool:
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if ev.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self._preview()
            return True
        return super().key(canvas, ev)


class ArrowTool(PolylineTool):
    kind = "arrow"


class FrontlineTool(PolylineTool):
    kind = "frontline"


class PolygonTool(PolylineTool):
    kind = "polygon"


class FreehandTool(AnnotationTool):
    """Drag to draw; the trace is simplified to within 1.5 px on release."""

    kind = "freehand"

    def __init__(self, controller: AnnotateController, **options: Any) -> None:
        super().__init__(controller, **options)
        self.trace: list[tuple[float, float]] = []

    def cancel(self) -> None:
        self.trace = []
        super().cancel()

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        if ev.isStart():
            self.trace = [_drag_start_lonlat(canvas, ev)]
        lon, lat, _ = _lonlat(canvas, ev)
        if not self.trace:  # Esc pressed mid-drag
            return True
        self.trace.append((lon, lat))
        if ev.isFinish():
            pts = simplify(canvas.map_viewport(), self.trace, 1.5)
            self.cancel()
            a = self.make(pts)
            if a is not None:
                self.controller.add(a)
        else:
            self.set_draft(self.make(self.trace))
        return True


def simplify(vp: Viewport, pts: list[tuple[float, float]], tol_px: float) -> list[tuple[float, float]]:
    """Douglas–Peucker in screen pixels (what the user drew), back to lon/lat."""
    import shapely

    if len(pts) < 3:
        return pts
    xs, ys = vp.lonlat_to_px(*zip(*pts))
    line = shapely.LineString(np.column_stack([xs, ys])).simplify(tol_px, preserve_topology=False)
    c = np.asarray(line.coords)
    lon, lat = vp.px_to_lonlat(c[:, 0], c[:, 1])
    return list(zip(lon.tolist(), lat.tolist()))


class EditTool(MapTool):
    """Select, move and reshape annotations; clicks elsewhere fall through to event picking."""

    name = "annotate-edit"
    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, controller: AnnotateController) -> None:
        self.controller = controller
        self._drag: tuple[str, int | None, tuple[Annotation, ...], tuple[float, float]] | None = None

    @property
    def model(self) -> AtlasModel:
        return self.controller.model

    def _pick(self, canvas: MapCanvas, px: float, py: float) -> str | None:
        layer = canvas.scene_layers.layer("annotations")
        pick = getattr(layer, "pick", None)
        return pick(canvas.map_viewport(), px, py) if pick is not None else None

    def _handle_at(self, canvas: MapCanvas, px: float, py: float) -> int | None:
        cur = self.model.current_annotation
        a = self.model.annotation(cur) if cur else None
        if a is None:
            return None
        for i, (x, y) in enumerate(handle_points(a, canvas.map_viewport())):
            if abs(x - px) <= HANDLE_PX + 2 and abs(y - py) <= HANDLE_PX + 2:
                return i
        return None

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        pos = canvas.widget_pos(ev.scenePos())
        hit = self._pick(canvas, pos.x(), pos.y())
        self.model.set_current_annotation(hit)
        self.controller.refresh()
        return True

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        vp = canvas.map_viewport()
        if ev.isStart():
            down = canvas.widget_pos(ev.buttonDownScenePos())
            handle = self._handle_at(canvas, down.x(), down.y())
            target = self.model.current_annotation if handle is not None else self._pick(canvas, down.x(), down.y())
            if target is None:
                self._drag = None
                return False  # pan the map
            self.model.set_current_annotation(target)
            lon, lat = vp.px_to_lonlat([down.x()], [down.y()])
            self._drag = (target, handle, self.model.annotations, (float(lon[0]), float(lat[0])))
        if self._drag is None:
            return False
        ann_id, handle, before, (lon0, lat0) = self._drag
        pos = canvas.widget_pos(ev.scenePos())
        lon, lat = vp.px_to_lonlat([pos.x()], [pos.y()])
        lon1, lat1 = float(lon[0]), float(lat[0])
        orig = next(a for a in before if a.id == ann_id)
        try:
            if handle is None:
                new = orig.moved(lon1 - lon0, lat1 - lat0)
            elif orig.kind == "ring":
                if handle == 0:
                    new = orig.moved(lon1 - lon0, lat1 - lat0)
                else:
                    c = orig.points[0]
                    new = orig.with_(radius_km=max(0.1, round(geodesic_distance_m(c[0], c[1], lon1, lat1) / 1000.0, 1)))
            else:
                new = orig.with_point(handle, lon1, lat1)
        except AnnotationError:
            return True
        # Live preview through the model (every view follows); one undoable command on release.
        self.controller.preview(tuple(new if a.id == ann_id else a for a in before))
        self.controller.refresh()
        if ev.isFinish():
            self._drag = None
            after = self.model.annotations
            self.controller.preview(before)
            text = "Move annotation" if handle is None else "Reshape annotation"
            self.controller.push(AnnotationCommand(text, before, after))
            self.model.set_current_annotation(ann_id)
        return True

    def key(self, canvas: MapCanvas, ev: QKeyEvent) -> bool:
        cur = self.model.current_annotation
        if ev.key() == Qt.Key.Key_Escape:
            if self._drag is not None:
                self.controller.preview(self._drag[2])
                self._drag = None
            else:
                self.model.set_current_annotation(None)
            self.controller.refresh()
            return True
        if cur and ev.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.controller.delete([cur])
            return True
        if cur and ev.key() == Qt.Key.Key_D and ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.controller.duplicate([cur])
            return True
        return False

    def deactivate(self, canvas: MapCanvas) -> None:
        self._drag = None
        super().deactivate(canvas)


#: Tool factories by name (the window's Annotate menu and the tests build tools from this).
TOOLS: dict[str, Callable[[AnnotateController], MapTool]] = {
    "edit": EditTool,
    "text": TextTool,
    "callout": CalloutTool,
    "arrow": ArrowTool,
    "curved_arrow": lambda c: ArrowTool(c, curved=True),
    "frontline": FrontlineTool,
    "polygon": lambda c: PolygonTool(c, show_area=True),
    "marker": MarkerTool,
    "freehand": FreehandTool,
    "ring": RingTool,
}
