"""Small vector files of every kind a map layer reads, written in the test (no fixtures copied)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import shapely

#: A road across Sudzha, a lake north of it, a village south-east (lon/lat).
ROAD = shapely.LineString([(35.10, 51.10), (35.30, 51.20), (35.50, 51.22)])
LAKE = shapely.Polygon([(35.20, 51.30), (35.40, 51.30), (35.40, 51.40), (35.20, 51.40)])
VILLAGE = shapely.Point(35.52, 51.06)  # clear of the basemap's own place names


def write_ogr(path: Path, geoms: list[shapely.Geometry], names: list[str], driver: str, layer: str = "features",
              crs: str = "EPSG:4326") -> Path:
    import pyogrio

    pyogrio.write_arrow  # noqa: B018 - pyogrio is a declared dependency
    from pyogrio.raw import write

    wkb = np.array([shapely.to_wkb(g) for g in geoms], dtype=object)
    gtype = {"Point": "Point", "LineString": "LineString", "Polygon": "Polygon"}[geoms[0].geom_type]
    write(path, wkb, [np.array(names, dtype=object)], ["name"], driver=driver, layer=layer, crs=crs,
          geometry_type=gtype)
    return path


def geojson(path: Path, geoms: list[shapely.Geometry], names: list[str]) -> Path:
    feats = [{"type": "Feature", "properties": {"name": n}, "geometry": json.loads(shapely.to_geojson(g))}
             for g, n in zip(geoms, names, strict=True)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def kml(path: Path) -> Path:
    coords = " ".join(f"{x},{y}" for x, y in ROAD.coords)
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>R1</name>
<LineString><coordinates>{coords}</coordinates></LineString></Placemark></Document></kml>""", encoding="utf-8")
    return path


def kmz(path: Path, tmp: Path) -> Path:
    doc = kml(tmp / "doc.kml")
    with zipfile.ZipFile(path, "w") as z:
        z.write(doc, "doc.kml")
    return path


def shp_zip(path: Path, tmp: Path) -> Path:
    folder = tmp / "shp"
    folder.mkdir()
    write_ogr(folder / "roads.shp", [ROAD], ["R1"], "ESRI Shapefile", "roads")
    with zipfile.ZipFile(path, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    return path


def geoparquet(path: Path, geoms: list[shapely.Geometry], names: list[str]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    geo = {"version": "1.1.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": []}}}
    tbl = pa.table({"name": names, "geometry": [shapely.to_wkb(g) for g in geoms]})
    tbl = tbl.replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    pq.write_table(tbl, path)
    return path


def osm_pbf(path: Path) -> Path:
    """A tiny OpenStreetMap extract: a primary road, a railway, a lake and a village."""
    import osmium
    from osmium.osm.mutable import Node, Way

    w = osmium.SimpleWriter(str(path))
    try:
        nodes = [*ROAD.coords, *LAKE.exterior.coords[:-1], (35.0, 51.0), (35.6, 51.05)]
        for i, (x, y) in enumerate(nodes, start=1):
            w.add_node(Node(id=i, location=(x, y), tags={}, version=1))
        w.add_node(Node(id=100, location=(VILLAGE.x, VILLAGE.y), tags={"place": "village", "name": "Testovo"},
                        version=1))
        w.add_node(Node(id=101, location=(35.6, 51.3), tags={"place": "hamlet", "name": "Tiny"}, version=1))
        w.add_way(Way(id=10, nodes=[1, 2, 3], tags={"highway": "primary", "name": "R1"}, version=1))
        w.add_way(Way(id=11, nodes=[4, 5, 6, 7, 4], tags={"natural": "water", "name": "Lake"}, version=1))
        w.add_way(Way(id=12, nodes=[8, 9], tags={"railway": "rail"}, version=1))
        w.add_way(Way(id=13, nodes=[8, 3], tags={"highway": "footway"}, version=1))
    finally:
        w.close()
    return path
