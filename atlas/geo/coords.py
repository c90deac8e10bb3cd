"""Coordinate formatting for the status bar and copy-to-clipboard: decimal degrees, DMS, MGRS."""

from __future__ import annotations

import math


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


# ---------------------------------------------------------------------------- MGRS
# MGRS from UTM (pyproj, WGS84), following NGA.SIG.0012 (the "AA" lettering scheme for WGS84):
# zone and latitude band, then a 100 km square named by a column letter (which repeats every three
# zones) and a row letter (offset by five in even zones), then easting/northing truncated — not
# rounded — to the precision asked for (MGRS names the square the point lies in).
_BANDS = "CDEFGHJKLMNPQRSTUVWXX"  # 8° bands from 80° S; X is 12° tall (72–84° N)
_COL_SETS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")
_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"


def utm_zone(lon: float, lat: float) -> int:
    """UTM zone number, with the Norway (32V) and Svalbard (31X–37X) exceptions."""
    zone = int((lon + 180.0) // 6.0) + 1
    if zone > 60:
        zone = 60
    if 56.0 <= lat < 64.0 and 3.0 <= lon < 12.0:
        return 32
    if 72.0 <= lat <= 84.0 and lon >= 0.0:
        if lon < 9.0:
            return 31
        if lon < 21.0:
            return 33
        if lon < 33.0:
            return 35
        if lon < 42.0:
            return 37
    return zone


def _utm_cached_impl(zone: int, north: bool) -> object:
    from pyproj import Transformer

    epsg = (32600 if north else 32700) + zone
    return Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)


_UTM_CACHE: dict[tuple[int, bool], object] = {}


def _utm_cached(zone: int, north: bool) -> object:
    key = (zone, north)
    t = _UTM_CACHE.get(key)
    if t is None:
        t = _utm_cached_impl(zone, north)
        _UTM_CACHE[key] = t
    return t


def to_mgrs(lon: float, lat: float, precision: int = 5) -> str:
    """MGRS reference, e.g. ``36UXB5866173560`` (precision 5 = 1 m; 4 = 10 m; … 0 = 100 km).

    Raises ValueError outside the UTM part of MGRS (south of 80° S or north of 84° N: UPS) or for
    a non-finite coordinate."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError("no MGRS for a non-finite coordinate")
    if not -80.0 <= lat <= 84.0:
        raise ValueError(f"latitude {lat:.4f} is outside the UTM area of MGRS (80° S to 84° N)")
    if not 0 <= precision <= 5:
        raise ValueError("MGRS precision is 0 to 5 digits")
    lon = ((lon + 180.0) % 360.0) - 180.0
    zone = utm_zone(lon, lat)
    band = _BANDS[min(int((lat + 80.0) // 8.0), len(_BANDS) - 1)]
    easting, northing = _utm_cached(zone, lat >= 0).transform(lon, lat)  # type: ignore[attr-defined]
    col_letters = _COL_SETS[(zone - 1) % 3]
    col = col_letters[int(easting // 100_000) - 1]
    row_offset = 5 if zone % 2 == 0 else 0
    row = _ROW_LETTERS[(int(northing // 100_000) + row_offset) % 20]
    e = int(math.floor(easting)) % 100_000
    n = int(math.floor(northing)) % 100_000
    div = 10 ** (5 - precision)
    digits = f"{e // div:0{precision}d}{n // div:0{precision}d}" if precision else ""
    return f"{zone:02d}{band}{col}{row}{digits}"


def format_mgrs(lon: float, lat: float, precision: int = 5) -> str:
    """MGRS spaced for reading: ``36U XB 58661 73560``; "—" where MGRS has no UTM reference."""
    try:
        ref = to_mgrs(lon, lat, precision)
    except ValueError:
        return "—"
    gzd = ref[:3]
    sq = ref[3:5]
    d = ref[5:]
    half = len(d) // 2
    return f"{gzd} {sq} {d[:half]} {d[half:]}".strip()


def format_cursor(lon: float, lat: float) -> str:
    """The status bar's cursor text: decimal degrees · DMS · MGRS."""
    return f"{format_dd(lon, lat)}  ·  {format_dms(lon, lat)}  ·  {format_mgrs(lon, lat)}"


COORD_FORMATS = {"dd": format_dd, "dms": format_dms, "mgrs": format_mgrs}
