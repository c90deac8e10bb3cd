"""The main window: the map in the centre, the event list docked beside it, a status bar.

The window wires widgets to the one shared :class:`AtlasModel`; it holds no session state itself.
It knows no feature by name: it builds every feature of :data:`atlas.features.FEATURES` and offers
them the host interface of atlas/ui/feature.py (actions, menus, docks, map layers, import checks).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QPalette, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from atlas import APP_NAME, __version__
from atlas.features import FEATURES
from atlas.geo.coords import format_dd
from atlas.io import BUNDLED_EVENTS, READERS, ImportReport, InputError, read_events
from atlas.io.report import loaded_message
from atlas.map.canvas import MapCanvas
from atlas.model import AtlasModel, EventTable
from atlas.model.attribution import attribution
from atlas.render.compose import BASEMAP_ATTRIBUTION
from atlas.render.layers import MapLayer

from .details_panel import plain_tooltip
from .fitting_label import CappedFittingLabel
from .event_list import EventListPanel
from .feature import Feature, FileOpener, ImportCheck, load_feature_class
from .icons import app_icon, decorate_actions
from .undo import UNDO_LIMIT, record_session_changes

#: The basemap's sources by name only, for a narrow status bar (the full line is its tooltip).
BASEMAP_CREDIT_NAMES = "© OpenStreetMap · Natural Earth · GeoNames · GSHHG"


#: No side dock gets narrower than this (a column of controls stays readable).
MIN_SIDE_DOCK_WIDTH = 200


def settings() -> QSettings:
    return QSettings()


@dataclass(frozen=True)
class DockSizes:
    left: int
    right: int
    bottom: int


def default_dock_sizes(width: int, height: int) -> DockSizes:
    """First-start dock sizes for a window of ``width``×``height``: the left column (filters) a
    fifth of the width up to 300 px, the right one (event list) 28 % and 13 % of what is wider than 1280 px, the
    timeline a fifth of the height between 150 and 220 px. At 1280×800 that leaves the map 650 of
    1,280 pixels of width and about 560 of 800 of height."""
    left = min(300, max(MIN_SIDE_DOCK_WIDTH, int(width * 0.2)))
    right = min(640, max(320, int(width * 0.28 + max(0, width - 1280) * 0.13)))
    bottom = min(220, max(150, int(height * 0.2)))
    return DockSizes(left, right, bottom)


class MainWindow(QMainWindow):
    def __init__(self, model: AtlasModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.model = model if model is not None else AtlasModel()
        self.reports: list[ImportReport] = []
        self._features: dict[str, Feature] = {}
        self._import_checks: list[ImportCheck] = []
        self._opener: FileOpener | None = None
        self._docks: list[QDockWidget] = []

        self.canvas = MapCanvas(self.model)
        self.setCentralWidget(self.canvas)
        # The side columns run the full height; the timeline sits under the map only. (Corners
        # are not part of a saved dock state, so they are set on every start.)
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        self.event_list = EventListPanel(self.model)
        self.list_dock = self.add_dock("Events", "events_dock", self.event_list, Qt.DockWidgetArea.RightDockWidgetArea)

        self.cursor_label = QLabel("—")
        self.cursor_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cursor_label.setMinimumWidth(260)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        # The licences (ODbL, CC BY, ACLED's terms) require the attribution to be visible in the
        # app: it names who made the loaded events and the basemap (_update_attribution).
        # At most 45 % of the bar (the import and measuring messages need the rest), in the
        # longest of its wordings that fits: the names of every source stay, their licences go first.
        self.attribution_label = CappedFittingLabel(0.45)
        self.attribution_label.set_wordings([BASEMAP_ATTRIBUTION])
        self.attribution_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted, in either theme
        sb = self.statusBar()
        sb.addWidget(self.cursor_label)
        sb.addWidget(self.count_label)
        sb.addPermanentWidget(self.attribution_label)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.model.filter_changed.connect(self._update_count)
        self.model.table_changed.connect(self._update_count)
        self.model.aggregates_changed.connect(self._update_count)
        self.model.stale_changed.connect(self._update_count)  # "cached events" while a stale copy
        self.model.table_changed.connect(self._forget_reports)
        self.model.table_changed.connect(self._update_attribution)
        self.model.stale_changed.connect(self._update_attribution)
        self.model.aggregates_changed.connect(self._update_attribution)  # a store's view: its datasets

        self._build_actions()
        # Every feature of atlas/features.py, in list order, through the host interface below.
        for entry in FEATURES:
            if entry.gui is not None:
                self._features[entry.name] = load_feature_class(entry.gui)(self)
        for feature in self._features.values():
            feature.started()
        self.undo_stack.clear()  # what the features set up is no step of the user's
        self.setWindowIcon(app_icon())
        self._update_count()
        self._update_attribution()
        self.resize(1500, 900)
        self._default_layout_pending = False
        self._tabs_stacked = False
        self._sizing_pending = False
        self.restore_state()
        # Icons from resources/ and tooltips that name the shortcut, for every feature's actions.
        decorate_actions(self.findChildren(QAction), dark=self.model.style.theme == "dark")

    # ------------------------------------------------------------------ the host interface (atlas/ui/feature.py)
    def feature(self, name: str) -> Feature | None:
        """The feature listed under ``name`` in atlas/features.py, if the window has it."""
        return self._features.get(name)

    @property
    def features(self) -> dict[str, Feature]:
        return dict(self._features)

    def menu(self, name: str) -> QMenu:
        menus = {"file": self.file_menu, "edit": self.edit_menu, "view": self.view_menu, "map": self.map_menu,
                 "help": self.help_menu}
        return menus[name]

    def undo_actions(self) -> tuple[QAction, QAction]:
        """Edit ▸ Undo and Redo (of the window's one undo stack)."""
        return self.act_undo, self.act_redo

    def add_menu(self, title: str) -> QMenu:
        """A feature's own menu in the menu bar, before Help."""
        menu = QMenu(title, self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        return menu

    def action(self, text: str, shortcut: str | QKeySequence | QKeySequence.StandardKey | None,
               slot: object, tip: str = "") -> QAction:
        return self._action(text, shortcut, slot, tip)

    def add_map_layer(self, layer: MapLayer, below: str | None = None, above: str | None = None) -> None:
        self.canvas.scene_layers.insert(layer, below=below, above=above)
        self.canvas.scene_layers.apply_layers(self.model.layers)
        self.canvas.item.update()

    def add_status_widget(self, widget: QWidget, permanent: bool = False) -> None:
        if permanent:
            self.statusBar().addPermanentWidget(widget)
        else:
            self.statusBar().addWidget(widget)

    def add_import_check(self, check: ImportCheck) -> None:
        self._import_checks.append(check)

    def record_reports(self, reports: Sequence[ImportReport], append: bool = False) -> None:
        """The import reports of the files now loaded (the Help and Sources views show them)."""
        self.reports = [*self.reports, *reports] if append else list(reports)

    def set_file_opener(self, opener: FileOpener) -> None:
        self._opener = opener

    def _checked(self, paths: Sequence[str | Path]) -> list[Path] | bool:
        """The files to read after every import check; a bool when a check took them itself."""
        keep = [Path(p) for p in paths]
        for check in self._import_checks:
            if not keep:
                break
            out = check(keep)
            if isinstance(out, bool):
                return out
            keep = list(out)
        return keep

    # ------------------------------------------------------------------ building
    def add_dock(self, title: str, object_name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)  # restoreState finds docks by object name
        dock.setWidget(widget)
        if area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            # A side dock keeps room for its content's narrowest layout, and never less than a column.
            dock.setMinimumWidth(max(MIN_SIDE_DOCK_WIDTH, min(widget.minimumSizeHint().width(), 420)))
        self.addDockWidget(area, dock)
        self._docks.append(dock)
        view_menu = self.__dict__.get("view_menu")
        if view_menu is not None:
            view_menu.addAction(dock.toggleViewAction())
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
        # One undo stack for the window: annotations, filters and every other undoable command.
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._state_undo = record_session_changes(self.model, self.undo_stack, self)
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a in (self.act_undo, self.act_redo):
            self.addAction(a)
            self.edit_menu.addAction(a)
        self.edit_menu.addSeparator()
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

        self.map_menu = mb.addMenu("&Map")
        self.help_menu = mb.addMenu("&Help")
        self.act_shortcuts = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.act_about = self._action("&About Kursk Atlas", None, self.show_about)
        self.help_menu.addAction(self.act_shortcuts)
        self.help_menu.addAction(self.act_about)

    # ------------------------------------------------------------------ status
    def _show_cursor(self, lon: float, lat: float) -> None:
        self.cursor_label.setText("—" if math.isnan(lon) else format_dd(lon, lat))

    def _update_count(self) -> None:
        from .event_list import count_text

        self.count_label.setText(count_text(self.model) + " shown")

    def attribution(self) -> str:
        """Who made the loaded events and the basemap (the same line as a picture's footer)."""
        text = attribution(self.model.table, self.model.sources, BASEMAP_ATTRIBUTION, store=self.model.store_name,
                           datasets=self.model.view_datasets)
        return f"{self.model.stale_note} · {text}" if self.model.stale_note else text

    def _update_attribution(self) -> None:
        store, datasets = self.model.store_name, self.model.view_datasets  # a store: every dataset of the view
        names = attribution(self.model.table, self.model.sources, BASEMAP_CREDIT_NAMES, short=True, store=store,
                            datasets=datasets)
        wordings = [attribution(self.model.table, self.model.sources, BASEMAP_ATTRIBUTION, short=True, store=store,
                                datasets=datasets),
                    names,
                    names.replace(" (CC BY 4.0)", "").replace(" · Basemap: ", " · ")]
        # A stale copy of a store says so first (the database feature's label says it in red too).
        self.attribution_label.set_wordings([f"{self.model.stale_note} · {w}" if self.model.stale_note else w
                                             for w in wordings])
        self.attribution_label.setToolTip(plain_tooltip(self.attribution()))  # file names are the user's text

    def _forget_reports(self) -> None:
        if not self.model.sources:
            self.reports = []  # the events were cleared (File ▸ New): no import report applies

    def focus_search(self) -> None:
        self.list_dock.show()
        self.event_list.search.setFocus()
        self.event_list.search.selectAll()

    # ------------------------------------------------------------------ loading
    def load_files(self, paths: Sequence[str | Path], checked: bool = False) -> bool:
        """Read files now (the import checks first unless ``checked``); load what could be read
        and report the rest. Never raises."""
        if not checked:
            kept = self._checked(paths)
            if isinstance(kept, bool) or not kept:
                return bool(kept)
            paths = kept
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
            self.model.set_table(table, sources=[str(Path(r.path)) for r in reports])
            self.reports = reports
            self.canvas.home()
            # Build the text-search column and the id lookup off the GUI thread, so that neither
            # the first keystroke nor the first lookup by id (a workspace's selection) waits.
            threading.Thread(target=_warm_up, args=(table,), name="search-index", daemon=True).start()
        problems = [r for r in reports if r.problems]
        if errors or problems:
            self.show_load_problems(errors, problems)
        elif tables:  # a clean import says what it loaded
            self.statusBar().showMessage(loaded_message(len(table), table.date_span(), reports), 15000)
        return bool(tables)

    def import_files(self, paths: Sequence[str | Path], append: bool = False) -> bool:
        """Open files as the user asked (menu, drop): the import checks, then the file opener a
        feature set (a background import with progress and Cancel), else a plain load."""
        keep = self._checked(paths)
        if isinstance(keep, bool) or not keep:
            return bool(keep)
        if self._opener is not None:
            return bool(self._opener(keep, append))
        return self.load_files(keep, checked=True)

    def load_bundled(self) -> bool:
        return self.load_files([BUNDLED_EVENTS])

    def show_load_problems(self, errors: list[str], reports: list[ImportReport]) -> None:
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
        # Plain text: the attribution names imported files, whose names could look like markup.
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{APP_NAME} {__version__}\nAn offline atlas of the 2024–25 Kursk incursion and counter-offensive."
                    f"\n\n{self.attribution()}")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.show()

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
            self._default_layout_pending = True
            if not isinstance(geo, (QByteArray, bytes)):
                self._first_size()
            # The tab stacks now, before the window is shown: a dock behind a tab is never shown,
            # so its panel neither lays out nor draws for the first paint (its sizes follow on show).
            self._stack_default_tabs()

    def _shown_docks(self, area: Qt.DockWidgetArea) -> list[QDockWidget]:
        return [d for d in self._docks if not d.isHidden() and not d.isFloating() and self.dockWidgetArea(d) == area]

    def _stack_default_tabs(self) -> None:
        """Every visible dock of the left column in one tab stack (the first one added, Filters, in
        front); on the right, the event list's own pane above one tab stack of the others."""
        left = self._shown_docks(Qt.DockWidgetArea.LeftDockWidgetArea)
        for other in left[1:]:
            self.tabifyDockWidget(left[0], other)
        if left:
            left[0].raise_()
        right = [d for d in self._shown_docks(Qt.DockWidgetArea.RightDockWidgetArea) if d is not self.list_dock]
        for other in right[1:]:
            self.tabifyDockWidget(right[0], other)
        if right:
            right[0].raise_()
        self.list_dock.raise_()
        self._tabs_stacked = True

    def apply_default_layout(self) -> None:
        """First start (no saved layout): the map is the main view.

        The docks stacked as :meth:`_stack_default_tabs` says; sizes follow the window, so at
        1280×800 the map keeps over half the width and two thirds of the height. Docks are found
        by area, not by name: the window names no feature."""
        self._sizing_pending = False
        shown = self._shown_docks
        if not self._tabs_stacked:
            self._stack_default_tabs()
        left = shown(Qt.DockWidgetArea.LeftDockWidgetArea)
        right = [d for d in shown(Qt.DockWidgetArea.RightDockWidgetArea) if d is not self.list_dock]

        width, height = self.width(), self.height()
        sizes = default_dock_sizes(width, height)
        if left:
            self.resizeDocks(left[:1], [max(sizes.left, left[0].minimumSizeHint().width())], Qt.Orientation.Horizontal)
        if not self.list_dock.isHidden():
            self.resizeDocks([self.list_dock], [sizes.right], Qt.Orientation.Horizontal)
            if right:
                self.resizeDocks([self.list_dock, right[0]], [int(height * 0.55), int(height * 0.45)],
                                 Qt.Orientation.Vertical)
        bottom = shown(Qt.DockWidgetArea.BottomDockWidgetArea)
        if bottom:
            self.resizeDocks(bottom[:1], [sizes.bottom], Qt.Orientation.Vertical)

    def showEvent(self, ev: QShowEvent) -> None:  # noqa: N802
        super().showEvent(ev)
        if self._default_layout_pending:
            # Once the window has its real size: dock sizes set before that are scaled away.
            self._default_layout_pending = False
            self._sizing_pending = True
            QTimer.singleShot(0, self.apply_default_layout)

    def _first_size(self) -> None:
        """A laptop screen (up to ~1440 wide) is filled; a larger one gets most of it."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is None or screen.width() < 800:
            return
        share = 1.0 if screen.width() <= 1440 else 0.94
        self.resize(int(screen.width() * share), int(screen.height() * share))
        if share == 1.0:
            self.move(screen.topLeft())

    def save_state(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()

    def closeEvent(self, ev: QCloseEvent) -> None:  # noqa: N802
        # A first-start window closed before its default layout was sized (never shown) has no
        # layout of the user's to keep: saving it would make the next start open with unsized docks.
        if not (self._default_layout_pending or self._sizing_pending):
            self.save_state()
        super().closeEvent(ev)
        if ev.isAccepted():
            # Connections and listeners go with the window, not when the garbage collector gets to
            # it: a server counts its clients (max_connections) and an analyst opens many windows.
            for feature in self._features.values():
                feature.closed()


def _warm_up(table: EventTable) -> None:
    """The table's lazily built indexes, built ahead of use (on a worker thread)."""
    table.search_column()
    table.id_index().build()
