"""Readers and writers: one module per format, each returning ``(EventTable, ImportReport)``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas.model.table import EventTable

from .geojson_events import read_geojson
from .input_guard import check_regular_file
from .report import ImportReport, InputError, Problem

if TYPE_CHECKING:
    from .csv_events import MappingNeeded, read_csv
    from .export import WRITERS, write_events, writer_for
    from .gpkg_events import read_gpkg
    from .kml_events import read_kml
    from .ogr_events import read_ogr
    from .spreadsheet_events import read_ods, read_xlsx

Reader = Callable[[Path], tuple[EventTable, ImportReport]]

#: Names of this package that live in a format module imported on first use. The window imports
#: this package at startup and reads only the bundled GeoJSON then; the other readers and the
#: writers (their modules and what those import: OGR, SQLite, XML, zip handling) cost tens of
#: milliseconds of a start whose goal is 1 s (issue 15), and only a menu action needs them.
_LAZY: dict[str, str] = {
    "MappingNeeded": ".csv_events", "read_csv": ".csv_events",
    "WRITERS": ".export", "write_events": ".export", "writer_for": ".export",
    "read_ogr": ".ogr_events", "read_ods": ".spreadsheet_events", "read_xlsx": ".spreadsheet_events",
    "read_gpkg": ".gpkg_events", "read_kml": ".kml_events", "read_geoparquet": ".geoparquet_events",
}


def __getattr__(name: str) -> Any:  # PEP 562: ``from atlas.io import write_events`` imports .export then
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def _on_first_use(name: str) -> Reader:
    """A reader that imports its format module on its first call (see :data:`_LAZY`)."""

    def read(path: Path) -> tuple[EventTable, ImportReport]:
        reader: Reader = __getattr__(name)
        return reader(path)

    read.__name__ = read.__qualname__ = name
    read.__doc__ = f"{name} of atlas.io{_LAZY[name]}, imported on first use."
    return read


#: File suffix → reader. Format modules register themselves here.
READERS: dict[str, Reader] = {
    ".geojson": read_geojson,
    ".json": read_geojson,
    ".csv": _on_first_use("read_csv"),
    ".tsv": _on_first_use("read_csv"),
    ".txt": _on_first_use("read_csv"),
    ".kml": _on_first_use("read_kml"),
    ".kmz": _on_first_use("read_kml"),
    ".gpkg": _on_first_use("read_gpkg"),
    ".fgb": _on_first_use("read_ogr"),
    ".shp": _on_first_use("read_ogr"),
    ".shp.zip": _on_first_use("read_ogr"),
    ".zip": _on_first_use("read_ogr"),
    ".parquet": _on_first_use("read_geoparquet"),
    ".geoparquet": _on_first_use("read_geoparquet"),
    ".xlsx": _on_first_use("read_xlsx"),
    ".ods": _on_first_use("read_ods"),
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
