"""Basemap layers from files, in the Layers dock: add, show/hide, order, remove and style them.

The list is ``model.file_layers`` (atlas/model/session.py), top of the list drawn last; every
control sends a new tuple to the model (undoable: atlas/ui/undo.py) and the map, every export and
the workspace follow the model. The widgets keep nothing of their own.

File ▸ Add basemap layer… (Ctrl+Alt+B) reads a vector file's layers (an OSM extract's themes) through
atlas/io/vector_layers.py; a file that cannot be read is refused with one line, and the session is
unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atlas.io.report import InputError
from atlas.io.vector_layers import LAYER_SUFFIXES
from atlas.model.session import (
    SYMBOLS,
    FileLayer,
    move_layer,
    new_layer_id,
    remove_layer,
    replace_layer,
)

ROLE_ID = Qt.ItemDataRole.UserRole + 1
OPEN_FILTER = ("Vector files (" + " ".join(f"*{s}" for s in LAYER_SUFFIXES) + ");;"
               "OpenStreetMap extracts (*.osm.pbf *.pbf *.osm);;All files (*)")


def read_file_layers(paths: Sequence[str | Path], existing: Sequence[FileLayer]) -> tuple[list[FileLayer], list[str]]:
    """The layers of every file (any thread: nothing here touches a widget) and the problems."""
    # (atlas.render.file_layer is imported where a file layer is made or shown, not at startup.)
    from atlas.render.file_layer import layers_from_file

    problems: list[str] = []
    added: list[FileLayer] = []
    for p in paths:
        path = Path(p)
        try:
            new, notes = layers_from_file(path, [*existing, *added])
        except InputError as exc:
            problems.append(str(exc))
            continue
        added += new
        problems += [f"{path.name}: {n}" for n in notes]
    return added, problems


class _Done(QObject):
    """Carries a worker's result to the GUI thread."""

    finished = Signal(object, object)


class _ColourButton(QPushButton):
    """A button showing a colour; clicking asks for another (``chosen`` gets "#rrggbb")."""

    def __init__(self, what: str, chosen: Callable[[str], None]) -> None:
        super().__init__()
        self.what, self.chosen = what, chosen
        self.colour = "#b0b0b0"  # until a layer's colour is shown: what "fill again" starts from
        self.setToolTip(f"{what} colour")
        self.clicked.connect(self._ask)

    def set_colour(self, colour: str) -> None:
        if not colour:  # no fill: say so instead of showing a colour that is not drawn
            self.setText("none")
            self.setStyleSheet("")
            return
        self.colour = colour
        self.setText(colour)
        fg = "#000000" if QColor(colour).lightness() > 128 else "#ffffff"
        self.setStyleSheet(f"background: {colour}; color: {fg};")

    def _ask(self) -> None:
        c = QColorDialog.getColor(QColor(self.colour), self, f"{self.what} colour")
        if c.isValid():
            self.chosen(c.name())


class FileLayersPanel(QWidget):
    """The file layers (top first) with visibility ticks, Add/Up/Down/Remove, and the style of the
    highlighted one."""

    def __init__(self, model, parent: QWidget | None = None) -> None:  # noqa: ANN001 - AtlasModel
        super().__init__(parent)
        self.model = model
        self.list = QListWidget()
        self.list.setToolTip("Vector files drawn above the basemap and under the events; tick to show")
        self.btn_add = QPushButton("Add…")
        self.btn_add.setToolTip("Add a vector file or an OpenStreetMap extract as basemap layers (Ctrl+Alt+B)")
        self.btn_up, self.btn_down, self.btn_remove = QPushButton("Up"), QPushButton("Down"), QPushButton("Remove")
        buttons = QHBoxLayout()
        for b in (self.btn_add, self.btn_up, self.btn_down, self.btn_remove):
            buttons.addWidget(b)
        self.style_box = QGroupBox("Style")
        form = QFormLayout(self.style_box)
        self.stroke = _ColourButton("Line", lambda c: self.set_style(stroke=c))
        self.width = QDoubleSpinBox()
        self.width.setRange(0.0, 20.0)
        self.width.setSingleStep(0.5)
        self.width.setSuffix(" px")
        self.fill = _ColourButton("Fill", lambda c: self.set_style(fill=c))
        self.no_fill = QCheckBox("none")
        self.fill_opacity = QDoubleSpinBox()
        self.fill_opacity.setRange(0.0, 1.0)
        self.fill_opacity.setSingleStep(0.05)
        self.opacity = QDoubleSpinBox()
        self.opacity.setRange(0.0, 1.0)
        self.opacity.setSingleStep(0.05)
        self.symbol = QComboBox()
        self.symbol.addItems(list(SYMBOLS))
        self.size = QDoubleSpinBox()
        self.size.setRange(1.0, 40.0)
        self.size.setSuffix(" px")
        self.label = QComboBox()
        fill_row = QHBoxLayout()
        fill_row.addWidget(self.fill, 1)
        fill_row.addWidget(self.no_fill)
        form.addRow("Line", self.stroke)
        form.addRow("Line width", self.width)
        form.addRow("Fill", fill_row)
        form.addRow("Fill opacity", self.fill_opacity)
        form.addRow("Layer opacity", self.opacity)
        form.addRow("Point symbol", self.symbol)
        form.addRow("Point size", self.size)
        form.addRow("Names from", self.label)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.info)
        lay.addWidget(self.style_box)
        self._filling = False
        self._reading: tuple[QProgressDialog, _Done] | None = None
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(lambda *_: self._show_style())
        self.btn_add.clicked.connect(self.add_dialog)
        self.btn_up.clicked.connect(lambda: self.move_current(+1))
        self.btn_down.clicked.connect(lambda: self.move_current(-1))
        self.btn_remove.clicked.connect(self.remove_current)
        self.width.editingFinished.connect(lambda: self.set_style(width=self.width.value()))
        self.fill_opacity.editingFinished.connect(lambda: self.set_style(fill_opacity=self.fill_opacity.value()))
        self.opacity.editingFinished.connect(lambda: self.set_style(opacity=self.opacity.value()))
        self.size.editingFinished.connect(lambda: self.set_style(size=self.size.value()))
        self.no_fill.toggled.connect(self._no_fill_toggled)
        self.symbol.activated.connect(lambda _i: self.set_style(symbol=self.symbol.currentText()))
        self.label.activated.connect(lambda _i: self.set_style(label=self.label.currentData() or ""))
        model.file_layers_changed.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ model → widgets
    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ROLE_ID) if item is not None else None

    def current(self) -> FileLayer | None:
        cid = self.current_id()
        return next((x for x in self.model.file_layers if x.id == cid), None)

    def refresh(self) -> None:
        cid = self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        for lyr in reversed(self.model.file_layers):
            item = QListWidgetItem(lyr.display_title)
            item.setData(ROLE_ID, lyr.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if lyr.visible else Qt.CheckState.Unchecked)
            item.setToolTip(lyr.path)
            self.list.addItem(item)
            if lyr.id == cid:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self._show_style()

    def _show_style(self) -> None:
        lyr = self.current()
        has = lyr is not None
        for w in (self.style_box, self.btn_up, self.btn_down, self.btn_remove):
            w.setEnabled(has)
        if lyr is None:
            self.info.setText("No basemap layers from files. Add a vector file (GeoPackage, Shapefile, GeoJSON, "
                              "FlatGeobuf, KML, GeoParquet) or an OpenStreetMap extract (.osm.pbf).")
            return
        s = lyr.style
        self._filling = True
        try:
            self.stroke.set_colour(s.stroke)
            self.width.setValue(s.width)
            self.fill.set_colour(s.fill)
            self.no_fill.setChecked(not s.fill)
            self.fill_opacity.setValue(s.fill_opacity)
            self.opacity.setValue(s.opacity)
            self.symbol.setCurrentText(s.symbol)
            self.size.setValue(s.size)
            self.label.clear()
            self.label.addItem("(no names)", "")
            kind = "mixed"
            try:
                from atlas.render.file_layer import prepared

                data = prepared(lyr).data
                fields, kind = list(data.fields), data.kind
                self.info.setText(f"{lyr.file_name}" + (f" · {lyr.layer}" if lyr.layer else "")
                                  + f": {len(data):,} {data.kind} features")
            except InputError as exc:
                fields = []
                self.info.setText(str(exc))
            # Only what the layer's geometry uses: symbols for points, fills for points and polygons.
            for w in (self.symbol, self.size):
                w.setEnabled(kind in ("point", "mixed"))
            for w in (self.no_fill, self.fill_opacity):
                w.setEnabled(kind != "line")
            self.fill.setEnabled(kind != "line" and bool(s.fill))
            for f in fields:
                self.label.addItem(f, f)
            if s.label and s.label not in fields:
                self.label.addItem(s.label, s.label)
            self.label.setCurrentIndex(max(0, self.label.findData(s.label)))
        finally:
            self._filling = False

    # ------------------------------------------------------------------ widgets → model
    def set_style(self, **changes: object) -> None:
        lyr = self.current()
        if lyr is None or self._filling:
            return
        try:
            style = lyr.style.replace(**changes)
        except ValueError:
            return
        if style != lyr.style:
            self.model.set_file_layers(replace_layer(self.model.file_layers, lyr.id, style=style))

    def _no_fill_toggled(self, on: bool) -> None:
        lyr = self.current()
        if lyr is None or self._filling:
            return
        # Filled again: the colour the button last held.
        self.set_style(fill="" if on else self.fill.colour)

    def set_visible(self, layer_id: str, visible: bool) -> None:
        self.model.set_file_layers(replace_layer(self.model.file_layers, layer_id, visible=bool(visible)))

    def _item_changed(self, item: QListWidgetItem) -> None:
        self.set_visible(item.data(ROLE_ID), item.checkState() == Qt.CheckState.Checked)

    def move_current(self, step: int) -> None:
        """Move the highlighted layer ``step`` places up the drawing order (+1: drawn later)."""
        cid = self.current_id()
        if cid is not None:
            self.model.set_file_layers(move_layer(self.model.file_layers, cid, step))

    def remove_current(self) -> None:
        cid = self.current_id()
        if cid is not None:
            self.model.set_file_layers(remove_layer(self.model.file_layers, cid))

    # ------------------------------------------------------------------ adding
    def add_files(self, paths: Sequence[str | Path]) -> list[str]:
        """Add every layer of ``paths`` on top, read here; returns the problems (one line each),
        also shown. (The menu reads in the background: :meth:`add_files_in_background`.)"""
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            added, problems = read_file_layers(paths, self.model.file_layers)
        finally:
            QGuiApplication.restoreOverrideCursor()
        return self._take(added, problems, self.model.file_layers)

    def _take(self, added: list[FileLayer], problems: list[str], based_on: tuple[FileLayer, ...]) -> list[str]:
        if added:
            # Ids were chosen against the list as it was; the user may have changed it meanwhile.
            now = self.model.file_layers
            fresh: list[FileLayer] = []
            for spec in added:
                taken = [*now, *fresh]
                fresh.append(spec if all(x.id != spec.id for x in taken) else spec.replace(id=new_layer_id(taken, spec.id)))
            self.model.set_file_layers((*now, *fresh))
            self.list.setCurrentRow(0)
        if problems:
            self.show_problems(problems)
        return problems

    def add_files_in_background(self, paths: Sequence[str | Path]) -> None:
        """Read the files on a worker thread (an OSM extract takes a while) behind a progress
        dialog; the layers are added when every file is read. Cancel adds nothing (GDAL cannot be
        stopped mid-file: the reading finishes unseen)."""
        if self._reading is not None:
            return
        names = ", ".join(Path(p).name for p in paths)
        dlg = QProgressDialog(f"Reading {names}…", "Cancel", 0, 0, self)
        dlg.setWindowTitle("Add basemap layer")
        dlg.setMinimumDuration(300)
        done = _Done(self)
        self._reading = (dlg, done)
        based_on = self.model.file_layers

        def work() -> None:
            try:
                added, problems = read_file_layers(paths, based_on)
            except Exception as exc:  # a bug must still end the dialog, and say what happened
                added, problems = [], [f"{names}: could not be read ({type(exc).__name__}: {exc})"]
            done.finished.emit(added, problems)

        def finished(added: object, problems: object) -> None:
            cancelled = dlg.wasCanceled()
            dlg.reset()
            dlg.deleteLater()
            self._reading = None
            if not cancelled:
                self._take(list(added), list(problems), based_on)  # type: ignore[call-overload]

        done.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
        threading.Thread(target=work, name="add-basemap-layer", daemon=True).start()

    def reading(self) -> bool:
        return self._reading is not None

    def show_problems(self, problems: list[str]) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Add basemap layer", "\n".join(problems), parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # file names and errors are data
        box.setModal(False)
        box.show()

    def add_dialog(self) -> None:
        s = QSettings()
        start = str(s.value("paths/last_layer_dir", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(self, "Add basemap layer", start, OPEN_FILTER)
        if paths:
            s.setValue("paths/last_layer_dir", str(Path(paths[0]).parent))
            self.add_files_in_background(paths)
