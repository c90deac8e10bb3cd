"""Map tools that draw an area for the spatial filter: a rectangle or a free-hand lasso.

Both are one-shot state machines: press starts, drag grows the outline (drawn as a cosmetic path
in map coordinates), release hands a shapely polygon in lon/lat to ``on_area`` and returns the
canvas to the pick tool; Esc cancels. The tool itself never touches the filter.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QMenu

from atlas.geo.projection import merc_to_lonlat

from .tools import MapTool, PickTool

if TYPE_CHECKING:
    from .canvas import MapCanvas

AreaCallback = Callable[[Any, str], None]
#: Lasso vertices closer than this (screen pixels) to the previous one are skipped.
LASSO_MIN_STEP_PX = 3.0


#: At most this many events are listed in the pop-up of a stack (the rest: zoom in).
STACK_MENU_MAX = 25


class StackPickTool(PickTool):
    """The pick tool, for events that overlap.

    * A click on events at one spot selects the nearest and spreads the stack out around its
      spot (atlas.render.spiderfy); a click on a spread marker selects that event; a click on
      the spot again, elsewhere on the map, or Esc folds it back.
    * A click on events that overlap without sharing a spot selects the nearest (repeated
      clicks cycle) and lists them all in a small pop-up, so one can be chosen directly; a
      right click lists any overlapping events, a stack's too.
    """

    def __init__(self) -> None:
        self.menu: QMenu | None = None

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        pos = canvas.widget_pos(ev.scenePos())
        if ev.button() == Qt.MouseButton.RightButton:
            ids = canvas.pick_at(pos.x(), pos.y())
            if len(ids) >= 2:
                self.show_stack(canvas, ids, pos)
                return True
            return False
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        vp = canvas.map_viewport()
        on_spread = bool(canvas.scene_layers.stacks.pick(vp, pos.x(), pos.y()))
        plain = not (ev.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier))
        handled = super().click(canvas, ev)
        if on_spread:
            return handled  # a spread marker: its event is selected, the stack stays spread
        if plain and canvas.spread_stack_at(pos.x(), pos.y()):
            return handled
        ids = canvas.pick_at(pos.x(), pos.y())
        if not ids:
            canvas.fold_stacks()
        if plain and len(ids) >= 2:
            self.show_stack(canvas, ids, pos)
        return handled

    def show_stack(self, canvas: MapCanvas, ids: list[str], pos: QPointF) -> QMenu:
        t = canvas.model.table
        menu = QMenu(canvas)
        menu.setToolTipsVisible(True)
        head = menu.addAction(f"{len(ids)} events here — choose one")
        head.setEnabled(False)
        cur = canvas.model.current_id
        for eid in ids[:STACK_MENU_MAX]:
            row = t.index_of(eid)
            if row is None:
                continue
            d = t.date[row]
            text = f"{'undated' if np.isnat(d) else str(d)} · {t.value('event_type', row)} · {t.text['title'][row]}"
            # QMenu reads "&" as a mnemonic marker; everything else in an action's text is plain.
            act = menu.addAction(text.replace("&", "&&"))
            act.setToolTip("<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>")  # shown, never parsed
            act.setCheckable(True)
            act.setChecked(eid == cur)
            act.setData(eid)
            act.triggered.connect(lambda _=False, e=eid: self._choose(canvas, e))
        if len(ids) > STACK_MENU_MAX:
            more = menu.addAction(f"… {len(ids) - STACK_MENU_MAX} more: zoom in")
            more.setEnabled(False)
        self.menu = menu
        menu.popup(canvas.mapToGlobal(pos.toPoint()))
        return menu

    def _choose(self, canvas: MapCanvas, event_id: str) -> None:
        canvas.select_from_click([event_id], Qt.KeyboardModifier.NoModifier)


class _AreaTool(MapTool):
    cursor = Qt.CursorShape.CrossCursor
    label = "in drawn area"

    def __init__(self, on_area: AreaCallback) -> None:
        self.on_area = on_area
        self.points: list[QPointF] = []  # Mercator metres
        self._item: QGraphicsPathItem | None = None

    def activate(self, canvas: MapCanvas) -> None:
        super().activate(canvas)
        self.points = []

    def deactivate(self, canvas: MapCanvas) -> None:
        self._remove_item(canvas)
        super().deactivate(canvas)

    def _remove_item(self, canvas: MapCanvas) -> None:
        if self._item is not None:
            canvas.vb.removeItem(self._item)
            self._item = None

    def outline(self) -> list[QPointF]:
        return self.points

    def _show(self, canvas: MapCanvas) -> None:
        if self._item is None:
            self._item = QGraphicsPathItem()
            pen = QPen(QColor("#c2185b"), 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self._item.setPen(pen)
            self._item.setBrush(QColor(194, 24, 91, 40))
            self._item.setZValue(1000)
            canvas.vb.addItem(self._item, ignoreBounds=True)
        path = QPainterPath()
        pts = self.outline()
        if pts:
            path.moveTo(pts[0])
            for p in pts[1:]:
                path.lineTo(p)
            path.closeSubpath()
        self._item.setPath(path)

    def _grow(self, canvas: MapCanvas, merc: QPointF, px: QPointF) -> None:
        raise NotImplementedError

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        merc = canvas.vb.mapSceneToView(ev.scenePos())
        px = canvas.widget_pos(ev.scenePos())
        if ev.isStart():
            self.points = [QPointF(merc)]
            self._start_px = px
        self._grow(canvas, QPointF(merc), px)
        self._show(canvas)
        if ev.isFinish():
            self.finish(canvas)
        return True

    def polygon(self) -> Any:
        """The drawn outline as a valid shapely polygon in lon/lat (None if degenerate)."""
        import shapely

        pts = self.outline()
        if len(pts) < 3:
            return None
        xs = np.array([p.x() for p in pts])
        ys = np.array([p.y() for p in pts])
        lon, lat = merc_to_lonlat(xs, ys)
        poly = shapely.Polygon(np.column_stack([lon, lat]))
        if not poly.is_valid:
            poly = shapely.make_valid(poly)  # a lasso that crosses itself
            polys = [g for g in getattr(poly, "geoms", [poly]) if g.geom_type in ("Polygon", "MultiPolygon")]
            poly = shapely.union_all(polys) if polys else None
        if poly is None or poly.is_empty or poly.area <= 0:
            return None
        return poly

    def finish(self, canvas: MapCanvas) -> None:
        poly = self.polygon()
        self._remove_item(canvas)
        self.points = []
        canvas.reset_tool()
        if poly is not None:
            self.on_area(poly, self.label)

    def key(self, canvas: MapCanvas, ev: QKeyEvent) -> bool:
        if ev.key() == Qt.Key.Key_Escape:
            self._remove_item(canvas)
            self.points = []
            canvas.reset_tool()
            return True
        return False


class RectangleTool(_AreaTool):
    """Drag a rectangle; release filters to it."""

    name = "rectangle"
    label = "in rectangle"

    def _grow(self, canvas: MapCanvas, merc: QPointF, px: QPointF) -> None:
        a = self.points[0]
        self.points = [a, QPointF(merc.x(), a.y()), merc, QPointF(a.x(), merc.y())]


class LassoTool(_AreaTool):
    """Drag a free-hand outline; release closes it and filters to it."""

    name = "lasso"
    label = "in lasso"

    def __init__(self, on_area: AreaCallback) -> None:
        super().__init__(on_area)
        self._last_px: QPointF | None = None

    def _grow(self, canvas: MapCanvas, merc: QPointF, px: QPointF) -> None:
        if self._last_px is not None and len(self.points) > 1:
            if (px - self._last_px).manhattanLength() < LASSO_MIN_STEP_PX:
                return
        if len(self.points) > 1 or self._last_px is not None:
            self.points.append(merc)
        self._last_px = px

    def finish(self, canvas: MapCanvas) -> None:
        self._last_px = None
        super().finish(canvas)
