"""Finding your way on the map: cursor coordinates (DD, DMS, MGRS) and copying them, the map
theme and label script, scale bar and north arrow, go-to-place, bookmarks and the measure tool.

A window feature (atlas/ui/feature.py). The theme, label script and bookmarks are session state
in the model; the actions send new values and show the model's (QSettings keeps the user's
standing choice for the next start).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu

from atlas.geo.coords import format_cursor, format_dd, format_dms, format_mgrs
from atlas.geo.gazetteer import Place
from atlas.map.measure_tool import MeasureTool
from atlas.render.themes import theme_named

from atlas.model.session import MapStyle, MapView

from .bookmarks import BookmarksPanel, BookmarkStore
from .feature import Feature, FeatureHost
from .gazetteer_box import GazetteerBox, load_gazetteer
from .icons import decorate_actions
from .window_theme import apply_window_theme, system_prefers_dark

if TYPE_CHECKING:
    from atlas.render.tiles import TileLayer
    from atlas.map.canvas import MapCanvas

    from .main_window import MainWindow

def coordinate_texts(lon: float, lat: float) -> dict[str, str]:
    """The three ways the atlas writes a point: decimal degrees, DMS, MGRS."""
    return {"dd": format_dd(lon, lat), "dms": format_dms(lon, lat), "mgrs": format_mgrs(lon, lat)}


def copy_coordinates_menu(canvas: MapCanvas, pos: QPoint, parent: Any = None) -> QMenu:
    """The map's right-click menu for the point under ``pos`` (widget pixels): copy in any format."""
    vp = canvas.map_viewport()
    lon, lat = (float(v) for v in vp.px_to_lonlat(pos.x(), pos.y()))
    menu = QMenu(parent or canvas)
    texts = coordinate_texts(lon, lat)
    for key, label in (("dd", "Copy decimal degrees"), ("dms", "Copy degrees, minutes, seconds"), ("mgrs", "Copy MGRS")):
        act = menu.addAction(f"{label}:  {texts[key]}")
        act.setData(texts[key])
        act.triggered.connect(lambda _c=False, t=texts[key]: QGuiApplication.clipboard().setText(t))
    menu.addSeparator()
    both = f"{texts['dd']} | {texts['dms']} | {texts['mgrs']}"
    act = menu.addAction("Copy all three")
    act.setData(both)
    act.triggered.connect(lambda _c=False, t=both: QGuiApplication.clipboard().setText(t))
    return menu


class Navigation(Feature):
    """Coordinates, theme and script, scale bar and north arrow, go to place, bookmarks, measuring
    (``window.feature("navigation")``)."""

    name = "navigation"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        window: Any = host
        self.window = window
        canvas = window.canvas
        self.canvas = canvas
        scene = canvas.scene_layers
        s = QSettings()

        # --- status bar: cursor in three notations
        window.cursor_label.setMinimumWidth(560)
        canvas.cursor_moved.connect(self._show_cursor)
        # The measurement gets its own status-bar field: a status message would hide the cursor.
        self.measure_label = QLabel()
        self.measure_label.setTextFormat(Qt.TextFormat.PlainText)
        self.measure_label.setStyleSheet("color: #b34700; font-weight: bold;")
        self.measure_label.hide()
        host.add_status_widget(self.measure_label)
        # --- right-click copies coordinates
        canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        canvas.customContextMenuRequested.connect(self._context_menu)

        # --- scale bar and north arrow on the canvas (the export page draws its own)
        try:
            from atlas.render.decorations import NorthArrowLayer, ScaleBarLayer
        except ImportError:  # pragma: no cover - decorations ship with the app
            ScaleBarLayer = NorthArrowLayer = None  # type: ignore[assignment,misc]
        if ScaleBarLayer is not None and scene.layer("scale_bar") is None:
            # Bottom-left belongs to the areas-of-control legend; graticule labels run along the
            # top and right edges, so the bar goes bottom-right and the arrow top-left.
            host.add_map_layer(ScaleBarLayer(corner="bottom-right"))
            host.add_map_layer(NorthArrowLayer(corner="top-left", margin=8.0))

        # --- theme and script
        vm = host.menu("view")
        vm.addSeparator()
        self.act_dark = window.action("&Dark theme", "Ctrl+Shift+D", self._toggle_dark, "Switch the map and the window between the light and the dark theme")
        self.act_dark.setCheckable(True)
        self.act_cyrillic = window.action("Place names in C&yrillic", "Ctrl+Shift+L", self._toggle_cyrillic,
                                           "Label places, rivers and oblasts in the local Cyrillic spelling")
        self.act_cyrillic.setCheckable(True)
        vm.addAction(self.act_dark)
        vm.addAction(self.act_cyrillic)
        self.act_tiles = window.action("Raster &tiles under the map…", "Ctrl+Shift+T", self._toggle_tiles,
                                        "Show XYZ tiles (a URL template or a local .mbtiles file) under the vector "
                                        "map; off by default, cached on disk, quiet when offline")
        self.act_tiles.setCheckable(True)
        vm.addAction(self.act_tiles)
        self.tile_layer: TileLayer | None = None
        self._tile_bridge = _TileBridge(window)
        self._tile_bridge.arrived.connect(canvas.item.update)
        # The user's standing choice from the last session, into the model; then follow the model.
        # (no choice yet: the system's colour scheme decides)
        dark = str(s.value("map/theme", "dark" if system_prefers_dark() else "light")) == "dark"
        cyr = str(s.value("map/cyrillic", "false")).lower() in ("true", "1")
        model = window.model
        model.set_style(dataclasses.replace(model.style, theme="dark" if dark else "light", cyrillic=cyr))
        model.style_changed.connect(self._show_style)
        self._show_style()

        # --- Map menu: go to place, bookmarks, measure
        self.menu = host.menu("map")
        self.gazetteer = load_gazetteer()
        self.place_box = GazetteerBox(self.gazetteer, self.go_to_place)
        self.place_dock = window.add_dock("Go to place", "place_dock", self.place_box, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.act_goto = window.action("&Go to place…", "Ctrl+G", self.focus_place_search,
                                       "Find a place by name (Latin or Cyrillic) and fly there")
        self.store = BookmarkStore(window.model, s)
        self.bookmarks_panel = BookmarksPanel(self.store, self.go_to_bookmark, self.current_view)
        self.bookmarks_dock = window.add_dock("Bookmarks", "bookmarks_dock", self.bookmarks_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.act_bookmarks = window.action("&Bookmarks", "Ctrl+B", self.show_bookmarks, "Show the list of bookmarked views")
        self.act_add_bookmark = window.action("&Add bookmark…", "Ctrl+Shift+B", lambda: self.bookmarks_panel.add_current(),
                                               "Bookmark the current view")
        self.act_measure = window.action("&Measure distance", "Ctrl+M", lambda: self.start_measure("line"),
                                          "Click points; double-click or Enter finishes; Esc cancels (geodesic km and mi)")
        self.act_measure_area = window.action("Measure a&rea", "Ctrl+Shift+M", lambda: self.start_measure("area"),
                                               "Click the corners; double-click or Enter finishes; Esc cancels (geodesic km² and sq mi)")
        self.act_stop = window.action("&Stop measuring", "Ctrl+Shift+Esc", self.stop_measure, "Back to selecting events")
        group = QActionGroup(window)
        group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for a in (self.act_measure, self.act_measure_area):
            a.setCheckable(True)
            group.addAction(a)
        for a in (self.act_goto, None, self.act_bookmarks, self.act_add_bookmark, None, self.act_measure,
                  self.act_measure_area, self.act_stop):
            if a is None:
                self.menu.addSeparator()
            else:
                self.menu.addAction(a)
        for a in (self.act_goto, self.act_bookmarks, self.act_measure, self.act_measure_area):
            window.map_toolbar.addAction(a)
        # The place box sits above the bookmarks; both stay out of the way until asked for.
        window.splitDockWidget(self.place_dock, self.bookmarks_dock, Qt.Orientation.Vertical)
        self.place_dock.hide()
        self.bookmarks_dock.hide()
        self.measure_tool: MeasureTool | None = None
        if str(s.value("map/tiles_on", "false")).lower() == "true" and s.value("map/tiles_source"):
            self.enable_tiles(str(s.value("map/tiles_source")), save=False)
        # While measuring, Esc / Enter / Backspace belong to the tool, not to the window's
        # shortcuts (Esc would otherwise clear the selection and never cancel the measurement).
        self._keys = _ToolKeys(canvas)
        canvas.installEventFilter(self._keys)

    # ------------------------------------------------------------------ status and menu
    def _show_cursor(self, lon: float, lat: float) -> None:
        if not math.isnan(lon):
            self.window.cursor_label.setText(format_cursor(lon, lat))

    def _context_menu(self, pos: QPoint) -> None:
        menu = copy_coordinates_menu(self.canvas, pos, self.window)
        menu.popup(self.canvas.mapToGlobal(pos))

    # ------------------------------------------------------------------ theme, script
    def set_theme(self, name: str, save: bool = True) -> None:
        theme_named(name)  # an unknown name fails here, before the model changes
        model = self.window.model
        model.set_style(dataclasses.replace(model.style, theme=name))
        if save:
            QSettings().setValue("map/theme", name)

    def set_cyrillic(self, on: bool, save: bool = True) -> None:
        model = self.window.model
        model.set_style(dataclasses.replace(model.style, cyrillic=bool(on)))
        if save:
            QSettings().setValue("map/cyrillic", "true" if on else "false")

    def _show_style(self) -> None:
        st: MapStyle = self.window.model.style
        self.act_dark.setChecked(st.theme == "dark")
        apply_window_theme(st.theme == "dark")  # the whole window follows the map's theme
        decorate_actions(self.window.findChildren(QAction), dark=st.theme == "dark")
        self.act_cyrillic.setChecked(st.cyrillic)

    def _toggle_dark(self) -> None:
        self.set_theme("dark" if self.act_dark.isChecked() else "light")

    def _toggle_cyrillic(self) -> None:
        self.set_cyrillic(self.act_cyrillic.isChecked())

    # ------------------------------------------------------------------ raster tiles (optional)
    def enable_tiles(self, source: str, save: bool = True) -> TileLayer | None:
        # (Imported here: tiles are off by default, and the module brings QtNetwork, ~8 ms of a start.)
        from atlas.render.tiles import TileLayer, TileSourceError

        self.disable_tiles(save=False)
        cache = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)) / "tiles"
        try:
            layer = TileLayer(source, cache_dir=cache, on_tile=self._tile_bridge.arrived.emit)
        except TileSourceError as exc:
            self.window.statusBar().showMessage(f"Raster tiles not shown: {exc}", 10000)
            self.act_tiles.setChecked(False)
            return None
        scene = self.canvas.scene_layers
        self.window.add_map_layer(layer, above="background")
        if scene.basemap is not None:
            scene.basemap.land.set_fill(False)  # the tiles show the land; keep borders and coasts
        scene.world.set_fill(False)
        self.tile_layer = layer
        self.act_tiles.setChecked(True)
        self.canvas.item.update()
        if save:
            QSettings().setValue("map/tiles_source", source)
            QSettings().setValue("map/tiles_on", "true")
        return layer

    def disable_tiles(self, save: bool = True) -> None:
        layer = self.tile_layer
        if layer is not None:
            scene = self.canvas.scene_layers
            if layer in scene.layers:
                scene.layers.remove(layer)
            layer.close()
            self.tile_layer = None
            if scene.basemap is not None:
                scene.basemap.land.set_fill(True)
            scene.world.set_fill(True)
            self.canvas.item.update()
        self.act_tiles.setChecked(False)
        if save:
            QSettings().setValue("map/tiles_on", "false")

    def _toggle_tiles(self) -> None:
        if not self.act_tiles.isChecked():
            self.disable_tiles()
            return
        current = str(QSettings().value("map/tiles_source", "") or "")
        source, ok = QInputDialog.getText(
            self.window, "Raster tiles",
            "XYZ URL template (http://host/{z}/{x}/{y}.png) or the path of a .mbtiles file:", text=current)
        if not ok or not source.strip():
            self.act_tiles.setChecked(False)
            return
        self.enable_tiles(source.strip())

    # ------------------------------------------------------------------ places and bookmarks
    def focus_place_search(self) -> None:
        self.place_dock.show()
        self.place_dock.raise_()
        self.place_box.edit.setFocus()
        self.place_box.edit.selectAll()

    def go_to_place(self, place: Place, animate: bool = True) -> None:
        """Centre on the place, zooming in to district scale from a wider view (canvas.fly_to)."""
        if place.lon is None or place.lat is None:  # known by name only: nowhere to go
            self.window.statusBar().showMessage(place.label, 8000)
            return
        self.canvas.fly_to(place.lon, place.lat, animate=animate)
        self.window.statusBar().showMessage(f"{place.label}  ·  {format_dd(place.lon, place.lat)}", 8000)

    def current_view(self) -> tuple[float, float, float, float]:
        lon1, lat1, lon2, lat2 = self.canvas.map_viewport().lonlat_bounds()
        return (round(lon1, 5), round(lat1, 5), round(lon2, 5), round(lat2, 5))

    def go_to_bookmark(self, b: dict[str, Any]) -> None:
        lon1, lon2 = sorted((float(b["lon1"]), float(b["lon2"])))
        lat1, lat2 = sorted((float(b["lat1"]), float(b["lat2"])))
        self.window.model.set_view(MapView(lon1, lat1, lon2, lat2))
        self.window.statusBar().showMessage(f"Bookmark: {b['name']}", 5000)

    def show_bookmarks(self) -> None:
        self.bookmarks_dock.show()
        self.bookmarks_dock.raise_()
        self.bookmarks_panel.list.setFocus()

    # ------------------------------------------------------------------ measuring
    def start_measure(self, mode: str) -> MeasureTool:
        tool = MeasureTool(mode, on_result=self._measure_result)
        self.measure_tool = tool
        self.canvas.set_tool(tool)
        (self.act_measure if mode == "line" else self.act_measure_area).setChecked(True)
        self.canvas.setFocus()
        self._measure_result("Measure: click points on the map; double-click or Enter finishes; "
                             "Backspace removes the last; Esc cancels")
        return tool

    def stop_measure(self) -> None:
        if isinstance(self.canvas.tool, MeasureTool):
            self.canvas.reset_tool()
        self.act_measure.setChecked(False)
        self.act_measure_area.setChecked(False)
        self._measure_result("")

    def _measure_result(self, text: str) -> None:
        self.measure_label.setText(text)
        self.measure_label.setVisible(bool(text))


class _TileBridge(QObject):
    """Carries "a tile arrived" from the tile threads to the GUI thread (a queued signal)."""

    arrived = Signal()


class _ToolKeys(QObject):
    """Accepts ShortcutOverride for the keys the measure tool uses while it has vertices."""

    KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace)

    def __init__(self, canvas: MapCanvas) -> None:
        super().__init__(canvas)
        self.canvas = canvas

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if ev.type() == QEvent.Type.ShortcutOverride and isinstance(ev, QKeyEvent):
            tool = self.canvas.tool
            if isinstance(tool, MeasureTool) and tool.vertices and ev.key() in self.KEYS:
                ev.accept()
                return True
        return False
