"""Compact GeoJSON writing: one feature a line, coordinates rounded to 5 decimals (~1 m)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

DECIMALS = 5


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        r = round(obj, DECIMALS)
        return int(r) if r == int(r) and abs(r) < 1e15 else r
    if isinstance(obj, (list, tuple)):
        return [_round(x) for x in obj]
    return obj


def geometry_json(g: BaseGeometry) -> dict[str, Any]:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        g = shapely.orient_polygons(g)  # RFC 7946: exterior rings counter-clockwise
    m = mapping(g)
    return {"type": m["type"], "coordinates": _round(m["coordinates"])}


def write_collection(path: Path, features: list[tuple[BaseGeometry, dict[str, Any]]],
                     meta: dict[str, Any]) -> int:
    """Write a FeatureCollection with ``meta`` as foreign members; return the file size."""
    lines = ['{"type":"FeatureCollection",']
    for k, v in meta.items():
        lines.append(json.dumps(k, ensure_ascii=False) + ":" + json.dumps(v, ensure_ascii=False,
                                                                          separators=(",", ":")) + ",")
    lines.append('"features":[')
    body = []
    for geom, props in features:
        body.append(json.dumps({"type": "Feature", "properties": props, "geometry": geometry_json(geom)},
                               ensure_ascii=False, separators=(",", ":")))
    lines.append(",\n".join(body))
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))
