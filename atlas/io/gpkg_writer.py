"""The one GeoPackage writer: events (points) and areas of control (multipolygons) alike.

A GeoPackage 1.3 (OGC 12-128r18) of feature tables in WGS 84: the required metadata tables
(``gpkg_spatial_ref_sys`` with the three mandatory systems, ``gpkg_contents`` with each layer's
extent, ``gpkg_geometry_columns``), one table per layer with typed columns, geometries as
GeoPackage blobs (a header with the SRS id and, for anything but a point, the envelope; then
little-endian ISO WKB), and an R-tree spatial index per layer (the RTree Spatial Index
extension, so QGIS and GDAL filter by extent without a full scan). Written through
atlas.io.atomic: a failed write leaves the old file.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from .atomic import atomic_path

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300
WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
             'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
             'AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]')


def point_blob(lon: float, lat: float, srs_id: int = 4326) -> bytes:
    """A GeoPackage geometry blob of a 2-D point: header without envelope, little-endian WKB."""
    return b"GP" + bytes([0, 0b0000_0001]) + struct.pack("<i", srs_id) + struct.pack("<BIdd", 1, 1, lon, lat)


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


@dataclass
class GpkgLayer:
    """One feature table: ``rows`` yield ``(geometry blob or None, *values)`` in ``columns`` order."""

    name: str
    geometry_type: str  # POINT, MULTIPOLYGON, ...
    columns: Sequence[tuple[str, str]]  # (name, SQL type)
    rows: Iterable[tuple[Any, ...]]
    bounds: tuple[float | None, float | None, float | None, float | None] = (None, None, None, None)
    description: str = ""


def _create_metadata(con: sqlite3.Connection) -> None:
    con.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
    con.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (
          srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
          organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (
          table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
          description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
          min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
          CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (
          table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
          srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
          CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
          CONSTRAINT uk_gc_table_name UNIQUE (table_name),
          CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
          CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
        CREATE TABLE gpkg_extensions (
          table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
          scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
        """
    )
    con.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84_WKT,
          "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
         ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
         ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system")],
    )


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def blob_bounds(blob: bytes) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage blob this module wrote; None when empty."""
    flags = blob[3]
    if flags & 0b0001_0000:
        return None
    env = (flags >> 1) & 0b111
    if env:
        minx, maxx, miny, maxy = struct.unpack("<4d" if flags & 1 else ">4d", blob[8:40])
        return minx, maxx, miny, maxy
    geom = shapely.from_wkb(blob[8 + _ENVELOPE_BYTES[env]:])
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


#: The RTree Spatial Index extension's triggers (GeoPackage 1.3, annex F.3), which keep the index
#: right when another program (QGIS, ogr2ogr) edits the layer. ST_* are the GeoPackage SQL
#: functions those programs provide; the atlas fills the index itself and never fires them.
_RTREE_TRIGGERS = """
CREATE TRIGGER "rtree_{t}_{c}_insert" AFTER INSERT ON "{t}"
  WHEN (new."{c}" NOT NULL AND NOT ST_IsEmpty(NEW."{c}"))
BEGIN
  INSERT OR REPLACE INTO "rtree_{t}_{c}" VALUES (NEW."{i}",
    ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}"));
END;
CREATE TRIGGER "rtree_{t}_{c}_update1" AFTER UPDATE OF "{c}" ON "{t}"
  WHEN OLD."{i}" = NEW."{i}" AND (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}"))
BEGIN
  INSERT OR REPLACE INTO "rtree_{t}_{c}" VALUES (NEW."{i}",
    ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}"));
END;
CREATE TRIGGER "rtree_{t}_{c}_update2" AFTER UPDATE OF "{c}" ON "{t}"
  WHEN OLD."{i}" = NEW."{i}" AND (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}"))
BEGIN
  DELETE FROM "rtree_{t}_{c}" WHERE id = OLD."{i}";
END;
CREATE TRIGGER "rtree_{t}_{c}_update3" AFTER UPDATE ON "{t}"
  WHEN OLD."{i}" != NEW."{i}" AND (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}"))
BEGIN
  DELETE FROM "rtree_{t}_{c}" WHERE id = OLD."{i}";
  INSERT OR REPLACE INTO "rtree_{t}_{c}" VALUES (NEW."{i}",
    ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}"));
END;
CREATE TRIGGER "rtree_{t}_{c}_update4" AFTER UPDATE ON "{t}"
  WHEN OLD."{i}" != NEW."{i}" AND (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}"))
BEGIN
  DELETE FROM "rtree_{t}_{c}" WHERE id IN (OLD."{i}", NEW."{i}");
END;
CREATE TRIGGER "rtree_{t}_{c}_delete" AFTER DELETE ON "{t}"
  WHEN old."{c}" NOT NULL
BEGIN
  DELETE FROM "rtree_{t}_{c}" WHERE id = OLD."{i}";
END;
"""


def _spatial_index(con: sqlite3.Connection, table: str) -> None:
    """The RTree Spatial Index extension for ``table``'s ``geom``: registered in
    ``gpkg_extensions``, filled from the blobs, then its triggers."""
    t = table.replace('"', '""')
    con.execute("INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
                "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", (table,))
    con.execute(f'CREATE VIRTUAL TABLE "rtree_{t}_geom" USING rtree(id, minx, maxx, miny, maxy)')
    rows = ((fid, *b) for fid, blob in con.execute(f'SELECT fid, geom FROM "{t}" WHERE geom IS NOT NULL')
            if (b := blob_bounds(blob)) is not None)
    con.executemany(f'INSERT INTO "rtree_{t}_geom" VALUES (?, ?, ?, ?, ?)', list(rows))
    con.executescript(_RTREE_TRIGGERS.format(t=t, c="geom", i="fid"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_geopackage(path: str | Path, layers: Sequence[GpkgLayer]) -> None:
    """Write ``layers`` as a new GeoPackage at ``path`` (replacing it atomically)."""
    names = [layer.name for layer in layers]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"layer names must differ: {names}")
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with atomic_path(Path(path)) as tmp:
        tmp.unlink()  # SQLite writes a database of its own, not into an empty file
        con = sqlite3.connect(str(tmp))
        try:
            _create_metadata(con)
            for layer in layers:
                defs = ['"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL', f'"geom" {layer.geometry_type}']
                defs += [f"{_quote(c)} {t}" for c, t in layer.columns]
                con.execute(f"CREATE TABLE {_quote(layer.name)} ({', '.join(defs)})")
                cols = ", ".join(['"geom"'] + [_quote(c) for c, _ in layer.columns])
                marks = ", ".join("?" * (1 + len(layer.columns)))
                con.executemany(f"INSERT INTO {_quote(layer.name)} ({cols}) VALUES ({marks})", layer.rows)
                con.execute("INSERT INTO gpkg_contents VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (layer.name, "features", layer.name, layer.description, now, *layer.bounds, 4326))
                con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)",
                            (layer.name, layer.geometry_type))
                _spatial_index(con, layer.name)
            con.commit()
        finally:
            con.close()
