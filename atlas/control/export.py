"""Write a snapshot, a series or a change as GeoJSON or GeoPackage.

The GeoPackage writer is a small, self-contained sqlite3 implementation of what the OGC GeoPackage
1.2 standard requires for a vector layer: the ``GPKG`` application id, ``gpkg_spatial_ref_sys``,
``gpkg_contents``, ``gpkg_geometry_columns`` and a feature table whose geometry is a GeoPackage
binary blob (``GP`` header, SRS id 4326, envelope, little-endian WKB). GDAL/QGIS open it.
Writes are atomic (a temporary file renamed into place).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from atlas.io.atomic import atomic_path

from .model import (
    STATUS_LABELS,
    STATUSES,
    ControlChange,
    ControlSeries,
    ControlSnapshot,
    geodesic_area_km2,
    km2_to_sq_mi,
)

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage"}
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
    doc["features"] = [{"type": "Feature", "properties": props, "geometry": mapping(geom)}
                       for geom, props in features]

    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")

    _atomic(Path(path), write)


def gpkg_blob(geom: BaseGeometry, srs_id: int = 4326) -> bytes:
    """A GeoPackage geometry blob: header (magic, version 0, flags: envelope [minx,maxx,miny,maxy],
    little-endian), SRS id, envelope, then ISO WKB."""
    if geom.is_empty:
        flags = 0b0001_0001  # empty flag + little endian, no envelope
        return b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id) + shapely.to_wkb(geom, byte_order=1)
    minx, miny, maxx, maxy = geom.bounds
    flags = 0b0000_0011  # envelope type 1 (xy) << 1 | little endian
    return (b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
            + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geom, byte_order=1, output_dimension=2))


_WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
              'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
              'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
              'AUTHORITY["EPSG","4326"]]')


def _sql_type(values: list[Any]) -> str:
    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return "BOOLEAN"
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return "INTEGER"
    if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return "REAL"
    return "TEXT"


def write_gpkg(path: str | Path, layers: dict[str, list[Feature]], description: str = "") -> None:
    """Write one feature table per layer (names: letters, digits, underscore)."""
    for name in layers:
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise ExportError(f"bad layer name {name!r}")

    def write(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)
        con = sqlite3.connect(str(tmp))
        try:
            con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
            con.execute("PRAGMA user_version = 10200")
            con.executescript("""
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
              organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
              definition TEXT NOT NULL, description TEXT);
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
              identifier TEXT UNIQUE, description TEXT DEFAULT '',
              last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
              min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
              CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
              geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
              m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
              CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
              CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
            """)
            con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", [
                ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
                ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
                ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
            ])
            now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            for name, feats in layers.items():
                keys: list[str] = []
                for _g, props in feats:
                    keys += [k for k in props if k not in keys]
                types = {k: _sql_type([p.get(k) for _g, p in feats]) for k in keys}
                cols = "".join(f', "{k}" {types[k]}' for k in keys)
                con.execute(f'CREATE TABLE "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON{cols})')
                for geom, props in feats:
                    multi = geom if geom.geom_type == "MultiPolygon" else shapely.multipolygons([geom]) \
                        if geom.geom_type == "Polygon" else geom
                    vals = [gpkg_blob(multi)] + [props.get(k) if not isinstance(props.get(k), (list, dict))
                                                 else json.dumps(props.get(k), ensure_ascii=False) for k in keys]
                    names = "".join(f', "{k}"' for k in keys)
                    marks = ",".join("?" * len(vals))
                    con.execute(f'INSERT INTO "{name}" (geom{names}) VALUES ({marks})', vals)
                if feats:
                    b = shapely.total_bounds([g for g, _ in feats])
                    bounds = [float(x) for x in b]
                else:
                    bounds = [None, None, None, None]
                con.execute("INSERT INTO gpkg_contents VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (name, "features", name, description, now, bounds[0], bounds[1], bounds[2], bounds[3], 4326))
                con.execute("INSERT INTO gpkg_geometry_columns VALUES (?,?,?,?,?,?)",
                            (name, "geom", "MULTIPOLYGON", 4326, 0, 0))
            con.commit()
        finally:
            con.close()

    _atomic(Path(path), write)


def export(path: str | Path, layers: dict[str, list[Feature]], meta: dict[str, Any] | None = None) -> str:
    """Write ``layers`` to ``path`` by its suffix (.geojson/.json: all layers in one collection with a
    ``layer`` property; .gpkg: one table per layer). Returns a one-line summary."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise ExportError(f"{p}: choose a .geojson or .gpkg file name")
    n = sum(len(v) for v in layers.values())
    if fmt == "GeoJSON":
        feats = [(g, {"layer": name, **props}) for name, fs in layers.items() for g, props in fs]
        write_geojson(p, feats, meta)
    else:
        write_gpkg(p, layers, description=str((meta or {}).get("description", "")))
    return f"wrote {p} ({fmt}, {n} feature{'s' if n != 1 else ''})"
