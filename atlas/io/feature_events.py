"""Features (attributes + a geometry) to events and back: what the GDAL-backed formats share.

FlatGeobuf, Shapefile and GeoParquet all hand over typed attribute columns and one WKB geometry
per feature. Reading: every attribute becomes text (the one column-wise builder, atlas.io.columns,
does the checks every format gets), a Point is an event, each part of a MultiPoint is an event of
its own (reported, ids ``ID#1``…``ID#n`` as for GeoPackage), a missing or empty geometry is an
event without a point, any other geometry is rejected with its feature number. Writing: the
schema fields and extra columns as typed Arrow columns (the same types the GeoPackage writer
uses: dates as dates, precisions as integers, ACLED's numeric extras as numbers) and a WKB Point.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely

from atlas.model.table import EventTable

from .columns import POINT_LAT, POINT_LON, BuildOptions, build_events, feature_mapping
from .report import ImportReport, InputError


#: Arrow types of the schema fields in binary formats (the rest are text).
FIELD_TYPES: dict[str, pa.DataType] = {
    "event_date": pa.date32(), "time_precision": pa.int32(), "geo_precision": pa.int32(),
    "coord_approximate": pa.bool_(), "fatalities": pa.float64(), "claim_area_km2": pa.float64(),
}


# --------------------------------------------------------------------------- reading
def cell_text(v: Any) -> str:
    """One typed cell as the text the builder reads (floats as the shortest exact text)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(v))} bytes>"
    return str(v)


def column_texts(col: pa.ChunkedArray | pa.Array) -> list[str]:
    """A typed Arrow column as cell texts."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return ["" if v is None else v for v in col.to_pylist()]
    return [cell_text(v) for v in col.to_pylist()]


def geometries(wkb: Sequence[Any], path: Path) -> np.ndarray:
    """WKB values as shapely geometries (None stays None; an unreadable one becomes None and is
    told apart by :func:`events_from_features` through ``bad``)."""
    arr = np.array([bytes(b) if b is not None else None for b in wkb], dtype=object)
    try:
        return shapely.from_wkb(arr, on_invalid="ignore")  # type: ignore[no-any-return]
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise InputError(path, f"damaged geometries ({str(exc)[:120]})") from None


def events_from_features(path: Path, report: ImportReport, columns: Mapping[str, list[str]],
                         geoms: Sequence[Any], label: Callable[[int], str],
                         transform: Callable[[Any, Any], tuple[Any, Any]] | None = None,
                         rename: Mapping[str, str] | None = None,
                         had_geometry: Sequence[bool] | None = None) -> EventTable:
    """Events of features: ``columns`` are attribute texts per feature, ``geoms`` shapely
    geometries (None: no geometry). ``rename`` maps column names a format had to shorten back to
    the schema's (Shapefile's 10 characters). ``had_geometry[i]`` says a feature carried bytes that
    did not parse (rejected, not taken for a missing point). Coordinates go through ``transform``
    (to WGS 84) when given."""
    names = [(rename or {}).get(k, k) for k in columns]
    values = list(columns.values())
    src: list[int] = []
    lon: list[str] = []
    lat: list[str] = []
    parts: list[tuple[int, int]] = []
    multipart = 0
    n = len(geoms)
    report.rows_read += n
    for i, g in enumerate(geoms):
        points: list[tuple[float, float]] = []
        if g is None:
            if had_geometry is not None and had_geometry[i]:
                report.reject(label(i), "damaged geometry (not readable WKB)")
                continue
        elif g.is_empty:
            pass
        elif g.geom_type == "Point":
            points = [(g.x, g.y)]
        elif g.geom_type == "MultiPoint":
            points = [(p.x, p.y) for p in g.geoms if not p.is_empty]
            if len(points) > 1:
                multipart += 1
                report.rows_read += len(points) - 1
                report.flag(label(i), f"MultiPoint of {len(points)} points: one event per point")
        else:
            report.reject(label(i), f"geometry is {g.geom_type}, not a Point")
            continue
        for k, (x, y) in enumerate(points or [(math.nan, math.nan)], start=1):
            if not math.isnan(x) and transform is not None:
                x, y = transform(x, y)
            src.append(i)
            lon.append("" if math.isnan(x) else repr(float(x)))
            lat.append("" if math.isnan(y) else repr(float(y)))
            parts.append((k, len(points)))
    if not src:
        if n:
            raise InputError(path, "no point features could be read" + (f": {report.problems[0].what}" if report.problems else ""))
        report.notes.append("the layer holds no features")
        return EventTable.empty()
    # Columns named as the schema's fields are those fields; the others are recognised by name.
    cols: dict[str, list[str]] = {}
    for name, vals in zip(names, values, strict=True):
        key = name
        while key in cols or key in (POINT_LON, POINT_LAT):
            key = f"{key}_extra"
        cols[key] = [vals[i] for i in src]
    mapping = feature_mapping(list(cols), cols)
    if multipart:
        report.notes.append(f"{multipart:,} MultiPoint features: one event per point")
        id_col = mapping.get("event_id")
        if id_col:
            cols[id_col] = [f"{v}#{k}" if m > 1 and v else v for v, (k, m) in zip(cols[id_col], parts, strict=True)]
    arrow = {k: pa.chunked_array([pa.array(v, pa.string())]) for k, v in cols.items()}
    arrow[POINT_LON] = pa.chunked_array([pa.array(lon, pa.string())])
    arrow[POINT_LAT] = pa.chunked_array([pa.array(lat, pa.string())])
    opts = BuildOptions(dataset=path.stem.removesuffix(".shp"), where=lambda r: label(src[r]))
    return build_events(arrow, mapping, report, opts)


# --------------------------------------------------------------------------- writing
def _typed_field(table: EventTable, name: str, sel: npt.NDArray[np.intp]) -> pa.Array:
    from .export import field_text

    texts = field_text(table, name, sel)
    t = FIELD_TYPES.get(name)
    if name == "event_date":
        d = table.date[sel].astype("datetime64[D]")
        return pa.array(d, pa.date32(), mask=np.isnat(d))
    if t is not None and pa.types.is_integer(t):
        return pa.array([int(x) if x != "" else None for x in texts], t)
    if t is not None and pa.types.is_floating(t):
        return pa.array([float(x) if x != "" else None for x in texts], t)
    if name == "coord_approximate":
        return pa.array([x == "true" for x in texts], pa.bool_())
    return pa.array([x if (x != "" or name == "event_id") else None for x in texts], pa.string())


def _typed_extra(values: np.ndarray) -> pa.Array:
    from .gpkg_events import _column_type, _typed

    kind = _column_type(values)
    typ = {"INTEGER": pa.int64(), "REAL": pa.float64()}.get(kind, pa.string())
    return pa.array([_typed(v, kind) for v in values.tolist()], typ)


def typed_columns(table: EventTable, sel: npt.NDArray[np.intp]) -> list[tuple[str, str, pa.Array]]:
    """``(field or extra name, "field"/"extra", typed column)`` of the chosen rows: every schema field
    but the coordinates (they are the geometry), then every extra column."""
    out: list[tuple[str, str, pa.Array]] = []
    for f in table.columns:
        if f in ("latitude", "longitude") or f in table.extras:
            continue
        out.append((f, "field", _typed_field(table, f, sel)))
    for name, col in table.extras.items():
        out.append((name, "extra", _typed_extra(col[sel])))
    return out


def point_wkb(table: EventTable, sel: npt.NDArray[np.intp]) -> pa.Array:
    """Little-endian WKB Points of the chosen rows; null for events without coordinates."""
    has = table.has_coords[sel]
    pts = shapely.points(table.lon[sel], table.lat[sel])
    wkb = shapely.to_wkb(pts, byte_order=1, output_dimension=2)
    return pa.array([w if h else None for w, h in zip(wkb.tolist(), has.tolist(), strict=True)], pa.binary())


def wgs84_bounds(table: EventTable, sel: npt.NDArray[np.intp]) -> list[float] | None:
    has = table.has_coords[sel]
    if not has.any():
        return None
    lon, lat = table.lon[sel][has], table.lat[sel][has]
    return [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
