"""Navigation on the map: status-bar coordinates, copy menu, go to place, bookmarks, the layers
panel, the theme toggle, and the measure tool driven by synthetic clicks (pytest-qt)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from atlas.geo.projection import geodesic_distance_m
from atlas.map.measure_tool import MeasureTool, measure
from atlas.model import AtlasModel
from atlas.ui.bookmarks import DEFAULT_BOOKMARKS, SETTINGS_KEY, BookmarkStore
from atlas.ui.main_window import MainWindow
from atlas.ui.navigation import copy_coordinates_menu

SUDZHA = (35.2706, 51.1914)
# The nearest point of the OSM border to Sudzha (data/basemap/SOURCES.md QA: 9.00 km).
BORDER_NEAREST = (35.14334, 51.20396)


@pytest.fixture
def window(qtbot, sample_file):
    QSettings().remove(SETTINGS_KEY)
    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    win.resize(1400, 850)
    win.show()
    qtbot.waitExposed(win)
    assert win.load_files([sample_file])
    qtbot.waitUntil(lambda: not win.canvas.animating, timeout=2000)
    yield win
    # The window saves its dock layout on close; leave the shared test settings as we found them.
    for dock in (win.feature("layers").dock, win.feature("navigation").place_dock, win.feature("navigation").bookmarks_dock):
        dock.hide()
    if win.feature("navigation").tile_layer is not None:
        win.feature("navigation").disable_tiles()


def px_of(win: MainWindow, lon: float, lat: float) -> QPoint:
    (x,), (y,) = win.canvas.map_viewport().lonlat_to_px([lon], [lat])
    return QPoint(round(float(x)), round(float(y)))


class FakeClick:
    """The parts of a pyqtgraph MouseClickEvent a tool reads."""

    def __init__(self, canvas, pos: QPoint, double: bool = False) -> None:
        self._scene_pos = canvas.mapToScene(pos)
        self._double = double

    def button(self):
        return Qt.MouseButton.LeftButton

    def double(self) -> bool:
        return self._double

    def scenePos(self) -> QPointF:  # noqa: N802
        return QPointF(self._scene_pos)

    def modifiers(self):
        return Qt.KeyboardModifier.NoModifier


def show_sudzha(win: MainWindow) -> None:
    win.canvas.set_view_lonlat(35.05, 51.12, 35.35, 51.26)


def test_measure_sudzha_to_the_border_by_clicks(qtbot, window) -> None:
    show_sudzha(window)
    nav = window.feature("navigation")
    tool = nav.start_measure("line")
    assert window.canvas.tool is tool
    vp = window.canvas.map_viewport()
    a, b = px_of(window, *SUDZHA), px_of(window, *BORDER_NEAREST)
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    qtbot.wait(50)
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert len(tool.vertices) == 2
    assert window.feature("navigation").measure_label.text().startswith("Measuring: Distance")
    # The second click of a double-click finishes without adding a vertex (pyqtgraph marks it double).
    tool.click(window.canvas, FakeClick(window.canvas, b, double=True))
    m = tool.measurement
    assert m is not None
    assert len(m.vertices) == 2
    # One pixel is ~25 m at this view; the clicks are rounded to whole pixels.
    px_m = vp.merc_per_px * 0.63
    assert m.length_km == pytest.approx(9.0, abs=0.05 + 2 * px_m / 1000)
    assert m.length_mi == pytest.approx(m.length_km / 1.609344)
    shown = window.feature("navigation").measure_label.text()
    assert shown.startswith("Distance") and "km" in shown and "mi" in shown
    assert window.feature("navigation").measure_label.isVisible()
    # Esc cancels, a second Esc goes back to clearing the selection.
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert tool.vertices == []
    assert not window.feature("navigation").measure_label.isVisible()
    nav.stop_measure()
    assert not isinstance(window.canvas.tool, MeasureTool)


def test_measure_area_and_keyboard(qtbot, window) -> None:
    show_sudzha(window)
    tool = window.feature("navigation").start_measure("area")
    # A ~10 km x 10 km square near Sudzha, added through the tool's own API and finished with Enter.
    for lon, lat in [(35.2, 51.15), (35.3432, 51.15), (35.3432, 51.2399), (35.2, 51.2399)]:
        tool.add_vertex(lon, lat)
    tool.add_vertex(35.25, 51.3)
    QTest.keyClick(window.canvas, Qt.Key.Key_Backspace)  # removes the last vertex
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    m = tool.measurement
    assert m is not None and m.mode == "area"
    assert m.area_km2 == pytest.approx(100.0, rel=0.02)
    assert m.area_sqmi == pytest.approx(m.area_km2 / 2.589988, rel=1e-6)
    assert "km²" in m.text() and "sq mi" in m.text()
    img = window.canvas.grab_map()
    assert not img.isNull()


def test_measure_maths_against_geod() -> None:
    m = measure("line", [SUDZHA, BORDER_NEAREST])
    assert m.length_m == pytest.approx(geodesic_distance_m(*SUDZHA, *BORDER_NEAREST))
    assert m.length_km == pytest.approx(9.0, abs=0.02)
    assert measure("area", [SUDZHA, BORDER_NEAREST]).area_m2 is None


def test_status_bar_shows_three_notations(qtbot, window) -> None:
    show_sudzha(window)
    pos = px_of(window, *SUDZHA)
    QTest.mouseMove(window.canvas.viewport(), pos)
    qtbot.waitUntil(lambda: "36U XB" in window.cursor_label.text(), timeout=2000)
    text = window.cursor_label.text()
    assert "51.19" in text and "N" in text and "′" in text


def test_right_click_menu_copies_coordinates(qtbot, window) -> None:
    show_sudzha(window)
    menu = copy_coordinates_menu(window.canvas, px_of(window, *SUDZHA), window)
    acts = [a for a in menu.actions() if a.data()]
    assert len(acts) == 4
    acts[2].trigger()  # MGRS
    assert QGuiApplication.clipboard().text().startswith("36U XB ")
    acts[0].trigger()
    assert QGuiApplication.clipboard().text().startswith("51.19")
    acts[1].trigger()
    assert QGuiApplication.clipboard().text().startswith("51°11′")
    menu.deleteLater()


def test_go_to_place_in_cyrillic_and_latin(qtbot, window) -> None:
    window.canvas.show_region()
    box = window.feature("navigation").place_box
    QTest.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.feature("navigation").place_dock.isVisible(), timeout=1000)
    for query in ("Суджа", "Sudja"):
        box.edit.clear()
        if query.isascii():
            QTest.keyClicks(box.edit, query)
        else:  # QTest types ASCII only; Cyrillic arrives as the line edit's text
            box.edit.setText(query)
        assert box.results.count() >= 1
        assert box.results.item(0).text().startswith("Sudzha")
    window.canvas.show_region()
    QTest.keyClick(box.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.canvas.animating, timeout=3000)
    lon, lat = window.canvas.map_viewport().center_lonlat
    assert lon == pytest.approx(SUDZHA[0], abs=0.01) and lat == pytest.approx(SUDZHA[1], abs=0.01)
    lon1, _, lon2, _ = window.canvas.map_viewport().lonlat_bounds()
    assert lon2 - lon1 < 1.0  # zoomed in from the region view


def test_go_to_place_finds_a_village_no_source_places_and_says_so(qtbot, window) -> None:
    """Krupets (KA-0108) is in the gazetteer by name only: Go to place lists it, says that no
    source gives its position and leaves the map where it was."""
    window.canvas.show_region()
    before = window.canvas.map_viewport().center_lonlat
    box = window.feature("navigation").place_box
    box.edit.setText("Крупец")
    assert box.results.count() >= 1
    assert box.results.item(0).text().startswith("Krupets (Крупец)")
    assert "no source gives its position" in box.results.item(0).text()
    QTest.keyClick(box.edit, Qt.Key.Key_Return)
    assert "no source gives its position" in box.status.text()
    assert not window.canvas.animating
    assert window.canvas.map_viewport().center_lonlat == pytest.approx(before)


def test_bookmarks_add_rename_delete_persist(tmp_path, qtbot) -> None:
    ini = str(tmp_path / "b.ini")
    s = QSettings(ini, QSettings.Format.IniFormat)
    model = AtlasModel()
    store = BookmarkStore(model, s)
    assert [b["name"] for b in store.items] == [b["name"] for b in DEFAULT_BOOKMARKS]
    names = " ".join(b["name"] for b in store.items)
    for want in ("Sudzha", "Korenevo", "Glushkovo", "Tetkino", "Kursk NPP", "Kurchatov", "Sumy"):
        assert want in names
    store.add("Lgov", 35.1, 51.6, 35.4, 51.75)
    store.add("Lgov", 35.1, 51.6, 35.4, 51.75)
    assert store.items[-1]["name"] == "Lgov (2)"
    store.rename(0, "Sudzha town")
    store.delete(1)  # Korenevo
    # The bookmarks are the model's: every command replaced model.bookmarks (one value, one signal).
    assert [b.name for b in model.bookmarks] == [b["name"] for b in store.items]
    again = BookmarkStore(AtlasModel(), QSettings(ini, QSettings.Format.IniFormat))
    assert [b["name"] for b in again.items] == ["Sudzha town", "Glushkovo–Tetkino (Seym)", "Kursk NPP at Kurchatov",
                                               "Sumy", "Lgov", "Lgov (2)"]
    assert again.items[-1] == {"name": "Lgov (2)", "lon1": 35.1, "lat1": 51.6, "lon2": 35.4, "lat2": 51.75}
    with pytest.raises(ValueError):
        store.add("bad", float("nan"), 1, 2, 3)
    # Corrupt settings never crash; bad entries are dropped.
    s2 = QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    s2.setValue(SETTINGS_KEY, json.dumps([{"name": "ok", "lon1": 1, "lat1": 2, "lon2": 3, "lat2": 4}, {"name": "x"}, 5]))
    assert [b["name"] for b in BookmarkStore(AtlasModel(), s2).items] == ["ok"]
    s2.setValue(SETTINGS_KEY, "{not json")
    assert BookmarkStore(AtlasModel(), s2).items == []


def test_window_bookmarks_go_there(qtbot, window) -> None:
    nav = window.feature("navigation")
    assert window.feature("navigation").store.items == nav.store.items
    assert any(b["name"] == "Sumy" for b in window.feature("navigation").store.items)
    panel = nav.bookmarks_panel
    row = [b["name"] for b in window.feature("navigation").store.items].index("Sumy")
    panel._activated(panel.list.item(row))
    lon, lat = window.canvas.map_viewport().center_lonlat
    assert lon == pytest.approx(34.80, abs=0.05) and lat == pytest.approx(50.92, abs=0.05)
    b = panel.add_current("Here")
    assert window.feature("navigation").store.items[-1] == b and b["name"] == "Here"
    assert window.model.bookmarks[-1].name == "Here"
    assert b["lon1"] < 34.80 < b["lon2"]


def test_layers_panel_hides_reorders_and_fades(qtbot, window) -> None:
    panel = window.feature("layers").panel
    window.feature("layers").dock.show()
    scene = window.canvas.scene_layers
    keys = panel.keys_top_first()
    assert keys == [lyr.key for lyr in reversed(scene.layers)]
    assert {"land", "border", "places", "events", "graticule"} <= set(keys)
    show_sudzha(window)
    qtbot.wait(50)
    before = window.canvas.grab_map()
    row = keys.index("border")
    panel.list.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert scene.layer("border").visible is False
    qtbot.wait(50)
    after = window.canvas.grab_map()
    assert before != after
    # Move the graticule to the top of the stack.
    panel.list.setCurrentRow(panel.keys_top_first().index("graticule"))
    while panel.keys_top_first()[0] != "graticule":
        panel.move_current(-1)
    assert scene.layers[-1].key == "graticule"
    panel.opacity.setValue(40)
    assert scene.layer("graticule").opacity == pytest.approx(0.4)


def test_dark_theme_and_cyrillic_toggles(qtbot, window) -> None:
    nav = window.feature("navigation")
    nav.act_dark.trigger()
    assert window.canvas.scene_layers.theme.name == "dark"
    assert QSettings().value("map/theme") == "dark"
    nav.act_dark.trigger()
    assert window.canvas.scene_layers.theme.name == "light"
    nav.act_cyrillic.trigger()
    assert window.canvas.scene_layers.basemap.options.cyrillic is True
    nav.act_cyrillic.trigger()
    assert window.canvas.scene_layers.basemap.options.cyrillic is False


def test_scale_bar_and_north_arrow_on_the_canvas(window) -> None:
    scene = window.canvas.scene_layers
    assert scene.layer("scale_bar") is not None and scene.layer("north_arrow") is not None


def test_raster_tiles_toggle_from_an_mbtiles_file(qtbot, window, tmp_path) -> None:
    import sqlite3

    from atlas.render.tiles import tile_zoom, tiles_in_view

    nav = window.feature("navigation")
    assert nav.tile_layer is None and window.canvas.scene_layers.layer("tiles") is None  # off by default
    path = tmp_path / "t.mbtiles"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    con.commit()
    con.close()
    layer = nav.enable_tiles(str(path))
    assert layer is not None and window.canvas.scene_layers.layers[1] is layer  # just above the background
    assert window.canvas.scene_layers.basemap.land.fill is False
    assert tiles_in_view(window.canvas.map_viewport(), tile_zoom(window.canvas.map_viewport()))
    window.canvas.grab_map()  # paints with no tiles in the file: nothing breaks
    nav.disable_tiles()
    assert window.canvas.scene_layers.layer("tiles") is None
    assert window.canvas.scene_layers.basemap.land.fill is True
    assert nav.enable_tiles(str(tmp_path / "missing.mbtiles")) is None
    assert "not shown" in window.statusBar().currentMessage()
