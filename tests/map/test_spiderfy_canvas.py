"""Spreading a stack on the window's canvas with the mouse (qtbot): click a stack, click a spread
marker. The window is the real host: the workflow feature installs the stack-aware pick tool."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from atlas.map.canvas import MapCanvas
from atlas.map.select_tools import StackPickTool
from atlas.model import AtlasModel, EventTable

SPOT = (35.2706, 51.1914)


def ev(eid: str, lon: float, lat: float, etype: str = "Battles") -> dict:
    return {"event_id": eid, "event_type": etype, "longitude": lon, "latitude": lat, "event_date": "2025-03-08",
            "confidence": "confirmed"}


@pytest.fixture
def canvas(qtbot) -> MapCanvas:
    from atlas.ui.main_window import MainWindow

    w = MainWindow(AtlasModel())
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.model.set_table(EventTable.from_records(
        [ev("a", *SPOT), ev("b", *SPOT, "Protests"), ev("c", *SPOT), ev("d", *SPOT), ev("lone", 35.45, 51.25)]))
    c = w.canvas
    assert isinstance(c.tool, StackPickTool)
    c.set_view_lonlat(35.0, 51.0, 35.6, 51.4)
    qtbot.waitUntil(lambda: not c.animating, timeout=2000)
    qtbot.wait(20)
    return c


def click(qtbot, c: MapCanvas, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(c.viewport(), button, Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
    qtbot.wait(10)


def spot_px(c: MapCanvas) -> tuple[float, float]:
    (x,), (y,) = c.map_viewport().lonlat_to_px([SPOT[0]], [SPOT[1]])
    return float(x), float(y)


def test_click_spreads_the_stack_and_a_spread_marker_selects_its_event(qtbot, canvas: MapCanvas) -> None:
    stacks = canvas.scene_layers.stacks
    vp = canvas.map_viewport()
    assert [t for _, t, _, _ in stacks.badges(vp)] == ["4"]  # the stack wears its count
    click(qtbot, canvas, *spot_px(canvas))
    assert stacks.opened is not None
    assert canvas.model.current_id in {"a", "b", "c", "d"}  # the nearest is selected, as before
    (spread,) = stacks.spreads(canvas.map_viewport())
    assert sorted(str(canvas.model.table.ids[r]) for r in spread.rows) == ["a", "b", "c", "d"]
    assert stacks.badges(canvas.map_viewport()) == []
    # the canvas draws it: the widget's pixels at a spread marker are an event colour
    qtbot.waitUntil(lambda: canvas.item.last_viewport is not None)
    for row, px, py in zip(spread.rows.tolist(), spread.px.tolist(), spread.py.tolist()):
        click(qtbot, canvas, px, py)
        assert canvas.model.current_id == str(canvas.model.table.ids[row])
        assert canvas.model.selection.ids == {str(canvas.model.table.ids[row])}
        assert stacks.opened is not None  # still spread: the next one can be chosen
    img = canvas.grab_map()
    dpr = img.devicePixelRatio()
    px, py = spread.px[0], spread.py[0]
    assert img.pixelColor(round(px * dpr), round(py * dpr)).saturation() > 80


def test_click_elsewhere_or_escape_folds_the_stack(qtbot, canvas: MapCanvas) -> None:
    stacks = canvas.scene_layers.stacks
    x, y = spot_px(canvas)
    click(qtbot, canvas, x, y)
    assert stacks.opened is not None
    click(qtbot, canvas, x + 200, y + 120)  # empty map
    assert stacks.opened is None
    click(qtbot, canvas, x, y)
    assert stacks.opened is not None
    click(qtbot, canvas, x, y)  # the hub again folds it
    assert stacks.opened is None
    click(qtbot, canvas, x, y)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert stacks.opened is None and not canvas.model.current_id


def test_a_lone_event_is_no_stack(qtbot, canvas: MapCanvas) -> None:
    (x,), (y,) = canvas.map_viewport().lonlat_to_px([35.45], [51.25])
    click(qtbot, canvas, x, y)
    assert canvas.model.current_id == "lone" and canvas.scene_layers.stacks.opened is None


def test_zoomed_in_stacks_spread_without_a_click(qtbot, canvas: MapCanvas) -> None:
    d = 0.004
    canvas.set_view_lonlat(SPOT[0] - d, SPOT[1] - d / 1.6, SPOT[0] + d, SPOT[1] + d / 1.6)
    qtbot.wait(20)
    vp = canvas.map_viewport()
    stacks = canvas.scene_layers.stacks
    assert stacks.auto_spread(vp)
    (spread,) = stacks.spreads(vp)
    row = int(spread.rows[2])
    click(qtbot, canvas, spread.px[2], spread.py[2])
    assert canvas.model.current_id == str(canvas.model.table.ids[row])
    assert np.isfinite(spread.px).all()
