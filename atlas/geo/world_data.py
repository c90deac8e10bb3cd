"""The world's land and country outlines (Natural Earth 1:50m), for the map zoomed out.

The bundled file ``data/basemap/world/countries-50m.json`` is the world-atlas package's TopoJSON of
Natural Earth's 1:50m admin-0 countries and land, shipped as it is (data/basemap/world/SOURCES.md).
TopoJSON stores each shared edge once as an *arc*: an arc used by one country is coast, an arc used
by two is a border, so the outlines come out of the file without any overlay of polygons. This
module decodes it into shapely geometries in lon/lat; no Qt here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from .basemap_data import DEFAULT_DATA_DIR

WORLD_FILE = DEFAULT_DATA_DIR / "world" / "countries-50m.json"
ATTRIBUTION = "Natural Earth"
FloatArray = npt.NDArray[np.float64]
#: Points this close to the antimeridian or the south pole lie on the cuts Natural Earth makes
#: there, not on a coast: an outline along them is left out.
_EDGE_LON, _EDGE_LAT = 179.99, -89.9


class WorldDataError(RuntimeError):
    """The world file is missing or not a TopoJSON of countries and land."""


#: ISO 3166 numeric codes (the file's feature ids) of the countries the map themes tint.
ISO_NUMERIC_TO_A3 = {"643": "RUS", "804": "UKR", "112": "BLR"}


@dataclass(frozen=True)
class World:
    """Country polygons (with an ISO A3 code where the themes know one, else ""), coastlines and
    country borders in lon/lat."""

    land: tuple[BaseGeometry, ...]
    iso_a3: tuple[str, ...]
    coast: BaseGeometry  # MultiLineString
    borders: BaseGeometry  # MultiLineString


def decode_arcs(topo: dict[str, Any]) -> list[FloatArray]:
    """The arcs' coordinates in lon/lat: quantized arcs are delta-encoded integers that the
    ``transform`` scales and translates."""
    t = topo.get("transform")
    out: list[FloatArray] = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=np.float64).reshape(-1, 2)
        if t is not None:
            a = np.cumsum(a, axis=0) * np.asarray(t["scale"], np.float64) + np.asarray(t["translate"], np.float64)
        out.append(a)
    return out


def _ring(arcs: list[FloatArray], refs: list[int]) -> FloatArray:
    """One ring from its arc references (``~i``, i.e. ``-i - 1``, is arc i reversed); each arc
    after the first starts where the last ended, so its first point is dropped."""
    parts = []
    for k, ref in enumerate(refs):
        a = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts) if parts else np.zeros((0, 2))


def _unwrap(xy: FloatArray, ref: float | None = None) -> FloatArray:
    """A ring that crosses the antimeridian jumps by ~360° of longitude there: make its longitudes
    continuous (beyond ±180 where it crosses), starting near ``ref`` when given."""
    lon = xy[:, 0]
    d = np.diff(lon)
    d = (d + 180.0) % 360.0 - 180.0
    out = np.empty_like(xy)
    out[0, 0] = lon[0] if ref is None else lon[0] + 360.0 * round((ref - lon[0]) / 360.0)
    out[1:, 0] = out[0, 0] + np.cumsum(d)
    out[:, 1] = xy[:, 1]
    return out


_WORLD_BOX = shapely.box(-180.0, -90.0, 180.0, 90.0)


def _fold(poly: BaseGeometry) -> list[BaseGeometry]:
    """A polygon with longitudes beyond ±180 (it crosses the antimeridian) cut there, the part
    beyond shifted back by 360° (Chukotka to the west of the map, not off its edge)."""
    x0, _, x1, _ = poly.bounds
    if x0 >= -180.0 and x1 <= 180.0:
        return [poly]
    out = []
    for shift in (-360.0, 0.0, 360.0):
        part = shapely.intersection(shapely.affinity.translate(poly, xoff=shift), _WORLD_BOX)
        if not part.is_empty and part.area > 0:
            out.append(part)
    return out


def _polygons(arcs: list[FloatArray], geom: dict[str, Any]) -> list[BaseGeometry]:
    kind = geom.get("type")
    polys = [geom["arcs"]] if kind == "Polygon" else geom.get("arcs", []) if kind == "MultiPolygon" else []
    out: list[BaseGeometry] = []
    for rings in polys:
        coords = [_ring(arcs, r) for r in rings]
        coords = [c for c in coords if len(c) >= 4]
        if not coords:
            continue
        shell = _unwrap(coords[0])
        holes = [_unwrap(c, float(shell[0, 0])) for c in coords[1:]]
        poly = shapely.Polygon(shell, holes)
        if not poly.is_valid:
            # make_valid may add the stray points and lines of a degenerate ring: polygons only
            fixed = shapely.make_valid(poly)
            parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
            if not parts:
                continue
            poly = shapely.union_all(parts)
        out.extend(_fold(poly))
    return out


def _arc_uses(geoms: list[dict[str, Any]], n: int) -> npt.NDArray[np.int64]:
    uses = np.zeros(n, np.int64)
    for g in geoms:
        kind = g.get("type")
        polys = [g["arcs"]] if kind == "Polygon" else g.get("arcs", []) if kind == "MultiPolygon" else []
        for rings in polys:
            for ring in rings:
                for ref in ring:
                    uses[ref if ref >= 0 else ~ref] += 1
    return uses


def _outline_parts(a: FloatArray) -> list[FloatArray]:
    """An arc without its stretches along the antimeridian or the south pole (cuts, not coasts),
    broken where it crosses the antimeridian (a jump of ~360° that would cross the whole map)."""
    on_edge = (np.abs(a[:, 0]) >= _EDGE_LON) | (a[:, 1] <= _EDGE_LAT)
    # A segment with both ends on a cut, or one that jumps across the antimeridian.
    cut = (on_edge[:-1] & on_edge[1:]) | (np.abs(np.diff(a[:, 0])) > 180.0)
    out: list[FloatArray] = []
    start = 0
    for i in np.flatnonzero(cut).tolist():
        if i + 1 - start >= 2:
            out.append(a[start:i + 1])
        start = i + 1
    if len(a) - start >= 2:
        out.append(a[start:])
    return out


def parse_world(topo: dict[str, Any]) -> World:
    objects = topo.get("objects") or {}
    if "countries" not in objects or "arcs" not in topo:
        raise WorldDataError("not a TopoJSON with a 'countries' object")
    arcs = decode_arcs(topo)
    countries = objects["countries"].get("geometries", [])
    land: list[BaseGeometry] = []
    iso: list[str] = []
    for g in countries:
        polys = _polygons(arcs, g)
        land.extend(polys)
        iso.extend([ISO_NUMERIC_TO_A3.get(str(g.get("id", "")), "")] * len(polys))
    uses = _arc_uses(countries, len(arcs))
    coast: list[FloatArray] = []
    borders: list[FloatArray] = []
    for i, n in enumerate(uses.tolist()):
        if n == 0:
            continue
        (coast if n == 1 else borders).extend(_outline_parts(arcs[i]))
    return World(tuple(land), tuple(iso),
                 shapely.MultiLineString(coast), shapely.MultiLineString(borders))


@lru_cache(maxsize=2)
def load_world(path: Path = WORLD_FILE) -> World:
    """The bundled world outlines (cached); raises WorldDataError when they cannot be read."""
    try:
        topo = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorldDataError(f"cannot read the world outlines {path}: {exc}") from None
    if not isinstance(topo, dict) or topo.get("type") != "Topology":
        raise WorldDataError(f"{path} is not a TopoJSON topology")
    return parse_world(topo)
