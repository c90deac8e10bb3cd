"""Countries, oblasts and the border as one noded coverage.

The recipe (../shared/reference/basemap-sources.md):
1. Ukraine from OSM 2024 is the master polygon; Russia = window − Ukraine − Belarus. This removes the
   two small topology defects between the OSM country polygons.
2. Natural Earth admin-1 oblasts are clipped to their OSM country; the pieces of a country that no
   oblast of that country covers (NE's border sits ~1.3 km off OSM) are given to the adjacent oblast
   of the same country with which they share the longest edge.
3. All boundaries are noded together on one fixed grid (1e-5°) before faces are formed, so the border
   and the oblast edges share the very same vertices: rounding each layer on its own would leave
   slivers at T-junctions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon
from shapely.geometry.base import BaseGeometry
import shapely.ops
from shapely.ops import linemerge

GRID = 1e-5


@dataclass
class Oblast:
    hasc: str
    country: str  # ISO A3
    name_en: str
    name_local: str
    ne_geom: BaseGeometry  # Natural Earth polygon clipped to the window
    faces: list[int] = field(default_factory=list)
    geom: BaseGeometry | None = None


@dataclass
class Coverage:
    countries: dict[str, BaseGeometry]
    oblasts: list[Oblast]
    border_lines: dict[tuple[str, str], BaseGeometry]  # (A3, A3) sorted -> merged lines
    oblast_lines: list[tuple[str, str, BaseGeometry]]  # (hasc, hasc, lines) within one country
    qa: dict[str, float]


def _lines_of(geom: BaseGeometry) -> list[BaseGeometry]:
    b = shapely.boundary(geom)
    return [g for g in shapely.get_parts(b) if not g.is_empty]


def build_coverage(
    window: Polygon,
    osm_countries: dict[str, BaseGeometry],
    master: str,
    remainder: str,
    ne_oblasts: list[Oblast],
) -> Coverage:
    """``osm_countries`` holds the OSM polygons of the countries other than ``remainder``;
    ``master`` is subtracted first, the others next, and ``remainder`` takes what is left."""
    win = shapely.set_precision(window, GRID)
    countries: dict[str, BaseGeometry] = {}
    taken = shapely.intersection(osm_countries[master], win, grid_size=GRID)
    if not taken.is_empty:
        countries[master] = taken
    for a3, g in osm_countries.items():
        if a3 == master:
            continue
        part = shapely.difference(shapely.intersection(g, win, grid_size=GRID), taken, grid_size=GRID)
        part = _polygonal(part)
        if not part.is_empty:
            countries[a3] = part
            taken = shapely.union(taken, part, grid_size=GRID)
    countries[remainder] = _polygonal(shapely.difference(win, taken, grid_size=GRID))

    # Node every boundary (countries + NE oblasts) together on the grid, then form faces.
    lines: list[BaseGeometry] = []
    for g in countries.values():
        lines += _lines_of(g)
    for ob in ne_oblasts:
        lines += _lines_of(shapely.intersection(ob.ne_geom, win, grid_size=GRID))
    connectors = _tripoint_connectors(countries, ne_oblasts, win)
    lines += connectors
    noded = shapely.union_all(lines, grid_size=GRID)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    faces = [shapely.set_precision(f, GRID) for f in faces]
    faces = [f for f in faces if not f.is_empty and f.area > 0]
    pts = [f.representative_point() for f in faces]

    # Country of each face (faces never straddle a country edge: those edges were noded in).
    country_of: list[str] = []
    for p in pts:
        owner = [a3 for a3, g in countries.items() if g.contains(p)]
        if len(owner) != 1:
            raise RuntimeError(f"face at {p.wkt} lies in {owner} countries")
        country_of.append(owner[0])

    # Direct assignment: the face lies in exactly one NE oblast of its own country.
    owner_of: list[int | None] = []
    for p, c in zip(pts, country_of):
        hits = [i for i, ob in enumerate(ne_oblasts) if ob.country == c and ob.ne_geom.contains(p)]
        owner_of.append(hits[0] if len(hits) == 1 else None)
    n_direct = sum(o is not None for o in owner_of)

    # Leftover slivers: give each to the same-country neighbour oblast with the longest shared edge;
    # repeat because a sliver may touch only other slivers at first.
    tree = shapely.STRtree(faces)
    sliver_area = 0.0
    pending = [i for i, o in enumerate(owner_of) if o is None]
    for i in pending:
        sliver_area += faces[i].area
    while pending:
        progress = False
        still: list[int] = []
        for i in pending:
            shared: dict[int, float] = {}
            for j in tree.query(faces[i], predicate="touches"):
                oj = owner_of[j]
                if oj is None or country_of[j] != country_of[i]:
                    continue
                length = shapely.intersection(faces[i].boundary, faces[j].boundary).length
                if length > 0:
                    shared[oj] = shared.get(oj, 0.0) + length
            if shared:
                owner_of[i] = max(shared, key=lambda k: shared[k])
                progress = True
            else:
                still.append(i)
        if not progress:
            raise RuntimeError(f"{len(still)} faces have no same-country oblast neighbour")
        pending = still

    for i, o in enumerate(owner_of):
        assert o is not None
        ne_oblasts[o].faces.append(i)
    oblasts = [ob for ob in ne_oblasts if ob.faces]
    for ob in oblasts:
        ob.geom = _polygonal(shapely.union_all([faces[i] for i in ob.faces], grid_size=GRID))

    # Countries re-made from their oblasts: identical to the noded country polygons, same vertices.
    final_countries: dict[str, BaseGeometry] = {}
    for a3 in countries:
        parts = [ob.geom for ob in oblasts if ob.country == a3]
        if parts:
            final_countries[a3] = _polygonal(shapely.union_all(parts, grid_size=GRID))

    border_lines: dict[tuple[str, str], BaseGeometry] = {}
    oblast_lines: list[tuple[str, str, BaseGeometry]] = []
    for i, a in enumerate(oblasts):
        for b in oblasts[i + 1:]:
            if not a.geom.intersects(b.geom):
                continue
            shared = _merged_lines(shapely.intersection(a.geom.boundary, b.geom.boundary))
            if shared is None:
                continue
            if a.country != b.country:
                key = tuple(sorted((a.country, b.country)))
                prev = border_lines.get(key)  # type: ignore[arg-type]
                border_lines[key] = shared if prev is None else _merged_lines(  # type: ignore[index]
                    shapely.union(prev, shared, grid_size=GRID))
            else:
                oblast_lines.append((a.hasc, b.hasc, shared))

    qa = {
        "faces": float(len(faces)),
        "faces_direct": float(n_direct),
        "sliver_faces": float(len(faces) - n_direct),
        "sliver_area_deg2": sliver_area,
    }
    return Coverage(final_countries, oblasts, border_lines, oblast_lines, qa)


def _tripoint_connectors(
    countries: dict[str, BaseGeometry], ne_oblasts: list[Oblast], win: BaseGeometry
) -> list[BaseGeometry]:
    """Where an NE internal oblast line stops short of the OSM border (NE's border lies inside
    the OSM country there), draw it on to the nearest point of the OSM border.

    Without this, the sliver between the two borders would go whole to one oblast and move the
    oblast tripoint along the border by the sliver's length (up to a few km)."""
    out: list[BaseGeometry] = []
    for a3, cgeom in countries.items():
        own = [ob for ob in ne_oblasts if ob.country == a3]
        if len(own) < 2:
            continue
        ne_outline = shapely.union_all([ob.ne_geom for ob in own]).boundary
        cbound = cgeom.boundary
        for i, a in enumerate(own):
            for b in own[i + 1:]:
                shared = shapely.intersection(a.ne_geom.boundary, b.ne_geom.boundary)
                shared = shapely.line_merge(shapely.union_all(
                    [g for g in shapely.get_parts(shared) if g.geom_type != "Point"]))
                for part in shapely.get_parts(shared):
                    if part.is_empty or part.geom_type != "LineString":
                        continue
                    for xy in (part.coords[0], part.coords[-1]):
                        p = shapely.Point(xy)
                        if p.distance(ne_outline) > 1e-7 or p.distance(win.boundary) < 1e-7:
                            continue  # an inner NE tripoint, or the window edge
                        if not cgeom.contains(p) or p.distance(cbound) < 2 * GRID:
                            continue  # the NE line already reaches or crosses the OSM border
                        q = shapely.ops.nearest_points(cbound, p)[0]
                        if p.distance(q) > 0.1:
                            continue  # too far to be an offset border; leave it to the sliver rule
                        dx, dy = q.x - p.x, q.y - p.y
                        d = (dx * dx + dy * dy) ** 0.5
                        # run on 1e-4 degrees past the border so noding on the grid certainly cuts it;
                        # the overshoot is a dangle, which polygonize ignores.
                        end = (q.x + dx / d * 1e-4, q.y + dy / d * 1e-4)
                        out.append(LineString([xy, end]))
    return out


def _polygonal(g: BaseGeometry) -> BaseGeometry:
    """Keep only the polygon parts of an overlay result (drop stray lines and points)."""
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    out = shapely.multipolygons(parts) if len(parts) > 1 else parts[0]
    return out


def _merged_lines(g: BaseGeometry) -> BaseGeometry | None:
    lines = [p for p in shapely.get_parts(g) if p.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        return None
    merged = linemerge(MultiLineString([ln for l in lines for ln in shapely.get_parts(l)]))
    return merged


def coverage_checks(polys: list[BaseGeometry]) -> dict[str, float]:
    """Overlap and gap figures for a set of polygons meant to tile their union."""
    overlap = 0.0
    tree = shapely.STRtree(polys)
    for i, p in enumerate(polys):
        for j in tree.query(p, predicate="intersects"):
            if j > i:
                overlap += shapely.intersection(p, polys[j]).area
    union = shapely.union_all(polys)
    return {
        "valid": float(all(p.is_valid for p in polys)),
        "overlap_area_deg2": overlap,
        "sum_area_deg2": float(np.sum([p.area for p in polys])),
        "union_area_deg2": union.area,
    }

