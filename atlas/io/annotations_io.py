"""Annotations to and from GeoJSON and KML.

GeoJSON keeps every field in ``properties`` (``kind``, ``text``, ``style``, ...) so a round trip is
lossless; other tools see plain Points, LineStrings and Polygons. KML carries the same fields in
``ExtendedData`` and maps the style onto ``LineStyle``/``PolyStyle`` so Google Earth draws them in
their colours. KML is parsed with DTDs and entities refused (no billion laughs, no external files).

Readers return ``(annotations, ImportReport)``: a bad feature is rejected with its number and
reason, never silently dropped; an unreadable file raises :class:`InputError`.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from atlas.model.annotations import KINDS, Annotation, AnnotationError, AnnotationStyle

from .atomic import atomic_write_text
from .input_guard import parse_json, read_input_bytes
from .report import ImportReport, InputError

KML_NS = "http://www.opengis.net/kml/2.2"
_FIELDS = ("kind", "text", "curved", "symbol", "radius_km", "show_area", "approximate", "date_from", "date_to",
           "colour", "width", "font_size", "fill_opacity", "id")


# ---------------------------------------------------------------------------- GeoJSON
def _geometry(a: Annotation) -> dict[str, Any]:
    pts = [list(p) for p in a.points]
    if a.kind == "polygon":
        # RFC 7946 §3.1.6: the exterior ring counter-clockwise. A ring drawn clockwise is written
        # reversed and says so (``drawn_clockwise``), so reading it back gives the drawn order.
        if _drawn_clockwise(a.points):
            pts = pts[::-1]
        return {"type": "Polygon", "coordinates": [pts + [pts[0]]]}
    if len(pts) == 1:
        return {"type": "Point", "coordinates": pts[0]}
    return {"type": "LineString", "coordinates": pts}


def _drawn_clockwise(points: Sequence[tuple[float, float]]) -> bool:
    """True when the ring's signed (shoelace) area is negative: clockwise in lon/lat."""
    n = len(points)
    twice_area = sum(points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1] for i in range(n))
    return twice_area < 0


def to_geojson(annotations: Sequence[Annotation]) -> dict[str, Any]:
    feats = []
    for a in annotations:
        props = a.as_dict()
        props.pop("points")
        ann_id = props.pop("id")
        if a.kind == "polygon" and _drawn_clockwise(a.points):
            props["drawn_clockwise"] = True
        feats.append({"type": "Feature", "id": ann_id, "geometry": _geometry(a), "properties": props})
    return {"type": "FeatureCollection", "name": "Kursk Atlas annotations", "features": feats}


def _points_of(geom: Any) -> list[tuple[float, float]]:
    if not isinstance(geom, dict):
        raise AnnotationError("feature has no geometry")
    t, c = geom.get("type"), geom.get("coordinates")
    if t == "Point":
        return [(c[0], c[1])]
    if t == "LineString":
        return [(p[0], p[1]) for p in c]
    if t == "Polygon":
        ring = [(p[0], p[1]) for p in c[0]]
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]
        return ring
    raise AnnotationError(f"unsupported geometry type {t!r} (Point, LineString or Polygon)")


def _default_kind(geom: Any) -> str:
    t = geom.get("type") if isinstance(geom, dict) else None
    return {"Point": "marker", "LineString": "freehand", "Polygon": "polygon"}.get(str(t), "")


def annotations_from_geojson(doc: Any, report: ImportReport) -> list[Annotation]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise InputError(report.path, "not a GeoJSON FeatureCollection")
    out: list[Annotation] = []
    seen: set[str] = set()
    for i, f in enumerate(doc["features"], start=1):
        report.rows_read += 1
        try:
            if not isinstance(f, dict):
                raise AnnotationError("not a feature object")
            props = dict(f.get("properties") or {})
            geom = f.get("geometry")
            d = dict(props)
            d.setdefault("kind", _default_kind(geom))
            d.setdefault("text", props.get("name", ""))
            d["points"] = _points_of(geom)
            if d.pop("drawn_clockwise", False) is True:  # written counter-clockwise for RFC 7946
                d["points"] = d["points"][::-1]
            d["id"] = f.get("id") or props.get("id")
            a = Annotation.from_dict(d)
        except (AnnotationError, TypeError, IndexError, KeyError, ValueError) as exc:
            report.reject(f"feature {i}", str(exc))
            continue
        if a.id in seen:
            a = a.with_(id=Annotation(kind="marker", points=((0.0, 0.0),)).id)
            report.repair(f"feature {i}", "duplicate id replaced by a new one")
        seen.add(a.id)
        out.append(a)
    report.rows_loaded = len(out)
    return out


# ---------------------------------------------------------------------------- KML
def _kml_colour(hex_rgb: str, alpha: float) -> str:
    """#rrggbb + alpha -> KML aabbggrr."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{round(max(0.0, min(1.0, alpha)) * 255):02x}{b}{g}{r}"


def _from_kml_colour(s: str) -> tuple[str, float] | None:
    s = s.strip()
    if len(s) != 8:
        return None
    try:
        int(s, 16)
    except ValueError:
        return None
    return f"#{s[6:8]}{s[4:6]}{s[2:4]}".lower(), int(s[0:2], 16) / 255


def _coords_text(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{lon:.7f},{lat:.7f}" for lon, lat in points)


def to_kml(annotations: Sequence[Annotation]) -> str:
    ET.register_namespace("", KML_NS)
    q = lambda tag: f"{{{KML_NS}}}{tag}"  # noqa: E731
    kml = ET.Element(q("kml"))
    doc = ET.SubElement(kml, q("Document"))
    ET.SubElement(doc, q("name")).text = "Kursk Atlas annotations"
    for a in annotations:
        pm = ET.SubElement(doc, q("Placemark"), {"id": a.id})
        ET.SubElement(pm, q("name")).text = a.text or a.describe()
        st = ET.SubElement(pm, q("Style"))
        ls = ET.SubElement(st, q("LineStyle"))
        ET.SubElement(ls, q("color")).text = _kml_colour(a.style.colour, 1.0)
        ET.SubElement(ls, q("width")).text = f"{a.style.width:g}"
        ps = ET.SubElement(st, q("PolyStyle"))
        ET.SubElement(ps, q("color")).text = _kml_colour(a.style.colour, a.style.fill_opacity)
        ext = ET.SubElement(pm, q("ExtendedData"))
        d = a.as_dict()
        d.update(a.style.as_dict())
        for k in _FIELDS:
            if k in d and k != "id":
                data = ET.SubElement(ext, q("Data"), {"name": k})
                ET.SubElement(data, q("value")).text = str(d[k])
        if a.kind == "polygon":
            poly = ET.SubElement(pm, q("Polygon"))
            outer = ET.SubElement(ET.SubElement(poly, q("outerBoundaryIs")), q("LinearRing"))
            ET.SubElement(outer, q("coordinates")).text = _coords_text(list(a.points) + [a.points[0]])
        elif len(a.points) == 1:
            ET.SubElement(ET.SubElement(pm, q("Point")), q("coordinates")).text = _coords_text(a.points)
        else:
            ET.SubElement(ET.SubElement(pm, q("LineString")), q("coordinates")).text = _coords_text(a.points)
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


def safe_xml_root(data: bytes, path: str) -> ET.Element:
    """Parse XML, refusing any DTD: entity expansion (billion laughs) and external entities
    are the classic XML attacks, and no KML needs a DTD."""
    from .safety import safe_xml_parse  # refuses them inside the parser, in any encoding

    return safe_xml_parse(data, path)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el: ET.Element, name: str) -> ET.Element | None:
    for child in el.iter():
        if _local(child.tag) == name:
            return child
    return None


def _coords_of(el: ET.Element) -> str:
    # (An Element without children is falsy: never write `_find(...) or default`.)
    c = _find(el, "coordinates")
    return "" if c is None else (c.text or "")


def _parse_coords(text: str | None) -> list[tuple[float, float]]:
    pts = []
    for tok in (text or "").split():
        parts = tok.split(",")
        if len(parts) < 2:
            raise AnnotationError(f"bad coordinate {tok!r}")
        lon, lat = float(parts[0]), float(parts[1])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise AnnotationError(f"bad coordinate {tok!r}")
        pts.append((lon, lat))
    return pts


def annotations_from_kml(data: bytes, report: ImportReport) -> list[Annotation]:
    root = safe_xml_root(data, report.path)
    if _local(root.tag) != "kml":
        raise InputError(report.path, f"not KML (root element is <{_local(root.tag)}>)")
    out: list[Annotation] = []
    seen: set[str] = set()
    for i, pm in enumerate((e for e in root.iter() if _local(e.tag) == "Placemark"), start=1):
        report.rows_read += 1
        try:
            ext: dict[str, str] = {}
            for data_el in (e for e in pm.iter() if _local(e.tag) == "Data"):
                v = _find(data_el, "value")
                ext[data_el.get("name", "")] = (v.text or "") if v is not None else ""
            name_el = next((c for c in pm if _local(c.tag) == "name"), None)
            name = (name_el.text or "").strip() if name_el is not None else ""
            poly, line, point = _find(pm, "Polygon"), _find(pm, "LineString"), _find(pm, "Point")
            if poly is not None:
                ring = _find(poly, "outerBoundaryIs")
                pts = _parse_coords(_coords_of(ring if ring is not None else poly))
                if len(pts) > 1 and pts[0] == pts[-1]:
                    pts = pts[:-1]
                default_kind = "polygon"
            elif line is not None:
                pts = _parse_coords(_coords_of(line))
                default_kind = "freehand"
            elif point is not None:
                pts = _parse_coords(_coords_of(point))
                default_kind = "marker" if not name else "text"
            else:
                raise AnnotationError("placemark has no Point, LineString or Polygon")
            kind = ext.get("kind") or default_kind
            style_d: dict[str, Any] = {}
            for k in ("colour", "width", "font_size", "fill_opacity"):
                if ext.get(k):
                    style_d[k] = ext[k]
            if "colour" not in style_d:
                lc = _find(pm, "LineStyle")
                col = _find(lc, "color") if lc is not None else None
                parsed = _from_kml_colour(col.text or "") if col is not None else None
                if parsed:
                    style_d["colour"] = parsed[0]
            # Our own files carry the text in ExtendedData (the <name> may be a generated description);
            # KML from other tools has only the <name>.
            text = ext["text"] if "text" in ext else name
            d: dict[str, Any] = {
                "kind": kind, "points": pts, "text": text,
                "style": style_d, "id": pm.get("id") or ext.get("id"),
                "curved": ext.get("curved") == "True", "symbol": ext.get("symbol") or "circle",
                "radius_km": float(ext.get("radius_km") or 0.0), "show_area": ext.get("show_area") == "True",
                "approximate": ext.get("approximate") == "True",
                "date_from": ext.get("date_from"), "date_to": ext.get("date_to"),
            }
            if kind == "ring" and not d["radius_km"]:
                raise AnnotationError("a ring needs radius_km in its ExtendedData")
            a = Annotation.from_dict(d)
        except (AnnotationError, TypeError, ValueError) as exc:
            report.reject(f"placemark {i}", str(exc))
            continue
        if a.id in seen:
            a = a.with_(id=Annotation(kind="marker", points=((0.0, 0.0),)).id)
            report.repair(f"placemark {i}", "duplicate id replaced by a new one")
        seen.add(a.id)
        out.append(a)
    report.rows_loaded = len(out)
    return out


# ---------------------------------------------------------------------------- files
#: Annotations are drawn by hand: 64 MB is far beyond any real file and bounds a hostile one.
MAX_ANNOTATION_BYTES = 64 << 20


def read_annotations(path: str | Path) -> tuple[list[Annotation], ImportReport]:
    """Read a .geojson/.json or .kml file of annotations."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".geojson", ".json", ".kml"):
        raise InputError(p, f"unknown annotations format {suffix or '(none)'} (use .geojson or .kml)")
    data = read_input_bytes(p, MAX_ANNOTATION_BYTES, "file of annotations")
    if suffix == ".kml":
        report = ImportReport(str(p), "KML annotations")
        return annotations_from_kml(data, report), report
    report = ImportReport(str(p), "GeoJSON annotations")
    doc = parse_json(data, p, "JSON")
    return annotations_from_geojson(doc, report), report


def write_annotations(path: str | Path, annotations: Sequence[Annotation]) -> None:
    """Write .geojson/.json or .kml, atomically (a temp file renamed over the target)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".kml":
        text = to_kml(annotations)
    elif suffix in (".geojson", ".json"):
        text = json.dumps(to_geojson(annotations), ensure_ascii=False, indent=1)
    else:
        raise InputError(p, f"unknown annotations format {suffix or '(none)'} (use .geojson or .kml)")
    atomic_write_text(p, text)


__all__ = ["KINDS", "AnnotationStyle", "read_annotations", "write_annotations", "to_geojson", "to_kml",
           "annotations_from_geojson", "annotations_from_kml"]
