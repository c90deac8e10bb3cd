"""Areas of control as KML and KMZ, for Google Earth and for GDAL's two KML drivers.

One nested Document per layer (``series``, ``change``): both GDAL drivers make each a layer. Every
feature is a Placemark with a shared style per status (the map's fill and outline, so Google Earth
shows what the atlas shows), a TimeStamp of its date (Google Earth's time slider; the atlas's reader
groups the snapshots by it), typed ExtendedData (one Schema per layer, read as typed columns by
LIBKML) and its geometry as a MultiGeometry of every polygon part, holes included.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from atlas.io.atomic import atomic_path
from atlas.io.kml_style import to_kml_colour
from atlas.model.palette import GAINED_COLOUR, LOST_COLOUR, STATUS_STYLE

Feature = tuple[BaseGeometry, dict[str, Any]]
_CHANGE_COLOURS = {"gained": GAINED_COLOUR, "lost": LOST_COLOUR}


def _x(value: Any) -> str:
    return escape(str(value))


def style_id(props: dict[str, Any]) -> str:
    """The shared style of a feature: ``change-gained``/``change-lost`` or ``status-<status>``
    (the reader takes the status from this id)."""
    if props.get("change") in _CHANGE_COLOURS:
        return f"change-{props['change']}"
    return f"status-{props.get('status', 'grey')}"


def _styles() -> str:
    out = []
    for status, (fill, alpha, edge) in STATUS_STYLE.items():
        out.append(f'<Style id="status-{status}"><LineStyle><color>{to_kml_colour(edge)}</color><width>1.5</width>'
                   f"</LineStyle><PolyStyle><color>{to_kml_colour(fill, alpha / 255)}</color></PolyStyle></Style>")
    for kind, colour in _CHANGE_COLOURS.items():
        out.append(f'<Style id="change-{kind}"><LineStyle><color>{to_kml_colour(colour)}</color><width>1.5</width>'
                   f"</LineStyle><PolyStyle><color>{to_kml_colour(colour, 0.45)}</color></PolyStyle></Style>")
    return "\n".join(out) + "\n"


def _kml_type(values: list[Any]) -> str:
    vals = [v for v in values if v is not None]
    if vals and all(isinstance(v, bool) for v in vals):
        return "bool"
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return "int"
    if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return "double"
    return "string"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"  # xsd:boolean in the form GDAL's integer column takes
    return _x(v)


def _ring(coords: Iterable[tuple[float, ...]]) -> str:
    return " ".join(f"{c[0]!r},{c[1]!r}" for c in coords)


def _polygon(p: Polygon) -> str:
    inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_ring(h.coords)}</coordinates></LinearRing>"
                    "</innerBoundaryIs>" for h in p.interiors)
    return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_ring(p.exterior.coords)}</coordinates>"
            f"</LinearRing></outerBoundaryIs>{inner}</Polygon>")


def _geometry(geom: BaseGeometry) -> str:
    """Every polygon part, as a MultiGeometry even with one part, so both drivers see MultiPolygon."""
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    return "<MultiGeometry>" + "".join(_polygon(p) for p in parts if not p.is_empty) + "</MultiGeometry>"


def kml_text(layers: dict[str, list[Feature]], name: str = "Kursk Atlas areas of control") -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n',
           f"<name>{_x(name)}</name>\n", _styles()]
    keys_of: dict[str, list[str]] = {}
    # An empty Folder is no layer to GDAL's KML driver (and a change with nothing gained or lost
    # has no placemark): empty layers are left out, so both drivers list the same layers.
    layers = {layer: feats for layer, feats in layers.items() if feats}
    for layer, feats in layers.items():
        keys: list[str] = []
        for _g, props in feats:
            keys += [k for k in props if k not in keys]
        keys_of[layer] = keys
        # Each layer is a Document of its own holding its Schema: in a KMZ, LIBKML applies a
        # Schema only to the Document that declares it (a Folder beside a shared Schema gets
        # untyped columns), and the KML driver makes a layer of every Document as of a Folder.
        out.append(f"<Document><name>{_x(layer)}</name>\n")
        out.append(f"<Schema name={quoteattr(layer)} id={quoteattr(layer + '_fields')}>\n")
        for k in keys:
            out.append(f'<SimpleField name={quoteattr(k)} type="{_kml_type([p.get(k) for _g, p in feats])}"/>\n')
        out.append("</Schema>\n")
        for geom, props in feats:
            label = props.get("status_label", props.get("status", ""))
            when = props.get("as_of") or props.get("date_to") or ""
            title = f"{label} {props['change']} {props.get('date_from')}..{when}" if props.get("change") else f"{label} {when}"
            out.append(f"<Placemark><name>{_x(title.strip())}</name>")
            if props.get("change"):
                out.append(f"<TimeSpan><begin>{_x(props.get('date_from', ''))}</begin><end>{_x(when)}</end></TimeSpan>")
            elif when:
                out.append(f"<TimeStamp><when>{_x(when)}</when></TimeStamp>")
            out.append(f"<styleUrl>#{style_id(props)}</styleUrl>")
            out.append(f"<ExtendedData><SchemaData schemaUrl={quoteattr('#' + layer + '_fields')}>")
            for k in keys_of[layer]:
                if props.get(k) is not None:
                    out.append(f"<SimpleData name={quoteattr(k)}>{_value(props[k])}</SimpleData>")
            out.append("</SchemaData></ExtendedData>")
            out.append(_geometry(geom) + "</Placemark>\n")
        out.append("</Document>\n")
    out.append("</Document>\n</kml>\n")
    return "".join(out)


def write_kml(path: str | Path, layers: dict[str, list[Feature]], name: str = "Kursk Atlas areas of control") -> None:
    """KML, or KMZ (``doc.kml`` in a zip) when the suffix is ``.kmz``; written atomically."""
    path = Path(path)
    text = kml_text(layers, name)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".kmz":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("doc.kml", text.encode("utf-8"))
            tmp.write_bytes(buf.getvalue())
        else:
            tmp.write_text(text, encoding="utf-8", newline="\n")
