"""Read GeoJSON point features, and the other JSON shapes event tools write, into an EventTable.

* GeoJSON (RFC 7946): the project's own schema (docs/schema.md) and any FeatureCollection of Point
  features: properties kept (unknown ones as extra columns), foreign members ignored, z ignored; a
  legacy ``crs`` member honoured or refused (:mod:`atlas.io.geojson_crs`).
  Features without geometry are kept without a point; other geometry types are rejected with their
  feature number; a file with no Point features at all (an area or front-line layer) is refused.
* The ACLED API envelope ``{"status", "success", "count", "data": [...]}``: every value a string,
  and ``count`` is not to be trusted (the report says when it disagrees with the rows).
* A plain JSON array of records with coordinate fields (e.g. the Bellingcat civilian-harm export).

All three become columns of text and go through :func:`atlas.io.columns.build_events`, so the
checks (coordinates, dates, duplicate ids, swapped lat/lon) are the same as for CSV.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from atlas.model.table import CATEGORICAL_FIELDS, TEXT_FIELDS, EventTable

from .columns import (POINT_LAT, POINT_LON, BuildOptions, build_events, feature_mapping, guess_mapping,
                      has_coordinates)
from .geojson_crs import CrsError, DeclaredCrs, parse_crs_member, to_lonlat
from .input_guard import parse_json, read_input_bytes
from .presets import preset_for
from .report import ImportReport, InputError

#: Largest JSON file read (the whole document is parsed in memory).
MAX_JSON_BYTES = 1 << 30



def _empty_geometry(geom: object) -> bool:
    """An empty GeoJSON geometry: a GeometryCollection without geometries, or any other type whose
    coordinates are missing or an empty array."""
    if not isinstance(geom, dict):
        return False
    if geom.get("type") == "GeometryCollection":
        parts = geom.get("geometries")
        return parts is None or (isinstance(parts, list) and all(_empty_geometry(g) for g in parts))
    coords = geom.get("coordinates", [])
    return coords is None or (isinstance(coords, list) and len(coords) == 0)

def _text(v: Any) -> str:
    """A property value as cell text: strings as they are, everything else as JSON."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def _load_json(path: Path, report: ImportReport) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise InputError(path, f"{size / 1e9:.1f} GB is more JSON than the atlas reads at once (limit 1 GB)")
        raw = read_input_bytes(path, MAX_JSON_BYTES, "JSON file")
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        report.notes.append("UTF-8 byte-order mark stripped")
    if not raw.strip():
        raise InputError(path, "the file is empty")
    # Huge integers, NaN literals, deep nesting, lone surrogates: the shared guard.
    return parse_json(raw, path, "JSON")


def read_geojson(path: str | Path) -> tuple[EventTable, ImportReport]:
    """Read ``.geojson`` / ``.json``: GeoJSON, the ACLED API envelope or an array of records."""
    path = Path(path)
    report = ImportReport(str(path), "GeoJSON")
    doc = _load_json(path, report)
    if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
        return table_from_geojson(doc, path, report)
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        report.format = "ACLED API JSON"
        return table_from_records(doc["data"], path, report, envelope=doc)
    if isinstance(doc, list):
        report.format = "JSON records"
        return table_from_records(doc, path, report)
    raise InputError(path, "not GeoJSON (no FeatureCollection), not an ACLED API response (no 'data' list) "
                           "and not a list of records")


def table_from_records(records: list[Any], path: str | Path, report: ImportReport,
                       envelope: Mapping[str, Any] | None = None,
                       mapping: Mapping[str, str] | None = None) -> tuple[EventTable, ImportReport]:
    path = Path(path)
    if envelope is not None:
        if envelope.get("success") is False or str(envelope.get("status", "200")) not in ("200", ""):
            msgs = envelope.get("messages") or envelope.get("error") or ""
            raise InputError(path, f"the ACLED API response reports a failure (status {envelope.get('status')!r}): {msgs}")
        count = envelope.get("count")
        if count is not None and str(count) != str(len(records)):
            report.flag("envelope", f"'count' says {count} but 'data' holds {len(records)} rows; the rows are read", "flagged")
    names: list[str] = []
    seen: set[str] = set()
    keep: list[int] = []
    for i, rec in enumerate(records):
        report.rows_read += 1
        if not isinstance(rec, dict):
            report.reject(f"record {i + 1}", f"is a {type(rec).__name__}, not an object")
            continue
        keep.append(i)
        for k in rec:
            if k not in seen:
                seen.add(k)
                names.append(k)
    cols = {k: pa.chunked_array([pa.array([_text(records[i].get(k)) for i in keep], pa.string())]) for k in names}
    preset = preset_for(names) if mapping is None else None
    if preset is not None:
        report.format = f"{preset.name} JSON"
        mapping = preset.mapping(names)
        report.notes.extend(preset.recode_columns(cols, names))
    if mapping is None:
        mapping = guess_mapping(names)
        if not has_coordinates(mapping):
            report.notes.append("no latitude/longitude fields recognised: rows listed without a point")
    where = (lambda r: f"record {keep[r] + 1}") if keep else (lambda r: f"record {r + 1}")
    opts = BuildOptions(dataset=path.stem, where=where, day_first=True if envelope is not None else None)
    table = build_events(cols, mapping, report, opts) if keep else EventTable.empty()
    if not keep and records:
        raise InputError(path, f"none of its {len(records)} records is an object")
    return table, report


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _reproject(rows: list[dict[str, str]], declared: DeclaredCrs, report: ImportReport) -> None:
    """Rewrite the rows' positions (as written in the file) as WGS 84 longitude/latitude. A
    position that is not a number is left as it is, for the point check to report."""
    x = np.array([_number(r[POINT_LON]) if r[POINT_LON] else math.nan for r in rows], dtype=np.float64)
    y = np.array([_number(r[POINT_LAT]) if r[POINT_LAT] else math.nan for r in rows], dtype=np.float64)
    lon, lat, notes = to_lonlat(declared, x, y)
    report.notes.extend(notes)
    for r, xi, yi, lo, la in zip(rows, x.tolist(), y.tolist(), lon.tolist(), lat.tolist(), strict=True):
        if not (math.isnan(xi) or math.isnan(yi)):
            r[POINT_LON], r[POINT_LAT] = repr(lo), repr(la)


def table_from_geojson(doc: Any, path: str | Path, report: ImportReport) -> tuple[EventTable, ImportReport]:
    path = Path(path)
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    else:
        raise InputError(path, "not a GeoJSON FeatureCollection or Feature (no 'features' list)")
    declared = None
    if isinstance(doc, dict) and "crs" in doc:
        try:
            declared = parse_crs_member(doc["crs"])
        except CrsError as exc:
            raise InputError(path, str(exc)) from None
        if declared is None:
            report.notes.append("legacy 'crs' member names no coordinate system; read as RFC 7946 "
                                "WGS 84 longitude/latitude")
    names: list[str] = []
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    feature_no: list[int] = []
    kinds: dict[str, int] = {}
    z_count = 0
    empty_count = 0
    for i, feat in enumerate(features, start=1):
        where = f"feature {i}"
        report.rows_read += 1
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            report.reject(where, "not a Feature object")
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            report.reject(where, "properties is not an object")
            continue
        geom = feat.get("geometry")
        row = {k: _text(v) for k, v in props.items()}
        if geom is None or _empty_geometry(geom):
            # An empty geometry (RFC 7946 §3.1: an empty GeometryCollection, a Point with no
            # coordinates) says "no place", as null does: the event is kept without a point.
            row[POINT_LON] = row[POINT_LAT] = ""
            if geom is not None:
                empty_count += 1
        elif isinstance(geom, dict) and geom.get("type") == "Point":
            c = geom.get("coordinates")
            if not isinstance(c, list) or len(c) < 2:
                report.reject(where, "Point without two coordinates")
                continue
            if len(c) > 2:
                z_count += 1
            row[POINT_LON], row[POINT_LAT] = _text(c[0]), _text(c[1])
        else:
            kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
            kinds[str(kind)] = kinds.get(str(kind), 0) + 1
            report.reject(where, f"geometry is {kind}, not a Point")
            continue
        if not row.get("event_id") and feat.get("id") not in (None, ""):
            row["event_id"] = _text(feat.get("id"))
        for k in row:
            if k not in seen:
                seen.add(k)
                names.append(k)
        rows.append(row)
        feature_no.append(i)
    if not rows:
        if kinds:
            listed = ", ".join(f"{v:,} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
            raise InputError(path, f"no Point features to import as events ({listed}): an area or line layer, "
                                   "not an events file")
        if features:
            raise InputError(path, "no features that can be read")
        # An empty collection is a valid file (an export of a filter that matched nothing).
        report.notes.append("the FeatureCollection holds no features")
        return EventTable.empty(), report
    if z_count:
        report.notes.append(f"{z_count:,} points had a third (z) coordinate; ignored")
    if empty_count:
        report.notes.append(f"{empty_count:,} features with an empty geometry kept as events without a point")
    if declared is not None:
        _reproject(rows, declared, report)
    cols = {k: pa.chunked_array([pa.array([r.get(k, "") for r in rows], pa.string())]) for k in names}
    mapping = feature_mapping(names, seen)
    if "latitude" in seen or "longitude" in seen:
        report.notes.append("'latitude'/'longitude' properties kept as extras; the geometry gives the point")
    opts = BuildOptions(dataset=path.stem, where=lambda r: f"feature {feature_no[r]}")
    table = build_events(cols, mapping, report, opts)
    return table, report
