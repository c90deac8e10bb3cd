"""The control-areas dock's state is saved in a workspace and comes back when it is opened."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from atlas.model import AtlasModel

from .helpers import UA_RING, deepstate_doc, write_json


def _window(qtbot):  # type: ignore[no-untyped-def]
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    assert win.feature("workspace") is not None and win.feature("control") is not None
    return win


def test_control_state_round_trips_through_a_workspace(qtbot, tmp_path: Path) -> None:
    shrunk = [[35.25, 51.05, 0], [35.4, 51.05, 0], [35.4, 51.15, 0], [35.25, 51.15, 0], [35.25, 51.05, 0]]
    a = write_json(tmp_path / "deepstate_raw_1724184993.geojson", deepstate_doc(UA_RING))
    b = write_json(tmp_path / "deepstate_raw_1741694646.geojson", deepstate_doc(shrunk))
    undated = write_json(tmp_path / "survey.geojson", deepstate_doc(shrunk))
    win = _window(qtbot)
    panel = win.feature("control").panel
    win.feature("control").show_reconstruction(True)
    panel.ask_date = lambda p: dt.date(2024, 12, 1)
    assert panel.load_files([a, b, undated]) == []
    panel.clip_combo.setCurrentIndex(panel.clip_combo.findData("kursk"))
    panel.follow.setChecked(False)
    panel.set_date(dt.date(2024, 12, 5))
    panel.change_on_map.setChecked(True)
    ws = tmp_path / "control.katlas"
    assert win.feature("workspace").save_to(ws)
    section = json.loads(ws.read_text(encoding="utf-8"))["sections"]["control_areas"]
    assert section["clip"] == "kursk" and section["date"] == "2024-12-05"
    assert any(f.get("as_of") == "2024-12-01" for f in section["files"])
    assert any("bundled" in f for f in section["files"])

    other = _window(qtbot)
    other.feature("control").panel.ask_date = lambda p: pytest.fail("the saved date must be used, not asked")
    assert other.feature("workspace").open(ws, ask=False)
    p2 = other.feature("control").panel
    assert p2.clip == "kursk" and p2.date == dt.date(2024, 12, 5) and not p2.follow.isChecked()
    assert set(p2.groups) == set(panel.groups)
    assert p2.series().dates == panel.series().dates
    assert p2.layer.snapshot is not None and p2.layer.snapshot.as_of == dt.date(2024, 12, 1)
    assert p2.change_on_map.isChecked() and p2.layer.change is not None


def test_bad_control_section_is_refused() -> None:
    from atlas.workspace.control_section import validate_control

    validate_control({"files": [], "clip": "kursk", "date": "2025-03-11"})
    for bad in ({"files": {}}, {"clip": "mars"}, {"date": "yesterday"}, {"change": {"status": "blue"}}):
        with pytest.raises(ValueError):
            validate_control(bad)
