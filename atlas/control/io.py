"""Read areas-of-control files into :class:`ControlSnapshot` values.

Formats
-------
- DeepStateMap-style GeoJSON: the status comes from the last ``///``-separated part of the
  trilingual ``name`` (``geoJSON.status.occupied`` …), never from the translated label; NBSP,
  trailing newlines, ``{{at:…}}`` templates, 3-D coordinates and a legacy ``crs`` member (honoured
  with pyproj, atlas.io.geojson_crs) are handled.
  The date is in the file name only (Unix seconds or YYYYMMDD).
- Any GeoJSON polygon layer with a ``status`` and a date property (``as_of``/``date``): one snapshot
  per distinct date; this is also what :mod:`atlas.control.export` writes.
- GeoPackage polygon layers (what :mod:`atlas.control.export` writes; any layer with a status and a
  date column): read by the GeoJSON rules; a change layer (gained/lost) is skipped, as in GeoJSON.
- KML/KMZ control polygons: the status from the placemark's style id or name (``#ru``/``#ua``…),
  the date from a file-name pattern such as ``Control_24_09_01`` (YY_MM_DD) or a TimeStamp. XML with
  a DOCTYPE or ENTITY declaration is refused (no entity expansion); namespaces are optional.

A file without a date raises :class:`UndatedError` unless the caller passes ``as_of`` (the GUI asks
the user for it; the CLI stops with a one-line error). Anything unreadable raises ``InputError``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from atlas.io.report import ImportReport, InputError

from .model import STATUS_LABELS, STATUSES, ControlSnapshot, ModelEnvelope, polygonal

MAX_BYTES = 512 * 1024 * 1024
SUFFIXES = (".geojson", ".json", ".kml", ".kmz", ".gpkg")


class UndatedError(InputError):
    """The file holds control polygons but says nowhere which date they show."""


# ---------------------------------------------------------------------------- dates
_UNIX = re.compile(r"(?<!\d)(1\d{9})(?!\d)")
_YMD = re.compile(r"(?<!\d)(20\d\d)[-_.]?(\d\d)[-_.]?(\d\d)(?!\d)")
_YY_MM_DD = re.compile(r"(?<!\d)(\d\d)_(\d\d)_(\d\d)(?!\d)")
_DOTTED = re.compile(r"(?<!\d)(20\d\d)\.(\d\d)\.(\d\d)(?!\d)")


def _valid(y: int, m: int, d: int) -> dt.date | None:
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return None
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 1, 1) else None


def date_from_name(name: str) -> dt.date | None:
    """The snapshot date a file name carries: Unix seconds (UTC day), YYYYMMDD, YYYY-MM-DD, or
    YY_MM_DD (as in ``Control_24_09_01``). None when there is none."""
    stem = Path(name).name
    m = _UNIX.search(stem)
    if m:
        return dt.datetime.fromtimestamp(int(m.group(1)), tz=dt.timezone.utc).date()
    m = _YMD.search(stem)
    if m and (day := _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
        return day
    m = _YY_MM_DD.search(stem)
    if m and (day := _valid(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))):
        return day
    return None


def parse_date_value(value: Any) -> dt.date | None:
    """A date property: ISO date/time, YYYY.MM.DD, YYYYMMDD, or Unix seconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        v = int(value)
        if 946_684_800 <= v <= 4_102_444_800:
            return dt.datetime.fromtimestamp(v, tz=dt.timezone.utc).date()
        if 20000101 <= v <= 21000101:
            return _valid(v // 10000, v // 100 % 100, v % 100)
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    for rx in (_DOTTED, _YMD):
        m = rx.search(text)
        if m and (day := _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
            return day
    if text.isdigit():
        return parse_date_value(int(text))
    return None


def series_name(file_name: str) -> str:
    """The file name without its suffix and date, so dated files of one producer group into one
    series: ``mapsite_Control_24_09_01.kml`` -> ``mapsite_Control``."""
    stem = Path(file_name).stem
    for rx in (_UNIX, _YMD, _YY_MM_DD):
        stem = rx.sub("", stem)
    return stem.strip(" _-.") or Path(file_name).stem


DATE_KEYS = ("as_of", "as_of_date", "snapshot_date", "date", "Date", "DATE", "datetime")


# ---------------------------------------------------------------------------- statuses
#: DeepStateMap keys (the last ``///`` part of ``name``) → status. ``territories.*`` other than the
#: ones below are political markings (Karelia, Kurils, East Prussia …), not areas of this war.
DEEPSTATE_KEYS: dict[str, str] = {
    "geoJSON.status.occupied": "russian",
    "geoJSON.status.dismissed": "ukrainian",
    "geoJSON.status.dismissed_at": "ukrainian",
    "geoJSON.status.liberated": "ukrainian",
    "geoJSON.status.unknown": "grey",
    "geoJSON.status.contested": "contested",
    "geoJSON.status.grey": "grey",
    "geoJSON.territories.crimea": "russian",
    "geoJSON.territories.ordlo": "russian",
    "geoJSON.territories.tuzla": "russian",
    "geoJSON.zmiinyi_island": "ukrainian",
}

_ALIASES: dict[str, str] = {}
for _status, _words in {
    "ukrainian": ("ukrainian", "ukraine", "ua", "ukr", "ukrainian-held", "ukrainian held", "afu", "zsu",
                  "liberated", "dismissed", "blue"),
    "russian": ("russian", "russia", "ru", "rus", "russian-held", "russian held", "occupied", "red"),
    "contested": ("contested", "disputed", "fighting", "contested area"),
    "grey": ("grey", "gray", "grey zone", "gray zone", "grey-zone", "unknown", "unknown status",
             "no man's land", "neutral"),
}.items():
    for _w in _words:
        _ALIASES[_w] = _status


def normalize_status(value: Any) -> str | None:
    """A status word in any of the usual spellings → one of :data:`STATUSES` (None if unknown)."""
    if value is None:
        return None
    text = " ".join(str(value).replace("\xa0", " ").split()).lower().strip("#")
    if text in STATUSES:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    return None


def deepstate_key(name: str) -> str | None:
    """The machine key of a trilingual DeepStateMap name: the part after the last ``///``, with
    NBSP, newlines and ``{{at:…}}`` templates removed. None when the name has no ``///``."""
    if "///" not in name:
        return None
    key = name.split("///")[-1]
    key = re.sub(r"\{\{.*?\}\}", "", key, flags=re.S)
    key = " ".join(key.replace("\xa0", " ").split())
    return key.split(" ")[0] if key else None


def status_from_deepstate(name: str) -> tuple[str | None, str | None]:
    key = deepstate_key(name)
    if key is None:
        return None, None
    return DEEPSTATE_KEYS.get(key), key


def _tokens_status(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        direct = normalize_status(text)
        if direct:
            return direct
        for tok in re.split(r"[^a-z]+", text.lower()):
            if tok in ("ru", "rus", "russia", "russian", "occupied"):
                return "russian"
            if tok in ("ua", "ukr", "ukraine", "ukrainian", "liberated", "afu", "zsu"):
                return "ukrainian"
            if tok in ("contested", "disputed"):
                return "contested"
            if tok in ("grey", "gray", "greyzone", "grayzone"):
                return "grey"
    return None


# ---------------------------------------------------------------------------- assembling
def _as_polygons(geom: BaseGeometry) -> BaseGeometry:
    geom = shapely.force_2d(geom)
    return polygonal(geom)


def _snapshot(as_of: dt.date, parts: dict[str, list[BaseGeometry]], source: str, label: str,
              approximate: bool, notes: list[str],
              colours: dict[str, tuple[str, int, str]] | None = None,
              envelope: dict[str, list[BaseGeometry]] | None = None) -> ControlSnapshot:
    polys = {s: polygonal(shapely.union_all(g)) for s, g in parts.items() if g}
    kept = {s: c for s, c in (colours or {}).items() if s in polys}
    env = None
    if envelope and "outer" in envelope:
        outer = polygonal(shapely.union_all(envelope["outer"]))
        inner = polygonal(shapely.union_all(envelope.get("inner", [])))
        env = ModelEnvelope(inner, outer)
    return ControlSnapshot(as_of, {s: polys[s] for s in STATUSES if s in polys}, source, label,
                           approximate, tuple(notes), kept, env)


def read_control(path: str | Path, as_of: dt.date | None = None,
                 default_status: str | None = None) -> tuple[list[ControlSnapshot], ImportReport]:
    """Read one file. ``as_of`` dates a file that carries no date; ``default_status`` gives the
    status of polygons that have none. Raises InputError / UndatedError."""
    p = Path(path)
    from atlas.io.input_guard import check_regular_file

    # Missing, a folder, a device, a pipe: the one guard every reader passes.
    if check_regular_file(p).st_size > MAX_BYTES:
        raise InputError(p, f"is larger than {MAX_BYTES // 2**20} MB")
    if default_status is not None and default_status not in STATUSES:
        raise ValueError(f"default_status must be one of {STATUSES}")
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _read_geojson(p, as_of, default_status)
    if suffix in (".kml", ".kmz"):
        return _read_kml(p, as_of, default_status)
    if suffix == ".gpkg":
        return _read_gpkg(p, as_of, default_status)
    raise InputError(p, f"unknown control-area format {suffix or '(no suffix)'}; "
                        f"expected one of {', '.join(SUFFIXES)}")


def _declared_crs(p: Path, doc: dict[str, Any]) -> Any:
    """The legacy ``crs`` member (atlas.io.geojson_crs): None for WGS 84 longitude/latitude,
    else the system the polygons are transformed from; a system pyproj does not know is refused."""
    from atlas.io.geojson_crs import CrsError, parse_crs_member

    if not doc.get("crs"):
        return None
    try:
        declared = parse_crs_member(doc["crs"])
    except CrsError as exc:
        raise InputError(p, str(exc)) from None
    return None if declared is None or declared.is_wgs84_lonlat else declared


def _to_lonlat(geom: BaseGeometry, declared: Any, notes: set[str]) -> BaseGeometry:
    from atlas.io.geojson_crs import to_lonlat

    def fn(xy: np.ndarray) -> np.ndarray:
        lon, lat, said = to_lonlat(declared, xy[:, 0], xy[:, 1])
        notes.update(said)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, fn)


def _read_geojson(p: Path, as_of: dt.date | None,
                  default_status: str | None) -> tuple[list[ControlSnapshot], ImportReport]:
    report = ImportReport(str(p), "GeoJSON control areas")
    from atlas.io.input_guard import MAX_INPUT_BYTES, parse_json, read_input_bytes

    doc = parse_json(read_input_bytes(p, MAX_INPUT_BYTES, "GeoJSON file"), p, "JSON")
    return _from_feature_collection(p, doc, report, as_of, default_status)


def _from_feature_collection(p: Path, doc: Any, report: ImportReport, as_of: dt.date | None,
                             default_status: str | None) -> tuple[list[ControlSnapshot], ImportReport]:
    """Snapshots from a GeoJSON document (or a GeoPackage's layers in that shape)."""
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise InputError(p, "is not a GeoJSON FeatureCollection")
    declared = _declared_crs(p, doc)
    crs_notes: set[str] = set()
    coll_name = str(doc.get("name") or "")
    coll_props = doc.get("properties") if isinstance(doc.get("properties"), dict) else {}
    coll_date = next((d for k in DATE_KEYS if (d := parse_date_value(doc.get(k) or coll_props.get(k)))), None)
    file_date = date_from_name(p.name) or date_from_name(coll_name)
    # cyterat/deepstate-map-data: one merged outline of DeepStateMap's occupied area, no properties.
    merged_occupied = coll_name.lower().startswith("deepstatemap_data")
    source = str(doc.get("source") or coll_props.get("source") or "")
    deepstate = False
    approximate = bool(doc.get("approximate") or coll_props.get("approximate"))
    parts: dict[dt.date | None, dict[str, list[BaseGeometry]]] = defaultdict(lambda: defaultdict(list))
    # A model's range (model_range inner/outer, as the bundled reconstruction writes it): kept
    # apart from the statuses' polygons, so the outer envelope does not swell the central area.
    envelopes: dict[dt.date | None, dict[str, list[BaseGeometry]]] = defaultdict(lambda: defaultdict(list))
    sources: dict[dt.date | None, str] = {}
    skipped_points = 0
    changes = 0
    skipped_keys: dict[str, int] = defaultdict(int)
    for i, feat in enumerate(doc["features"], start=1):
        report.rows_read += 1
        where = f"feature {i}"
        if not isinstance(feat, dict):
            report.reject(where, "is not a GeoJSON object")
            continue
        geom_json = feat.get("geometry")
        props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
        if props.get("change") in ("gained", "lost"):
            changes += 1  # our export's change layer: a difference between two snapshots, not one
            continue
        if not geom_json:
            report.reject(where, "has no geometry")
            continue
        gtype = geom_json.get("type") if isinstance(geom_json, dict) else None
        if gtype in ("Point", "MultiPoint", "LineString", "MultiLineString"):
            skipped_points += 1
            continue
        try:
            geom = shape(geom_json)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            report.reject(where, f"bad geometry: {exc}")
            continue
        if declared is not None:
            geom = _to_lonlat(shapely.force_2d(geom), declared, crs_notes)
        if not geom.is_valid:
            report.repair(where, "invalid polygon (self-intersection) made valid")
        geom = _as_polygons(geom)
        # An empty (Multi)Polygon with a status and a date is meaningful: "nothing held" that day.
        if geom.is_empty and not (gtype in ("Polygon", "MultiPolygon") and props.get("status")):
            report.reject(where, f"{gtype} has no area")
            continue
        status = normalize_status(props.get("status"))
        key = None
        if status is None and isinstance(props.get("name"), str):
            status, key = status_from_deepstate(props["name"])
            if key is not None:
                deepstate = True
        if status is None and key is not None:
            skipped_keys[key] += 1
            continue
        if status is None and not props.get("status") and merged_occupied:
            status = "russian"
        if status is None:
            status = default_status
        if status is None:
            what = (f"unknown status {props.get('status')!r}" if props.get("status")
                    else "no status (no 'status' property or DeepStateMap name)")
            report.reject(where, what)
            continue
        date = next((d for k in DATE_KEYS if (d := parse_date_value(props.get(k)))), None)
        date = date or coll_date or file_date or as_of
        band = props.get("model_range")
        if band in ("inner", "outer"):
            envelopes[date][band].append(geom)
            report.rows_loaded += 1
            continue
        if geom.is_empty:
            parts[date].setdefault(status, [])
        else:
            parts[date][status].append(geom)
        if props.get("source") and date not in sources:
            sources[date] = str(props["source"])
        if props.get("approximate") in (True, "true", "yes", 1):
            approximate = True
        report.rows_loaded += 1
    report.notes.extend(sorted(crs_notes))
    if changes:
        report.notes.append(f"{changes} change feature(s) (area gained/lost) skipped: not snapshots")
    if skipped_points:
        report.notes.append(f"{skipped_points} point/line features (labels, markers) skipped: not areas")
    if skipped_keys:
        names = ", ".join(k.rsplit(".", 1)[-1] for k in sorted(skipped_keys))
        report.notes.append(f"{sum(skipped_keys.values())} polygon(s) skipped as political markings, "
                            f"not areas of control in this war ({names})")
    if not parts:
        raise InputError(p, "holds no control polygons" + (f" ({report.problems[0].what})" if report.problems else ""))
    if None in parts:
        raise UndatedError(p, "has no date (none in the file name as Unix seconds, YYYYMMDD or "
                              "YY_MM_DD, and no as_of/date property); give the snapshot date")
    if merged_occupied and not deepstate:
        report.notes.append("merged DeepStateMap outline without statuses: read as Russian-held (occupied)")
    fmt_source = ("DeepStateMap (deepstatemap.live)" if deepstate or merged_occupied else "")
    snaps = []
    for date in sorted(parts):  # type: ignore[type-var]
        src = sources.get(date) or source or fmt_source or f"{'GeoPackage' if p.suffix.lower() == '.gpkg' else 'GeoJSON'} {series_name(p.name)}"
        notes = list(report.notes)
        snaps.append(_snapshot(date, parts[date], src, p.name, approximate, notes,  # type: ignore[arg-type]
                               envelope=envelopes.get(date)))
    if deepstate or merged_occupied:
        report.format = "DeepStateMap GeoJSON"
    return snaps, report


# ---------------------------------------------------------------------------- GeoPackage
def _read_gpkg(p: Path, as_of: dt.date | None,
               default_status: str | None) -> tuple[list[ControlSnapshot], ImportReport]:
    """The polygon layers of a GeoPackage (what atlas.control.export writes, or any with a
    ``status`` and a date column), read through the same rules as GeoJSON."""
    import sqlite3

    from shapely.geometry import mapping

    from atlas.io.gpkg_events import parse_blob_geometry
    from atlas.io.safety import open_sqlite_input

    report = ImportReport(str(p), "GeoPackage control areas")
    con, budget = open_sqlite_input(p)
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    features: list[dict[str, Any]] = []
    try:
        layers = con.execute(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g "
            "ON g.table_name = c.table_name WHERE c.data_type = 'features'").fetchall()
        for table, geom_col, srs in layers:
            declared = None
            if srs not in (4326, 0, -1):
                from atlas.io.geojson_crs import DeclaredCrs

                declared = DeclaredCrs(f"EPSG:{srs}", int(srs), False)
            cur = con.execute(f'SELECT * FROM "{str(table).replace(chr(34), chr(34) * 2)}"')
            names = [d[0] for d in cur.description]
            for rec in cur:
                props = dict(zip(names, rec, strict=True))
                blob = props.pop(geom_col, None)
                props.pop("fid", None)
                geom = parse_blob_geometry(blob) if blob is not None else None
                if isinstance(geom, str):
                    report.reject(f"{table} feature", geom)
                    continue
                if geom is not None and declared is not None:
                    geom = _to_lonlat(shapely.force_2d(geom), declared, set())
                features.append({"type": "Feature", "properties": props,
                                 "geometry": mapping(geom) if geom is not None else None})
    except sqlite3.DatabaseError as exc:
        if budget.spent:
            raise InputError(p, f"reading the GeoPackage took longer than {budget.seconds:g} s; refused") from None
        raise InputError(p, f"damaged or not a GeoPackage: {exc}") from None
    finally:
        con.close()
    return _from_feature_collection(p, {"type": "FeatureCollection", "features": features}, report, as_of,
                                    default_status)


# ---------------------------------------------------------------------------- KML
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _coords(text: str | None) -> list[tuple[float, float]]:
    out = []
    for tup in (text or "").split():
        xy = tup.split(",")
        if len(xy) >= 2:
            out.append((float(xy[0]), float(xy[1])))
    return out


def _text(el: ET.Element) -> str:
    """A Data's <value> or a SimpleData's text."""
    value = next((c for c in el if _local(c.tag) == "value"), None)
    return ((value.text if value is not None else el.text) or "").strip()


def _kml_polygon(el: ET.Element) -> Polygon | None:
    outer: list[tuple[float, float]] = []
    holes: list[list[tuple[float, float]]] = []
    for child in el:
        name = _local(child.tag)
        if name not in ("outerBoundaryIs", "innerBoundaryIs"):
            continue
        for ring in child.iter():
            if _local(ring.tag) == "coordinates":
                pts = _coords(ring.text)
                if name == "outerBoundaryIs":
                    outer = pts
                elif len(pts) >= 4:
                    holes.append(pts)
    if len(outer) < 4:
        return None
    return Polygon(outer, holes)


def _kml_bytes(p: Path) -> bytes:
    if p.suffix.lower() == ".kmz":
        # Member count, path traversal, zip bombs: checked by the shared guard (atlas/io/safety.py).
        from atlas.io.safety import kml_from_kmz

        return kml_from_kmz(p)
    from atlas.io.input_guard import MAX_INPUT_BYTES, read_input_bytes

    return read_input_bytes(p, MAX_INPUT_BYTES, "KML file")


def _read_kml(p: Path, as_of: dt.date | None,
              default_status: str | None) -> tuple[list[ControlSnapshot], ImportReport]:
    report = ImportReport(str(p), "KML control areas")
    data = _kml_bytes(p)
    # DOCTYPE/ENTITY refused inside the parser, in any encoding (a UTF-16 file hides them from a byte search).
    from atlas.io.safety import safe_xml_parse

    root = safe_xml_parse(data, p)
    if _local(root.tag) not in ("kml", "Document", "Folder", "Placemark"):
        raise InputError(p, f"is not KML (root element <{_local(root.tag)}>)")
    doc_date = None
    for el in root.iter():
        if _local(el.tag) in ("when", "begin") and (d := parse_date_value(el.text)):
            doc_date = d
            break
        if _local(el.tag) == "value" and el.text and _DOTTED.search(el.text) and (d := parse_date_value(el.text)):
            doc_date = d
            break
    date = date_from_name(p.name) or doc_date or as_of
    # A placemark's own TimeStamp dates it (a series in one file, as atlas.control.kml_export
    # writes it); placemarks without one take the file's date.
    parts: dict[dt.date | None, dict[str, list[BaseGeometry]]] = defaultdict(lambda: defaultdict(list))
    envelopes: dict[dt.date | None, dict[str, list[BaseGeometry]]] = defaultdict(lambda: defaultdict(list))
    approximate = False
    changes = 0
    from atlas.io.kml_style import StyleIndex

    # The file's own colours per status (PolyStyle fill, LineStyle edge): an analyst's KML keeps
    # the look it was drawn with. The first placemark of a status decides; others that differ are noted.
    styles = StyleIndex(root)
    colours: dict[str, tuple[str, int, str]] = {}
    clashes: set[str] = set()
    for i, pm in enumerate((e for e in root.iter() if _local(e.tag) == "Placemark"), start=1):
        fields = {_local(c.tag): (c.text or "").strip() for c in pm}
        if any(_local(d.tag) in ("Data", "SimpleData") and d.get("name") == "change" for d in pm.iter()):
            changes += 1  # a gained/lost difference between two snapshots, not a snapshot
            continue
        stamp = next((c for c in pm if _local(c.tag) == "TimeStamp"), None)
        when = next((w.text for w in stamp if _local(w.tag) == "when"), None) if stamp is not None else None
        own_date = parse_date_value(when) if when else None
        polys = []
        for el in pm.iter():
            if _local(el.tag) == "Polygon":
                report.rows_read += 1
                try:
                    poly = _kml_polygon(el)
                except ValueError as exc:
                    report.reject(f"placemark {i}", f"bad coordinates: {exc}")
                    continue
                if poly is None:
                    report.reject(f"placemark {i}", "polygon ring with fewer than 4 points")
                    continue
                if not poly.is_valid:
                    report.repair(f"placemark {i}", "invalid polygon made valid")
                polys.append(polygonal(poly))
        if not polys:
            continue
        declared = next((_text(d) for d in pm.iter() if _local(d.tag) in ("Data", "SimpleData")
                         and (d.get("name") or "").lower() in ("status", "control")), None)
        status = (normalize_status(declared) or _tokens_status(fields.get("styleUrl", "").lstrip("#"), fields.get("name"))
                  or default_status)
        if status is None:
            report.reject(f"placemark {i}", f"cannot tell the status of {fields.get('name')!r} "
                                            f"(style {fields.get('styleUrl')!r})")
            continue
        # A model's range, as atlas.control.kml_export writes it (ExtendedData model_range).
        band = next(((d.text or "").strip() for d in pm.iter()
                     if _local(d.tag) in ("Data", "SimpleData") and d.get("name") == "model_range"), "")
        if band in ("inner", "outer"):
            envelopes[own_date or date][band].extend(polys)
            approximate = True
        else:
            parts[own_date or date][status].extend(polys)
        report.rows_loaded += len(polys)
        look = styles.resolve_area(pm)
        if look:
            fill = look.fill or look.edge or "#808080"
            colour = (fill, look.fill_alpha if look.fill else 0, look.edge or fill)
            if colours.setdefault(status, colour) != colour:
                clashes.add(status)
    # The atlas's own export writes its palette: nothing to keep then.
    from atlas.model.palette import STATUS_STYLE

    colours = {s: c for s, c in colours.items() if (c[0], c[2]) != (STATUS_STYLE[s][0], STATUS_STYLE[s][2])}
    if colours:
        report.notes.append("colours from the file (" + ", ".join(
            f"{STATUS_LABELS[s]} {c[0]}" for s, c in colours.items()) + ")")
    if clashes:
        report.notes.append("placemarks of one status in several colours: the first one's is used for "
                            + ", ".join(STATUS_LABELS[s] for s in sorted(clashes)))
    if changes:
        report.notes.append(f"{changes} change placemark(s) (area gained/lost) skipped: not snapshots")
    if not parts:
        raise InputError(p, "holds no control polygons with a status" +
                         (f" ({report.problems[0].what})" if report.problems else ""))
    if None in parts:
        raise UndatedError(p, "has no date (none in the file name, e.g. Control_24_09_01, and no "
                              "TimeStamp); give the snapshot date")
    source = f"KML {series_name(p.name)}"
    snaps = [_snapshot(d, parts[d], source, p.name, approximate, list(report.notes), colours,  # type: ignore[arg-type]
                       envelope=envelopes.get(d))
             for d in sorted(parts)]  # type: ignore[type-var]
    return snaps, report


def read_many(paths: list[str | Path], as_of: dt.date | None = None
              ) -> tuple[list[ControlSnapshot], list[ImportReport]]:
    snaps: list[ControlSnapshot] = []
    reports: list[ImportReport] = []
    for path in paths:
        s, r = read_control(path, as_of)
        snaps += s
        reports.append(r)
    return snaps, reports


def is_polygonal(geom: BaseGeometry) -> bool:
    return isinstance(geom, (Polygon, MultiPolygon))
