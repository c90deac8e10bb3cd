"""Water bodies in the ROI and the coarse context layer (country outlines for an overview map).

Water: the OSM 2017 `@geo-maps` maritime polygons minus the land polygons of the same extract leave
the inland water that OSM mapped as area. The geometry is crude (many triangles), so only bodies
of at least MIN_WATER_KM2 whose shape has some substance (>= 8 ring points) AND that lie on a named
WDBII river (within RIVER_KM) are kept; each is named from a short list of reservoirs known to be
there, else "reservoir on the <river>". The build fails if a listed reservoir disappears. Blocky
off-river polygons (tailings ponds near Gubkin and Zheleznogorsk, by their look) are left out.

Context: OSM 2024 country polygons (the same file as the border), cut to the coast with GSHHG land
(level 1) minus lakes (level 2), then simplified as a coverage so neighbours keep shared edges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")
MIN_WATER_KM2 = 1.0
RIVER_KM = 1.0


def geodesic_km2(g: BaseGeometry) -> float:
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6


def geo_maps_union(lines: Iterable[str], a3s: set[str], window: BaseGeometry) -> BaseGeometry:
    """Union of the chosen countries of a @geo-maps file (one feature per line), cut to the window."""
    parts = []
    for line in lines:
        line = line.strip().rstrip(",")
        if not line.startswith('{"type":"Feature"'):
            continue
        f = json.loads(line)
        if f["properties"].get("A3") in a3s:
            g = shapely.geometry.shape(f["geometry"])
            parts.append(shapely.intersection(g, window))
    return shapely.union_all(parts)


@dataclass(frozen=True)
class KnownWater:
    name_en: str
    name_local: str
    lon: float
    lat: float
    note: str


# Reservoirs a kept polygon is matched against (the polygon must contain or lie within 2 km of the
# point). Positions are the representative points of the OSM polygons; the names are from the
# river they dam and the town beside them.
KNOWN_WATER: tuple[KnownWater, ...] = (
    KnownWater("Kurchatov reservoir (Kursk NPP cooling pond)", "Курчатовское водохранилище",
               35.6524, 51.6855, "cooling pond of the Kursk NPP on the Seym at Kurchatov"),
    KnownWater("Belgorod reservoir", "Белгородское водохранилище", 36.7054, 50.4408,
               "on the Siverskyi Donets south of Belgorod"),
    KnownWater("Pechenihy reservoir", "Печенізьке водосховище", 36.9681, 49.9020,
               "on the Siverskyi Donets above the Pechenihy dam (lower part)"),
    KnownWater("Pechenihy reservoir", "Печенізьке водосховище", 36.8875, 50.0030,
               "on the Siverskyi Donets (middle part; the 2017 OSM polygon is cut in pieces)"),
    KnownWater("Pechenihy reservoir", "Печенізьке водосховище", 36.8141, 50.1430,
               "on the Siverskyi Donets near Staryi Saltiv (upper part)"),
    KnownWater("Staryi Oskol reservoir", "Старооскольское водохранилище", 37.7710, 51.4017,
               "on the Oskil above Staryi Oskol"),
)


@dataclass
class WaterBody:
    geom: BaseGeometry
    area_km2: float
    name_en: str
    name_local: str
    note: str


def water_bodies(maritime: BaseGeometry, land: BaseGeometry,
                 rivers: list[tuple[str, BaseGeometry]]) -> tuple[list[WaterBody], list[str]]:
    diff = shapely.difference(maritime, land)
    out: list[WaterBody] = []
    report: list[str] = []
    dropped_small = dropped_crude = 0
    off_river: list[str] = []
    for p in shapely.get_parts(diff):
        if p.geom_type != "Polygon":
            continue
        a = geodesic_km2(p)
        if a < MIN_WATER_KM2:
            dropped_small += 1
            continue
        c = p.representative_point()
        # a triangle or quadrilateral is an artefact of the land/sea cut, not a mapped lake shape
        if len(p.exterior.coords) < 8:
            dropped_crude += 1
            continue
        # ~1 km at 51° N, in degrees of latitude; generous enough for WDBII's ~1 km error
        on = [name for name, g in rivers if p.distance(g) < RIVER_KM / 111.0]
        if not on:
            off_river.append(f"{a:.1f} km² at {c.x:.3f} E {c.y:.3f} N ({len(p.exterior.coords)} pts)")
            continue
        name_en, name_local, note = f"reservoir on the {on[0]}", "", f"on the {on[0]}"
        for k in KNOWN_WATER:
            pt = shapely.Point(k.lon, k.lat)
            if p.contains(pt) or p.distance(pt) < 0.02:
                name_en, name_local, note = k.name_en, k.name_local, k.note
        out.append(WaterBody(p, a, name_en, name_local, note))
    for k in KNOWN_WATER:
        if not any(w.name_en == k.name_en and w.geom.distance(shapely.Point(k.lon, k.lat)) < 0.02
                   for w in out):
            raise RuntimeError(f"water: {k.name_en} not found among the kept polygons")
    report.append(f"water: kept {len(out)} bodies >= {MIN_WATER_KM2} km² with >= 8 ring points on a named "
                  f"river; dropped {dropped_small} smaller, {dropped_crude} crude (<= 4 vertex) shapes and "
                  f"{len(off_river)} off-river bodies")
    for w in sorted(out, key=lambda w: -w.area_km2):
        c = w.geom.representative_point()
        report.append(f"  {w.area_km2:6.1f} km²  {len(w.geom.exterior.coords):3d} pts  "
                      f"{c.x:.3f} E {c.y:.3f} N  {w.name_en}")
    for line in off_river:
        report.append("  left out (not on a mapped river): " + line)
    return out, report


def read_gshhg(meta_text: str, data: bytes, bbox: tuple[float, float, float, float],
               levels: set[int]) -> dict[int, list[Polygon]]:
    """GSHHG polygons of the given levels (1 land, 2 lake) that reach into bbox."""
    x0, y0, x1, y1 = bbox
    out: dict[int, list[Polygon]] = {lv: [] for lv in levels}
    for line in meta_text.splitlines():
        f = line.split()
        if len(f) < 7:
            continue
        lv = int(f[0])
        if lv not in levels or float(f[4]) < y0 or float(f[3]) > y1:
            continue
        a = np.frombuffer(data, dtype="<f4", count=int(f[6]) // 4, offset=int(f[5])).reshape(-1, 2)
        if a[:, 0].max() < x0 or a[:, 0].min() > x1 or len(a) < 4:
            continue
        poly = shapely.make_valid(Polygon(a.astype(np.float64)))
        clipped = shapely.clip_by_rect(poly, x0, y0, x1, y1)
        if not clipped.is_empty:
            out[lv].append(clipped)
    return out


def context_layer(osm: dict[str, BaseGeometry], order: list[str], land: BaseGeometry,
                  bbox: tuple[float, float, float, float], tolerance: float,
                  grid: float) -> dict[str, BaseGeometry]:
    """Countries in bbox, land only, simplified as a coverage. Earlier countries in ``order`` win
    where the OSM polygons overlap (Ukraine first, as in the ROI)."""
    win = box(*bbox)
    taken = shapely.Polygon()
    parts: dict[str, BaseGeometry] = {}
    for a3 in order:
        g = osm.get(a3)
        if g is None:
            continue
        piece = shapely.intersection(shapely.intersection(g, win), land)
        piece = shapely.difference(piece, taken)
        piece = shapely.set_precision(piece, grid)
        polys = [p for p in shapely.get_parts(piece) if p.geom_type == "Polygon"]
        if not polys:
            continue
        piece = shapely.multipolygons(polys)
        parts[a3] = piece
        taken = shapely.union(taken, piece)
    # Overlay results do not share vertices along common edges, and coverage simplification needs
    # edge-matched polygons: node all edges on the grid, re-form the faces and give each face to
    # the country whose piece holds it.
    noded = shapely.union_all([shapely.boundary(g) for g in parts.values()], grid_size=grid)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    owned: dict[str, list[BaseGeometry]] = {k: [] for k in parts}
    for f in faces:
        pt = f.representative_point()
        for k, g in parts.items():
            if g.contains(pt):
                owned[k].append(f)
                break
    keys = [k for k in parts if owned[k]]
    matched = [shapely.union_all(owned[k], grid_size=grid) for k in keys]
    if not shapely.coverage_is_valid(matched):
        raise RuntimeError("context: coverage not edge-matched after noding")
    simplified = shapely.coverage_simplify(matched, tolerance)
    out: dict[str, BaseGeometry] = {}
    for k, g in zip(keys, simplified):
        g = shapely.set_precision(g, grid)
        # drop islets that simplification made tiny: a locator map does not need them
        polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 4 * tolerance ** 2]
        if polys:
            out[k] = shapely.multipolygons(polys)
    return out
