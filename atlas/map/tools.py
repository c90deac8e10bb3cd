"""Map tools: small state machines, one active at a time (QGIS ``QgsMapTool``-style).

A tool receives the canvas's clicks, drags, hovers and keys; it returns True when it handled the
gesture (otherwise the canvas pans and zooms as usual). Its only output is a change written to the
model: a selection, a filter, an annotation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent

if TYPE_CHECKING:
    from .canvas import MapCanvas


class MapTool:
    """Base tool: handles nothing, so the canvas pans and zooms."""

    name = "pan"
    cursor = Qt.CursorShape.OpenHandCursor

    def activate(self, canvas: MapCanvas) -> None:
        canvas.setCursor(self.cursor)

    def deactivate(self, canvas: MapCanvas) -> None:
        canvas.unsetCursor()

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        return False

    def drag(self, canvas: MapCanvas, ev: Any) -> bool:
        return False

    def hover(self, canvas: MapCanvas, pos: QPointF) -> None:
        return None

    def key(self, canvas: MapCanvas, ev: QKeyEvent) -> bool:
        return False


class PickTool(MapTool):
    """The default tool: click picks the nearest event within a few pixels; drag pans."""

    name = "select"
    cursor = Qt.CursorShape.ArrowCursor

    def click(self, canvas: MapCanvas, ev: Any) -> bool:
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        pos = canvas.widget_pos(ev.scenePos())
        ids = canvas.pick_at(pos.x(), pos.y())
        canvas.select_from_click(ids, ev.modifiers())
        return True
