"""The main window: the map in the centre, the event list docked beside it, a status bar.

The window wires widgets to the one shared :class:`AtlasModel`; it holds no event state itself.
Other features add their docks and actions through :meth:`MainWindow.add_dock` and the menus.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from atlas import APP_NAME, __version__
from atlas.geo.coords import format_dd
from atlas.io import BUNDLED_EVENTS, READERS, ImportReport, InputError, read_events
from atlas.map.canvas import MapCanvas
from atlas.model import AtlasModel, EventTable
from atlas.render.compose import BASEMAP_ATTRIBUTION, DEFAULT_ATTRIBUTION
from atlas.workspace import install_workspace

from .event_list import EventListPanel
from .icons import app_icon, decorate_actions
from .import_dialogs import install_import
from .layers_panel import install_layers_panel
from .navigation import install_navigation
from .annotations_panel import install_annotations
from .export_dialog import install_export
from .control_panel import install_control_areas
from .workflow import install_workflow


def settings() -> QSettings:
    return QSettings()


class MainWindow(QMainWindow):
    def __init__(self, model: AtlasModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.model = model if model is not None else AtlasModel()
        self.reports: list[ImportReport] = []

        self.canvas = MapCanvas(self.model)
        self.setCentralWidget(self.canvas)

        self.event_list = EventListPanel(self.model)
        self.list_dock = self.add_dock("Events", "events_dock", self.event_list, Qt.DockWidgetArea.RightDockWidgetArea)

        self.cursor_label = QLabel("—")
        self.cursor_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cursor_label.setMinimumWidth(260)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        # The licences (ODbL, CC BY) require the attribution to be visible in the app.
        self.attribution_label = QLabel(BASEMAP_ATTRIBUTION)
        self.attribution_label.setToolTip(DEFAULT_ATTRIBUTION)
        self.attribution_label.setTextFormat(Qt.TextFormat.PlainText)
        self.attribution_label.setStyleSheet("color: #555;")
        sb = self.statusBar()
        sb.addWidget(self.cursor_label)
        sb.addWidget(self.count_label)
        sb.addPermanentWidget(self.attribution_label)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.model.filter_changed.connect(self._update_count)
        self.model.table_changed.connect(self._update_count)

        self._build_actions()
        install_workflow(self)  # filters, timeline, details, legend docks and their actions (atlas/ui/workflow.py)
        install_control_areas(self)  # areas-of-control layer, dock and actions (atlas/ui/control_panel.py)
        install_annotations(self)  # annotations layer, tools, dock, undo/redo (atlas/ui/annotations_panel.py)
        install_export(self)  # File ▸ Export picture…, Edit ▸ Copy picture (atlas/ui/export_dialog.py)
        install_navigation(self)  # coordinates, theme, scale bar, go to place, bookmarks, measure (atlas/ui/navigation.py)
        install_layers_panel(self)  # View ▸ Layers: show, hide, reorder, opacity (atlas/ui/layers_panel.py)
        install_import(self)  # background import with Cancel, column mapping, Sources dock, Add/Export events (atlas/ui/import_dialogs.py)
        self.setWindowIcon(app_icon())
        self._update_count()
        self.resize(1500, 900)
        self.restore_state()
        self.workspace = install_workspace(self)  # File ▸ New/Open/Save, autosave, recovery
        # Icons from resources/ and tooltips that name the shortcut, for every feature's actions.
        decorate_actions(self.findChildren(QAction))

    # ------------------------------------------------------------------ building
    def add_dock(self, title: str, object_name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)  # restoreState finds docks by object name
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        if hasattr(self, "view_menu"):
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _action(self, text: str, shortcut: str | QKeySequence | None, slot: object, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setToolTip(tip or text)
        act.setStatusTip(tip or text)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        mb = self.menuBar()
        self.file_menu = mb.addMenu("&File")
        self.act_open = self._action("&Open events…", QKeySequence.StandardKey.Open, self.open_dialog, "Open event files (they replace the current events)")
        self.act_quit = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.file_menu.addAction(self.act_open)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_quit)

        self.edit_menu = mb.addMenu("&Edit")
        self.act_find = self._action("&Find events", QKeySequence.StandardKey.Find, self.focus_search, "Focus the search box")
        self.act_clear_sel = self._action("&Clear selection", "Esc", self.model.clear_selection)
        self.act_clear_sel.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.edit_menu.addAction(self.act_find)
        self.edit_menu.addAction(self.act_clear_sel)

        self.view_menu = mb.addMenu("&View")
        self.act_home = self._action("Show &all events", "Home", self.canvas.home, "Zoom to the shown events (far outliers such as talks abroad left out)")
        self.act_home.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_home_all = self._action("Show every event, outliers &included", "Shift+Home", lambda: self.canvas.home(everything=True))
        self.act_home_all.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_region = self._action("Show the &region", "Ctrl+0", self.canvas.show_region)
        self.act_zoom_in = self._action("Zoom &in", "Ctrl++", lambda: self.canvas.zoom(1.5))
        self.act_zoom_out = self._action("Zoom &out", "Ctrl+-", lambda: self.canvas.zoom(1 / 1.5))
        for a in (self.act_home, self.act_home_all, self.act_region, self.act_zoom_in, self.act_zoom_out):
            self.view_menu.addAction(a)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.list_dock.toggleViewAction())

        # The map's own toolbar; features add their map actions to it (navigation, export).
        self.map_toolbar = self.addToolBar("Map")
        self.map_toolbar.setObjectName("map_toolbar")
        for a in (self.act_open, self.act_home, self.act_region, self.act_zoom_in, self.act_zoom_out):
            self.map_toolbar.addAction(a)
        self.map_toolbar.addSeparator()

        self.help_menu = mb.addMenu("&Help")
        self.act_shortcuts = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.act_about = self._action("&About Kursk Atlas", None, self.show_about)
        self.help_menu.addAction(self.act_shortcuts)
        self.help_menu.addAction(self.act_about)

    # ------------------------------------------------------------------ status
    def _show_cursor(self, lon: float, lat: float) -> None:
        self.cursor_label.setText("—" if math.isnan(lon) else format_dd(lon, lat))

    def _update_count(self) -> None:
        shown, total = len(self.model.visible_rows), len(self.model.table)
        self.count_label.setText(f"{shown:,} of {total:,} events shown")

    def focus_search(self) -> None:
        self.list_dock.show()
        self.event_list.search.setFocus()
        self.event_list.search.selectAll()

    # ------------------------------------------------------------------ loading
    def load_files(self, paths: Sequence[str | Path]) -> bool:
        """Read files; load what could be read and report the rest. Never raises."""
        tables: list[EventTable] = []
        errors: list[str] = []
        reports: list[ImportReport] = []
        for path in paths:
            try:
                table, report = read_events(path)
            except InputError as exc:
                errors.append(str(exc))
                continue
            except Exception as exc:  # a reader bug must not take the app down
                errors.append(f"{path}: unexpected error while reading ({type(exc).__name__}: {exc})")
                continue
            tables.append(table)
            reports.append(report)
        if tables:
            table = EventTable.concat(tables)
            self.model.set_table(table)
            self.reports = reports
            self.canvas.home()
            # Build the text-search column off the GUI thread so the first keystroke is fast.
            threading.Thread(target=table.search_column, name="search-index", daemon=True).start()
        problems = [r for r in reports if r.problems]
        if errors or problems:
            self._show_load_problems(errors, problems)
        return bool(tables)

    def import_files(self, paths: Sequence[str | Path], append: bool = False) -> None:
        """Read files in the background (progress, Cancel); the model changes only when all is read."""
        if getattr(self, "importer", None) is not None:
            self.importer.start(paths, append=append)
        else:
            self.load_files(paths)

    def load_bundled(self) -> bool:
        return self.load_files([BUNDLED_EVENTS])

    def _show_load_problems(self, errors: list[str], reports: list[ImportReport]) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning if errors else QMessageBox.Icon.Information)
        box.setWindowTitle("Import report")
        box.setTextFormat(Qt.TextFormat.PlainText)
        lines = [f"Could not read: {e}" for e in errors] + [r.summary() for r in reports]
        box.setText("\n".join(lines) or "Loaded.")
        details = []
        for r in reports:
            details.append(r.summary())
            details += [f"  note: {n}" for n in r.notes]
            details += [f"  {p.where}: {p.what} ({p.action})" for p in r.problems[:500]]
            if len(r.problems) > 500:
                details.append(f"  … and {len(r.problems) - 500:,} more")
        if details:
            box.setDetailedText("\n".join(details))
        box.setModal(False)
        box.show()

    def open_dialog(self) -> None:
        start = settings().value("paths/last_open_dir", str(Path.home()))
        exts = " ".join(f"*{e}" for e in sorted(READERS))
        paths, _ = QFileDialog.getOpenFileNames(self, "Open events", str(start), f"Event files ({exts});;All files (*)")
        if paths:
            settings().setValue("paths/last_open_dir", str(Path(paths[0]).parent))
            self.import_files(paths)

    def dragEnterEvent(self, ev: QDragEnterEvent) -> None:  # noqa: N802
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.import_files(paths)

    # ------------------------------------------------------------------ help
    def show_shortcuts(self) -> None:
        rows = []
        for act in self.findChildren(QAction):
            seq = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if seq and act.text():
                rows.append(f"{seq:<16} {act.text().replace('&', '')}")
        rows += [
            f"{'+ / −':<16} Zoom the map in / out",
            f"{'Drag / wheel':<16} Pan / zoom the map",
            f"{'Up / Down':<16} Previous / next event in the list (the map follows)",
            f"{'Shift / Ctrl+click':<16} Extend / toggle the selection (list and map)",
        ]
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText("\n".join(sorted(set(rows))))
        box.show()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\nAn offline atlas of the 2024–25 Kursk incursion and counter-offensive.\n\n{DEFAULT_ATTRIBUTION}",
        )

    # ------------------------------------------------------------------ persistence
    def restore_state(self) -> None:
        s = settings()
        geo = s.value("window/geometry")
        state = s.value("window/state")
        if isinstance(geo, (QByteArray, bytes)):
            self.restoreGeometry(QByteArray(geo))
        if isinstance(state, (QByteArray, bytes)):
            self.restoreState(QByteArray(state))
        else:
            self.apply_default_layout()

    def apply_default_layout(self) -> None:
        """First start: the map keeps the most room; secondary docks share tabs."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None and screen.width() >= 1200:
            self.resize(int(screen.width() * 0.94), int(screen.height() * 0.92))

        def dock(name: str) -> QDockWidget | None:
            d = self.findChild(QDockWidget, name)
            return d if d is not None and not d.isHidden() else None

        # Left: filters, legend and sources share one tabbed column; right: the list above the
        # details / areas tabs. The map in the centre keeps the most room.
        left = [d for d in (dock("filters_dock"), dock("legend_dock"), dock("sources_dock")) if d is not None]
        for other in left[1:]:
            self.tabifyDockWidget(left[0], other)
        if left:
            left[0].raise_()
            self.resizeDocks(left[:1], [270], Qt.Orientation.Horizontal)
        right = [d for d in (self.list_dock, dock("details_dock")) if d is not None]
        self.resizeDocks(right[:1], [560], Qt.Orientation.Horizontal)
        if len(right) == 2:
            self.resizeDocks(right, [430, 330], Qt.Orientation.Vertical)
        timeline = dock("timeline_dock")
        if timeline is not None:
            self.resizeDocks([timeline], [190], Qt.Orientation.Vertical)

    def save_state(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()

    def closeEvent(self, ev: QCloseEvent) -> None:  # noqa: N802
        self.save_state()
        super().closeEvent(ev)
