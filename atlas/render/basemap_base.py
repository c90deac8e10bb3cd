"""What every basemap layer shares: the metres-to-pixels transform, cosmetic pens, the ground
resolution of a view, the layer base class and the options (theme, label script) of a scene."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTransform

from .basemap_geometry import BasemapGeometry, Lod
from .layers import MapLayer
from .themes import LIGHT, Theme
from .viewport import Viewport

FloatArray = npt.NDArray[np.float64]

# ============================================================================ drawing helpers
def merc_transform(vp: Viewport) -> QTransform:
    """Mercator metres -> this viewport's pixels (y flipped)."""
    return QTransform(vp.sx, 0.0, 0.0, -vp.sy, -vp.x0 * vp.sx, vp.y1 * vp.sy)


def cosmetic_pen(colour: str | QColor, width_px: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
                 dashes: Sequence[float] | None = None, vector: bool = False) -> QPen:
    """A pen ``width_px`` pixels wide whatever the painter's scale (cosmetic) on a raster. For SVG
    and PDF (``vector``) the geometry is mapped to page pixels first and the pen is a plain one of
    the same width: a cosmetic pen under a scale transform is written as a hairline that librsvg
    (and so Inkscape and most thumbnailers) draws as nothing."""
    pen = QPen(QColor(colour), width_px)
    pen.setCosmetic(not vector)
    # Flat caps and bevel joins: round ones make Qt's stroker 3-10x slower for lines wider than
    # a pixel (measured: the border at 2.2 px, 6 ms -> 2 ms), and look the same at these widths.
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
    if dashes:
        pen.setDashPattern(list(dashes))
    else:
        pen.setStyle(style)
    return pen


def ground_m_per_px(vp: Viewport) -> float:
    """Ground metres per screen pixel (96 dpi) at the view centre: Mercator metres shrink by
    cos(lat), and an export at ``ui_scale`` k has k pixels for each screen pixel."""
    lat = vp.center_lonlat[1]
    return vp.merc_per_px * math.cos(math.radians(lat)) * vp.ui_scale


class _BasemapLayer(MapLayer):
    """Common base: holds the prepared geometry, the theme, and a shared options object."""

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions) -> None:
        super().__init__()
        self.geo = geo
        self.options = options
        self.theme: Theme = options.theme

    def set_theme(self, theme: Theme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed()

    def _begin(self, p: QPainter, vp: Viewport) -> None:
        """On a raster the painter maps Mercator metres to pixels (one transform, cheap); on SVG and
        PDF the paths are mapped one by one (:meth:`_path`) and written in page coordinates."""
        if not vp.vector:
            p.setTransform(merc_transform(vp))

    def _pen(self, vp: Viewport, colour: str | QColor, width_px: float, dashes: Sequence[float] | None = None) -> QPen:
        return cosmetic_pen(colour, width_px, dashes=dashes, vector=vp.vector)

    @staticmethod
    def _path(path: QPainterPath, vp: Viewport) -> QPainterPath:
        return merc_transform(vp).map(path) if vp.vector else path

    def _stroke(self, p: QPainter, vp: Viewport, lod: Lod, pen: QPen, tag: int | None = None) -> int:
        ps = lod.pick(vp)
        idx = ps.visible(vp, pad_px=pen.widthF() + 2)
        if tag is not None and idx.size:
            idx = idx[ps.tags[idx] == tag]
        if idx.size == 0:
            return 0
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for i in idx.tolist():
            p.drawPath(self._path(ps.paths[i], vp))
        return int(idx.size)


@dataclass
class BasemapOptions:
    """Settings every basemap layer reads (theme, label script). Shared by the layers of a scene."""

    theme: Theme = LIGHT
    cyrillic: bool = False
