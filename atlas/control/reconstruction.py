"""An APPROXIMATE reconstruction of the Ukrainian-held area in Kursk oblast from a dated table of
settlements reported under Ukrainian control. It is a geometric guess, not a survey.

Method (documented in data/control/SOURCES.md; ``tools/build_control_reconstruction.py`` runs it):

1. A settlement counts as held on date D when ``held_from <= D < held_until`` (the until date is
   the first day it was reported lost) and it has a coordinate (``use_in_geometry``).
2. Each held settlement's point is buffered by ``BUFFER_KM`` (4 km) in an azimuthal equidistant
   projection centred on the salient, so the radius is true on the ground.
3. The buffers are merged and wrapped by ``shapely.concave_hull`` (ratio ``HULL_RATIO``) of their
   vertices, and the buffers are added back (the hull never cuts a settlement's disc).
4. The result is projected back to lon/lat and clipped to Kursk oblast from the bundled basemap
   (so nothing spills across the border into Sumy oblast).

4 km and 0.35 are choices, not findings: :func:`area_range` recomputes each date with every buffer
of :data:`BUFFER_CHOICES_KM` and every ratio of :data:`HULL_RATIO_CHOICES`, and the chart draws the
model as the band between the smallest and the largest area, never as one line. On the map the
same choices give :func:`envelope_on`: the area every choice holds (inner) and the area any choice
holds (outer), drawn as the model's range instead of the one central polygon.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Point, mapping
from shapely.geometry.base import BaseGeometry

from .model import (
    EMPTY,
    MODEL_RANGE_PARTS,
    MODEL_RANGE_TEXT,
    ControlSnapshot,
    ModelEnvelope,
    geodesic_area_km2,
    km2_to_sq_mi,
    polygonal,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "control"
SETTLEMENTS_CSV = DATA_DIR / "ua_held_settlements.csv"
RECONSTRUCTION = DATA_DIR / "reconstruction.geojson"

BUFFER_KM = 4.0
HULL_RATIO = 0.35
CENTRE = (35.2, 51.2)  # lon, lat of the projection centre (the Sudzha salient)
DATES: tuple[str, ...] = ("2024-08-15", "2024-08-27", "2024-10-01", "2024-12-01", "2025-01-15",
                          "2025-02-15", "2025-03-08", "2025-03-13", "2025-03-20", "2025-04-26")
#: The parameter choices whose spread is the model's range on the chart.
BUFFER_CHOICES_KM: tuple[float, ...] = (3.0, 4.0, 5.0)
HULL_RATIO_CHOICES: tuple[float, ...] = (0.2, 0.35, 0.5)
LABEL = "approximate reconstruction, not a survey"
SOURCE = "Kursk Atlas reconstruction from data/control/ua_held_settlements.csv (dated, sourced settlements)"


@dataclass(frozen=True)
class HeldSettlement:
    name: str
    lon: float | None
    lat: float | None
    held_from: dt.date
    held_until: dt.date | None
    coord_approximate: bool
    use_in_geometry: bool
    sources: str

    def held_on(self, day: dt.date) -> bool:
        return self.held_from <= day and (self.held_until is None or day < self.held_until)


def _date(text: str) -> dt.date | None:
    text = (text or "").strip()
    return dt.date.fromisoformat(text) if text else None


def load_settlements(path: Path = SETTLEMENTS_CSV) -> list[HeldSettlement]:
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            try:
                start = _date(row["held_from"])
                if start is None:
                    raise ValueError("held_from is empty")
                out.append(HeldSettlement(
                    name=row["name"],
                    lon=float(row["lon"]) if row["lon"].strip() else None,
                    lat=float(row["lat"]) if row["lat"].strip() else None,
                    held_from=start,
                    held_until=_date(row["held_until"]),
                    coord_approximate=row["coord_approximate"].strip().lower() == "true",
                    use_in_geometry=row["use_in_geometry"].strip().lower() == "true",
                    sources=row["sources"],
                ))
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}: line {i}: {exc}") from None
    return out


@lru_cache(maxsize=1)
def _transformers() -> tuple[Transformer, Transformer]:
    aeqd = f"+proj=aeqd +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m +no_defs"
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inv = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    return fwd, inv


def held_area(points: list[tuple[float, float]], clip: BaseGeometry | None,
              buffer_km: float = BUFFER_KM, ratio: float = HULL_RATIO) -> BaseGeometry:
    """Steps 2-4 of the method for lon/lat ``points``."""
    if not points:
        return EMPTY
    fwd, inv = _transformers()
    discs = shapely.union_all([
        shapely.transform(Point(p), fwd.transform, interleaved=False).buffer(buffer_km * 1000, 32)
        for p in points])
    verts = shapely.get_coordinates(discs)
    hull = shapely.concave_hull(MultiPoint(verts), ratio=ratio) if len(points) > 1 else discs
    area = shapely.union_all([hull, discs])
    lonlat = shapely.transform(area, inv.transform, interleaved=False)
    if clip is not None:
        lonlat = shapely.intersection(lonlat, clip)
    return polygonal(lonlat)


@dataclass(frozen=True)
class ModelRange:
    """The reconstruction's area on one date: its central parameter choice and the smallest and
    largest over :data:`BUFFER_CHOICES_KM` × :data:`HULL_RATIO_CHOICES` (km², geodesic)."""

    day: dt.date
    low_km2: float
    central_km2: float
    high_km2: float


def _held_points(rows: list[HeldSettlement], day: dt.date) -> list[tuple[float, float]]:
    return [(r.lon, r.lat) for r in rows  # type: ignore[misc]
            if r.use_in_geometry and r.lon is not None and r.lat is not None and r.held_on(day)]


def _choice_areas(rows: list[HeldSettlement], day: dt.date, clip: BaseGeometry | None) -> list[BaseGeometry]:
    """The held area on ``day`` under every parameter choice, the central one included."""
    points = _held_points(rows, day)
    return [held_area(points, clip, b, r) for b in BUFFER_CHOICES_KM for r in HULL_RATIO_CHOICES] + [
        held_area(points, clip)]


def area_range(rows: list[HeldSettlement], day: dt.date, clip: BaseGeometry | None) -> ModelRange:
    """The model's area on ``day`` under each of its parameter choices (see :class:`ModelRange`)."""
    areas = [geodesic_area_km2(g) for g in _choice_areas(rows, day, clip)]
    return ModelRange(day, min(areas), areas[-1], max(areas))


def envelope_on(rows: list[HeldSettlement], day: dt.date, clip: BaseGeometry | None) -> ModelEnvelope:
    """The model's range on the map: what every parameter choice holds on ``day`` (inner) and what
    at least one holds (outer)."""
    geoms = [g for g in _choice_areas(rows, day, clip) if not g.is_empty]
    if not geoms:
        return ModelEnvelope(EMPTY, EMPTY)
    inner = geoms[0]
    for g in geoms[1:]:
        inner = shapely.intersection(inner, g)
    return ModelEnvelope(polygonal(inner), polygonal(shapely.union_all(geoms)))


@lru_cache(maxsize=8)
def bundled_ranges(region_key: str | None = None) -> tuple[ModelRange, ...]:
    """The bundled model's range on each of its dates, inside Kursk oblast and, with ``region_key``
    (a :mod:`atlas.control.regions` key), inside that region too."""
    from .regions import region_geometry

    clip = region_geometry("kursk")
    if region_key:
        clip = shapely.intersection(clip, region_geometry(region_key))
    rows = load_settlements()
    return tuple(area_range(rows, dt.date.fromisoformat(d), clip) for d in DATES)


def snapshot_on(rows: list[HeldSettlement], day: dt.date, clip: BaseGeometry | None) -> ControlSnapshot:
    held = [r for r in rows if r.use_in_geometry and r.lon is not None and r.lat is not None and r.held_on(day)]
    geom = held_area(_held_points(rows, day), clip)
    names = ", ".join(r.name for r in held) or "none"
    return ControlSnapshot(day, {"ukrainian": geom} if not geom.is_empty else {}, SOURCE, LABEL,
                           approximate=True, notes=(f"settlements held: {names}",),
                           envelope=envelope_on(rows, day, clip))


def _geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    if geom.is_empty:
        return {"type": "MultiPolygon", "coordinates": []}
    return mapping(shapely.set_precision(geom, 1e-5))  # type: ignore[no-any-return]


def build(rows: list[HeldSettlement], dates: tuple[str, ...] = DATES,
          clip: BaseGeometry | None = None) -> dict[str, Any]:
    """The reconstruction as a GeoJSON FeatureCollection (one feature per date)."""
    feats = []
    for d in dates:
        day = dt.date.fromisoformat(d)
        snap = snapshot_on(rows, day, clip)
        geom = snap.geometry("ukrainian")
        km2 = geodesic_area_km2(geom)
        held = [r.name for r in rows if r.use_in_geometry and r.lon is not None and r.held_on(day)]
        rng = area_range(rows, day, clip)
        feats.append({
            "type": "Feature",
            "properties": {
                "as_of": d, "status": "ukrainian", "approximate": True, "label": LABEL,
                "area_km2": round(km2, 1), "area_sq_mi": round(km2_to_sq_mi(km2), 1),
                "area_km2_low": round(rng.low_km2, 1), "area_km2_high": round(rng.high_km2, 1),
                "settlements_held": held, "n_settlements_held": len(held),
                "source": SOURCE,
            },
            "geometry": _geometry_json(geom),
        })
        # The range the map draws: a reader that knows ``model_range`` keeps these apart from the
        # central polygon (atlas.control.io); any other GIS shows three nested, labelled layers.
        env = snap.envelope
        assert env is not None
        for part, part_geom in (("outer", env.outer), ("inner", env.inner)):
            part_km2 = geodesic_area_km2(part_geom)
            feats.append({
                "type": "Feature",
                "properties": {
                    "as_of": d, "status": "ukrainian", "approximate": True, "model_range": part,
                    "label": f"{MODEL_RANGE_TEXT}: {MODEL_RANGE_PARTS[part]}",
                    "area_km2": round(part_km2, 1), "area_sq_mi": round(km2_to_sq_mi(part_km2), 1),
                    "source": SOURCE,
                },
                "geometry": _geometry_json(part_geom),
            })
    return {
        "type": "FeatureCollection",
        "name": "kursk_ua_held_approximate_reconstruction",
        "approximate": True,
        "label": LABEL,
        "source": SOURCE,
        "method": (f"held settlements on each date, each buffered {BUFFER_KM:g} km (azimuthal equidistant), "
                   f"concave hull (shapely.concave_hull, ratio {HULL_RATIO}) of the buffers plus the buffers, "
                   "clipped to Kursk oblast (data/basemap/oblasts.geojson); area_km2_low/high: the smallest and "
                   f"largest area over buffers {', '.join(f'{b:g}' for b in BUFFER_CHOICES_KM)} km and ratios "
                   f"{', '.join(f'{r:g}' for r in HULL_RATIO_CHOICES)}; the features with model_range inner/outer are the "
                   "area every choice holds and the area any choice holds (the range the map draws); "
                   "see data/control/SOURCES.md"),
        "features": feats,
    }
