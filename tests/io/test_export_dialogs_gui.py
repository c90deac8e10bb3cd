"""The GUI's file dialogs: the column-mapping dialog driven through qtbot as a person would (keys and
clicks on the modal dialog the import opens), File ▸ Export events offering the Excel dialect of CSV
and the new formats, and the Areas dock opening and exporting GeoPackage and KML."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog

from atlas.io import read_events
from atlas.model import AtlasModel
from atlas.ui import import_dialogs
from atlas.ui.import_dialogs import EXCEL_CSV_FILTER, EXPORT_FILTERS, ColumnMappingDialog, remembered_mapping


@pytest.fixture
def window(qtbot, sample_file):
    from atlas.ui.main_window import MainWindow

    w = MainWindow(AtlasModel())
    qtbot.addWidget(w)
    w.load_files([sample_file])
    return w


def _choose(qtbot, combo, text: str) -> None:
    """Pick ``text`` in a combo box with the keyboard: focus it, then arrow down to the item."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.findText(text)):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def test_column_mapping_dialog_through_qtbot(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "донесения.csv"
    path.write_text("Nr;Северная;Восточная;Когда;Что\nA;51,19;35,27;2024-08-06;Суджа\nB;51,3;35,1;2024-08-07;Горналь\n",
                    encoding="utf-8")
    seen: dict[str, object] = {}

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, ColumnMappingDialog)
        ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
        seen["ok_at_first"] = ok.isEnabled()
        seen["problem_at_first"] = dlg.problem.text()
        seen["preview"] = dlg.preview.item(0, 1).text()
        _choose(qtbot, dlg.combos["latitude"], "Северная")
        _choose(qtbot, dlg.combos["longitude"], "Северная")
        seen["same_column"] = (ok.isEnabled(), dlg.problem.text())
        _choose(qtbot, dlg.combos["longitude"], "Восточная")
        _choose(qtbot, dlg.combos["event_date"], "Когда")
        _choose(qtbot, dlg.combos["event_id"], "Nr")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    importer = window.feature("import").importer
    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(importer.finished, timeout=60_000):
        assert importer.start([path])  # opens the dialog modally; answer() fills it in
    assert seen["ok_at_first"] is False and "latitude" in str(seen["problem_at_first"])
    assert seen["preview"] == "51,19"
    assert seen["same_column"][0] is False and "different" in seen["same_column"][1]
    t = window.model.table
    assert list(t.ids) == ["A", "B"]
    assert t.lat.tolist() == [51.19, 51.3] and t.lon.tolist() == [35.27, 35.1]
    assert [str(d) for d in t.date.astype("datetime64[D]")] == ["2024-08-06", "2024-08-07"]
    assert list(t.extras["Что"]) == ["Суджа", "Горналь"]
    headers = ["Nr", "Северная", "Восточная", "Когда", "Что"]
    assert remembered_mapping(headers) == {"latitude": "Северная", "longitude": "Восточная",
                                           "event_date": "Когда", "event_id": "Nr"}


def test_cancelling_the_column_mapping_loads_nothing(qtbot, window, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("P,Q\n1,2\n", encoding="utf-8")
    before = list(window.model.table.ids)

    def cancel() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, ColumnMappingDialog)
        qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, cancel)
    assert not window.feature("import").importer.start([path])
    assert list(window.model.table.ids) == before


def test_export_events_offers_the_excel_dialect(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    offered: list[str] = []

    def save(parent, title, start, filters, chosen):  # noqa: ANN001
        offered.extend(filters.split(";;"))
        return str(tmp_path / "for_excel.csv"), EXCEL_CSV_FILTER

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    out = import_dialogs.export_events_dialog(window, window.model)
    assert out == tmp_path / "for_excel.csv"
    assert EXCEL_CSV_FILTER in offered
    for f in ("GeoPackage (*.gpkg)", "FlatGeobuf (*.fgb)", "Shapefile, zipped (*.shp.zip)", "GeoParquet (*.parquet)",
              "Excel workbook (*.xlsx)", "OpenDocument spreadsheet (*.ods)"):
        assert f in offered, f
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    back, _ = read_events(out)
    assert list(back.ids) == list(window.model.table.ids)


def test_export_events_adds_the_chosen_formats_suffix(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a: (str(tmp_path / "events"), "Shapefile, zipped (*.shp.zip)"))
    out = import_dialogs.export_events_dialog(window, window.model)
    assert out == tmp_path / "events.shp.zip"
    assert len(read_events(out)[0]) == len(window.model.table)
    assert not (tmp_path / "events.csv").exists() and EXPORT_FILTERS[EXCEL_CSV_FILTER] == ".csv"


def test_areas_dock_opens_and_exports_geopackage_and_kml(qtbot, tmp_path: Path, monkeypatch) -> None:
    from atlas.control.model import ControlSeries
    from atlas.io import BUNDLED_EVENTS
    from atlas.render.control_layer import ControlAreasLayer
    from atlas.ui import control_panel
    from atlas.ui.control_panel import ControlAreasPanel

    table, _ = read_events(BUNDLED_EVENTS)
    panel = ControlAreasPanel(AtlasModel(table), ControlAreasLayer())
    qtbot.addWidget(panel)
    panel.load_bundled()
    assert panel.groups, "the bundled reconstruction did not load into the Areas dock"
    offered: list[str] = []
    written: list[Path] = []
    for chosen, name in (("KML (*.kml)", "areas"), ("GeoPackage (*.gpkg)", "areas2")):
        def save(parent, title, start, filters, chosen=chosen, name=name):  # noqa: ANN001
            offered.extend(filters.split(";;"))
            return str(tmp_path / name), chosen

        monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
        monkeypatch.setattr(control_panel, "_message", lambda *a, **k: None)
        panel.export_dialog()
        written.append(tmp_path / (name + control_panel.CONTROL_EXPORT_FILTERS[chosen]))
    assert {"GeoPackage (*.gpkg)", "KML (*.kml)", "KMZ (*.kmz)", "GeoJSON (*.geojson)"} <= set(offered)
    from atlas.control.io import read_control

    for path in written:
        snaps, _ = read_control(path)
        assert snaps and isinstance(ControlSeries(snaps), ControlSeries), path
    # The dock's Open offers GeoPackage and KML and takes what it exported.
    opened: list[str] = []

    def open_files(parent, title, start, filters):  # noqa: ANN001
        opened.extend(filters.split(";;"))
        return [str(written[1])], "GeoPackage (*.gpkg)"

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_files)
    before = {src: len(ser) for src, ser in panel.groups.items()}
    panel.open_dialog()
    assert "GeoPackage (*.gpkg)" in opened and "KML / KMZ (*.kml *.kmz)" in opened
    after = {src: len(ser) for src, ser in panel.groups.items()}
    assert after != before, (before, after)
