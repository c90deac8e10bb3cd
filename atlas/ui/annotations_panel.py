"""The annotations dock, the annotation style dialog, undo/redo, and the Annotate menu.

:class:`AnnotationsFeature` (a window feature, atlas/ui/feature.py) brings it all: the annotations
layer joins the canvas's scene (the export paints the same scene), the tools go into an Annotate
menu and toolbar, every change goes through a QUndoStack (Ctrl+Z / Ctrl+Shift+Z).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeyEvent, QPixmap, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atlas.io.annotations_io import read_annotations, write_annotations
from atlas.io.report import InputError
from atlas.map.annotate_tools import TOOLS, AnnotateController, AnnotationOverlay, AnnotationTool, EditTool
from atlas.model import AtlasModel
from atlas.model.annotations import (
    KIND_TITLES,
    MARKER_SYMBOLS,
    Annotation,
    AnnotationCommand,
    AnnotationError,
    AnnotationStyle,
    cmd_add,
    cmd_update,
)
from atlas.render.annotations_layer import AnnotationsLayer
from atlas.render.page import sync_annotations

from .feature import Feature, FeatureHost

if TYPE_CHECKING:
    from .main_window import MainWindow

_Index = QModelIndex | QPersistentModelIndex


class AnnotationUndoCommand(QUndoCommand):
    """QUndoStack wrapper around the model's :class:`AnnotationCommand` (do/undo pair)."""

    def __init__(self, model: AtlasModel, command: AnnotationCommand, controller: AnnotateController | None = None) -> None:
        super().__init__(command.text)
        self.model = model
        self.command = command
        self.controller = controller

    def _run(self, fn: Any) -> None:
        if self.controller is not None:
            self.controller.run_internal(lambda: fn(self.model))
        else:
            fn(self.model)

    def redo(self) -> None:
        self._run(self.command.redo)

    def undo(self) -> None:
        self._run(self.command.undo)


class AnnotationListModel(QAbstractListModel):
    """Thin adapter over ``model.annotations`` (no second copy)."""

    def __init__(self, model: AtlasModel) -> None:
        super().__init__()
        self.atlas = model
        model.annotations_changed.connect(self._reset)

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.atlas.annotations)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.atlas.annotations):
            return None
        a = self.atlas.annotations[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            dates = ""
            if a.date_from or a.date_to:
                dates = f"  [{a.date_from or '…'} – {a.date_to or '…'}]"
            return a.describe() + dates
        if role == Qt.ItemDataRole.DecorationRole:
            pm = QPixmap(12, 12)
            pm.fill(QColor(a.style.colour))
            return QIcon(pm)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{KIND_TITLES[a.kind]} · {len(a.points)} point(s) · id {a.id}"
        if role == Qt.ItemDataRole.UserRole:
            return a.id
        return None


class AnnotationDialog(QDialog):
    """Edit one annotation's text, style, kind options and date range."""

    def __init__(self, a: Annotation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit {KIND_TITLES[a.kind].lower()}")
        self.original = a
        self.colour = QColor(a.style.colour)
        form = QFormLayout(self)
        self.text = QLineEdit(a.text)
        form.addRow("Text", self.text)
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self._pick_colour)
        self._show_colour()
        form.addRow("Colour", self.colour_button)
        self.width_spin = self._spin(a.style.width, 0.5, 30.0, 0.5, " px")
        form.addRow("Line width", self.width_spin)
        self.font_spin = self._spin(a.style.font_size, 6.0, 96.0, 1.0, " px")
        form.addRow("Font size", self.font_spin)
        self.fill_spin = self._spin(a.style.fill_opacity * 100, 0.0, 100.0, 5.0, " %")
        form.addRow("Fill opacity", self.fill_spin)
        self.approx = QCheckBox("Approximate (no source gives it exactly; drawn dashed)")
        self.approx.setChecked(a.approximate)
        form.addRow("", self.approx)
        self.curved = QCheckBox("Curved")
        self.curved.setChecked(a.curved)
        self.symbol = QComboBox()
        self.symbol.addItems(MARKER_SYMBOLS)
        self.symbol.setCurrentText(a.symbol)
        self.radius = self._spin(a.radius_km or 10.0, 0.1, 5000.0, 1.0, " km")
        self.show_area = QCheckBox("Show the area (km² and sq mi)")
        self.show_area.setChecked(a.show_area)
        if a.kind == "arrow":
            form.addRow("", self.curved)
        if a.kind == "marker":
            form.addRow("Symbol", self.symbol)
        if a.kind == "ring":
            form.addRow("Radius", self.radius)
        if a.kind == "polygon":
            form.addRow("", self.show_area)
        self.date_from = QLineEdit(a.date_from.isoformat() if a.date_from else "")
        self.date_to = QLineEdit(a.date_to.isoformat() if a.date_to else "")
        for w in (self.date_from, self.date_to):
            w.setPlaceholderText("YYYY-MM-DD (empty: open)")
        form.addRow("Shown from", self.date_from)
        form.addRow("Shown until", self.date_to)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _spin(self, value: float, lo: float, hi: float, step: float, suffix: str) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setRange(lo, hi)
        s.setSingleStep(step)
        s.setDecimals(1)
        s.setSuffix(suffix)
        s.setValue(value)
        return s

    def _show_colour(self) -> None:
        self.colour_button.setText(self.colour.name())
        self.colour_button.setStyleSheet(f"background: {self.colour.name()}; color: white;")

    def _pick_colour(self) -> None:
        c = QColorDialog.getColor(self.colour, self, "Annotation colour")
        if c.isValid():
            self.colour = c
            self._show_colour()

    def result_annotation(self) -> Annotation:
        """The edited value; raises AnnotationError (e.g. a bad date) with a readable message."""
        def date(text: str) -> _dt.date | None:
            text = text.strip()
            if not text:
                return None
            try:
                return _dt.date.fromisoformat(text)
            except ValueError:
                raise AnnotationError(f"not a date (YYYY-MM-DD): {text!r}") from None

        style = AnnotationStyle(colour=self.colour.name(), width=self.width_spin.value(),
                                font_size=self.font_spin.value(), fill_opacity=self.fill_spin.value() / 100)
        return self.original.with_(text=self.text.text(), style=style, approximate=self.approx.isChecked(),
                                   curved=self.curved.isChecked(), symbol=self.symbol.currentText(),
                                   radius_km=self.radius.value() if self.original.kind == "ring" else self.original.radius_km,
                                   show_area=self.show_area.isChecked(),
                                   date_from=date(self.date_from.text()), date_to=date(self.date_to.text()))


class AnnotationsPanel(QWidget):
    """Lists the annotations; edit (style dialog), delete and duplicate the chosen one."""

    def __init__(self, model: AtlasModel, controller: AnnotateController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.controller = controller
        self.list_model = AnnotationListModel(model)
        self.view = QListView()
        self.view.setModel(self.list_model)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.view.doubleClicked.connect(lambda _i: self.edit_current())
        self.view.selectionModel().currentChanged.connect(self._on_row)
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.duplicate_button = QPushButton("Duplicate")
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.duplicate_button.clicked.connect(self.duplicate_current)
        row = QHBoxLayout()
        for b in (self.edit_button, self.delete_button, self.duplicate_button):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.view)
        lay.addLayout(row)
        model.current_annotation_changed.connect(self._on_current)
        model.annotations_changed.connect(lambda: self._on_current(model.current_annotation or ""))
        self._update_buttons()

    def _on_row(self, cur: QModelIndex, _prev: QModelIndex) -> None:
        if cur.isValid():
            self.model.set_current_annotation(cur.data(Qt.ItemDataRole.UserRole))
        self.controller.refresh()

    def _on_current(self, ann_id: str) -> None:
        ids = [a.id for a in self.model.annotations]
        sm = self.view.selectionModel()
        if ann_id in ids:
            idx = self.list_model.index(ids.index(ann_id))
            if sm.currentIndex() != idx:
                sm.setCurrentIndex(idx, sm.SelectionFlag.ClearAndSelect)
        else:
            sm.clearSelection()
        self._update_buttons()
        self.controller.refresh()

    def _update_buttons(self) -> None:
        has = self.model.current_annotation is not None
        for b in (self.edit_button, self.delete_button, self.duplicate_button):
            b.setEnabled(has)

    def edit_current(self) -> None:
        cur = self.model.current_annotation
        a = self.model.annotation(cur) if cur else None
        if a is None:
            return
        dlg = AnnotationDialog(a, self)
        while dlg.exec() == QDialog.DialogCode.Accepted:
            try:
                new = dlg.result_annotation()
            except AnnotationError as exc:
                QMessageBox.warning(self, "Annotation", str(exc))
                continue
            if new != a:
                self.controller.push(cmd_update(self.model.annotations, new, "Edit annotation"))
            break

    def delete_current(self) -> None:
        cur = self.model.current_annotation
        if cur:
            self.controller.delete([cur])

    def duplicate_current(self) -> None:
        cur = self.model.current_annotation
        if cur:
            self.controller.duplicate([cur])


# ---------------------------------------------------------------------------- installation
TOOL_ACTIONS = (
    # (tool name, menu text, shortcut)
    ("edit", "&Select and edit annotations", "Alt+Shift+E"),
    ("text", "&Text label", "Alt+Shift+T"),
    ("callout", "&Callout", "Alt+Shift+C"),
    ("arrow", "&Arrow", "Alt+Shift+A"),
    ("curved_arrow", "C&urved arrow (axis of advance)", "Alt+Shift+U"),
    ("frontline", "&Front line", "Alt+Shift+F"),
    ("polygon", "&Polygon (with area)", "Alt+Shift+P"),
    ("marker", "&Marker", "Alt+Shift+M"),
    ("freehand", "Free-&hand line", "Alt+Shift+H"),
    ("ring", "Distance &ring", "Alt+Shift+R"),
)


class AnnotationsFeature(Feature):
    """Annotations on the map: the layer, the drawing tools and their toolbar, the dock, undo/redo,
    import/export (``window.feature("annotations")``)."""

    name = "annotations"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        window: Any = host
        self.window = window
        model, canvas = window.model, window.canvas
        host.add_map_layer(AnnotationsLayer(), above="selection")
        self.undo_stack: QUndoStack = host.undo_stack  # the window's one stack (filters use it too)
        self.controller = AnnotateController(model, self.push)
        self.controller.ask_text = self._ask_text
        self.controller.ask_radius = self._ask_radius
        self.layer = sync_annotations(canvas.scene_layers, model)
        self.overlay = AnnotationOverlay(canvas, self.controller)
        self.controller.overlay = self.overlay
        canvas.vb.addItem(self.overlay, ignoreBounds=True)
        self._key_guard = _ToolKeyGuard(canvas)
        canvas.installEventFilter(self._key_guard)
        model.annotations_changed.connect(self._sync)
        model.annotations_changed.connect(self._changed_elsewhere)
        model.filter_changed.connect(self._sync)
        if hasattr(model, "time_window_changed"):  # annotations follow the timeline's window
            model.time_window_changed.connect(self._sync)
        model.current_annotation_changed.connect(lambda _id: self.overlay.update())
        self.panel = AnnotationsPanel(model, self.controller)
        self.dock = window.add_dock("Annotations", "annotations_dock", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        # A tab beside the event list: another stacked dock would make the window taller than a laptop screen.
        window.tabifyDockWidget(window.list_dock, self.dock)
        window.list_dock.raise_()
        # Hidden until the user annotates (or opens it from the Annotate menu): it then takes no
        # room from the map, and the saved dock layout of a session without annotations is unchanged.
        self.dock.hide()

        self.act_undo, self.act_redo = host.undo_actions()

        menu = window.add_menu("&Annotate")
        self.menu = menu.menuAction()
        self.toolbar = window.addToolBar("Annotate")
        self.toolbar.setObjectName("annotate_toolbar")
        group = QActionGroup(window)
        self.tool_actions: dict[str, QAction] = {}
        act_pick = window.action("Select &events (default tool)", "Alt+Shift+S", lambda: self.use_tool(None),
                                  "Click events to select them; drag pans")
        act_pick.setCheckable(True)
        act_pick.setChecked(True)
        group.addAction(act_pick)
        menu.addAction(act_pick)
        self.toolbar.addAction(act_pick)
        self.tool_actions["pick"] = act_pick
        for name, text, shortcut in TOOL_ACTIONS:
            act = window.action(text, shortcut, lambda _c=False, n=name: self.use_tool(n), text.replace("&", ""))
            act.setCheckable(True)
            group.addAction(act)
            menu.addAction(act)
            self.toolbar.addAction(act)
            self.tool_actions[name] = act
        menu.addSeparator()
        self.act_edit = window.action("&Edit annotation…", "Alt+Shift+Return", self.panel.edit_current)
        self.act_delete = window.action("&Delete annotation", "Alt+Shift+Backspace", self.panel.delete_current)
        self.act_duplicate = window.action("D&uplicate annotation", "Alt+Shift+D", self.panel.duplicate_current)
        for a in (self.act_edit, self.act_delete, self.act_duplicate):
            menu.addAction(a)
        menu.addSeparator()
        self.act_import = window.action("&Import annotations…", "Alt+Shift+I", self.import_dialog,
                                         "Add annotations from a GeoJSON or KML file")
        self.act_export = window.action("E&xport annotations…", "Alt+Shift+X", self.export_dialog,
                                         "Save the annotations as GeoJSON or KML")
        menu.addAction(self.act_import)
        menu.addAction(self.act_export)
        menu.addAction(self.dock.toggleViewAction())

    # ------------------------------------------------------------------ plumbing
    def push(self, cmd: AnnotationCommand) -> None:
        if not cmd.is_noop:
            self.undo_stack.push(AnnotationUndoCommand(self.window.model, cmd, self.controller))

    def _changed_elsewhere(self) -> None:
        # Replaced from outside the undo stack (a workspace was opened or reset): undoing past
        # that would silently bring back another document's annotations. (The stack is the
        # window's: its earlier steps belong to the document that is gone as well.)
        if self.controller.internal == 0:
            self.undo_stack.clear()

    def _sync(self) -> None:
        sync_annotations(self.window.canvas.scene_layers, self.window.model)
        self.window.canvas.item.update()
        self.overlay.update()

    def use_tool(self, name: str | None) -> None:
        canvas = self.window.canvas
        if name is None:
            canvas.reset_tool()
            return
        tool = TOOLS[name](self.controller)
        if not self.dock.isVisible():
            self.dock.show()
            self.dock.raise_()
        canvas.set_tool(tool)
        self.tool_actions["pick" if name is None else name].setChecked(True)
        canvas.setFocus()

    def _ask_text(self, kind: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self.window, KIND_TITLES.get(kind, "Annotation"), "Text:", text=default)
        return text if ok else None

    def _ask_radius(self, default: float) -> float | None:
        r, ok = QInputDialog.getDouble(self.window, "Distance ring", "Radius (km):", default, 0.1, 5000.0, 1)
        return r if ok else None

    # ------------------------------------------------------------------ files
    def import_file(self, path: str | Path) -> str:
        """Add the annotations of a file (one undoable step); returns the report's summary."""
        items, report = read_annotations(path)
        have = {a.id for a in self.window.model.annotations}
        items = [a if a.id not in have else a.duplicate() for a in items]
        if items:
            self.push(cmd_add(self.window.model.annotations, items, f"Import {len(items)} annotations"))
        return report.summary()

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import annotations", "", "Annotations (*.geojson *.json *.kml)")
        if not path:
            return
        try:
            summary = self.import_file(path)
        except InputError as exc:
            QMessageBox.warning(self.window, "Import annotations", str(exc))
            return
        self.window.statusBar().showMessage(summary, 8000)

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export annotations", "annotations.geojson",
                                              "GeoJSON (*.geojson);;KML (*.kml)")
        if not path:
            return
        try:
            write_annotations(path, self.window.model.annotations)
        except (InputError, OSError) as exc:
            QMessageBox.warning(self.window, "Export annotations", str(exc))


class _ToolKeyGuard(QObject):
    """While an annotation tool is active, the keys it uses (Esc cancels, Enter finishes, Delete
    deletes) go to the tool, not to the window's shortcuts (Esc would clear the event selection)."""

    KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)

    def __init__(self, canvas: Any) -> None:
        super().__init__(canvas)
        self.canvas = canvas

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if ev.type() == QEvent.Type.ShortcutOverride and isinstance(self.canvas.tool, (AnnotationTool, EditTool)):
            if isinstance(ev, QKeyEvent) and ev.key() in self.KEYS:
                ev.accept()  # an accepted override is delivered as a key press instead
                return True
        return False


