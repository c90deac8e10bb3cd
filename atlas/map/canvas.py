"""The map canvas: a pyqtgraph view in EPSG:3857 metres that paints a :class:`MapScene`.

The canvas hosts the scene item and the active tool, and keeps the viewport; it does not decide
what is selected or shown. It writes user gestures to the :class:`AtlasModel` and redraws from the
model's signals (it never talks to the event list).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEasingCurve, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPainter
from PySide6.QtWidgets import QWidget

from atlas.geo.projection import REGION, lonlat_to_merc, merc_to_lonlat, region_merc
from atlas.model import AtlasModel, SelectMode
from atlas.model.session import MapView
from atlas.render.extent import full_extent, main_extent
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

from .tools import MapTool, PickTool

#: Width of the view, in Mercator metres, that a fly-to zooms in to when the view is wider.
FLY_WIDTH_M = 60_000.0
FLY_DURATION_MS = 300
MIN_WIDTH_M = 800.0


class MapViewBox(pg.ViewBox):
    """A ViewBox that hands clicks and (tool) drags to the canvas's active tool."""

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(lockAspect=1.0, enableMenu=False, invertY=False)
        self._canvas = canvas

    def mouseClickEvent(self, ev: object) -> None:  # noqa: N802 (Qt naming)
        if self._canvas.tool.click(self._canvas, ev):  # type: ignore[arg-type]
            ev.accept()  # type: ignore[attr-defined]
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev: object, axis: int | None = None) -> None:  # noqa: N802
        if self._canvas.tool.drag(self._canvas, ev):  # type: ignore[arg-type]
            ev.accept()  # type: ignore[attr-defined]
        else:
            super().mouseDragEvent(ev, axis)


class SceneItem(pg.GraphicsObject):
    """Paints the scene in device pixels. The static layers are cached in an image keyed by the
    viewport and the layers' versions, so a selection change repaints only the selection layer."""

    def __init__(self, scene: MapScene) -> None:
        super().__init__()
        self.scene_layers = scene
        x0, y0, x1, y1 = region_merc((-179.9, -85.0, 179.9, 85.0))
        self._bounds = QRectF(x0, y0, x1 - x0, y1 - y0)
        #: The static layers in two images: the map and events ("base"), and the names and what
        #: lies above them ("labels"), which a new selection redraws on its own.
        self._caches: dict[str, tuple[tuple[object, ...], QImage]] = {}
        self.last_viewport: Viewport | None = None
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._bounds

    def viewport_for(self, p: QPainter, width: int, height: int) -> Viewport:
        t = p.transform()
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        x0, x1 = (0 - dx) / sx, (width - dx) / sx
        y_top, y_bottom = (0 - dy) / sy, (height - dy) / sy
        return Viewport(x0, min(y_top, y_bottom), x1, max(y_top, y_bottom), width, height)

    def paint(self, p: QPainter, opt: object, widget: QWidget | None = None) -> None:
        if widget is None:
            return
        w, h = widget.width(), widget.height()
        if w <= 0 or h <= 0:
            return
        vp = self.viewport_for(p, w, h)
        self.last_viewport = vp
        p.save()
        p.resetTransform()
        dpr = widget.devicePixelRatioF()
        for part in ("base", "labels"):
            key = (vp, dpr, self.scene_layers.static_key(part, vp))
            got = self._caches.get(part)
            if got is None or got[0] != key:
                img = QImage(int(w * dpr), int(h * dpr), QImage.Format.Format_ARGB32_Premultiplied)
                img.setDevicePixelRatio(dpr)
                img.fill(Qt.GlobalColor.transparent)
                ip = QPainter(img)
                self.scene_layers.paint(ip, vp, static=True, dynamic=False, part=part)
                ip.end()
                got = self._caches[part] = (key, img)
            p.drawImage(QPointF(0, 0), got[1])
        self.scene_layers.paint(p, vp, static=False, dynamic=True)
        p.restore()


class MapCanvas(pg.GraphicsView):
    """The map widget.

    Signals
    -------
    cursor_moved(lon, lat)
        The cursor's position in degrees (NaN, NaN when it leaves the map).
    view_changed(Viewport)
        After every pan, zoom or resize.
    """

    cursor_moved = Signal(float, float)
    view_changed = Signal(object)

    def __init__(self, model: AtlasModel, scene: MapScene | None = None, parent: QWidget | None = None) -> None:
        #: > 0 while the canvas applies the model's view (or resizes): that is no user gesture
        #: and must not be written back as one. (Set first: the base class resizes on creation.)
        self._applying_view = 0
        super().__init__(parent, background="#f4f1ea")
        self.model = model
        self.scene_layers = scene if scene is not None else MapScene(model)
        self.vb = MapViewBox(self)
        self.setCentralItem(self.vb)
        self.vb.setAspectLocked(True, 1.0)
        x0, y0, x1, y1 = region_merc((-179.0, -84.0, 179.0, 84.0))
        self.vb.setLimits(xMin=x0, xMax=x1, yMin=y0, yMax=y1, minXRange=MIN_WIDTH_M, minYRange=MIN_WIDTH_M)
        self.item = SceneItem(self.scene_layers)
        self.vb.addItem(self.item, ignoreBounds=True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        #: What "back to the normal tool" means; a feature may install a richer pick tool.
        self.default_tool_factory: Callable[[], MapTool] = PickTool
        self.tool: MapTool = PickTool()
        self._suppress_fly = False
        self._anim = QVariantAnimation(self)
        self._anim.setDuration(FLY_DURATION_MS)
        self._anim.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._anim.valueChanged.connect(self._animate_step)
        self._anim_from: QRectF | None = None
        self._anim_to: QRectF | None = None

        model.table_changed.connect(self._on_rows_changed)
        model.filter_changed.connect(self._on_rows_changed)
        model.resident_changed.connect(self._on_rows_changed)  # a remote store's new view or edit
        model.selection_changed.connect(self._on_selection_changed)
        model.current_changed.connect(self._on_current_changed)
        model.layers_changed.connect(self._on_model_state)
        model.style_changed.connect(self._on_model_state)
        model.view_changed.connect(self._on_model_view)
        model.control_changed.connect(self._on_model_state)
        model.file_layers_changed.connect(self._on_model_state)
        model.time_window_changed.connect(self._on_model_state)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene_layers.apply_state(model)
        self.setBackground(self.scene_layers.theme.background)
        if model.view is not None:
            self._on_model_view()
        else:
            self.show_region()

    # ------------------------------------------------------------------ view ↔ model
    def _on_range_changed(self, *_: object) -> None:
        vp = self.map_viewport()
        self.view_changed.emit(vp)
        if self._applying_view:
            return
        # A pan, zoom, fly or "home": the box the user now looks at becomes the session's view.
        lon1, lat1, lon2, lat2 = vp.lonlat_bounds()
        lon1, lon2 = max(-180.0, lon1), min(180.0, lon2)
        lat1, lat2 = max(-85.05, lat1), min(85.05, lat2)
        if lon1 < lon2 and lat1 < lat2:
            self._applying_view += 1
            try:
                self.model.set_view(MapView(round(lon1, 7), round(lat1, 7), round(lon2, 7), round(lat2, 7)))
            finally:
                self._applying_view -= 1

    def _on_model_view(self) -> None:
        view = self.model.view
        if view is None or self._applying_view:
            return  # the canvas's own write coming back
        self._anim.stop()
        self._applying_view += 1
        try:
            self.set_view_lonlat(*view.as_tuple())
        finally:
            self._applying_view -= 1

    def resizeEvent(self, ev: object) -> None:  # noqa: N802
        # A resize shows more or less of the same box; the session's view stays what the user set.
        self._applying_view += 1
        try:
            super().resizeEvent(ev)  # type: ignore[arg-type]
        finally:
            self._applying_view -= 1

    def _on_model_state(self) -> None:
        if self.scene_layers.apply_state(self.model):
            self.setBackground(self.scene_layers.theme.background)
            self.item.update()

    # ------------------------------------------------------------------ view
    def map_viewport(self) -> Viewport:
        """The current view as a Viewport (pixels = widget pixels)."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        w, h = max(1, self.width()), max(1, self.height())
        return Viewport(x0, y0, x1, y1, w, h)

    def set_view_merc(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.vb.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)

    def set_view_lonlat(self, lon1: float, lat1: float, lon2: float, lat2: float) -> None:
        x, y = lonlat_to_merc([lon1, lon2], [lat1, lat2])
        self.set_view_merc(float(x.min()), float(y.min()), float(x.max()), float(y.max()))

    def show_region(self) -> None:
        self.set_view_lonlat(*REGION)

    def home(self, everything: bool = False) -> None:
        """Fit the shown events (far outliers left out unless ``everything``); the region if none."""
        t = self.model.table
        rows = self.model.visible_rows
        bbox = (full_extent if everything else main_extent)(t.lon[rows], t.lat[rows])
        if bbox is None:
            self.show_region()
            return
        lon1, lat1, lon2, lat2 = bbox
        x, y = lonlat_to_merc([lon1, lon2], [lat1, lat2])
        w = max(float(x[1] - x[0]), 20_000.0)
        h = max(float(y[1] - y[0]), 20_000.0)
        cx, cy = float(x.mean()), float(y.mean())
        self.set_view_merc(cx - w * 0.55, cy - h * 0.55, cx + w * 0.55, cy + h * 0.55)

    def zoom(self, factor: float) -> None:
        """Zoom about the view centre; factor > 1 zooms in."""
        self.vb.scaleBy((1 / factor, 1 / factor))

    def fly_to(self, lon: float, lat: float, animate: bool = True) -> None:
        """Centre on a point (animated, ~300 ms), zooming in when the view is wider than a district."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        cur = QRectF(x0, y0, x1 - x0, y1 - y0)
        (cx,), (cy,) = lonlat_to_merc([lon], [lat])
        w = min(cur.width(), FLY_WIDTH_M) if cur.width() > FLY_WIDTH_M else cur.width()
        h = w * cur.height() / cur.width()
        target = QRectF(float(cx) - w / 2, float(cy) - h / 2, w, h)
        self._anim.stop()
        if not animate:
            self.vb.setRange(target, padding=0)
            return
        self._anim_from, self._anim_to = cur, target
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.start()

    def _animate_step(self, t: float) -> None:
        a, b = self._anim_from, self._anim_to
        if a is None or b is None:
            return
        t = float(t)
        # Interpolate the centre linearly and the width geometrically (zoom feels even).
        wa, wb = a.width(), b.width()
        w = wa * (wb / wa) ** t if wa > 0 and wb > 0 else wb
        h = w * a.height() / a.width()
        cx = a.center().x() + (b.center().x() - a.center().x()) * t
        cy = a.center().y() + (b.center().y() - a.center().y()) * t
        self.vb.setRange(QRectF(cx - w / 2, cy - h / 2, w, h), padding=0)

    @property
    def animating(self) -> bool:
        return self._anim.state() == QVariantAnimation.State.Running

    # ------------------------------------------------------------------ model → view
    def _on_rows_changed(self) -> None:
        self.scene_layers.sync_events()
        self.scene_layers.sync_selection()
        self.scene_layers.apply_state(self.model)  # the control areas follow the filter's dates
        self.item.update()

    def _on_selection_changed(self, added: object, removed: object) -> None:
        self.scene_layers.sync_selection()
        if not len(self.model.selected_rows()):
            self.fold_stacks()  # Esc, a click on empty map: the spread stack folds with the selection
        self.item.update()

    def _on_current_changed(self, event_id: str) -> None:
        self.scene_layers.sync_selection()
        self.item.update()
        if self._suppress_fly or not event_id:
            return
        row = self.model.current_row()  # the model keeps the row: no lookup by id
        if row is not None and self.model.table.has_coords[row]:
            self.fly_to(float(self.model.table.lon[row]), float(self.model.table.lat[row]))

    # ------------------------------------------------------------------ gestures → model
    def pick_at(self, px: float, py: float) -> list[str]:
        """Ids of the events under a pixel, nearest first: a marker of a spread-out stack where
        there is one (it is drawn away from its spot), else the events drawn there."""
        vp = self.map_viewport()
        rows = self.scene_layers.stacks.pick(vp, px, py) or self.scene_layers.events.pick(vp, px, py)
        return [str(self.model.table.ids[r]) for r in rows]

    def spread_stack_at(self, px: float, py: float) -> bool:
        """Spread out the stack of events at one spot under a pixel (or fold it back when it is
        the one spread already); returns whether there was a stack."""
        vp = self.map_viewport()
        stacks = self.scene_layers.stacks
        rows = self.scene_layers.events.pick(vp, px, py)
        if len(rows) < 2:
            return False
        t = self.model.table
        x, y = lonlat_to_merc(t.lon[rows[0]], t.lat[rows[0]])
        spot = stacks.spot_of(float(x), float(y))
        if spot is None:
            return False
        if stacks.opened == spot:
            stacks.close()
        else:
            stacks.open(*spot)
        self.item.update()
        return True

    def fold_stacks(self) -> None:
        """Fold a stack spread by a click back onto its spot."""
        if self.scene_layers.stacks.opened is not None:
            self.scene_layers.stacks.close()
            self.item.update()

    def select_from_click(self, ids: list[str], modifiers: Qt.KeyboardModifier) -> None:
        """Apply a click on the map: replace, or with Shift/Ctrl extend/toggle the selection.

        The map does not fly to an event picked on the map itself (it is already in view)."""
        self._suppress_fly = True
        try:
            if not ids:
                if not modifiers & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
                    self.model.clear_selection()
                return
            # Repeated clicks on a stack of overlapping events cycle through it.
            target = ids[0]
            cur = self.model.current_id
            if cur in ids and len(ids) > 1 and not modifiers:
                target = ids[(ids.index(cur) + 1) % len(ids)]
            if modifiers & Qt.KeyboardModifier.ControlModifier:
                self.model.select([target], SelectMode.TOGGLE)
            elif modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.model.select([target], SelectMode.ADD)
            else:
                self.model.select([target], SelectMode.REPLACE)
        finally:
            self._suppress_fly = False

    def widget_pos(self, scene_pos: QPointF) -> QPointF:
        return QPointF(self.mapFromScene(scene_pos))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        pt = self.vb.mapSceneToView(scene_pos)
        lon, lat = merc_to_lonlat(pt.x(), pt.y())
        self.cursor_moved.emit(float(lon), float(lat))
        self.tool.hover(self, self.widget_pos(scene_pos))

    def leaveEvent(self, ev: object) -> None:  # noqa: N802
        self.cursor_moved.emit(math.nan, math.nan)
        super().leaveEvent(ev)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ tools and keys
    def set_tool(self, tool: MapTool) -> None:
        self.tool.deactivate(self)
        self.tool = tool
        tool.activate(self)

    def reset_tool(self) -> None:
        """Back to the default tool (after measuring, drawing, annotating or Esc)."""
        self.set_tool(self.default_tool_factory())

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        key = ev.key()
        if self.tool.key(self, ev):
            return
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.5)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / 1.5)
        elif key == Qt.Key.Key_Home:
            self.home(everything=bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif key == Qt.Key.Key_Escape:
            self.model.clear_selection()
        else:
            super().keyPressEvent(ev)

    def grab_map(self) -> QImage:
        """The map as the user sees it, without widget chrome (used by tests and the clipboard)."""
        return self.grab().toImage()


def merc_rect_of(vp: Viewport) -> np.ndarray:
    return np.array([vp.x0, vp.y0, vp.x1, vp.y1])
