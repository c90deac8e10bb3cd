"""The layers panel: show, hide, reorder the map's layers and set their opacity.

The layer stack is session state: ``model.layers`` (a :class:`~atlas.model.session.LayerStack`).
The list shows the scene's layers top first, as the model's stack has them; ticking, dragging, the
Up/Down buttons and the opacity slider send a new stack to the model, and the canvas (and every
export) applies it. Layers other features add later appear the next time the panel is shown or
the view changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QScrollArea,
    QSplitter,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from atlas.model.session import LayerStack
from atlas.render.layers import MapLayer

from .feature import Feature, FeatureHost
from .file_layers_panel import FileLayersPanel

if TYPE_CHECKING:
    from atlas.map.canvas import MapCanvas
    from atlas.ui.main_window import MainWindow

ROLE_KEY = Qt.ItemDataRole.UserRole + 1


class LayersPanel(QWidget):
    def __init__(self, canvas: MapCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setToolTip("Tick to show; drag (or Up/Down) to change the drawing order; top is drawn last")
        self.btn_up = QPushButton("Up")
        self.btn_down = QPushButton("Down")
        self.opacity_label = QLabel("Opacity")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip("Opacity of the highlighted layer")
        row = QHBoxLayout()
        row.addWidget(self.btn_up)
        row.addWidget(self.btn_down)
        op = QHBoxLayout()
        op.addWidget(self.opacity_label)
        op.addWidget(self.opacity, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        lay.addLayout(row)
        lay.addLayout(op)
        self._keys: tuple[str, ...] = ()
        self.list.itemChanged.connect(self._item_changed)
        self.list.model().rowsMoved.connect(lambda *_: self.apply_order())
        self.list.currentItemChanged.connect(lambda *_: self._sync_slider())
        self.opacity.valueChanged.connect(self._opacity_changed)
        self.btn_up.clicked.connect(lambda: self.move_current(-1))
        self.btn_down.clicked.connect(lambda: self.move_current(+1))
        canvas.view_changed.connect(lambda _vp: self.refresh_if_changed())
        canvas.model.layers_changed.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ scene access
    @property
    def scene(self):  # noqa: ANN201 - MapScene
        return self.canvas.scene_layers

    def layer(self, key: str) -> MapLayer | None:
        return self.scene.layer(key)

    def keys_top_first(self) -> list[str]:
        return [self.list.item(i).data(ROLE_KEY) for i in range(self.list.count())]

    # ------------------------------------------------------------------ list <-> scene
    def refresh_if_changed(self) -> None:
        if tuple(lyr.key for lyr in self.scene.layers) != self._keys:
            self.refresh()

    def refresh(self) -> None:
        current = self.list.currentItem().data(ROLE_KEY) if self.list.currentItem() else None
        self.list.blockSignals(True)
        self.list.clear()
        for lyr in reversed(self.scene.layers):
            if getattr(lyr, "own_state", False):
                continue  # file layers have their own list below (model.file_layers)
            item = QListWidgetItem(lyr.title)
            item.setData(ROLE_KEY, lyr.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            item.setCheckState(Qt.CheckState.Checked if lyr.visible else Qt.CheckState.Unchecked)
            item.setToolTip(f"{lyr.title} ({lyr.key})")
            self.list.addItem(item)
            if lyr.key == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._keys = tuple(lyr.key for lyr in self.scene.layers)
        self._sync_slider()

    # ------------------------------------------------------------------ commands → model
    @property
    def model(self):  # noqa: ANN201 - AtlasModel
        return self.canvas.model

    def _stack(self) -> LayerStack:
        """Every layer as shown now: what a change edits and sends back whole."""
        return self.scene.layer_stack()

    def apply_order(self) -> None:
        """Make the list's order the session's (bottom of the list = drawn first)."""
        keys = list(reversed(self.keys_top_first()))
        self.model.set_layers(self._stack().reordered(keys))

    def move_current(self, step: int) -> None:
        row = self.list.currentRow()
        new = row + step
        if row < 0 or not 0 <= new < self.list.count():
            return
        self.list.blockSignals(True)
        item = self.list.takeItem(row)
        self.list.insertItem(new, item)
        self.list.setCurrentRow(new)
        self.list.blockSignals(False)
        self.apply_order()

    def set_visible(self, key: str, visible: bool) -> None:
        if self.layer(key) is not None:
            self.model.set_layers(self._stack().with_layer(key, visible=bool(visible)))

    def set_opacity(self, key: str, opacity: float) -> None:
        if self.layer(key) is not None:
            self.model.set_layers(self._stack().with_layer(key, opacity=max(0.0, min(1.0, float(opacity)))))

    # ------------------------------------------------------------------ slots
    def _item_changed(self, item: QListWidgetItem) -> None:
        self.set_visible(item.data(ROLE_KEY), item.checkState() == Qt.CheckState.Checked)

    def _sync_slider(self) -> None:
        item = self.list.currentItem()
        lyr = self.layer(item.data(ROLE_KEY)) if item else None
        self.opacity.setEnabled(lyr is not None)
        self.opacity.blockSignals(True)
        self.opacity.setValue(round((lyr.opacity if lyr else 1.0) * 100))
        self.opacity.blockSignals(False)
        self.opacity_label.setText(f"Opacity {self.opacity.value()} %")

    def _opacity_changed(self, value: int) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.set_opacity(item.data(ROLE_KEY), value / 100.0)
        self.opacity_label.setText(f"Opacity {value} %")

    def showEvent(self, ev: object) -> None:  # noqa: N802
        self.refresh_if_changed()
        super().showEvent(ev)  # type: ignore[arg-type]


class LayersFeature(Feature):
    """The Layers dock (left, hidden on first start; View ▸ Layers, Ctrl+L): the map's layers, and
    below them the basemap layers from files (atlas/ui/file_layers_panel.py) with File ▸ Add
    basemap layer… (Ctrl+Alt+B)."""

    name = "layers"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        self.panel = LayersPanel(host.canvas)
        self.files = FileLayersPanel(host.model)
        self.files.setObjectName("file_layers_panel")
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.panel)
        files_box = QGroupBox("Basemap layers from files")
        QVBoxLayout(files_box).addWidget(self.files)
        split.addWidget(files_box)
        col.addWidget(split)
        # In a scroll area, so the style editor never forces a minimum size on the window.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(box)
        scroll.setMinimumSize(120, 80)
        self.dock = host.add_dock("Layers", "layers_dock", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)
        act = self.dock.toggleViewAction()
        act.setShortcut("Ctrl+L")
        act.setStatusTip("Show, hide, reorder the map layers and set their opacity")
        host.addAction(act)
        self.dock.hide()
        self.act_add = host.action("Add &basemap layer…", "Ctrl+Alt+B", self.add_dialog,
                                   "Draw a vector file (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, KML, GeoParquet) "
                                   "or an OpenStreetMap extract above the basemap, under the events")
        file_menu = host.menu("file")
        quit_act = next((a for a in file_menu.actions() if a.text() == "&Quit"), None)
        if quit_act is not None:
            file_menu.insertAction(quit_act, self.act_add)
        else:
            file_menu.addAction(self.act_add)

    def add_dialog(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.files.add_dialog()

    def add_files(self, paths: list[str]) -> list[str]:
        """Add basemap layers from ``paths`` (what the menu does after its file dialog)."""
        self.dock.show()
        return self.files.add_files(paths)
