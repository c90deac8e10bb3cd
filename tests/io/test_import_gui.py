"""GUI import: background worker with progress and Cancel, column mapping remembered, Sources dock,
File ▸ Add events and File ▸ Export events."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog

from atlas.io import read_events
from atlas.bench.io_cases import write_acled_csv
from atlas.model import AtlasModel, Categories
from atlas.ui import import_dialogs
from atlas.ui.import_dialogs import ColumnMappingDialog, ImportController, remember_mapping, remembered_mapping
from atlas.ui.sources_panel import SourcesPanel, dataset_term


@pytest.fixture
def window(qtbot, sample_file):
    from atlas.ui.main_window import MainWindow

    w = MainWindow(AtlasModel())
    qtbot.addWidget(w)
    w.load_files([sample_file])
    return w


def run_import(qtbot, ctl: ImportController, paths, append=False, mappings=None):
    with qtbot.waitSignal(ctl.finished, timeout=60_000) as blocker:
        assert ctl.start(paths, append=append, mappings=mappings)
    return blocker.args


def test_background_import_replaces_then_adds_sources(qtbot, window, tmp_path: Path) -> None:
    acled = write_acled_csv(tmp_path / "acled_small.csv", 300)
    result, append = run_import(qtbot, window.feature("import").importer, [acled])
    assert not append and len(result.tables[0]) == 300
    assert len(window.model.table) == 300 and not window.feature("import").importer.busy
    other = tmp_path / "extra.csv"
    other.write_text("id,date,lat,lon,title\nX1,2024-08-06,51.2,35.3,one\n", encoding="utf-8")
    run_import(qtbot, window.feature("import").importer, [other], append=True)
    assert len(window.model.table) == 301
    panel = window.feature("import").sources_panel
    assert panel.datasets() == ["acled_small", "extra"] and panel.list.count() == 2
    assert "(300)" in panel.list.item(0).text()


def test_cancel_leaves_the_loaded_events_untouched(qtbot, window, tmp_path: Path) -> None:
    big = write_acled_csv(tmp_path / "big.csv", 150_000)
    before = window.model.table
    with qtbot.waitSignal(window.feature("import").importer.finished, timeout=60_000) as blocker:
        assert window.feature("import").importer.start([big])
        window.feature("import").importer.cancel()  # before the worker's first progress tick
    assert blocker.args[0] is None and window.feature("import").importer.was_cancelled
    assert window.model.table is before and len(before) == 8
    assert "cancelled" in window.statusBar().currentMessage()


def test_progress_reaches_the_end(qtbot, tmp_path: Path) -> None:
    from atlas.ui.import_dialogs import ImportWorker

    p = write_acled_csv(tmp_path / "p.csv", 2000)
    worker = ImportWorker([p], {})
    seen: list[int] = []
    worker.progress.connect(lambda v, _name: seen.append(v))
    results = []
    worker.done.connect(results.append)
    worker.run()  # synchronously in this thread: the same code the QThread runs
    assert results and len(results[0].tables[0]) == 2000
    assert seen[0] == 0 and seen[-1] == 1000 and seen == sorted(seen)


def test_mapping_dialog_validates_and_is_remembered(qtbot, tmp_path: Path, monkeypatch) -> None:
    headers = ["Kennung", "Breite", "Laenge", "Wann"]
    dlg = ColumnMappingDialog(tmp_path / "x.csv", headers, {"event_id": "Kennung"}, [["A", "51", "35", "2024-08-06"]])
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "latitude" in dlg.problem.text()
    dlg.combos["latitude"].setCurrentText("Breite")
    dlg.combos["longitude"].setCurrentText("Breite")
    assert not ok.isEnabled() and "different" in dlg.problem.text()
    dlg.combos["longitude"].setCurrentText("Laenge")
    dlg.combos["event_date"].setCurrentText("Wann")
    assert ok.isEnabled()
    assert dlg.mapping() == {"latitude": "Breite", "longitude": "Laenge", "event_date": "Wann", "event_id": "Kennung"}
    assert dlg.preview.item(0, 1).text() == "51"
    remember_mapping(headers, dlg.mapping())
    assert remembered_mapping(headers) == dlg.mapping()
    assert remembered_mapping(["other"]) is None


def test_unknown_csv_asks_once_then_uses_the_remembered_mapping(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "odd.csv"
    p.write_text("Nr,Y_coord,X_coord\nA,51.19,35.27\nB,51.3,35.1\n", encoding="utf-8")
    asked = []

    def fake_exec(self) -> int:
        asked.append(1)
        self.combos["latitude"].setCurrentText("Y_coord")
        self.combos["longitude"].setCurrentText("X_coord")
        self.combos["event_id"].setCurrentText("Nr")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ColumnMappingDialog, "exec", fake_exec)
    mappings = window.feature("import").importer.ask_mappings([p])
    assert asked == [1] and mappings[str(p)]["latitude"] == "Y_coord"
    run_import(qtbot, window.feature("import").importer, [p], mappings=mappings)
    assert list(window.model.table.ids) == ["A", "B"] and window.model.table.lat[0] == pytest.approx(51.19)
    assert window.feature("import").importer.ask_mappings([p]) == mappings and asked == [1]  # remembered: not asked again
    monkeypatch.setattr(ColumnMappingDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    q = tmp_path / "odd2.csv"
    q.write_text("Foo,Bar\n1,2\n", encoding="utf-8")
    assert window.feature("import").importer.ask_mappings([q]) is None


def test_sources_panel_toggles_a_dataset_term(qtbot, tmp_path: Path) -> None:
    from atlas.model import EventTable, Text

    a = EventTable.from_records([{"event_id": "a1", "dataset": "alpha"}, {"event_id": "a2", "dataset": "alpha"}])
    b = EventTable.from_records([{"event_id": "b1", "dataset": "beta", "title": "sudzha"}])
    model = AtlasModel(EventTable.concat([a, b]))
    model.set_filter(Text("sudzha") | Text("x"))
    panel = SourcesPanel(model)
    qtbot.addWidget(panel)
    assert panel.datasets() == ["alpha", "beta"]
    panel.set_checked("beta", False)
    assert dataset_term(model.filter) == Categories("dataset", frozenset({"alpha"}))
    assert list(model.visible_rows) == []  # the text term still applies, and beta is hidden
    panel.set_checked("beta", True)
    assert dataset_term(model.filter) is None
    model.set_filter(Categories("dataset", {"beta"}))  # set elsewhere (a workspace): the boxes follow
    assert panel.checked() == frozenset({"beta"})
    panel.show_all()
    assert panel.checked() == frozenset({"alpha", "beta"}) and dataset_term(model.filter) is None


def test_export_events_writes_the_filtered_events(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    window.model.set_filter(Categories("side", {"Russia"}))
    out = tmp_path / "russia"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "GeoPackage (*.gpkg)"))
    window.feature("import").act_export_events.trigger()
    t, _ = read_events(out.with_suffix(".gpkg"))
    assert sorted(t.ids) == ["T-4", "T-6", "T-7", "T-8"]
    assert "Exported 4 events" in window.statusBar().currentMessage()
    assert window.feature("import").act_export_events.shortcut().toString() == "Ctrl+Shift+E"
    assert window.feature("import").act_add_events in window.file_menu.actions()


def test_open_action_uses_the_background_import(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "more.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"title":"x"}}]}')
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p)], ""))
    with qtbot.waitSignal(window.feature("import").importer.finished, timeout=30_000):
        window.act_open.trigger()
    assert len(window.model.table) == 1 and window.model.table.value("dataset", 0) == "more"
    assert import_dialogs.any_large([p]) is False
    assert window.feature("import").sources_dock.windowTitle() == "Sources" and window.feature("import").sources_dock.widget() is window.feature("import").sources_panel
    assert window.feature("import").sources_panel.list.item(0).checkState() == Qt.CheckState.Checked


def test_duplicate_ids_are_resolved_only_when_asked(qtbot, window, tmp_path: Path) -> None:
    p = tmp_path / "dup.csv"
    p.write_text("id,date,lat,lon,timestamp,title\nA,2024-08-06,51,35,300,new\nA,2024-08-06,51,35,100,old\n"
                 "B,2024-08-07,51,35,1,b\n", encoding="utf-8")
    run_import(qtbot, window.feature("import").importer, [p])
    assert list(window.model.table.ids) == ["A", "A#2", "B"]  # kept and reported, not resolved
    window.feature("import").act_dedupe.trigger()
    assert list(window.model.table.ids) == ["A", "B"] and window.model.table.value("title", 0) == "new"
    assert "1 older rows dropped" in window.statusBar().currentMessage()
    window.feature("import").act_dedupe.trigger()
    assert "No duplicate ids" in window.statusBar().currentMessage()


def test_import_shortcuts_are_unique(window) -> None:
    from PySide6.QtGui import QAction

    mine = {window.feature("import").act_add_events, window.feature("import").act_export_events, window.feature("import").act_dedupe}
    seqs = {a.shortcut().toString() for a in mine}
    assert seqs == {"Ctrl+Alt+O", "Ctrl+Shift+E", "Ctrl+Alt+U"}
    others = [a.shortcut().toString() for a in window.findChildren(QAction) if a not in mine and not a.shortcut().isEmpty()]
    assert not seqs & set(others)
