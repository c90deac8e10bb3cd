"""Which extent "all the events" should show.

A few far-off events (a Russian claim about Vuhledar in Donetsk, talks in Jeddah) would otherwise
shrink the Kursk theatre to a few pixels. The main extent keeps every event within reach of the
bulk (the 5–95 % quantile box grown by half its size) and drops only true outliers; "every event"
is still one shortcut away.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def main_extent(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[float, float, float, float] | None:
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    if lon.size == 0:
        return None
    if lon.size < 10:
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())
    x0, x1 = np.quantile(lon, [0.05, 0.95])
    y0, y1 = np.quantile(lat, [0.05, 0.95])
    gx, gy = max(x1 - x0, 0.2) * 0.5, max(y1 - y0, 0.1) * 0.5
    keep = (lon >= x0 - gx) & (lon <= x1 + gx) & (lat >= y0 - gy) & (lat <= y1 + gy)
    lon, lat = lon[keep], lat[keep]
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def full_extent(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[float, float, float, float] | None:
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return None
    return float(lon[ok].min()), float(lat[ok].min()), float(lon[ok].max()), float(lat[ok].max())
