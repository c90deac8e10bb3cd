"""Coordinate formatting for the status bar and copy-to-clipboard."""

from __future__ import annotations


def format_dd(lon: float, lat: float, decimals: int = 5) -> str:
    """Decimal degrees, latitude first as analysts read them: ``51.19140° N, 35.27060° E``."""
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.{decimals}f}° {ns}, {abs(lon):.{decimals}f}° {ew}"


def _dms(value: float, pos: str, neg: str) -> str:
    hemi = pos if value >= 0 else neg
    v = abs(value)
    d = int(v)
    m_full = (v - d) * 60
    m = int(m_full)
    s = (m_full - m) * 60
    if round(s, 1) >= 60.0:
        s = 0.0
        m += 1
    if m >= 60:
        m = 0
        d += 1
    return f"{d}°{m:02d}′{s:04.1f}″{hemi}"


def format_dms(lon: float, lat: float) -> str:
    """Degrees, minutes, seconds: ``51°11′29.0″N 35°16′14.2″E``."""
    return f"{_dms(lat, 'N', 'S')} {_dms(lon, 'E', 'W')}"
