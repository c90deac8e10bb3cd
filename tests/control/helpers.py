"""Small synthetic control-area documents the tests write themselves (never fixture copies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NBSP = "\u00a0"

#: A square salient around Sudzha and a grey strip north of it (lon/lat, 3-D like DeepStateMap).
UA_RING = [[35.0, 51.05, 0], [35.4, 51.05, 0], [35.4, 51.3, 0], [35.0, 51.3, 0], [35.0, 51.05, 0]]
GREY_RING = [[35.0, 51.3, 0], [35.4, 51.3, 0], [35.4, 51.35, 0], [35.0, 51.35, 0], [35.0, 51.3, 0]]
RU_RING = [[37.5, 47.5, 0], [38.0, 47.5, 0], [38.0, 48.0, 0], [37.5, 48.0, 0], [37.5, 47.5, 0]]


def deepstate_doc(ua_ring: list[list[float]] = UA_RING, legacy_crs: bool = True) -> dict[str, Any]:
    def poly(name: str, ring: list[list[float]], fill: str) -> dict[str, Any]:
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"name": name, "fill": fill, "stroke": fill}}

    feats = [
        poly(f"Звільнено /// Liberated{NBSP}/// geoJSON.status.dismissed\n", ua_ring, "#01579b"),
        poly(f"Статус невідомий /// Unknown status{NBSP}/// geoJSON.status.unknown\n", GREY_RING, "#bdbdbd"),
        poly("Окуповано /// Occupied /// geoJSON.status.occupied", RU_RING, "#a52714"),
        poly(f"Звільнено 25.03 /// Liberated 25.03{NBSP}/// geoJSON.status.dismissed_at {{{{at:25.03}}}}",
             [[30.0, 50.0, 0], [30.1, 50.0, 0], [30.1, 50.1, 0], [30.0, 50.1, 0], [30.0, 50.0, 0]], "#0f9d58"),
        poly("Тимчасово окупована східна Пруссія.\n///\nEast Prussia\n/// geoJSON.territories.prussia\n",
             [[20.0, 54.5, 0], [21.0, 54.5, 0], [21.0, 55.0, 0], [20.0, 54.5, 0]], "#ff5252"),
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.27, 51.19, 0]},
         "properties": {"name": "Суджа /// Sudzha", "icon": "x"}},
    ]
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if legacy_crs:
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    return doc


def write_json(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def kml_doc(ua_style: str = "ua", ru_style: str = "ru", namespace: bool = False, extra: str = "") -> str:
    ns = ' xmlns="http://www.opengis.net/kml/2.2"' if namespace else ""

    def ring(pts: list[list[float]]) -> str:
        return " \n".join(f"{x},{y},0.0" for x, y, _z in pts)

    return f"""<?xml version='1.0' encoding='UTF-8' ?>
{extra}<kml{ns}>
  <Document>
    <Style id="ru"><PolyStyle><color>230000ff</color></PolyStyle></Style>
    <Style id="ua"><PolyStyle><color>23ff0000</color></PolyStyle></Style>
    <Folder><name>Polygon</name>
      <Placemark><name>Union Polygon_0</name><styleUrl>#{ru_style}</styleUrl>
        <Polygon><outerBoundaryIs><LinearRing><coordinates>{ring(RU_RING)}</coordinates></LinearRing></outerBoundaryIs></Polygon>
      </Placemark>
      <Placemark><name>Union Polygon_1</name><styleUrl>#{ua_style}</styleUrl>
        <Polygon><outerBoundaryIs><LinearRing><coordinates>{ring(UA_RING)}</coordinates></LinearRing></outerBoundaryIs>
        <innerBoundaryIs><LinearRing><coordinates>35.1,51.1,0 35.2,51.1,0 35.2,51.2,0 35.1,51.2,0 35.1,51.1,0</coordinates></LinearRing></innerBoundaryIs></Polygon>
      </Placemark>
    </Folder>
  </Document>
</kml>
"""
