"""Which extent "all the events" should show.

A few far-off events (a Russian claim about Vuhledar in Donetsk, talks in Jeddah) would otherwise
shrink the Kursk theatre to a few pixels. The main extent keeps every event within reach of the
bulk (the 5–95 % quantile box grown by half its size) and drops only true outliers; "every event"
is still one shortcut away.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def quantiles(values: npt.NDArray[np.float64], qs: tuple[float, ...]) -> list[float]:
    """``np.quantile(values, qs)`` of finite ``values`` with 0 <= q < 1: the same numbers (its
    default method, "linear", with the same arithmetic: the lerp from the nearer end), found by one
    ``np.partition``. np.quantile calls np.unique, whose first call imports numpy.ma (10-25 ms of
    every start: the window zooms to the events before its first paint)."""
    n = values.size
    virtual = (n - 1) * np.asarray(qs, dtype=np.float64)
    below = np.floor(virtual)
    lo = below.astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    part = np.partition(values, sorted({*lo.tolist(), *hi.tolist()}))
    a, b = part[lo], part[hi]
    gamma = virtual - below
    diff = b - a
    out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return [float(v) for v in out]


def main_extent(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[float, float, float, float] | None:
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    if lon.size == 0:
        return None
    if lon.size < 10:
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())
    x0, x1 = quantiles(lon, (0.05, 0.95))
    y0, y1 = quantiles(lat, (0.05, 0.95))
    gx, gy = max(x1 - x0, 0.2) * 0.5, max(y1 - y0, 0.1) * 0.5
    keep = (lon >= x0 - gx) & (lon <= x1 + gx) & (lat >= y0 - gy) & (lat <= y1 + gy)
    lon, lat = lon[keep], lat[keep]
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def full_extent(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[float, float, float, float] | None:
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return None
    return float(lon[ok].min()), float(lat[ok].min()), float(lon[ok].max()), float(lat[ok].max())
