"""Vector files as map layers (not events): any geometry, with its attributes as text.

The File ▸ Add basemap layer… command and ``render --layer`` read GeoPackage, Shapefile (plain or
zipped), GeoJSON, FlatGeobuf, KML/KMZ, GeoParquet and OpenStreetMap extracts (``.osm.pbf``,
``.osm``) into a :class:`VectorData`: shapely geometries in WGS 84 longitude/latitude and the
attribute columns a label may name. Drawing is atlas/render/file_layer.py's business.

Every file passes the shared guards first, as the event readers do (atlas/io/input_guard.py,
atlas/io/safety.py): only regular files of bounded size; a GeoPackage is read through the guarded
SQLite connection (read-only, immutable, cells and time bounded), not handed to GDAL; a zipped
Shapefile and a KMZ are checked and unpacked, bounded, into a private temporary folder; KML is
parsed by the entity-refusing XML parser before GDAL reads it; GeoJSON by the guarded JSON parser.
GDAL's own temporary files (the OSM driver's node index) go to a private folder too, so nothing is
written next to an input. A layer holds at most :data:`MAX_FEATURES` features and
:data:`MAX_VERTICES` vertices. Every failure is one :class:`InputError` (one line).

OpenStreetMap extracts are read through GDAL's OSM driver, theme by theme (atlas/io/osm_themes.py:
roads, railways, waterways, water, woods, landuse, places chosen by their tags), and only inside a
box (by default the atlas's region), so a country extract yields the region's roads, not the
country's.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .input_guard import MAX_INPUT_BYTES, check_regular_file, parse_json, read_input_bytes
from .osm_themes import OSM_THEMES, is_osm
from .report import InputError, shown_name
from .safety import kml_from_kmz, safe_xml_parse
from .wgs84 import one_line, to_wgs84

#: The most features one layer keeps (a whole country's buildings would not draw usefully anyway).
MAX_FEATURES = 500_000
#: The most vertices one layer keeps.
MAX_VERTICES = 20_000_000
#: The largest file read (an OSM extract of a large country is bigger; cut one for the region).
MAX_FILE_BYTES = 4 << 30
#: Text values kept per cell (labels are short).
MAX_CELL_CHARS = 200
#: The suffixes offered in the Add basemap layer dialog.
LAYER_SUFFIXES: tuple[str, ...] = (".gpkg", ".shp", ".zip", ".geojson", ".json", ".fgb", ".kml", ".kmz",
                                   ".parquet", ".geoparquet", ".pbf", ".osm")


@dataclass(frozen=True)
class LayerInfo:
    """A layer a file offers: its name and the kind of geometry ("point", "line", "polygon",
    "mixed")."""

    name: str
    kind: str


@dataclass(frozen=True)
class VectorData:
    """One layer's features: ``geoms`` (shapely, WGS 84 lon/lat, no missing ones) and the text of
    each attribute, one array per field, aligned with ``geoms``."""

    path: str
    layer: str
    geoms: np.ndarray
    fields: dict[str, np.ndarray]
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return geometry_kind(self.geoms)

    def __len__(self) -> int:
        return int(self.geoms.size)


_KINDS = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}


def geometry_kind(geoms: np.ndarray) -> str:
    """"point", "line" or "polygon" when every geometry is of that kind, else "mixed"."""
    if geoms.size == 0:
        return "mixed"
    kinds = {_KINDS.get(int(t), "mixed") for t in np.unique(shapely.get_type_id(geoms))}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _kind_of_name(name: str) -> str:
    n = name.upper().replace(" ", "").removeprefix("3D").removesuffix("Z").removesuffix("M")
    if n.endswith("POINT"):
        return "point"
    if n.endswith("LINESTRING") or n.endswith("CURVE"):
        return "line"
    if n.endswith("POLYGON") or n.endswith("SURFACE"):
        return "polygon"
    return "mixed"


# --------------------------------------------------------------------------- the guards
def _check(path: Path) -> None:
    st = check_regular_file(path)
    if st.st_size > MAX_FILE_BYTES:
        raise InputError(path, f"is {st.st_size / 2**20:,.0f} MB, more than the "
                               f"{MAX_FILE_BYTES / 2**20:,.0f} MB a map layer may have")
    if path.suffix.lower() == ".shp":
        from .ogr_events import _sidecars

        for side in _sidecars(path):
            check_regular_file(side)


@contextlib.contextmanager
def _gdal_source(path: Path) -> Iterator[Path]:
    """What GDAL may open for ``path``: the file itself, or its guarded unpacking (zipped
    Shapefile, KMZ) in a private folder; GDAL's temporary files go to a private folder as well."""
    suffix = path.suffix.lower()
    with tempfile.TemporaryDirectory(prefix="katlas-layer-") as tmp, _gdal_temp_dir(tmp):
        if suffix == ".zip":
            from .ogr_events import _unzipped_shapefile

            with _unzipped_shapefile(path) as (shp, _note):
                yield shp
            return
        if suffix in (".kml", ".kmz"):
            data = kml_from_kmz(path) if suffix == ".kmz" else read_input_bytes(path, MAX_INPUT_BYTES, "KML file")
            safe_xml_parse(data, path)  # entities, depth and size refused before GDAL parses it
            if suffix == ".kmz":
                doc = Path(tmp) / "doc.kml"
                doc.write_bytes(data)
                yield doc
                return
        if suffix in (".geojson", ".json"):
            parse_json(read_input_bytes(path, MAX_INPUT_BYTES, "GeoJSON file"), path, "GeoJSON")
        yield path


_GDAL_LOCK = threading.RLock()


@contextlib.contextmanager
def _gdal_temp_dir(folder: str) -> Iterator[None]:
    import pyogrio

    keys = ("CPL_TMPDIR", "OSM_MAX_TMPFILE_SIZE")
    # GDAL's configuration is process-wide: one layer read at a time (a background add and an
    # export's reading must not send each other's temporary files elsewhere).
    with _GDAL_LOCK:
        old = {k: pyogrio.get_gdal_config_option(k) for k in keys}
        # The OSM driver keeps its node index in memory up to OSM_MAX_TMPFILE_SIZE MB, then in a file
        # of the private folder: 32 MB keeps the peak near 250 MB for a 2.25M-node extract (256 MB: 520 MB).
        pyogrio.set_gdal_config_options({"CPL_TMPDIR": folder, "OSM_MAX_TMPFILE_SIZE": "32"})
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options(old)


# --------------------------------------------------------------------------- what a file offers
def list_layers(path: str | Path) -> list[LayerInfo]:
    """The layers of a file (an OSM extract: its themes) with their kinds of geometry."""
    path = Path(path)
    _check(path)
    if is_osm(path):
        return [LayerInfo(name, theme.kind) for name, theme in OSM_THEMES.items()]
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        from .gpkg_layers import gpkg_layers

        return [LayerInfo(name, _kind_of_name(gtype)) for name, gtype in gpkg_layers(path)]
    if suffix in (".parquet", ".geoparquet"):
        return [LayerInfo("", "mixed")]
    import pyogrio

    with _gdal_source(path) as src:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = pyogrio.list_layers(src)
        except Exception as exc:  # pyogrio's errors and GDAL's: one line, never a traceback
            raise InputError(path, f"GDAL cannot read it: {one_line(exc)}") from None
    out = [LayerInfo(str(name), _kind_of_name(str(gtype or ""))) for name, gtype in found if gtype not in (None, "")]
    if not out:
        raise InputError(path, "holds no layer with geometry")
    return out


# --------------------------------------------------------------------------- reading one layer
def read_layer(path: str | Path, layer: str = "", bbox: tuple[float, float, float, float] | None = None) -> VectorData:
    """The features of one layer of ``path`` ("" = the first; of an OSM extract, a theme, read
    inside ``bbox`` in degrees, default the atlas's region)."""
    path = Path(path)
    _check(path)
    if is_osm(path):
        return _osm_theme(path, layer, bbox)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        from .gpkg_layers import read_gpkg_layer

        geoms, fields, crs = read_gpkg_layer(path, layer, MAX_FEATURES)
        return _finish(path, layer, _to_wgs84(geoms, crs, path), fields)
    if suffix in (".parquet", ".geoparquet"):
        geoms, fields, crs = _read_geoparquet(path)
        return _finish(path, layer, _to_wgs84(geoms, crs, path), fields)
    geoms, fields = _read_gdal(path, layer or None, bbox, None)
    return _finish(path, layer, geoms, fields)


#: The themes of the last OSM passes: (file, size, mtime, box, GDAL layer) → theme → data.
_OSM_PASSES: OrderedDict[tuple[str, int, int, tuple[float, ...], str], dict[str, VectorData]] = OrderedDict()
_OSM_LOCK = threading.Lock()


def _osm_theme(path: Path, name: str, bbox: tuple[float, float, float, float] | None) -> VectorData:
    """One theme of an OSM extract. Every theme drawn from the same GDAL layer is read in the same
    pass (one OR of their filters) and split here by its tags, so adding an extract's seven themes
    costs three passes over the file, not seven; the other themes wait in a small cache."""
    from .osm_themes import osm_where, region_bbox, theme_mask

    theme = OSM_THEMES.get(name)
    if theme is None:
        raise InputError(path, f"no OpenStreetMap theme {name!r} (themes: {', '.join(OSM_THEMES)})")
    box = tuple(bbox or region_bbox())
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, box, theme.gdal_layer)
    with _OSM_LOCK:
        got = _OSM_PASSES.get(key)
        if got is not None and name in got:
            return got.pop(name)  # each theme is taken once: its drawing keeps it from then on
    same = [n for n, t in OSM_THEMES.items() if t.gdal_layer == theme.gdal_layer]
    where = " OR ".join(f"({osm_where(OSM_THEMES[n])})" for n in same)
    geoms, fields = _read_gdal(path, theme.gdal_layer, box, where)  # type: ignore[arg-type]
    note = (f"OpenStreetMap inside {', '.join(f'{v:g}' for v in box)}",)
    out: dict[str, VectorData] = {}
    for n in same:
        m = theme_mask(OSM_THEMES[n], fields, len(geoms))
        out[n] = _finish(path, n, geoms[m], {k: [v for v, keep in zip(vals, m.tolist()) if keep]
                                               for k, vals in fields.items()}, note)
    mine = out.pop(name)
    with _OSM_LOCK:
        _OSM_PASSES[key] = out
        while len(_OSM_PASSES) > 3:
            _OSM_PASSES.popitem(last=False)
    return mine


def _read_gdal(path: Path, layer: str | None, bbox: tuple[float, float, float, float] | None,
               where: str | None) -> tuple[np.ndarray, dict[str, list[Any]]]:
    import pyogrio
    import pyogrio.raw

    with _gdal_source(path) as src:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # GDAL's chatter
                kwargs: dict[str, Any] = {"max_features": MAX_FEATURES + 1}
                if layer is not None:
                    kwargs["layer"] = layer
                if bbox is not None:
                    kwargs["bbox"] = bbox
                if where:
                    kwargs["where"] = where
                meta, _fids, raw, field_data = pyogrio.raw.read(src, **kwargs)
        except Exception as exc:  # pyogrio's errors and GDAL's: one line, never a traceback
            raise InputError(path, f"GDAL cannot read it: {one_line(exc)}") from None
    if raw is not None and len(raw) > MAX_FEATURES:
        raise InputError(path, f"the layer has more than {MAX_FEATURES:,} features; cut the file to the region first")
    try:
        geoms = shapely.from_wkb(np.asarray(list(raw) if raw is not None else [], dtype=object), on_invalid="ignore")
    except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
        raise InputError(path, f"damaged geometry: {one_line(exc)}") from None
    fields = {str(n): list(a.tolist()) for n, a in zip(meta["fields"], field_data, strict=True)}
    return _to_wgs84(geoms, meta.get("crs"), path), fields


def _read_geoparquet(path: Path) -> tuple[np.ndarray, dict[str, list[Any]], Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .geoparquet_events import _geo_metadata

    try:
        pf = pq.ParquetFile(path)
        geo = _geo_metadata(pf, path)
        col = str(geo.get("primary_column") or next(iter(geo["columns"])))
        spec = geo["columns"].get(col) or {}
        if str(spec.get("encoding", "WKB")).upper() != "WKB":
            raise InputError(path, f"geometry encoded as {spec.get('encoding')!r}; map layers read WKB GeoParquet")
        if pf.metadata.num_rows > MAX_FEATURES:
            raise InputError(path, f"has {pf.metadata.num_rows:,} rows, more than the {MAX_FEATURES:,} a map layer may have")
        tbl = pf.read()
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"cannot be read as GeoParquet: {one_line(exc)}") from None
    try:
        geoms = shapely.from_wkb(np.asarray(tbl.column(col).to_pylist(), dtype=object), on_invalid="ignore")
    except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
        raise InputError(path, f"damaged geometry: {one_line(exc)}") from None
    fields = {name: tbl.column(name).to_pylist() for name in tbl.column_names if name != col}
    return geoms, fields, spec.get("crs")


def _to_wgs84(geoms: np.ndarray, crs: Any, path: Path) -> np.ndarray:
    if not crs:
        return geoms
    transform, _name = to_wgs84(crs, path)
    if transform is None:
        return geoms
    ok = ~shapely.is_missing(geoms)
    out = geoms.copy()
    out[ok] = shapely.transform(geoms[ok], lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))
    return out


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = str(v)
    return s[:MAX_CELL_CHARS]


def _finish(path: Path, layer: str, geoms: np.ndarray, fields: dict[str, list[Any]],
            notes: tuple[str, ...] = ()) -> VectorData:
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if geoms.size else np.zeros(0, dtype=bool)
    geoms = geoms[keep]
    if geoms.size > MAX_FEATURES:
        raise InputError(path, f"the layer has more than {MAX_FEATURES:,} features; cut the file to the region first")
    vertices = int(shapely.get_num_coordinates(geoms).sum()) if geoms.size else 0
    if vertices > MAX_VERTICES:
        raise InputError(path, f"the layer has {vertices:,} vertices, more than the {MAX_VERTICES:,} a map layer may have")
    # Longitude/latitude outside the world is no WGS 84 (a projected file without its .prj).
    if geoms.size:
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        if not (-180.5 <= x0 and x1 <= 180.5 and -90.5 <= y0 and y1 <= 90.5):
            raise InputError(path, "its coordinates are not longitude/latitude and the file names no CRS "
                                   "(a Shapefile without its .prj?)")
    out_fields = {}
    for name, values in fields.items():
        if len(values) != keep.size:
            continue
        arr = np.array([_text(v) for v in values], dtype=object)
        out_fields[name] = arr[keep]
    dropped = int(keep.size - keep.sum())
    if dropped:
        notes = (*notes, f"{dropped:,} features without a geometry left out")
    return VectorData(str(path), layer, geoms, out_fields, notes)


def describe(data: VectorData) -> str:
    """One line about a read layer (the status bar, the CLI)."""
    what = f"{shown_name(data.path)}" + (f" {data.layer!r}" if data.layer else "")
    return f"{what}: {len(data):,} {data.kind} features"
