"""GeoParquet events (``.parquet``, ``.geoparquet``), read and written with pyarrow and shapely.

GeoParquet 1.1 (geoparquet.org): a Parquet file whose key/value metadata ``geo`` names the
primary geometry column, its encoding and CRS. The GDAL in pyogrio's wheel has no Parquet driver,
so the atlas reads and writes the format itself — Arrow is already its CSV parser and search index.

Reading: the ``geo`` metadata is required (a plain Parquet file is refused: it has no geometry to
place an event); the primary column's geometries are WKB (``encoding: WKB``) or GeoArrow's native
``point``/``multipoint`` encodings; a CRS other than WGS 84 longitude/latitude (PROJJSON) is
transformed with pyproj; no ``crs`` member means OGC:CRS84 as the specification says. The file is
checked by the shared guard (a regular file of bounded size) and its row count and column count
are bounded before anything is decoded.

Writing: the typed columns of atlas.io.feature_events (dates as Parquet dates, precisions as
integers, ACLED's numeric extras as numbers), a WKB ``geometry`` column and the ``geo`` metadata
(version 1.1.0, ``geometry_types: ["Point"]``, the bounding box; the CRS left out, which means
OGC:CRS84, WGS 84 longitude/latitude).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from atlas.model.table import EventTable

from .atomic import atomic_path
from .feature_events import cell_text, events_from_features, geometries, point_wkb, typed_columns, wgs84_bounds
from .input_guard import check_regular_file
from .report import ImportReport, InputError
from .wgs84 import one_line, to_wgs84

GEOPARQUET_VERSION = "1.1.0"
MAX_PARQUET_BYTES = 2 << 30
MAX_PARQUET_ROWS = 20_000_000
MAX_PARQUET_COLUMNS = 2_000
#: The ``geo`` metadata is a small JSON document; a huge one is not GeoParquet.
MAX_GEO_METADATA_BYTES = 1 << 20


def _geo_metadata(pf: pq.ParquetFile, path: Path) -> dict[str, Any]:
    kv = pf.schema_arrow.metadata or {}
    raw = kv.get(b"geo")
    if raw is None:
        raise InputError(path, "a Parquet file without GeoParquet 'geo' metadata: no geometry column to place events")
    if len(raw) > MAX_GEO_METADATA_BYTES:
        raise InputError(path, "its 'geo' metadata is larger than 1 MB; refused")
    from .input_guard import parse_json

    geo = parse_json(raw, path, "GeoParquet 'geo' metadata")
    if not isinstance(geo, dict) or not isinstance(geo.get("columns"), dict) or not geo["columns"]:
        raise InputError(path, "its 'geo' metadata names no geometry columns")
    return geo


def _transform(crs: Any, path: Path, report: ImportReport) -> Any:
    if crs is None:
        return None  # OGC:CRS84
    transform, name = to_wgs84(crs, path)
    if transform is not None:
        report.notes.append(f"coordinates transformed from {name} to WGS 84")
    return transform


def _native_points(col: pa.ChunkedArray, encoding: str) -> list[Any]:
    """GeoArrow ``point`` (struct x, y) or ``multipoint`` (list of them) as shapely geometries."""
    out: list[Any] = []
    for v in col.to_pylist():
        if v is None:
            out.append(None)
        elif encoding == "point":
            out.append(shapely.Point(v["x"], v["y"]) if v.get("x") is not None else shapely.Point())
        else:
            out.append(shapely.MultiPoint([(p["x"], p["y"]) for p in v]) if v else shapely.MultiPoint())
    return out


class _Layout:
    """What a GeoParquet file's metadata says about reading it: the primary geometry column, its
    encoding and the transform of its CRS (shared by the whole read and the read in blocks)."""

    def __init__(self, pf: pq.ParquetFile, geo: dict[str, Any], primary: str, encoding: str, transform: Any) -> None:
        self.pf, self.geo, self.primary, self.encoding, self.transform = pf, geo, primary, encoding, transform


def _open(path: Path, report: ImportReport) -> _Layout:
    """Open and check a GeoParquet file (size, rows, columns, the ``geo`` metadata); the report
    gets its format and the notes about its columns and CRS."""
    st = check_regular_file(path)
    if st.st_size > MAX_PARQUET_BYTES:
        raise InputError(path, f"is {st.st_size / 2**20:,.0f} MB, more than the {MAX_PARQUET_BYTES / 2**20:,.0f} MB the atlas reads")
    try:
        pf = pq.ParquetFile(path)
        if pf.metadata.num_rows > MAX_PARQUET_ROWS or pf.metadata.num_columns > MAX_PARQUET_COLUMNS:
            raise InputError(path, f"has {pf.metadata.num_rows:,} rows and {pf.metadata.num_columns:,} columns, more than "
                                   f"the {MAX_PARQUET_ROWS:,} and {MAX_PARQUET_COLUMNS:,} the atlas reads")
        geo = _geo_metadata(pf, path)
        primary = geo.get("primary_column")
        if not isinstance(primary, str) or primary not in geo["columns"]:
            primary = next(iter(geo["columns"]))
        spec = geo["columns"][primary]
        if not isinstance(spec, dict):
            raise InputError(path, f"its 'geo' metadata for column {primary!r} is not an object")
        encoding = str(spec.get("encoding", "WKB"))
        if encoding not in ("WKB", "point", "multipoint"):
            raise InputError(path, f"geometry encoding {encoding!r} holds no points (WKB, point and multipoint are read)")
        if primary not in pf.schema_arrow.names:
            raise InputError(path, f"the geometry column {primary!r} named in its 'geo' metadata is missing")
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"is not a readable Parquet file ({one_line(exc)})") from None
    if geo.get("version"):
        report.format = f"GeoParquet {geo['version']}"
    others = [c for c in geo["columns"] if c != primary]
    if others:
        report.notes.append(f"geometry column {primary!r} read; {', '.join(map(repr, others))} kept as text")
    return _Layout(pf, geo, primary, encoding, _transform(spec.get("crs"), path, report))


def _events(tbl: pa.Table, path: Path, report: ImportReport, layout: _Layout, first_row: int = 0) -> EventTable:
    """The events of ``tbl``, rows of the file from ``first_row`` on (problems name the file's row)."""
    gcol = tbl.column(layout.primary)
    if layout.encoding == "WKB":
        raw = gcol.to_pylist()
        geoms = geometries(raw, path)
        had = [b is not None for b in raw]
    else:
        geoms = _native_points(gcol, layout.encoding)
        had = None
    columns = {name: [cell_text(v) for v in tbl.column(name).to_pylist()]
               for name in tbl.column_names if name != layout.primary and name not in ("bbox",)}
    return events_from_features(path, report, columns, geoms, lambda i: f"row {first_row + i + 1}", layout.transform,
                                had_geometry=had)


def read_geoparquet(path: str | Path) -> tuple[EventTable, ImportReport]:
    path = Path(path)
    report = ImportReport(str(path), "GeoParquet")
    layout = _open(path, report)
    try:
        tbl = layout.pf.read()
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"is not a readable Parquet file ({one_line(exc)})") from None
    return _events(tbl, path, report, layout), report


class GeoParquetBlocks:
    """A GeoParquet file read ``block_rows`` rows at a time (Parquet's own batches, a row group's
    pages at a time): each block's events built as the whole read builds them, problems named by
    the file's row. :attr:`report` gathers the blocks' reports; :attr:`names` and :attr:`types`
    are the file's attribute columns and their Arrow types, :attr:`rows` its row count (known
    before a block is read, from the file's footer)."""

    def __init__(self, path: str | Path, block_rows: int = 50_000) -> None:
        self.path = Path(path)
        self.block_rows = block_rows
        self.report = ImportReport(str(self.path), "GeoParquet")
        self._layout = _open(self.path, self.report)
        schema = self._layout.pf.schema_arrow
        self.names = [n for n in schema.names if n != self._layout.primary and n != "bbox"]
        self.types = {n: schema.field(n).type for n in self.names}
        self.rows = int(self._layout.pf.metadata.num_rows)

    def batches(self) -> Iterator[tuple[pa.Table, int]]:
        """The file's rows as Arrow tables with the file row of their first row."""
        first = 0
        try:
            for batch in self._layout.pf.iter_batches(batch_size=self.block_rows):
                yield pa.Table.from_batches([batch]), first
                first += batch.num_rows
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(self.path, f"is not a readable Parquet file after row {first:,} ({one_line(exc)})") from None

    def events(self, tbl: pa.Table, first_row: int) -> EventTable:
        """One block's events (its counts and problems added to :attr:`report`, a note once)."""
        rep = ImportReport(self.report.path, self.report.format)
        table = _events(tbl, self.path, rep, self._layout, first_row)
        self.report.rows_read += rep.rows_read
        self.report.rows_loaded += rep.rows_loaded
        self.report.problems.extend(rep.problems)
        self.report.notes.extend(n for n in rep.notes if n not in self.report.notes)
        return table


def write_geoparquet(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, stale: str = "",
                     **_: Any) -> int:
    """GeoParquet 1.1: typed columns, WKB points, the ``geo`` metadata (CRS84). ``stale``: the
    events are a stale copy of a store; a key/value entry says so (atlas.io.stale_mark)."""
    sel = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    cols: dict[str, pa.Array] = {}
    for name, _kind, arr in typed_columns(table, sel):
        key = name
        while key in cols or key == "geometry":
            key = f"{key}_extra"
        cols[key] = arr
    cols["geometry"] = point_wkb(table, sel)
    column_meta: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"]}
    bbox = wgs84_bounds(table, sel)
    if bbox is not None:
        column_meta["bbox"] = bbox
    geo = {"version": GEOPARQUET_VERSION, "primary_column": "geometry", "columns": {"geometry": column_meta}}
    meta = {b"geo": json.dumps(geo).encode("utf-8")}
    if stale:
        from .stale_mark import PARQUET_KEY

        meta[PARQUET_KEY] = stale.encode("utf-8")
    tbl = pa.table(cols).replace_schema_metadata(meta)
    with atomic_path(Path(path)) as tmp:
        pq.write_table(tbl, tmp, compression="zstd")
    return len(sel)
