"""FlatGeobuf and Shapefile (plain or zipped) events, read and written through pyogrio (GDAL in a wheel).

Reading: the first layer of the file, its attributes typed by GDAL and turned into text for the
one column-wise builder, points as events (atlas.io.feature_events), coordinates in another CRS
transformed to WGS 84 with pyproj. Before GDAL sees anything, the shared guard (input_guard) checks
that the file — and for a Shapefile every sidecar file GDAL will open (``.dbf``, ``.shx``, ``.prj``,
``.cpg``) — is a regular file of bounded size: a named pipe as ``events.dbf`` would hang GDAL. A
zipped Shapefile is checked like a KMZ (member names, count, sizes, compression ratio, time:
atlas.io.safety) and its ``.shp``/``.shx``/``.dbf``/``.prj``/``.cpg`` are unpacked, bounded, into a
private temporary folder, so nothing is ever written next to the user's file.

Writing: one point layer ``events`` in WGS 84, the typed columns of feature_events. Shapefile
limits (the format's, not ours): field names of at most 10 bytes (the schema fields get fixed short
names that the reader maps back, see :data:`SHAPEFILE_NAMES`; extra columns are cut to 10 bytes),
text cells of at most 254 bytes (GDAL cuts longer ones), dates without a time. The files are
written into a temporary folder beside the target and moved into place, so a failed export leaves
no half-written set of sidecars.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from atlas.model.table import EventTable

from .atomic import atomic_path
from .feature_events import cell_text, events_from_features, geometries, point_wkb, typed_columns
from .input_guard import check_regular_file
from .report import ImportReport, InputError
from .safety import ZipLimits, check_zip, read_zip_member
from .wgs84 import one_line, to_wgs84

#: The largest FlatGeobuf or Shapefile (each file of it) the atlas reads.
MAX_OGR_BYTES = 2 << 30
#: A zipped Shapefile: a few files, none of them huge.
SHP_ZIP_LIMITS = ZipLimits(max_members=1_000, max_total_bytes=2 << 30, max_member_bytes=2 << 30, max_seconds=60.0)
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")

#: Schema field → its name in a Shapefile (DBF field names have at most 10 bytes). The reader
#: maps these back, so a Shapefile export reads back with the schema's names.
SHAPEFILE_NAMES = {
    "time_precision": "time_prec", "sub_event_type": "sub_evtype", "geo_precision": "geo_prec",
    "coord_approximate": "coord_appr", "coord_basis": "coord_basi", "claim_area_km2": "claim_area",
}
_FROM_SHAPEFILE = {v: k for k, v in SHAPEFILE_NAMES.items()}


# --------------------------------------------------------------------------- reading
def _pyogrio() -> Any:
    import pyogrio  # GDAL is a large library: loaded only when one of these files is opened
    import pyogrio.raw

    return pyogrio


def _check_inputs(path: Path) -> None:
    st = check_regular_file(path)
    if st.st_size > MAX_OGR_BYTES:
        raise InputError(path, f"is {st.st_size / 2**20:,.0f} MB, more than the {MAX_OGR_BYTES / 2**20:,.0f} MB the atlas reads")
    if path.suffix.lower() == ".shp":
        for side in _sidecars(path):
            st = check_regular_file(side)
            if st.st_size > MAX_OGR_BYTES:
                raise InputError(side, f"is {st.st_size / 2**20:,.0f} MB, more than the {MAX_OGR_BYTES / 2**20:,.0f} MB the atlas reads")


def _sidecars(shp: Path) -> list[Path]:
    """The files beside a ``.shp`` that GDAL opens with it (any case of the suffix)."""
    out = []
    with contextlib.suppress(OSError):
        for p in shp.parent.iterdir():
            if p.stem == shp.stem and p.suffix.lower() in _SIDECARS:
                out.append(p)
    return out


@contextlib.contextmanager
def _unzipped_shapefile(path: Path, limits: ZipLimits = SHP_ZIP_LIMITS) -> Any:
    """The ``.shp`` of a zipped Shapefile, unpacked (bounded) into a private temporary folder."""
    infos = check_zip(path, limits)
    shps = [i.filename for i in infos if i.filename.lower().endswith(".shp") and not i.is_dir()]
    if not shps:
        raise InputError(path, "the zip archive holds no Shapefile (.shp)")
    main = min(shps, key=lambda n: (n.count("/"), n))
    stem = main[: -len(".shp")]
    wanted = [i.filename for i in infos
              if not i.is_dir() and str(PurePosixPath(i.filename).with_suffix("")) == stem
              and PurePosixPath(i.filename).suffix.lower() in (".shp", *_SIDECARS)]
    with tempfile.TemporaryDirectory(prefix="katlas-shp-") as tmp:
        for name in wanted:
            # Flat names in our own folder: nothing in the archive chooses where a file goes.
            target = Path(tmp) / ("layer" + PurePosixPath(name).suffix.lower())
            target.write_bytes(read_zip_member(path, name, limits))
        if len(shps) > 1:
            yield Path(tmp) / "layer.shp", f"the archive holds {len(shps)} Shapefiles; {main!r} read"
        else:
            yield Path(tmp) / "layer.shp", None


def read_ogr(path: str | Path) -> tuple[EventTable, ImportReport]:
    """Events of a FlatGeobuf, a Shapefile or a zipped Shapefile (``.zip``, ``.shp.zip``)."""
    path = Path(path)
    _check_inputs(path)
    if path.suffix.lower() == ".zip":
        report = ImportReport(str(path), "Shapefile (zipped)")
        with _unzipped_shapefile(path) as (shp, note):
            if note:
                report.notes.append(note)
            return _read_layer(shp, path, report)
    report = ImportReport(str(path), "FlatGeobuf" if path.suffix.lower() == ".fgb" else "Shapefile")
    return _read_layer(path, path, report)


def _read_layer(source: Path, path: Path, report: ImportReport) -> tuple[EventTable, ImportReport]:
    pyogrio = _pyogrio()
    errors = pyogrio.errors
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's chatter; what matters reaches the report
            layers = pyogrio.list_layers(source)
            if len(layers) == 0:
                raise InputError(path, "the file holds no layers")
            # The row-wise reader, not read_arrow: GDAL 3.12's Arrow stream of a FlatGeobuf with
            # null geometries has broken offsets.
            meta, _fids, raw_geoms, field_data = pyogrio.raw.read(source, layer=0)
    except (errors.DataSourceError, errors.DataLayerError, errors.FieldError, errors.GeometryError,
            errors.FeatureError, errors.CRSError) as exc:
        raise InputError(path, f"GDAL cannot read it: {one_line(exc)}") from None
    except (pa.ArrowException, OSError, ValueError, RuntimeError) as exc:
        raise InputError(path, f"cannot be read: {one_line(exc)}") from None
    if len(layers) > 1:
        report.notes.append(f"{len(layers)} layers; the first, {str(layers[0][0])!r}, read")
    shapefile = source.suffix.lower() == ".shp"
    columns = {str(name): [cell_text(v) for v in arr.tolist()] for name, arr in zip(meta["fields"], field_data, strict=True)}
    n = len(field_data[0]) if field_data else (len(raw_geoms) if raw_geoms is not None else 0)
    raw = list(raw_geoms) if raw_geoms is not None else [None] * n
    geoms = geometries(raw, path)
    transform = _transform(meta.get("crs"), path, report)
    rename = _FROM_SHAPEFILE if shapefile else None
    table = events_from_features(path, report, columns, geoms, lambda i: f"feature {i + 1}", transform, rename,
                                 had_geometry=[b is not None for b in raw])
    return table, report


def _transform(crs: Any, path: Path, report: ImportReport) -> Any:
    """WGS 84 longitude/latitude as they are; anything else through pyproj; no CRS: taken as WGS 84."""
    if not crs:
        report.notes.append("no coordinate reference system given: read as WGS 84 longitude/latitude")
        return None
    transform, name = to_wgs84(crs, path)
    if transform is not None:
        report.notes.append(f"coordinates transformed from {name} to WGS 84")
    return transform


# --------------------------------------------------------------------------- writing
def _short_name(name: str, taken: set[str]) -> str:
    """A DBF field name: at most 10 bytes of UTF-8 (cut on a character boundary), unique ignoring case."""
    base = SHAPEFILE_NAMES.get(name, name)
    cut = base.encode("utf-8")[:10].decode("utf-8", "ignore") or "field"
    out, k = cut, 1
    while out.lower() in taken:
        k += 1
        suffix = f"_{k}"
        out = cut.encode("utf-8")[: 10 - len(suffix)].decode("utf-8", "ignore") + suffix
    taken.add(out.lower())
    return out


def _arrow_table(table: EventTable, sel: npt.NDArray[np.intp], shapefile: bool) -> pa.Table:
    cols: dict[str, pa.Array] = {}
    taken = {"geometry"}
    for name, _kind, arr in typed_columns(table, sel):
        if shapefile:
            key = _short_name(name, taken)
        else:
            key = name
            while key.lower() in taken:
                key = f"{key}_extra"
            taken.add(key.lower())
        cols[key] = arr
    cols["geometry"] = point_wkb(table, sel)
    return pa.table(cols)


def _write(tbl: pa.Table, path: Path, driver: str, **options: Any) -> None:
    pyogrio = _pyogrio()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_arrow(tbl, str(path), layer="events", driver=driver, geometry_name="geometry",
                            geometry_type="Point", crs="EPSG:4326", encoding="UTF-8", **options)


def write_fgb(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, stale: str = "",
              **_: Any) -> int:
    """FlatGeobuf: one point layer with a packed Hilbert R-tree, unless some events have no point
    (the format's index cannot hold a feature without a geometry, and those events are kept). With
    the index GDAL stores the features in the index's order, so a reread lists them in that order.
    ``stale``: the events are a stale copy of a store; the header's description says so."""
    sel = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    tbl = _arrow_table(table, sel, shapefile=False)
    index = "YES" if bool(table.has_coords[sel].all()) else "NO"
    with atomic_path(Path(path)) as tmp:
        tmp.unlink()  # GDAL creates the file itself
        target = tmp.with_suffix(".fgb")
        try:
            options = {"SPATIAL_INDEX": index, **({"DESCRIPTION": stale} if stale else {})}
            _write(tbl, target, "FlatGeobuf", layer_options=options)
            os.replace(target, tmp)
        finally:
            with contextlib.suppress(OSError):
                target.unlink()
    return len(sel)


@contextlib.contextmanager
def _shapefile_in_temp(table: EventTable, sel: npt.NDArray[np.intp], folder: Path) -> Any:
    with tempfile.TemporaryDirectory(prefix=".katlas-tmp-shp-", dir=folder) as tmp:
        shp = Path(tmp) / "events.shp"
        _write(_arrow_table(table, sel, shapefile=True), shp, "ESRI Shapefile")
        yield [p for p in sorted(Path(tmp).iterdir()) if p.stem == "events"]


def write_shp(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **_: Any) -> int:
    """A Shapefile: ``NAME.shp`` with its ``.shx``, ``.dbf`` (UTF-8, said in the ``.cpg``) and ``.prj``."""
    path = Path(path)
    sel = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    folder = path.parent if str(path.parent) else Path(".")
    with _shapefile_in_temp(table, sel, folder) as files:
        # The sidecars first and the .shp last: a program that opens NAME.shp finds a whole set.
        for f in sorted(files, key=lambda p: p.suffix.lower() == ".shp"):
            with atomic_path(path.with_suffix(f.suffix)) as tmp:
                shutil.copyfile(f, tmp)
    return len(sel)


def write_shp_zip(table: EventTable, path: str | Path, rows: npt.ArrayLike | None = None, **_: Any) -> int:
    """A zipped Shapefile: the files of :func:`write_shp` in one archive (as GDAL's ``.shp.zip``)."""
    path = Path(path)
    sel = np.arange(len(table), dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    stem = path.name[: -len(".shp.zip")] if path.name.lower().endswith(".shp.zip") else path.stem
    folder = path.parent if str(path.parent) else Path(".")
    with _shapefile_in_temp(table, sel, folder) as files, atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, stem + f.suffix)
    return len(sel)


__all__ = ["SHAPEFILE_NAMES", "read_ogr", "write_fgb", "write_shp", "write_shp_zip"]
