"""The map's counted cells from a remote store (a dense view of millions of events).

The server groups the events in view with ``ST_SnapToGrid`` (atlas/db/cells.py); this layer draws
each cell as a disc whose area grows with its count (square root, so a cell ten times fuller is
about three times wider) and writes the count in the fuller ones. Counts estimated from a sample
are drawn the same way; the legend line and the status bar say they are estimates.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen

from atlas.model import AtlasModel
from atlas.model.remote import MapCells

from .layers import MapLayer
from .viewport import Viewport

#: Counts are written in cells whose disc is at least this wide (pixels at ui_scale 1).
LABEL_MIN_PX = 22.0


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n // 1000}k"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


class ServerCellsLayer(MapLayer):
    """Discs for :attr:`AtlasModel.map_cells` (nothing while the map shows events one by one)."""

    key, title = "server_cells", "Counted cells (database)"

    def __init__(self) -> None:
        super().__init__()
        self.cells: MapCells | None = None

    def sync_state(self, model: AtlasModel) -> None:
        """Called by the scene with the model's state: take its current cells."""
        cells = model.map_cells
        if cells is not self.cells:
            self.cells = cells
            self.changed()

    def draw(self, p: QPainter, vp: Viewport) -> None:
        c = self.cells
        if c is None or not c.count.size:
            return
        px, py = vp.lonlat_to_px(c.lon, c.lat)  # ST_SnapToGrid's node: the cell's centre
        # The cell's own width on screen bounds the largest disc: neighbours never overlap much.
        x2, _ = vp.lonlat_to_px(c.lon + c.cell_deg, c.lat)
        x1, _ = vp.lonlat_to_px(c.lon, c.lat)
        # Longitude maps linearly to x, so every cell is as wide: the mean is that width (a median
        # would import numpy.ma, 60 ms of the first screen on a store).
        cell_px = float(np.abs(x2 - x1).mean()) if c.count.size else 16.0
        frac = np.sqrt(c.count / max(1, int(c.count.max())))
        radius = np.clip(frac * cell_px * 0.62, 2.0 * vp.ui_scale, None)
        inside = (px > -cell_px) & (px < vp.width + cell_px) & (py > -cell_px) & (py < vp.height + cell_px)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(120, 30, 30, 220), max(1.0, vp.ui_scale)))
        p.setBrush(QBrush(QColor(200, 60, 50, 130)))
        for x, y, r in zip(px[inside].tolist(), py[inside].tolist(), radius[inside].tolist()):
            p.drawEllipse(QPointF(x, y), r, r)
        font = QFont()
        font.setPixelSize(max(8, int(round(10 * vp.ui_scale))))
        p.setFont(font)
        p.setPen(QColor(255, 255, 255))
        big = inside & (2 * radius >= LABEL_MIN_PX * vp.ui_scale)
        for x, y, r, n in zip(px[big].tolist(), py[big].tolist(), radius[big].tolist(), c.count[big].tolist()):
            p.drawText(QRectF(x - r, y - r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, _short(int(n)))
        p.restore()
