"""Coordinates in a file's own CRS brought to WGS 84 longitude/latitude, for every reader that takes
a CRS from its file (GDAL layers, GeoParquet's ``geo`` metadata, map layers from files): one
decision of what counts as WGS 84 already and one refusal for a CRS pyproj does not know."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .report import InputError

#: ``transform(xs, ys) -> (lons, lats)`` as pyproj's Transformer.transform gives it.
Transform = Callable[[Any, Any], tuple[Any, Any]]


def one_line(exc: BaseException) -> str:
    """An exception's message on one bounded line, so that each refusal is one line."""
    return " ".join(str(exc).split())[:200]


def to_wgs84(crs: Any, path: Path) -> tuple[Transform | None, str]:
    """The transform from ``crs`` (user input, WKT, PROJJSON as a dict) to WGS 84 longitude/latitude
    and the source CRS's name; None when the coordinates already are WGS 84 longitude/latitude (any
    axis order, EPSG:4326, OGC:CRS84 and other spellings of it). A CRS pyproj does not know is
    refused with an InputError naming the file."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        src = CRS.from_json_dict(crs) if isinstance(crs, dict) else CRS.from_user_input(crs)
    except (CRSError, TypeError, ValueError) as exc:
        raise InputError(path, f"coordinates in a CRS pyproj does not know ({one_line(exc)})") from None
    wgs84 = CRS.from_epsg(4326)
    if src.equals(wgs84, ignore_axis_order=True) or src.to_epsg() == 4326:
        return None, src.name
    datum = str(src.datum.name) if src.datum else ""
    if src.is_geographic and src.to_epsg() is None and "WGS" in datum and "84" in datum:
        return None, src.name  # CRS84 and other spellings of WGS 84 longitude/latitude
    return Transformer.from_crs(src, wgs84, always_xy=True).transform, src.name
