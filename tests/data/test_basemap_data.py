"""Checks on the COMMITTED basemap files in data/basemap (no network, no ../shared)."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, box
from shapely.ops import nearest_points

from atlas.geo.basemap_data import ATTRIBUTION, Basemap, BasemapError, load_basemap

DATA = Path(__file__).resolve().parents[2] / "data" / "basemap"
GEOD = Geod(ellps="WGS84")
SUDZHA = (35.2706, 51.1914)  # lon, lat: en.wikipedia infobox


@pytest.fixture(scope="module")
def bm() -> Basemap:
    return load_basemap()


def geodesic_km_to(geom, lon: float, lat: float) -> float:
    """Shortest geodesic distance from a point to a geometry: find the nearest point where distances
    from the point are true (azimuthal equidistant projection centred on it), measure with Geod."""
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84"
    t = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    g = shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    q = nearest_points(g, Point(0, 0))[0]
    qlon, qlat = t.transform(q.x, q.y, direction="INVERSE")
    return GEOD.inv(lon, lat, qlon, qlat)[2] / 1000.0


def segments(geom) -> set[frozenset]:
    out: set[frozenset] = set()
    for part in shapely.get_parts(shapely.boundary(geom) if geom.geom_type.endswith("Polygon") else geom):
        for line in shapely.get_parts(part):
            cs = [tuple(c) for c in shapely.get_coordinates(line).tolist()]
            out.update(frozenset(s) for s in pairwise(cs) if s[0] != s[1])
    return out


def test_committed_files_are_small_enough() -> None:
    total = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert total < 1.5 * 1024 * 1024, f"data/basemap holds {total / 1024:.0f} KB"


def test_coordinates_have_at_most_five_decimals() -> None:
    for p in DATA.glob("*.geojson"):
        coords_text = re.findall(r'"coordinates":(\[[^"]*\])', p.read_text(encoding="utf-8"))
        assert coords_text, p.name
        for text in coords_text:
            assert not re.search(r"\d\.\d{6,}", text), f"{p.name} has a coordinate with > 5 decimals"


def test_loader_returns_frozen_layers_and_caches(bm: Basemap) -> None:
    assert load_basemap() is bm
    with pytest.raises(dataclasses.FrozenInstanceError):
        bm.roi = (0, 0, 1, 1)  # type: ignore[misc]
    assert bm.roi == (32.5, 49.8, 38.5, 52.8)
    assert bm.context_bbox[0] < bm.roi[0] and bm.context_bbox[3] > bm.roi[3]
    s = bm.settlements
    assert s.lon.dtype == np.float64 and s.population.dtype == np.int64 and s.approximate.dtype == bool
    assert len(s) == len(s.names) == len(s.names_local) == s.lon.size == s.geonameid.size
    assert np.all(np.diff(s.population) <= 0), "settlements are sorted by population, largest first"
    assert s.names[0] == "Kharkiv" or s.population[0] > 400_000
    assert bm.attribution == ATTRIBUTION
    for word in ("OpenStreetMap", "ODbL", "Natural Earth", "GeoNames", "CC BY 4.0", "GSHHG", "LGPL"):
        assert word in ATTRIBUTION


def test_loader_reports_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(BasemapError, match="missing"):
        load_basemap(tmp_path)
    for f in DATA.glob("*.geojson"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "rivers.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(BasemapError, match="rivers.geojson"):
        load_basemap(tmp_path)


def test_oblasts_form_a_valid_coverage_equal_to_the_countries(bm: Basemap) -> None:
    obl = list(bm.oblasts.geoms)
    assert len(obl) >= 8
    assert all(g.is_valid for g in obl)
    assert shapely.coverage_is_valid(obl)
    for i, a in enumerate(obl):
        for b in obl[i + 1:]:
            assert shapely.intersection(a, b).area == 0.0
    union = shapely.union_all(obl)
    countries = shapely.union_all(list(bm.countries.geoms))
    assert shapely.symmetric_difference(union, countries).area < 1e-12
    assert shapely.symmetric_difference(countries, box(*bm.roi)).area < 1e-12
    # each country is exactly the union of its own oblasts
    for g, a3 in zip(bm.countries.geoms, bm.countries["iso_a3"]):
        own = [o for o, c in zip(obl, bm.oblasts["country"]) if c == a3]
        assert shapely.symmetric_difference(g, shapely.union_all(own)).area < 1e-12, a3
    assert set(bm.oblasts["hasc"]) >= {"RU.KS", "RU.BL", "RU.BR", "UA.SM", "UA.KK", "UA.CH"}
    assert all(re.search("[а-яА-Яіє]", n) for n in bm.oblasts["name_local"])


def test_border_is_the_shared_oblast_edge_vertex_for_vertex(bm: Basemap) -> None:
    i = bm.border.find("countries", ["RUS", "UKR"])
    assert len(i) == 1
    border = bm.border.geoms[i[0]]
    bseg = segments(border)
    assert len(bseg) > 3000
    by_hasc = dict(zip(bm.oblasts["hasc"], bm.oblasts.geoms))
    ru = {h: segments(g) for h, g in by_hasc.items() if h.startswith("RU.")}
    ua = {h: segments(g) for h, g in by_hasc.items() if h.startswith("UA.")}
    ru_all = set().union(*ru.values())
    ua_all = set().union(*ua.values())
    # every border segment is an edge of a Russian and of a Ukrainian oblast, with the same vertices
    assert bseg <= ru_all and bseg <= ua_all
    # and every edge shared by a Russian and a Ukrainian oblast is border
    shared = ru_all & ua_all
    assert shared == bseg
    for r, u in (("RU.KS", "UA.SM"), ("RU.BR", "UA.SM"), ("RU.BL", "UA.SM"), ("RU.BL", "UA.KK"),
                 ("RU.BR", "UA.CH")):
        common = ru[r] & ua[u]
        assert len(common) > 50, (r, u)
        assert common <= bseg
    # oblast lines never run along the international border
    for g in bm.oblast_lines.geoms:
        assert not (segments(g) & bseg)


def test_sudzha_is_about_nine_km_from_the_border(bm: Basemap) -> None:
    border = shapely.union_all(list(bm.border.geoms))
    d = geodesic_km_to(border, *SUDZHA)
    assert 8.5 <= d <= 9.5, d
    rus = bm.countries.geoms[bm.countries.find("iso_a3", "RUS")[0]]
    assert rus.contains(Point(SUDZHA))


def test_every_settlement_lies_in_its_country_and_oblast(bm: Basemap) -> None:
    s = bm.settlements
    countries = dict(zip(bm.countries["iso_a3"], bm.countries.geoms))
    oblasts = dict(zip(bm.oblasts["hasc"], bm.oblasts.geoms))
    pts = shapely.points(s.lon, s.lat)
    for i, p in enumerate(pts):
        assert countries[s.country[i]].covers(p), (s.names[i], s.country[i])
        assert oblasts[s.admin1_hasc[i]].covers(p), (s.names[i], s.admin1_hasc[i])
    counts = {c: s.country.count(c) for c in set(s.country)}
    assert counts["RUS"] >= 100 and counts["UKR"] >= 300


def test_settlement_fixes_and_frontline_villages(bm: Basemap) -> None:
    s = bm.settlements
    lgov = [i for i, n in enumerate(s.names) if "gov" in n and n.startswith("L")]
    assert len(lgov) == 1, [s.names[i] for i in lgov]
    i = lgov[0]
    assert s.names[i] == "Lgov" and s.names_local[i] == "Льгов"
    assert abs(s.lat[i] - 51.6667) < 0.01 and abs(s.lon[i] - 35.2667) < 0.01
    for name in ("Malaya Loknya", "Martynovka", "Plekhovo", "Karyzh", "Zaoleshenka", "Guyevo", "Sudzha",
                 "Korenevo", "Glushkovo"):
        assert name in s.names, name
    sudzha = s.names.index("Sudzha")
    assert s.names_local[sudzha] == "Суджа" and s.country[sudzha] == "RUS"
    assert s.admin1[sudzha] == "Kursk Oblast"
    assert s.names_local[s.names.index("Sumy")] == "Суми"
    # GeoNames' city sections (Sumy's two raions, Kharkiv's Saltivka, KTZ ...) are dropped: no second
    # large "town" sits inside a city
    for city in ("Sumy", "Kharkiv", "Kursk", "Belgorod"):
        c = s.names.index(city)
        km = np.hypot((s.lon - s.lon[c]) * 70.0, (s.lat - s.lat[c]) * 111.2)
        inside = [s.names[i] for i in np.nonzero((km < 8) & (s.population >= 20_000))[0] if i != c]
        assert not inside, (city, inside)


def test_every_override_has_a_source_and_a_flag(bm: Basemap) -> None:
    with (DATA / "settlement_overrides.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for r in rows:
        assert r["source"].strip(), r
        assert r["approximate"] in ("true", "false"), r
        if r["approximate"] == "true" and r["action"] == "add":
            assert r["source"].startswith("ESTIMATED") or "approximate" in r["note"].lower() or \
                "not the village" in r["note"] or "selsoviet" in r["note"], r
    s = bm.settlements
    for i in range(len(s)):
        assert s.source[i], s.names[i]
    approx = {s.names[i] for i in np.nonzero(s.approximate)[0]}
    assert {"Kazachya Loknya", "Oleshnya", "Berdin"} <= approx
    assert "Sudzha" not in approx
    raw = json.loads((DATA / "settlements.geojson").read_text(encoding="utf-8"))
    assert all(isinstance(f["properties"]["approximate"], bool) for f in raw["features"])


def test_rivers_are_named_flagged_and_where_they_belong(bm: Basemap) -> None:
    r = bm.rivers
    names = set(r["name_en"])
    assert {"Seym", "Desna", "Siverskyi Donets", "Oskil", "Psel", "Vorskla", "Sudzha"} <= names
    for i in range(len(r)):
        assert isinstance(r["approximate"][i], bool)
        assert r["basis"][i] and r["source"][i] and r["name_local"][i]
    for n in ("Psel", "Vorskla", "Sudzha"):
        assert all(r["approximate"][i] for i in r.find("name_en", n)), n
    assert not any(r["approximate"][i] for i in r.find("name_en", "Seym"))
    seym = shapely.union_all([r.geoms[i] for i in r.find("name_en", "Seym")])
    for town, lon, lat in (("Glushkovo", 34.6328, 51.3392), ("Tetkino", 34.2792, 51.2792),
                           ("Kurchatov", 35.6521, 51.6601), ("Rylsk", 34.6822, 51.5655)):
        assert geodesic_km_to(seym, lon, lat) < 2.5, town
    sudzha_river = shapely.union_all([r.geoms[i] for i in r.find("name_en", "Sudzha")])
    assert geodesic_km_to(sudzha_river, *SUDZHA) < 0.5
    psel = shapely.union_all([r.geoms[i] for i in r.find("name_en", "Psel")])
    assert geodesic_km_to(psel, 34.79906, 50.91741) < 0.5  # Sumy


def test_water_and_context(bm: Basemap) -> None:
    names = bm.water["name_en"]
    k = [i for i, n in enumerate(names) if n.startswith("Kurchatov reservoir")]
    assert len(k) == 1
    pond = bm.water.geoms[k[0]]
    assert abs(GEOD.geometry_area_perimeter(pond)[0]) / 1e6 > 10
    assert pond.distance(Point(35.6521, 51.6601)) < 0.05  # beside Kurchatov
    assert all(a >= 1.0 for a in bm.water["area_km2"])
    ctx = dict(zip(bm.context["iso_a3"], bm.context.geoms))
    assert {"UKR", "RUS", "BLR", "POL"} <= set(ctx)
    assert all(g.is_valid for g in ctx.values())
    assert ctx["UKR"].contains(Point(34.8, 50.9)) and ctx["RUS"].contains(Point(36.19, 51.73))
