"""GeoPackage point layers, read and written with the standard library's sqlite3 (no GDAL needed).

Reading: every feature table of ``gpkg_contents`` whose geometry column holds points (each part of
a MultiPoint is an event of its own, reported). The geometry
is a GeoPackage binary blob: ``GP``, version, flags (byte order, envelope size, empty), ``srs_id``,
an optional envelope, then WKB. Points in EPSG:4326 (and CRS84) are read as they are; points in
another CRS are transformed with pyproj when it knows the code, otherwise the layer is refused.

Writing follows OGC 12-128r18 (GeoPackage 1.3): ``application_id`` 'GPKG', ``user_version``
10300, the three required ``gpkg_spatial_ref_sys`` rows, ``gpkg_contents`` with the layer extent,
``gpkg_geometry_columns``, and little-endian GP blobs without envelope holding a WKB Point, through
the one writer (atlas.io.gpkg_writer: R-tree index included). Extra columns holding only numbers are
INTEGER or REAL. Events without coordinates are features with a NULL geometry (allowed by the spec).
"""

from __future__ import annotations

import math
import re
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely

from atlas.model.table import EventTable

from .columns import POINT_LAT, POINT_LON, BuildOptions, build_events, feature_mapping
from .gpkg_writer import GPKG_APPLICATION_ID, GpkgLayer, point_blob, write_geopackage
from .report import ImportReport, InputError
from .safety import open_sqlite_input

T = TypeVar("T")

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


# --------------------------------------------------------------------------- geometry blobs
def parse_point_blob(blob: bytes) -> tuple[float, float, int] | str:
    """(x, y, srs_id) of a point blob, or why it is not one."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        return f"geometry is a {type(blob).__name__}, not a GeoPackage blob"
    b = bytes(blob)
    if len(b) < 8 or b[:2] != b"GP":
        return "geometry blob does not start with 'GP'"
    flags = b[3]
    if flags & 0b0010_0000:
        return "extended GeoPackage geometry types are not read"
    order = "<" if flags & 1 else ">"
    env = (flags >> 1) & 0b111
    if env not in _ENVELOPE_BYTES:
        return f"invalid envelope code {env} in the geometry header"
    (srs_id,) = struct.unpack(order + "i", b[4:8])
    if flags & 0b0001_0000:
        return "empty geometry"
    wkb = b[8 + _ENVELOPE_BYTES[env]:]
    if len(wkb) < 5:
        return "geometry blob too short"
    worder = "<" if wkb[0] == 1 else ">"
    (gtype,) = struct.unpack(worder + "I", wkb[1:5])
    base = gtype % 1000
    if gtype & 0x80000000 or gtype & 0x40000000:  # EWKB-style Z/M flags
        base = gtype & 0xFFFF
    if base != 1:
        names = {2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
        return f"geometry is {names.get(base, f'WKB type {gtype}')}, not a Point"
    if len(wkb) < 21:
        return "point blob too short"
    x, y = struct.unpack(worder + "dd", wkb[5:21])
    return x, y, srs_id


def parse_points_blob(blob: bytes) -> tuple[list[tuple[float, float]], int] | str:
    """The points of a Point or MultiPoint blob and its srs_id, or why it has none to give.
    An empty geometry gives no points."""
    got = parse_point_blob(blob)
    if not isinstance(got, str):
        x, y, srs = got
        return [(x, y)], srs
    if got == "empty geometry":
        return [], 0
    if not got.startswith("geometry is MultiPoint"):
        return got
    b = bytes(blob)
    flags = b[3]
    (srs_id,) = struct.unpack(("<" if flags & 1 else ">") + "i", b[4:8])
    try:
        geom = shapely.from_wkb(b[8 + _ENVELOPE_BYTES[(flags >> 1) & 0b111]:])
    except shapely.errors.GEOSException as exc:
        return f"damaged MultiPoint geometry: {exc}"
    return [(p.x, p.y) for p in geom.geoms if not p.is_empty], srs_id


def parse_blob_geometry(blob: Any) -> Any:
    """Any GeoPackage blob as a shapely geometry, or why it cannot be read."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        return f"geometry is a {type(blob).__name__}, not a GeoPackage blob"
    b = bytes(blob)
    if len(b) < 8 or b[:2] != b"GP":
        return "geometry blob does not start with 'GP'"
    flags = b[3]
    env = (flags >> 1) & 0b111
    if flags & 0b0010_0000 or env not in _ENVELOPE_BYTES:
        return "extended GeoPackage geometry or a bad envelope code"
    try:
        return shapely.from_wkb(b[8 + _ENVELOPE_BYTES[env]:])
    except shapely.errors.GEOSException as exc:
        return f"damaged geometry: {exc}"


# --------------------------------------------------------------------------- reading
def read_gpkg(path: str | Path) -> tuple[EventTable, ImportReport]:
    path = Path(path)
    report = ImportReport(str(path), "GeoPackage")
    return with_geopackage(path, lambda con: _read(con, path, report))


def with_geopackage(path: Path, work: Callable[[sqlite3.Connection], T]) -> T:
    """``work`` on a GeoPackage opened through the guarded SQLite connection (read-only,
    immutable, cell sizes and time bounded: hostile views and zero-blobs, safety.py), with every
    way SQLite can fail turned into one refusal naming the file. The event reader and the map's
    GeoPackage layers (gpkg_layers.py) both read through it."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if magic != b"SQLite format 3\x00":
        raise InputError(path, "not a GeoPackage (not an SQLite database)")
    con, budget = open_sqlite_input(path)
    # Text that is not UTF-8 (a damaged page, another tool's encoding) shows as U+FFFD, never a crash.
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        return work(con)
    except sqlite3.DatabaseError as exc:
        if budget.spent:
            raise InputError(path, f"reading the GeoPackage took longer than {budget.seconds:g} s "
                                   "(a view that never ends?); refused") from None
        if "too big" in str(exc):
            raise InputError(path, "a GeoPackage cell is larger than the 64 MB the atlas reads; refused") from None
        # SQLite's messages can span lines: one line, bounded, so each refusal is one line.
        raise InputError(path, f"damaged or not a GeoPackage: {' '.join(str(exc).split())[:200]}") from None
    except UnicodeDecodeError as exc:  # SQLite's own message about a damaged schema is not UTF-8
        raise InputError(path, f"damaged GeoPackage (undecodable schema text at byte {exc.start})") from None
    finally:
        con.close()


def _read(con: sqlite3.Connection, path: Path, report: ImportReport) -> tuple[EventTable, ImportReport]:
    (app_id,) = con.execute("PRAGMA application_id").fetchone()
    if app_id not in (GPKG_APPLICATION_ID, 0x47503130):  # 'GPKG' (1.2+) or 'GP10' (1.0)
        report.notes.append(f"application_id is {app_id:#x}, not 'GPKG'; read anyway")
    try:
        layers = con.execute(
            "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name WHERE c.data_type = 'features'"
        ).fetchall()
    except sqlite3.OperationalError as exc:
        raise InputError(path, f"not a GeoPackage: {exc}") from exc
    if not layers:
        raise InputError(path, "the GeoPackage has no feature layers")
    point_layers = [lyr for lyr in layers if str(lyr[2]).upper() in ("POINT", "GEOMETRY", "MULTIPOINT")]
    if not point_layers:
        kinds = ", ".join(f"{t} ({g})" for t, _, g, _ in layers)
        raise InputError(path, f"no point layers to import as events (layers: {kinds})")
    for t, _, g, _ in layers:
        if (t, g) not in [(p[0], p[2]) for p in point_layers]:
            report.notes.append(f"layer {t!r} ({g}) skipped: not points")
    rows: list[dict[str, str]] = []
    where: list[str] = []
    names: list[str] = []
    seen: set[str] = set()
    parts: list[tuple[int, int]] = []  # (part number, parts) of every row: MultiPoints split
    multipart = 0
    for table_name, geom_col, _gtype, layer_srs in point_layers:
        transform = _transformer(layer_srs, path) if layer_srs not in (4326, -1, 0) else None
        if len(point_layers) > 1:
            report.notes.append(f"layer {table_name!r} read")
        cur = con.execute(f'SELECT * FROM "{table_name.replace(chr(34), chr(34) * 2)}"')
        cols = [d[0] for d in cur.description]
        pk = _primary_key(con, table_name)
        for rec in cur:
            report.rows_read += 1
            values = dict(zip(cols, rec, strict=True))
            fid = values.get(pk) if pk else None
            label = f"{table_name} feature {fid if fid is not None else report.rows_read}"
            blob = values.pop(geom_col, None)
            if pk:
                values.pop(pk, None)
            row = {k: _cell(v) for k, v in values.items()}
            row[POINT_LON] = row[POINT_LAT] = ""
            if len(point_layers) > 1:
                row.setdefault("layer", table_name)
            for k in row:
                if k not in seen:
                    seen.add(k)
                    names.append(k)
            points: list[tuple[float, float]] = []
            if blob is not None:
                got = parse_points_blob(blob)
                if isinstance(got, str):
                    report.reject(label, got)
                    continue
                points, srs = got
                if points and srs not in (layer_srs, 4326, 0, -1):
                    report.flag(label, f"geometry srs_id {srs} differs from the layer's {layer_srs}; the layer's is used")
            if len(points) > 1:
                # Each part of a MultiPoint is an event of its own (ids get #1..#n).
                report.rows_read += len(points) - 1
                multipart += 1
                report.flag(label, f"MultiPoint of {len(points)} points: one event per point")
            for k, (x, y) in enumerate(points or [(math.nan, math.nan)], start=1):
                part = dict(row)
                if not math.isnan(x):
                    if transform is not None:
                        x, y = transform(x, y)
                    part[POINT_LON], part[POINT_LAT] = repr(float(x)), repr(float(y))
                rows.append(part)
                where.append(label)
                parts.append((k, len(points)))
    if not rows:
        if report.rows_read:
            raise InputError(path, "no point features could be read" + (f": {report.problems[0].what}" if report.problems else ""))
        report.notes.append("the point layer holds no features")
        return EventTable.empty(), report
    mapping = feature_mapping(names, seen)
    if multipart:
        report.notes.append(f"{multipart:,} MultiPoint features: one event per point")
        id_col = mapping.get("event_id")
        for r, (k, n) in zip(rows, parts, strict=True):
            if n > 1 and id_col and r.get(id_col):
                r[id_col] = f"{r[id_col]}#{k}"
    cols_arrow = {k: pa.chunked_array([pa.array([r.get(k, "") for r in rows], pa.string())]) for k in names}
    opts = BuildOptions(dataset=path.stem, where=lambda r: where[r])
    return build_events(cols_arrow, mapping, report, opts), report


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(v))} bytes>"
    return str(v)


def _primary_key(con: sqlite3.Connection, table: str) -> str | None:
    for _cid, name, _type, _nn, _dflt, pk in con.execute(f'PRAGMA table_info("{table.replace(chr(34), chr(34) * 2)}")'):
        if pk:
            return str(name)
    return None


def _transformer(srs_id: int, path: Path) -> Any:
    try:
        from pyproj import CRS, Transformer

        crs = CRS.from_epsg(int(srs_id))
        t = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
        return t.transform
    except Exception as exc:  # pyproj raises several types for unknown codes
        raise InputError(path, f"points are in srs_id {srs_id}, which the atlas cannot transform to WGS84: {exc}") from exc


# --------------------------------------------------------------------------- writing
_TYPES = {
    "event_id": "TEXT NOT NULL", "event_date": "DATE", "time_precision": "INTEGER", "geo_precision": "INTEGER",
    "coord_approximate": "BOOLEAN", "fatalities": "REAL", "claim_area_km2": "REAL", "sources": "TEXT",
}


def write_gpkg(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, layer: str = "events",
               stale: str = "") -> int:
    """A GeoPackage with one point layer holding every field (sources as JSON text), written by
    the one GeoPackage writer (atlas.io.gpkg_writer). ``stale``: the events are a stale copy of a
    store; the layer's description (gpkg_contents, GDAL's DESCRIPTION) says so."""
    from .export import field_text

    sel = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    fields = [c for c in table.columns if c not in ("latitude", "longitude") and c not in table.extras]
    extra_cols: list[tuple[str, str]] = []
    taken = {"fid", "geom", *fields}
    for name in table.extras:
        col = name
        while col.lower() in {t.lower() for t in taken}:
            col = f"{col}_extra"
        taken.add(col)
        extra_cols.append((col, name))
    texts = {f: field_text(table, f, sel) for f in fields}
    has = table.has_coords[sel]
    lon, lat = table.lon[sel], table.lat[sel]

    def value(f: str, i: int) -> Any:
        t = texts[f][i]
        if f in ("time_precision", "geo_precision"):
            return int(t) if t != "" else None
        if f in ("fatalities", "claim_area_km2"):
            return float(t) if t != "" else None
        if f == "coord_approximate":
            return 1 if t == "true" else 0
        return t if t != "" or f == "event_id" else None

    def gen() -> Any:
        for i, r in enumerate(sel.tolist()):
            geom = point_blob(float(lon[i]), float(lat[i])) if has[i] else None
            yield (geom, *[value(f, i) for f in fields],
                   *[_typed(table.extras[name][r], extra_types[name]) for _, name in extra_cols])

    bounds: tuple[float | None, ...] = (None, None, None, None)
    if has.any():
        bounds = (float(lon[has].min()), float(lat[has].min()), float(lon[has].max()), float(lat[has].max()))
    extra_types = {name: _column_type(table.extras[name][sel]) for _, name in extra_cols}
    columns = [(f, _TYPES.get(f, "TEXT")) for f in fields] + [(c, extra_types[name]) for c, name in extra_cols]
    description = f"Kursk Atlas events. {stale}" if stale else "Kursk Atlas events"
    write_geopackage(path, [GpkgLayer(layer, "POINT", columns, gen(), bounds, description)])  # type: ignore[arg-type]
    return len(sel)


_INTEGER_TEXT = re.compile(r"0|-?[1-9][0-9]{0,17}")


def _column_type(values: Any) -> str:
    """INTEGER or REAL for an extra column whose every value is a number written the one way
    it reads back (ACLED's year, inter1, iso, timestamp ...: GDAL and QGIS then see numbers, and
    reading the file back gives the same text); TEXT otherwise ("007" and "1e5" stay text)."""
    texts = [str(v) for v in values if v not in (None, "")]
    if not texts:
        return "TEXT"
    if all(_INTEGER_TEXT.fullmatch(t) for t in texts):
        return "INTEGER"
    try:
        if all(_cell(float(t)) == t and math.isfinite(float(t)) for t in texts):
            return "REAL"
    except ValueError:
        pass
    return "TEXT"


def _typed(v: Any, sql_type: str) -> Any:
    if v in (None, ""):
        return None
    if sql_type == "INTEGER":
        return int(v)
    if sql_type == "REAL":
        return float(v)
    return str(v)


