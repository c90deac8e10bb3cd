"""A clean import says what it loaded in the status bar: the count, the date range and the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from atlas.io import read_events
from atlas.io.report import ImportReport, loaded_message
from atlas.model import AtlasModel


def test_loaded_message_names_count_dates_and_files() -> None:
    span = (np.datetime64("2024-08-06"), np.datetime64("2025-04-28"))
    msg = loaded_message(107, span, [ImportReport("/data/kursk_events.csv", "CSV")])
    assert msg == "Loaded 107 events, 6 Aug 2024 – 28 Apr 2025, from kursk_events.csv"
    one_day = loaded_message(1, (dt.date(2024, 8, 6), dt.date(2024, 8, 6)), [ImportReport("a.geojson", "GeoJSON")])
    assert one_day == "Loaded 1 event, 6 Aug 2024, from a.geojson"
    many = [ImportReport(f"f{i}.csv", "CSV") for i in range(5)]
    assert loaded_message(12_345, None, many) == "Loaded 12,345 events, from 5 files"
    noted = ImportReport("g.geojson", "GeoJSON", notes=["2 features with an empty geometry kept as events without a point"])
    assert loaded_message(3, None, [noted]).endswith("; note: 2 features with an empty geometry kept as events without a point")


def test_window_status_bar_after_a_clean_load(qtbot, sample_file: Path) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    assert win.load_files([sample_file])
    table, _ = read_events(sample_file)
    lo, hi = (d.astype(object) for d in table.date_span())
    msg = win.statusBar().currentMessage()
    assert msg.startswith(f"Loaded {len(table):,} events, ")
    assert f"{lo.day} {lo:%b %Y} – {hi.day} {hi:%b %Y}" in msg and f"from {sample_file.name}" in msg


def test_background_import_says_what_it_loaded(qtbot, sample_file: Path) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    ctl = win.feature("import").importer
    with qtbot.waitSignal(ctl.finished, timeout=60_000):
        assert ctl.start([sample_file], append=False, mappings=None)
    qtbot.wait(20)
    msg = win.statusBar().currentMessage()
    assert msg.startswith(f"Loaded {len(win.model.table):,} events, ") and sample_file.name in msg
