"""Any GeoPackage feature layer (points, lines, polygons) read through the guarded SQLite
connection (atlas/io/safety.py: read-only, immutable, cell sizes and time bounded), for map layers.

GDAL is not used for GeoPackages: a hostile one (a view that recurses for ever, a zero-blob, a
WAL-mode file that would get ``-wal``/``-shm`` beside it) is refused here as it is for events.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .gpkg_events import parse_blob_geometry, with_geopackage
from .report import InputError


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _layers(con: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
    return [(str(t), str(c), str(g), int(s) if s is not None else 0) for t, c, g, s in con.execute(
        "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id FROM gpkg_contents c "
        "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name WHERE c.data_type = 'features' "
        "ORDER BY c.table_name")]


def gpkg_layers(path: str | Path) -> list[tuple[str, str]]:
    """(table name, geometry type name) of every feature layer."""
    path = Path(path)
    found = with_geopackage(path, _layers)
    if not found:
        raise InputError(path, "the GeoPackage has no feature layers")
    return [(t, g) for t, _c, g, _s in found]


def read_gpkg_layer(path: str | Path, layer: str, max_features: int) -> tuple[np.ndarray, dict[str, list[Any]], Any]:
    """(geometries, attribute columns, CRS) of the feature table ``layer`` ("" = the first)."""
    path = Path(path)

    def work(con: sqlite3.Connection) -> tuple[np.ndarray, dict[str, list[Any]], Any]:
        layers = _layers(con)
        if not layers:
            raise InputError(path, "the GeoPackage has no feature layers")
        pick = next((x for x in layers if x[0] == layer), None) if layer else layers[0]
        if pick is None:
            raise InputError(path, f"no layer {layer!r} (layers: {', '.join(x[0] for x in layers)})")
        table, geom_col, _gtype, srs = pick
        (count,) = con.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()
        if count > max_features:
            raise InputError(path, f"layer {table!r} has {count:,} features, more than the {max_features:,} "
                                   "a map layer may have")
        cur = con.execute(f"SELECT * FROM {_quoted(table)} LIMIT {int(max_features) + 1}")
        cols = [d[0] for d in cur.description]
        gi = cols.index(geom_col)
        geoms: list[Any] = []
        values: dict[str, list[Any]] = {c: [] for i, c in enumerate(cols) if i != gi}
        for rec in cur:
            blob = rec[gi]
            got = parse_blob_geometry(blob) if blob is not None else None
            geoms.append(got if isinstance(got, shapely.Geometry) else None)
            for i, c in enumerate(cols):
                if i != gi:
                    v = rec[i]
                    values[c].append(None if isinstance(v, (bytes, bytearray, memoryview)) else v)
        crs = f"EPSG:{srs}" if srs not in (0, -1, 4326) else None
        return np.array(geoms, dtype=object), values, crs

    return with_geopackage(path, work)
