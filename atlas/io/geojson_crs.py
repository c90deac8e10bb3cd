"""The legacy GeoJSON ``crs`` member (GeoJSON 2008), honoured with pyproj or refused.

RFC 7946 dropped ``crs``: coordinates are WGS 84 longitude/latitude. Files from older tools still
carry one, and ignoring it is wrong twice over: a Web Mercator (EPSG:3857) file has coordinates in
metres, which every point check then rejects, and an EPSG:4326 URN declares the authority's axis
order, latitude first.

The rules (one place, used by the event and the control-area readers):

* no ``crs``, or a CRS84 name (``urn:ogc:def:crs:OGC:1.3:CRS84``, ``OGC:CRS84``, ...): longitude,
  latitude as RFC 7946 says;
* ``EPSG:NNNN`` (the short form): the traditional GIS order, easting/longitude first, which is how
  the 2008 GeoJSON specification orders positions and how GDAL reads them;
* ``urn:ogc:def:crs:EPSG::NNNN`` or ``http://www.opengis.net/def/crs/EPSG/0/NNNN``: the order the
  EPSG registry defines, so latitude first for EPSG:4326 (the convention of OGC URNs, as in WFS 1.1);
* a geographic system whose declared order puts some latitude outside ±90° while the other order
  fits every point is read in the other order, and the report says so: the data outweighs a label;
* anything pyproj does not know (an unknown code, a ``link`` crs naming a file or a URL, which an
  offline atlas will not fetch) is refused with the name in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_CRS84 = re.compile(r"^(?:urn:ogc:def:crs:OGC:[\d.]*:CRS:?84|OGC:CRS:?84|CRS:?84|"
                    r"https?://www\.opengis\.net/def/crs/OGC/[\d.]+/CRS84)$", re.IGNORECASE)
_EPSG_URN = re.compile(r"^(?:urn:ogc:def:crs:EPSG:[\d.]*:(\d+)|"
                       r"https?://www\.opengis\.net/def/crs/EPSG/[\d.]+/(\d+))$", re.IGNORECASE)
_EPSG_SHORT = re.compile(r"^EPSG:{1,2}(\d+)$", re.IGNORECASE)


class CrsError(ValueError):
    """The ``crs`` member names a system the atlas cannot turn into longitude/latitude."""


@dataclass(frozen=True)
class DeclaredCrs:
    """What a ``crs`` member says: the name as written, the EPSG code (None for CRS84) and whether
    the first coordinate is the northing/latitude (the authority's order of a URN)."""

    name: str
    epsg: int | None
    northing_first: bool

    @property
    def is_wgs84_lonlat(self) -> bool:
        return self.epsg in (None, 4326) and not self.northing_first


def _crs_name(member: Any) -> str | None:
    if isinstance(member, str):
        return member.strip()
    if not isinstance(member, dict):
        raise CrsError(f"the 'crs' member is a {type(member).__name__}, not an object")
    kind = str(member.get("type", "")).lower()
    props = member.get("properties") if isinstance(member.get("properties"), dict) else {}
    if kind == "name" and isinstance(props.get("name"), str):
        return props["name"].strip()
    if kind == "epsg" and props.get("code") is not None:  # the 2007 draft's form
        return f"EPSG:{props['code']}"
    if kind == "link":
        raise CrsError(f"the 'crs' member links to {props.get('href')!r}; an offline atlas does not "
                       "fetch coordinate systems: reproject the file to WGS 84 longitude/latitude")
    return None  # {"type": "name"} and the like: says nothing, so RFC 7946's lon/lat stands


def parse_crs_member(member: Any) -> DeclaredCrs | None:
    """A ``crs`` member as a :class:`DeclaredCrs`, None when it names nothing at all. Raises
    :class:`CrsError` for one that names a system pyproj does not know."""
    name = _crs_name(member)
    if name is None:
        return None
    if _CRS84.match(name):
        return DeclaredCrs(name, None, False)
    m = _EPSG_URN.match(name)
    if m:
        code = int(m.group(1) or m.group(2))
        return DeclaredCrs(name, code, _northing_first(code, name))
    m = _EPSG_SHORT.match(name)
    if m:
        code = int(m.group(1))
        _pyproj_crs(code, name)  # refuse an unknown code here, with the name in the message
        return DeclaredCrs(name, code, False)
    raise CrsError(f"the 'crs' member names {name!r}, which is not CRS84 or an EPSG code; "
                   "reproject the file to WGS 84 longitude/latitude")


def _pyproj_crs(code: int, name: str) -> Any:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCrsError

    try:
        return CRS.from_epsg(code)
    except PyprojCrsError:
        raise CrsError(f"the 'crs' member names {name!r}, a coordinate system pyproj does not know") from None


def _northing_first(code: int, name: str) -> bool:
    axes = _pyproj_crs(code, name).axis_info
    return bool(axes) and axes[0].direction.lower() in ("north", "south")


def to_lonlat(crs: DeclaredCrs, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
              ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]:
    """The positions ``(x, y)`` as written in the file → (longitude, latitude) in WGS 84, with
    notes for the import report. NaN stays NaN (a position that was not a number)."""
    from pyproj import CRS, Transformer

    notes: list[str] = []
    first, second = (y, x) if crs.northing_first else (x, y)  # → easting-first order
    geographic = crs.epsg is None or _pyproj_crs(crs.epsg, crs.name).is_geographic
    if geographic:
        missing = np.isnan(first) | np.isnan(second)
        ok = missing | (np.abs(first) <= 180) & (np.abs(second) <= 90)
        ok_swapped = missing | (np.abs(second) <= 180) & (np.abs(first) <= 90)
        if not ok.all() and ok_swapped.all():
            first, second = second, first
            said = "latitude" if crs.northing_first else "longitude"
            notes.append(f"legacy 'crs' member {crs.name} puts {said} first, but {int((~ok).sum()):,} "
                         "positions only make sense the other way round: read in the other order")
    if crs.epsg in (None, 4326):
        lon, lat = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    else:
        src = _pyproj_crs(crs.epsg, crs.name)
        t = Transformer.from_crs(src, CRS.from_epsg(4326), always_xy=True)
        e, n = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            lon, lat = (np.asarray(v, dtype=np.float64) for v in t.transform(e, n))
            # pyproj wraps longitudes and clamps latitudes of positions far outside the projection
            # (Web Mercator's 1e9 m comes out as a real place): a position that does not come back
            # to itself was never on the map, and is marked for the point check to reject.
            back_e, back_n = (np.asarray(v, dtype=np.float64) for v in
                              t.transform(lon, lat, direction="INVERSE"))
            scale = np.maximum(1.0, np.maximum(np.abs(e), np.abs(n)))
            same = (np.abs(back_e - e) <= 1e-6 * scale) & (np.abs(back_n - n) <= 1e-6 * scale)
        bad = ~(np.isnan(e) | np.isnan(n)) & ~(np.isfinite(lon) & np.isfinite(lat) & same)
        lon[bad] = lat[bad] = np.inf
    if notes:
        return lon, lat, notes
    order = "latitude first" if crs.northing_first else "easting/longitude first"
    notes.append(f"legacy 'crs' member {crs.name} honoured ({order}"
                 + ("" if crs.epsg in (None, 4326) else ", transformed to WGS 84 with pyproj") + ")")
    return lon, lat, notes
