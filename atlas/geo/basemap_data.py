"""Load the bundled basemap layers (data/basemap/*.geojson) into shapely geometries and arrays.

No Qt here: the canvas, the exports and the tests all read the basemap through this one loader.
The files are built by tools/build_basemap.py; data/basemap/SOURCES.md says where every layer comes
from. Coordinates are WGS84 lon/lat.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import prepared_cache

ATTRIBUTION = (
    "© OpenStreetMap contributors (ODbL) · Natural Earth · GeoNames (CC BY 4.0) · GSHHG/WDBII (LGPL)"
)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "basemap"

LAYER_FILES = {
    "countries": "countries.geojson",
    "border": "border.geojson",
    "oblasts": "oblasts.geojson",
    "oblast_lines": "oblast_lines.geojson",
    "rivers": "rivers.geojson",
    "water": "water.geojson",
    "context": "context.geojson",
    "settlements": "settlements.geojson",
}


class BasemapError(RuntimeError):
    """A basemap file is missing or not what the builder writes."""


@dataclass(frozen=True)
class VectorLayer:
    """Geometries of one layer with their attributes as columns (one tuple per property)."""

    name: str
    geoms: tuple[BaseGeometry, ...]
    attrs: Mapping[str, tuple[Any, ...]]
    bbox: tuple[float, float, float, float]

    def __len__(self) -> int:
        return len(self.geoms)

    def __getitem__(self, column: str) -> tuple[Any, ...]:
        try:
            return self.attrs[column]
        except KeyError:
            raise KeyError(f"layer {self.name!r} has no attribute {column!r}; "
                           f"it has {sorted(self.attrs)}") from None

    def find(self, column: str, value: Any) -> list[int]:
        """Indices of the features whose ``column`` equals ``value``."""
        return [i for i, v in enumerate(self[column]) if v == value]


@dataclass(frozen=True)
class Settlements:
    """Places as parallel arrays, sorted by population (largest first). population 0 = unknown."""

    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    population: np.ndarray  # int64
    names: tuple[str, ...]
    names_local: tuple[str, ...]  # Cyrillic
    country: tuple[str, ...]  # ISO A3
    admin1: tuple[str, ...]  # oblast name (English)
    admin1_hasc: tuple[str, ...]
    geonameid: np.ndarray  # int64, -1 where the place is not from GeoNames
    approximate: np.ndarray  # bool: position estimated, no source gives it
    origin: tuple[str, ...]  # "geonames" or "override"
    source: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Basemap:
    data_dir: Path
    roi: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max of the detailed layers
    countries: VectorLayer  # iso_a3, name_en, name_local
    border: VectorLayer  # countries (pair of ISO A3), name_en
    oblasts: VectorLayer  # hasc, name_en, name_local, country
    oblast_lines: VectorLayer  # hasc (pair), names (pair), country
    rivers: VectorLayer  # name_en, name_local, approximate, basis, source, accuracy_km, flows_to
    water: VectorLayer  # name_en, name_local, area_km2
    context: VectorLayer  # iso_a3, name_en, name_local (coarse, wider extent)
    context_bbox: tuple[float, float, float, float]
    settlements: Settlements
    attribution: str = ATTRIBUTION


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise BasemapError(f"basemap file missing: {path} (run `make basemap` to build it)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BasemapError(f"cannot read basemap file {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise BasemapError(f"{path} is not a GeoJSON FeatureCollection")
    return doc


def _layer(name: str, path: Path) -> tuple[VectorLayer, dict[str, Any]]:
    doc = _read(path)
    feats = doc["features"]
    try:
        geoms = tuple(shapely.from_geojson([json.dumps(f["geometry"]) for f in feats])) if feats else ()
    except (shapely.errors.GEOSException, KeyError, TypeError) as exc:
        raise BasemapError(f"{path}: bad geometry: {exc}") from exc
    keys: list[str] = []
    for f in feats:
        for k in f.get("properties") or {}:
            if k not in keys:
                keys.append(k)
    attrs = {k: tuple((f.get("properties") or {}).get(k) for f in feats) for k in keys}
    if geoms:
        b = shapely.total_bounds(np.array(geoms, dtype=object))
        bbox = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
    else:
        bbox = (0.0, 0.0, 0.0, 0.0)
    return VectorLayer(name, geoms, attrs, bbox), doc


def _settlements(path: Path) -> Settlements:
    doc = _read(path)
    feats = doc["features"]
    n = len(feats)
    lon = np.empty(n)
    lat = np.empty(n)
    pop = np.zeros(n, dtype=np.int64)
    gid = np.full(n, -1, dtype=np.int64)
    approx = np.zeros(n, dtype=bool)
    cols: dict[str, list[str]] = {k: [] for k in ("name", "name_local", "country", "admin1", "admin1_hasc",
                                                 "origin", "source")}
    for i, f in enumerate(feats):
        try:
            x, y = f["geometry"]["coordinates"][:2]
            p = f["properties"]
            lon[i], lat[i] = float(x), float(y)
        except (KeyError, TypeError, ValueError) as exc:
            raise BasemapError(f"{path}: feature {i} is not a point with properties: {exc}") from exc
        pop[i] = int(p.get("population") or 0)
        gid[i] = int(p["geonameid"]) if p.get("geonameid") is not None else -1
        approx[i] = bool(p.get("approximate", False))
        for k, v in cols.items():
            v.append(str(p.get(k) or ""))
    order = np.argsort(-pop, kind="stable")
    return Settlements(
        lon=lon[order], lat=lat[order], population=pop[order],
        names=tuple(cols["name"][i] for i in order),
        names_local=tuple(cols["name_local"][i] for i in order),
        country=tuple(cols["country"][i] for i in order),
        admin1=tuple(cols["admin1"][i] for i in order),
        admin1_hasc=tuple(cols["admin1_hasc"][i] for i in order),
        geonameid=gid[order], approximate=approx[order],
        origin=tuple(cols["origin"][i] for i in order),
        source=tuple(cols["source"][i] for i in order),
    )


_SETTLEMENT_TEXT = ("names", "names_local", "country", "admin1", "admin1_hasc", "origin", "source")
_SETTLEMENT_ARRAYS = ("lon", "lat", "population", "geonameid", "approximate")


def _to_prepared(bm: Basemap) -> prepared_cache.Prepared:
    out = prepared_cache.Prepared()
    layers = {}
    for key in LAYER_FILES:
        if key == "settlements":
            continue
        lyr: VectorLayer = getattr(bm, key)
        out.geoms[key] = np.array(lyr.geoms, dtype=object)
        layers[key] = {"attrs": {k: list(v) for k, v in lyr.attrs.items()}, "bbox": list(lyr.bbox)}
    s = bm.settlements
    for name in _SETTLEMENT_ARRAYS:
        out.arrays[name] = getattr(s, name)
    out.meta = {"roi": list(bm.roi), "context_bbox": list(bm.context_bbox), "layers": layers,
                "settlements": {name: list(getattr(s, name)) for name in _SETTLEMENT_TEXT}}
    return out


def _from_prepared(data_dir: Path, p: prepared_cache.Prepared) -> Basemap:
    layers = {}
    for key, info in p.meta["layers"].items():
        attrs = {k: tuple(v) for k, v in info["attrs"].items()}
        b = info["bbox"]
        layers[key] = VectorLayer(key, tuple(p.geoms[key]), attrs, (b[0], b[1], b[2], b[3]))
    text = {name: tuple(v) for name, v in p.meta["settlements"].items()}
    arrays = {name: p.arrays[name] for name in _SETTLEMENT_ARRAYS}
    r, c = p.meta["roi"], p.meta["context_bbox"]
    return Basemap(data_dir=data_dir, roi=(r[0], r[1], r[2], r[3]), context_bbox=(c[0], c[1], c[2], c[3]),
                   settlements=Settlements(**arrays, **text), **layers)


def _cache_key(data_dir: Path) -> str:
    return prepared_cache.cache_key([data_dir / f for f in LAYER_FILES.values()], [Path(__file__)])


@lru_cache(maxsize=4)
def _load(data_dir: Path) -> Basemap:
    # Parsing the GeoJSON into geometries costs ~0.15 s at every start; the user's cache keeps the
    # result (atlas.geo.prepared_cache), keyed by the files' bytes and this module's source.
    try:
        key = _cache_key(data_dir)
    except OSError:
        return _load_files(data_dir)  # a missing file: _load_files says which
    cached = prepared_cache.read("layers", key)
    if cached is not None:
        try:
            return _from_prepared(data_dir, cached)
        except (KeyError, TypeError, IndexError, ValueError):
            pass  # a cache of another shape: read the files
    bm = _load_files(data_dir)
    prepared_cache.write("layers", key, _to_prepared(bm))
    return bm


def _load_files(data_dir: Path) -> Basemap:
    layers: dict[str, VectorLayer] = {}
    docs: dict[str, dict[str, Any]] = {}
    for key, fname in LAYER_FILES.items():
        if key == "settlements":
            continue
        layers[key], docs[key] = _layer(key, data_dir / fname)
    roi = tuple(docs["countries"].get("roi") or layers["countries"].bbox)
    ctx_bbox = tuple(docs["context"].get("roi") or layers["context"].bbox)
    return Basemap(
        data_dir=data_dir,
        roi=(float(roi[0]), float(roi[1]), float(roi[2]), float(roi[3])),
        countries=layers["countries"], border=layers["border"], oblasts=layers["oblasts"],
        oblast_lines=layers["oblast_lines"], rivers=layers["rivers"], water=layers["water"],
        context=layers["context"],
        context_bbox=(float(ctx_bbox[0]), float(ctx_bbox[1]), float(ctx_bbox[2]), float(ctx_bbox[3])),
        settlements=_settlements(data_dir / LAYER_FILES["settlements"]),
    )


def load_basemap(data_dir: Path | None = None) -> Basemap:
    """The basemap in ``data_dir`` (default: the bundled data/basemap), read once and cached.

    Raises BasemapError with the file name if a layer is missing or malformed."""
    return _load(Path(data_dir or DEFAULT_DATA_DIR).resolve())
