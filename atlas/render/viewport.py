"""The viewport: which part of the EPSG:3857 plane maps onto which pixels.

A plain value object shared by the screen (built from the canvas's current transform) and the
export (built from the requested view and size), so every layer draws through the same maths.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from atlas.geo.projection import lonlat_to_merc, merc_to_lonlat

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Viewport:
    """``x0..x1`` and ``y0..y1`` in Mercator metres shown on ``width`` x ``height`` pixels.

    ``ui_scale`` multiplies marker sizes, line widths and fonts (1.0 on screen at 96 dpi; dpi/96
    on export), so a 300-dpi export looks like the screen, only sharper. ``vector`` is set when the
    target is SVG or PDF: layers then draw shapes instead of stamping pixmaps.
    """

    x0: float
    y0: float
    x1: float
    y1: float
    width: int
    height: int
    ui_scale: float = 1.0
    vector: bool = False

    @classmethod
    def fit(cls, bounds: tuple[float, float, float, float], width: int, height: int,
            ui_scale: float = 1.0, margin: float = 0.0) -> Viewport:
        """The smallest view with equal x/y scale (locked aspect) that shows ``bounds`` (merc)."""
        bx0, by0, bx1, by1 = bounds
        cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
        w = max(bx1 - bx0, 1.0) * (1 + 2 * margin)
        h = max(by1 - by0, 1.0) * (1 + 2 * margin)
        per_px = max(w / width, h / height)
        return cls.centered(cx, cy, per_px, width, height, ui_scale)

    @classmethod
    def fit_lonlat(cls, lon1: float, lat1: float, lon2: float, lat2: float, width: int, height: int,
                   ui_scale: float = 1.0, margin: float = 0.0) -> Viewport:
        x, y = lonlat_to_merc([lon1, lon2], [lat1, lat2])
        return cls.fit((float(x.min()), float(y.min()), float(x.max()), float(y.max())), width, height, ui_scale, margin)

    @classmethod
    def centered(cls, cx: float, cy: float, merc_per_px: float, width: int, height: int,
                 ui_scale: float = 1.0) -> Viewport:
        hw, hh = width * merc_per_px / 2, height * merc_per_px / 2
        return cls(cx - hw, cy - hh, cx + hw, cy + hh, width, height, ui_scale)

    # ------------------------------------------------------------------ derived
    @property
    def sx(self) -> float:
        return self.width / (self.x1 - self.x0)

    @property
    def sy(self) -> float:
        return self.height / (self.y1 - self.y0)

    @property
    def merc_per_px(self) -> float:
        return (self.x1 - self.x0) / self.width

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @property
    def center_lonlat(self) -> tuple[float, float]:
        lon, lat = merc_to_lonlat(*self.center)
        return float(lon), float(lat)

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        lon, lat = merc_to_lonlat([self.x0, self.x1], [self.y0, self.y1])
        return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])

    def with_size(self, width: int, height: int, ui_scale: float | None = None) -> Viewport:
        """Same centre and extent, fitted to a new pixel size (locked aspect)."""
        return Viewport.fit((self.x0, self.y0, self.x1, self.y1), width, height,
                            self.ui_scale if ui_scale is None else ui_scale)

    def scaled_ui(self, ui_scale: float) -> Viewport:
        return replace(self, ui_scale=ui_scale)

    def as_vector(self, vector: bool = True) -> Viewport:
        return replace(self, vector=vector)

    # ------------------------------------------------------------------ mapping
    def to_px(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Mercator metres to pixel coordinates (origin top left, y down)."""
        px = (np.asarray(x, dtype=np.float64) - self.x0) * self.sx
        py = (self.y1 - np.asarray(y, dtype=np.float64)) * self.sy
        return px, py

    def lonlat_to_px(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        return self.to_px(*lonlat_to_merc(lon, lat))

    def px_to_merc(self, px: npt.ArrayLike, py: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        x = self.x0 + np.asarray(px, dtype=np.float64) / self.sx
        y = self.y1 - np.asarray(py, dtype=np.float64) / self.sy
        return x, y

    def px_to_lonlat(self, px: npt.ArrayLike, py: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        return merc_to_lonlat(*self.px_to_merc(px, py))

    def contains_mask(self, x: FloatArray, y: FloatArray, pad: float = 0.0) -> npt.NDArray[np.bool_]:
        """Which Mercator points fall inside the view, ``pad`` pixels beyond its edge included."""
        dx, dy = pad / self.sx, pad / self.sy
        return (x >= self.x0 - dx) & (x <= self.x1 + dx) & (y >= self.y0 - dy) & (y <= self.y1 + dy)
