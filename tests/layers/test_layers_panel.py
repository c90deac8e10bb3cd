"""The Layers dock's file layers through qtbot: add (a vector file, an OSM extract, a broken file),
show/hide, order, restyle, remove, undo, the map drawing it, and a workspace through the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from atlas.model import AtlasModel

from . import files
from .files import LAKE, ROAD


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    win.resize(1000, 700)
    return win


def _feature(win):  # type: ignore[no-untyped-def]
    f = win.feature("layers")
    assert f is not None
    return f


def _row(panel, text: str) -> int:  # type: ignore[no-untyped-def]
    return panel.list.row(panel.list.findItems(text, Qt.MatchFlag.MatchExactly)[0])


def test_add_toggle_move_restyle_remove_and_undo(window, tmp_path: Path) -> None:
    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    lake = files.geojson(tmp_path / "lake.geojson", [LAKE], ["Lake"])
    feat = _feature(window)
    assert any(a.text() == "Add &basemap layer…" for a in window.menu("file").actions())
    assert feat.add_files([str(lake), str(roads)]) == []
    m = window.model
    assert [x.id for x in m.file_layers] == ["lake", "roads"]
    assert m.file_layers[0].style.fill and not m.file_layers[1].style.fill  # polygon vs line defaults
    panel = feat.files
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == ["roads.gpkg", "lake.geojson"]
    # The generic list shows the map's own layers only.
    generic = feat.panel.keys_top_first()
    assert not any(k.startswith("file.") for k in generic)
    # Visibility by the tick, undone by Edit > Undo.
    panel.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not m.file_layers[1].visible
    window.undo_stack.undo()
    assert m.file_layers[1].visible and panel.list.item(0).checkState() == Qt.CheckState.Checked
    # Order: the highlighted layer moves down the list (drawn earlier).
    panel.list.setCurrentRow(0)
    panel.btn_down.click()
    assert [x.id for x in m.file_layers] == ["roads", "lake"]
    keys = [lyr.key for lyr in window.canvas.scene_layers.layers]
    assert keys.index("file.roads") < keys.index("file.lake") < keys.index("events")
    # Style: width, symbol, no fill, label field.
    panel.list.setCurrentRow(_row(panel, "roads.gpkg"))
    assert panel.current().id == "roads"
    panel.width.setValue(4.5)
    panel.width.editingFinished.emit()
    assert m.file_layers[0].style.width == 4.5
    panel.label.setCurrentIndex(panel.label.findData("name"))
    panel.label.activated.emit(panel.label.currentIndex())
    assert m.file_layers[0].style.label == "name"
    panel.stroke.chosen("#123456")
    assert m.file_layers[0].style.stroke == "#123456"
    window.undo_stack.undo()
    assert m.file_layers[0].style.stroke != "#123456" and m.file_layers[0].style.label == "name"
    panel.list.setCurrentRow(_row(panel, "lake.geojson"))
    panel.no_fill.setChecked(True)
    assert m.file_layers[1].style.fill == ""
    panel.btn_remove.click()
    assert [x.id for x in m.file_layers] == ["roads"]
    assert window.canvas.scene_layers.layer("file.lake") is None
    window.undo_stack.undo()
    assert [x.id for x in m.file_layers] == ["roads", "lake"]


def test_the_canvas_draws_the_layer(window, qtbot, tmp_path: Path) -> None:
    from atlas.model.session import LayerStyle, replace_layer

    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    window.show()
    qtbot.waitExposed(window)
    _feature(window).add_files([str(roads)])
    m = window.model
    m.set_file_layers(replace_layer(m.file_layers, "roads", style=LayerStyle(stroke="#ff0000", width=6)))
    window.canvas.set_view_lonlat(35.0, 51.0, 35.6, 51.45)
    qtbot.wait(50)
    img = window.canvas.grab_map().convertToFormat(window.canvas.grab_map().Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    red = (arr[..., 2] > 220) & (arr[..., 1] < 40) & (arr[..., 0] < 40)
    assert red.sum() > 300


def test_broken_file_is_one_line_and_changes_nothing(window, tmp_path: Path, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "show", lambda self: shown.append(self.text()))
    bad = tmp_path / "broken.fgb"
    bad.write_bytes(b"fgb\x03garbage" * 10)
    problems = _feature(window).add_files([str(bad)])
    assert len(problems) == 1 and "broken.fgb" in problems[0] and "\n" not in problems[0]
    assert shown and window.model.file_layers == ()
    assert window.undo_stack.count() == 0


def test_osm_extract_adds_its_themes(window, tmp_path: Path) -> None:
    pbf = files.osm_pbf(tmp_path / "region.osm.pbf")
    assert _feature(window).add_files([str(pbf)]) == []
    m = window.model
    assert [x.layer for x in m.file_layers] == ["water", "railways", "roads", "places"]
    assert len({x.style.stroke for x in m.file_layers}) == 4
    assert m.file_layers[-1].style.label == "name"


def test_workspace_through_the_window(window, qtbot, tmp_path: Path) -> None:
    from atlas.ui.main_window import MainWindow

    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    _feature(window).add_files([str(roads)])
    ws = tmp_path / "w.katlas"
    assert window.feature("workspace").save_to(ws)
    other = MainWindow(AtlasModel())
    qtbot.addWidget(other)
    assert other.feature("workspace").open(ws, ask=False)
    assert other.model.file_layers == window.model.file_layers
    assert other.canvas.scene_layers.layer("file.roads") is not None
    assert _feature(other).files.list.count() == 1


def test_the_menu_reads_in_the_background(window, qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    pbf = files.osm_pbf(tmp_path / "region.osm.pbf")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(pbf)], ""))
    feat = _feature(window)
    feat.act_add.trigger()
    qtbot.waitUntil(lambda: len(window.model.file_layers) == 4, timeout=30_000)
    assert not feat.files.reading()
    assert window.undo_stack.count() == 1  # the whole file is one step
