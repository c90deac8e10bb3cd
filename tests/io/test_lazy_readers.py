"""atlas.io imports a format's module on first use: the window's start reads only the bundled
GeoJSON, and the other readers and the writers are a menu action away (issue 15: startup ≤ 1 s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import atlas.io
from atlas.io import READERS, read_events

#: Modules only an import or export of another format needs.
MENU_ONLY = ("atlas.io.csv_events", "atlas.io.export", "atlas.io.ogr_events", "atlas.io.kml_events",
             "atlas.io.gpkg_events", "atlas.io.spreadsheet_events", "atlas.io.geoparquet_events")


def test_lazy_names_are_the_format_modules_own() -> None:
    from atlas.io import WRITERS, MappingNeeded, write_events, writer_for
    from atlas.io import csv_events, export, kml_events, ogr_events, spreadsheet_events

    assert (WRITERS, write_events, writer_for) == (export.WRITERS, export.write_events, export.writer_for)
    assert MappingNeeded is csv_events.MappingNeeded
    assert atlas.io.read_csv is csv_events.read_csv
    assert (atlas.io.read_kml, atlas.io.read_ogr) == (kml_events.read_kml, ogr_events.read_ogr)
    assert (atlas.io.read_ods, atlas.io.read_xlsx) == (spreadsheet_events.read_ods, spreadsheet_events.read_xlsx)
    with pytest.raises(AttributeError):
        atlas.io.read_nothing  # noqa: B018


def test_every_reader_reads_through_its_module(tmp_path: Path) -> None:
    csv = tmp_path / "e.csv"
    csv.write_text("event_id_cnty,event_date,event_type,latitude,longitude\nX1,2024-08-10,Battles,51.2,35.1\n",
                   encoding="utf-8")
    table, report = READERS[".csv"](csv)
    assert len(table) == 1 and report.rows_read == 1
    assert len(read_events(csv)[0]) == 1
    assert {READERS[s].__name__ for s in (".csv", ".kml", ".gpkg", ".shp", ".xlsx", ".ods", ".parquet")} == {
        "read_csv", "read_kml", "read_gpkg", "read_ogr", "read_xlsx", "read_ods", "read_geoparquet"}


def test_the_window_starts_without_the_menu_only_modules(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from atlas.ui.main_window import MainWindow\n"
        "win = MainWindow()\n"
        "assert win.load_bundled()\n"
        "print(' '.join(m for m in " + repr(MENU_ONLY) + " if m in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}  # a first start
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""
