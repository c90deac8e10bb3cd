"""On screen, names keep clear of the canvas's own decorations (scale bar, north arrow) and of the
selection: clicking an event re-places the names (only the names' cache is redrawn)."""

from __future__ import annotations

from atlas.model import AtlasModel, EventTable
from atlas.render.label_obstacles import overlaps
from atlas.ui.main_window import MainWindow

SUDZHA = (35.2706, 51.1914)


def test_screen_names_avoid_decorations_and_the_focus_marker(qtbot) -> None:
    table = EventTable.from_records([
        {"event_id": "E1", "event_date": "2024-08-10", "event_type": "Battles",
         "longitude": SUDZHA[0] + 0.003, "latitude": SUDZHA[1]},
        {"event_id": "E2", "event_date": "2024-08-11", "event_type": "Battles",
         "longitude": SUDZHA[0] - 0.05, "latitude": SUDZHA[1] + 0.02}])
    win = MainWindow(AtlasModel(table))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.canvas.set_view_lonlat(35.05, 51.12, 35.45, 51.26)
    qtbot.waitUntil(lambda: not win.canvas.animating, timeout=2000)
    win.canvas.grab_map()
    layout = win.canvas.scene_layers.basemap.layout
    found = layout.last_obstacles()
    assert found is not None
    kinds = {k for k, _ in found.decorations}
    assert {"scale_bar", "north_arrow"} <= kinds
    names = layout.laid_out()
    assert any(n.text == "Sudzha" for n in names)
    for n in names:
        for b in n.boxes:
            assert not any(overlaps(b, d) for _, d in found.decorations), n.text
    base_key = win.canvas.item._caches["base"][0]

    win.model.set_current("E1")
    win.canvas.grab_map()
    found = layout.last_obstacles()
    focus = [b for k, b in found.selection if k == "focus"]
    assert focus
    names = layout.laid_out()
    assert any(n.text == "Sudzha" for n in names)  # moved clear of the focus ring, not dropped
    for n in names:
        for b in n.boxes:
            assert not overlaps(b, focus[0]), n.text
    # The map under the names was not redrawn for a new selection.
    assert win.canvas.item._caches["base"][0] == base_key
