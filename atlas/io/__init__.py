"""Readers and writers: one module per format, each returning ``(EventTable, ImportReport)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from atlas.model.table import EventTable

from .csv_events import MappingNeeded, read_csv
from .geojson_events import read_geojson
from .export import WRITERS, write_events, writer_for
from .ogr_events import read_ogr
from .spreadsheet_events import read_ods, read_xlsx
from .gpkg_events import read_gpkg
from .kml_events import read_kml
from .input_guard import check_regular_file
from .report import ImportReport, InputError, Problem

Reader = Callable[[Path], tuple[EventTable, ImportReport]]


def read_geoparquet(path: Path) -> tuple[EventTable, ImportReport]:
    """GeoParquet events (atlas.io.geoparquet_events), imported on the first Parquet file: the
    window imports this package at startup, and pyarrow.parquet costs ~50 ms it does not need."""
    from .geoparquet_events import read_geoparquet as read

    return read(path)


#: File suffix → reader. Format modules register themselves here.
READERS: dict[str, Reader] = {
    ".geojson": read_geojson,
    ".json": read_geojson,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".txt": read_csv,
    ".kml": read_kml,
    ".kmz": read_kml,
    ".gpkg": read_gpkg,
    ".fgb": read_ogr,
    ".shp": read_ogr,
    ".shp.zip": read_ogr,
    ".zip": read_ogr,
    ".parquet": read_geoparquet,
    ".geoparquet": read_geoparquet,
    ".xlsx": read_xlsx,
    ".ods": read_ods,
}

#: The bundled curated dataset, opened when the app starts with no files.
BUNDLED_EVENTS = Path(__file__).resolve().parents[2] / "data" / "events" / "kursk_2024_25.geojson"


def read_events(path: str | Path) -> tuple[EventTable, ImportReport]:
    """Read one events file by its suffix. Raises :class:`InputError` for what cannot be read."""
    path = Path(path)
    check_regular_file(path)  # missing, a folder, a device or a pipe: refused before any reader opens it
    suffixes = "".join(path.suffixes[-2:]).lower()
    reader = READERS.get(suffixes) or READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(path, f"unknown file type {path.suffix or '(none)'!r}; readable: {known}")
    return reader(path)


def read_many(paths: Sequence[str | Path]) -> tuple[EventTable, list[ImportReport]]:
    """Read several files into one table (each keeps its file name in the ``dataset`` column)."""
    tables, reports = [], []
    for p in paths:
        t, r = read_events(p)
        tables.append(t)
        reports.append(r)
    return EventTable.concat(tables), reports


__all__ = ["BUNDLED_EVENTS", "READERS", "WRITERS", "ImportReport", "InputError", "MappingNeeded", "Problem",
           "read_events", "read_many", "write_events", "writer_for"]
