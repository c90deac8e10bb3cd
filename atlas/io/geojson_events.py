"""Read GeoJSON point features into an EventTable: the project's own event schema
(docs/schema.md) and any GeoJSON with Point features (properties kept, foreign members and z ignored).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from atlas.model.table import CATEGORICAL_FIELDS, TEXT_FIELDS, EventTable

from .report import ImportReport, InputError

#: Properties the schema knows; everything else an import brings is kept as an extra column.
SCHEMA_FIELDS: frozenset[str] = frozenset(
    {"event_id", "event_date", "time_precision", "geo_precision", "coord_approximate", "fatalities",
     "claim_area_km2", "sources", "latitude", "longitude", *CATEGORICAL_FIELDS, *TEXT_FIELDS}
)


def _valid_lonlat(lon: Any, lat: Any) -> str | None:
    """None when usable, else why not."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return f"coordinate is not a number ({lon!r}, {lat!r})"
    if not (math.isfinite(x) and math.isfinite(y)):
        return "coordinate is NaN or infinite"
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        return f"coordinate out of range (lon {x}, lat {y})"
    if x == 0 and y == 0:
        return "coordinate is (0, 0), a common placeholder for 'unknown'"
    return None


def _sources(value: Any, where: str, report: ImportReport) -> list[dict[str, str]]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        return [{"outlet": s.strip()} for s in value.split(";") if s.strip()]
    if isinstance(value, list):
        out = []
        for s in value:
            if isinstance(s, dict):
                out.append({k: str(v) for k, v in s.items() if v not in (None, "")})
            elif isinstance(s, str) and s.strip():
                out.append({"outlet": s.strip()})
        return out
    report.flag(where, f"sources is a {type(value).__name__}, not a list; ignored")
    return []


def read_geojson(path: str | Path) -> tuple[EventTable, ImportReport]:
    path = Path(path)
    report = ImportReport(str(path), "GeoJSON")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        report.notes.append("UTF-8 byte-order mark stripped")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start}); GeoJSON must be UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    return table_from_geojson(doc, path, report)


def table_from_geojson(doc: Any, path: str | Path, report: ImportReport) -> tuple[EventTable, ImportReport]:
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    else:
        raise InputError(path, "not a GeoJSON FeatureCollection or Feature (no 'features' list)")
    stem = Path(path).stem
    records: list[dict[str, Any]] = []
    extra_names: list[str] = []
    seen_ids: dict[str, int] = {}
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
        rec: dict[str, Any] = {}
        for key, val in props.items():
            if key in SCHEMA_FIELDS:
                rec[key] = val
            else:
                if key not in extra_names:
                    extra_names.append(key)
                rec[key] = val if isinstance(val, str) else json.dumps(val, ensure_ascii=False)
        if geom is None:
            rec["longitude"] = rec["latitude"] = None
        elif isinstance(geom, dict) and geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list) and len(geom["coordinates"]) >= 2:
            lon, lat = geom["coordinates"][:2]
            why = _valid_lonlat(lon, lat)
            if why:
                report.flag(where, why, "kept without a point")
                rec["longitude"] = rec["latitude"] = None
            else:
                rec["longitude"], rec["latitude"] = float(lon), float(lat)
        else:
            kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
            report.reject(where, f"geometry is {kind}, not a Point")
            continue
        eid = rec.get("event_id") if rec.get("event_id") not in (None, "") else feat.get("id")
        eid = str(eid) if eid not in (None, "") else f"{stem}-{i}"
        if eid in seen_ids:
            report.flag(where, f"duplicate id {eid!r} (first at feature {seen_ids[eid]}); kept as {eid}#{i}")
            eid = f"{eid}#{i}"
        else:
            seen_ids[eid] = i
        rec["event_id"] = eid
        date = rec.get("event_date")
        if date not in (None, ""):
            try:
                import datetime as dt

                dt.date.fromisoformat(str(date)[:10])
            except ValueError:
                report.flag(where, f"date {date!r} is not YYYY-MM-DD; kept undated")
                rec["event_date"] = None
        rec["sources"] = _sources(rec.get("sources"), where, report)
        for num in ("time_precision", "geo_precision"):
            v = rec.get(num)
            if v not in (None, "") and not (isinstance(v, int) and 0 <= v <= 3):
                report.flag(where, f"{num} {v!r} is not 1, 2 or 3; set to 1" if num == "time_precision" else f"{num} {v!r} is not 1, 2 or 3; cleared")
                rec[num] = 1 if num == "time_precision" else 0
        for num in ("fatalities", "claim_area_km2"):
            v = rec.get(num)
            if v not in (None, "") and not isinstance(v, (int, float)):
                try:
                    rec[num] = float(v)
                except (TypeError, ValueError):
                    report.flag(where, f"{num} {v!r} is not a number; cleared")
                    rec[num] = None
        records.append(rec)
    if not records and features:
        raise InputError(path, f"none of its {len(features)} features could be read: {report.problems[0].what if report.problems else 'no Point features'}")
    for rec in records:
        rec.setdefault("dataset", stem)
    table = EventTable.from_records(records, extra_fields=extra_names)
    report.rows_loaded = len(table)
    return table, report
