"""Write a snapshot, a series or a change as GeoJSON, GeoPackage, or KML/KMZ (atlas.control.kml_export).

The GeoPackage writer is a small, self-contained sqlite3 implementation of what the OGC GeoPackage
1.2 standard requires for a vector layer: the ``GPKG`` application id, ``gpkg_spatial_ref_sys``,
``gpkg_contents``, ``gpkg_geometry_columns`` and a feature table whose geometry is a GeoPackage
binary blob (``GP`` header, SRS id 4326, envelope, little-endian WKB). GDAL/QGIS open it.
Writes are atomic (a temporary file renamed into place).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from atlas.io.atomic import atomic_path
from atlas.io.gpkg_writer import GpkgLayer, gpkg_blob, write_geopackage

from .model import (
    MODEL_RANGE_PARTS,
    MODEL_RANGE_TEXT,
    STATUS_LABELS,
    STATUSES,
    ControlChange,
    ControlSeries,
    ControlSnapshot,
    geodesic_area_km2,
    km2_to_sq_mi,
)

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".kml": "KML", ".kmz": "KMZ"}
Feature = tuple[BaseGeometry, dict[str, Any]]


class ExportError(Exception):
    pass


# ---------------------------------------------------------------------------- features
def snapshot_features(snap: ControlSnapshot, region: BaseGeometry | None = None,
                      region_name: str | None = None) -> list[Feature]:
    s = snap.clipped(region)
    out: list[Feature] = []
    for status in STATUSES:
        geom = s.geometry(status)
        if geom.is_empty:
            continue
        km2 = geodesic_area_km2(geom)
        out.append((geom, {
            "as_of": snap.as_of.isoformat(), "status": status, "status_label": STATUS_LABELS[status],
            "area_km2": round(km2, 3), "area_sq_mi": round(km2_to_sq_mi(km2), 3),
            "clip": region_name or "", "source": snap.source, "file": snap.label,
            "approximate": snap.approximate,
            "label": "approximate reconstruction, not a survey" if snap.approximate else "",
        }))
    # A model's range goes out with it (and comes back in through atlas.control.io).
    env = s.envelope
    if env is not None and not env.is_empty:
        for part, geom in (("outer", env.outer), ("inner", env.inner)):
            km2 = geodesic_area_km2(geom)
            out.append((geom, {
                "as_of": snap.as_of.isoformat(), "status": "ukrainian", "model_range": part,
                "status_label": f"{MODEL_RANGE_TEXT}: {MODEL_RANGE_PARTS[part]}",
                "area_km2": round(km2, 3), "area_sq_mi": round(km2_to_sq_mi(km2), 3),
                "clip": region_name or "", "source": snap.source, "file": snap.label,
                "approximate": True, "label": "approximate reconstruction, not a survey",
            }))
    return out


def series_features(series: ControlSeries, region: BaseGeometry | None = None,
                    region_name: str | None = None) -> list[Feature]:
    return [f for snap in series for f in snapshot_features(snap, region, region_name)]


def change_features(change: ControlChange, region_name: str | None = None) -> list[Feature]:
    out: list[Feature] = []
    for kind, geom in (("gained", change.gained), ("lost", change.lost)):
        if geom.is_empty:
            continue
        km2 = geodesic_area_km2(geom)
        out.append((geom, {
            "change": kind, "status": change.status, "status_label": STATUS_LABELS[change.status],
            "date_from": change.date_from.isoformat(), "date_to": change.date_to.isoformat(),
            "area_km2": round(km2, 3), "area_sq_mi": round(km2_to_sq_mi(km2), 3),
            "clip": region_name or "",
        }))
    return out


# ---------------------------------------------------------------------------- writers
def _atomic(path: Path, write: Any) -> None:
    path = Path(path)
    if not path.parent.exists():
        raise ExportError(f"{path.parent}: no such folder")
    with atomic_path(path) as tmp:
        write(tmp)


def write_geojson(path: str | Path, features: Iterable[Feature], meta: dict[str, Any] | None = None) -> None:
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    doc.update(meta or {})
    # RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise (shapely keeps whatever
    # order the geometry was built in; d3 and some web viewers fill the outside of a clockwise ring).
    doc["features"] = [{"type": "Feature", "properties": props,
                        "geometry": mapping(shapely.orient_polygons(geom, exterior_cw=False))}
                       for geom, props in features]

    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")

    _atomic(Path(path), write)


def write_gpkg(path: str | Path, layers: dict[str, list[Feature]], description: str = "") -> None:
    """One multipolygon feature table per layer (names: letters, digits, underscore), through the
    one GeoPackage writer (atlas.io.gpkg_writer); property types are taken from the values."""
    for name in layers:
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise ExportError(f"bad layer name {name!r}")
    if not Path(path).parent.exists():
        raise ExportError(f"{Path(path).parent}: no such folder")
    out = []
    for name, feats in layers.items():
        keys: list[str] = []
        for _g, props in feats:
            keys += [k for k in props if k not in keys]
        types = {k: _sql_type([p.get(k) for _g, p in feats]) for k in keys}

        def rows(feats: list[Feature] = feats, keys: list[str] = keys) -> Any:
            for geom, props in feats:
                multi = shapely.multipolygons([geom]) if geom.geom_type == "Polygon" else geom
                yield (gpkg_blob(multi), *[json.dumps(props.get(k), ensure_ascii=False)
                                           if isinstance(props.get(k), (list, dict)) else props.get(k) for k in keys])

        bounds = tuple(float(x) for x in shapely.total_bounds([g for g, _ in feats])) if feats else (None,) * 4
        out.append(GpkgLayer(name, "MULTIPOLYGON", [(k, types[k]) for k in keys], rows(), bounds, description))  # type: ignore[arg-type]
    write_geopackage(path, out)


def _sql_type(values: list[Any]) -> str:
    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return "BOOLEAN"
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return "INTEGER"
    if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return "REAL"
    return "TEXT"


def export(path: str | Path, layers: dict[str, list[Feature]], meta: dict[str, Any] | None = None) -> str:
    """Write ``layers`` to ``path`` by its suffix (.geojson/.json: all layers in one collection with a
    ``layer`` property; .gpkg: one table per layer; .kml/.kmz: one nested Document per layer). Returns a
    one-line summary."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise ExportError(f"{p}: choose a .geojson, .gpkg, .kml or .kmz file name")
    n = sum(len(v) for v in layers.values())
    if fmt == "GeoJSON":
        feats = [(g, {"layer": name, **props}) for name, fs in layers.items() for g, props in fs]
        write_geojson(p, feats, meta)
    elif fmt in ("KML", "KMZ"):
        from .kml_export import write_kml

        if not p.parent.exists():
            raise ExportError(f"{p.parent}: no such folder")
        write_kml(p, layers, str((meta or {}).get("name") or "Kursk Atlas areas of control"))
    else:
        write_gpkg(p, layers, description=str((meta or {}).get("description", "")))
    return f"wrote {p} ({fmt}, {n} feature{'s' if n != 1 else ''})"
