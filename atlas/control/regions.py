"""Clip regions for area sums: an oblast or a country from the bundled basemap.

The basemap covers the Kursk–Sumy window (data/basemap, roi 32.5–38.5° E, 49.8–52.8° N): "russia"
and "ukraine" mean the part of each country inside that window, which holds every area of control
this atlas is about. Read through :func:`atlas.geo.basemap_data.load_basemap`; if that loader is
not usable the GeoJSON files are read directly.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

BASEMAP_DIR = Path(__file__).resolve().parents[2] / "data" / "basemap"

#: name -> (layer, attribute, value, label)
REGIONS: dict[str, tuple[str, str, str, str]] = {
    "kursk": ("oblasts", "hasc", "RU.KS", "Kursk oblast"),
    "sumy": ("oblasts", "hasc", "UA.SM", "Sumy oblast"),
    "belgorod": ("oblasts", "hasc", "RU.BL", "Belgorod oblast"),
    "bryansk": ("oblasts", "hasc", "RU.BR", "Bryansk oblast"),
    "russia": ("countries", "iso_a3", "RUS", "Russia (basemap window)"),
    "ukraine": ("countries", "iso_a3", "UKR", "Ukraine (basemap window)"),
}
CLI_REGIONS = ("kursk", "sumy", "russia", "ukraine")


class RegionError(LookupError):
    pass


def region_label(name: str | None) -> str:
    if not name:
        return "everywhere in the file"
    return REGIONS[name][3] if name in REGIONS else name


def _from_loader(layer: str, attr: str, value: str) -> BaseGeometry | None:
    try:
        from atlas.geo.basemap_data import load_basemap

        vl = getattr(load_basemap(), layer)
        idx = vl.find(attr, value)
    except Exception:  # the loader is another helper's; fall back to the files
        return None
    if not idx:
        return None
    return shapely.union_all([vl.geoms[i] for i in idx])


def _from_file(layer: str, attr: str, value: str, data_dir: Path) -> BaseGeometry | None:
    path = data_dir / f"{layer}.geojson"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in doc.get("features", [])
             if (f.get("properties") or {}).get(attr) == value and f.get("geometry")]
    return shapely.union_all(geoms) if geoms else None


@lru_cache(maxsize=16)
def region_geometry(name: str, data_dir: Path | None = None) -> BaseGeometry:
    """The polygon of a named region (see :data:`REGIONS`), prepared for fast clipping."""
    if name not in REGIONS:
        raise RegionError(f"unknown region {name!r}; choose one of {', '.join(REGIONS)}")
    layer, attr, value, _label = REGIONS[name]
    geom = None if data_dir else _from_loader(layer, attr, value)
    if geom is None:
        geom = _from_file(layer, attr, value, data_dir or BASEMAP_DIR)
    if geom is None or geom.is_empty:
        raise RegionError(f"region {name!r} not found in the basemap ({data_dir or BASEMAP_DIR})")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    shapely.prepare(geom)
    return geom
