"""The layers panel: show, hide, reorder the map's layers and set their opacity.

A thin view over ``canvas.scene_layers.layers`` (the one MapScene the canvas and the export share):
the list shows the top layer first; ticking, dragging, the Up/Down buttons and the opacity slider
change the layer objects and repaint the canvas. Layers other features add later appear the next
time the panel is shown or the view changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from atlas.render.layers import MapLayer

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

    def apply_order(self) -> None:
        """Make the scene's order the list's (bottom of the list = drawn first)."""
        keys = list(reversed(self.keys_top_first()))
        self.scene.reorder(keys)
        self._keys = tuple(lyr.key for lyr in self.scene.layers)
        self._repaint()

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
        lyr = self.layer(key)
        if lyr is not None and lyr.visible != visible:
            lyr.visible = visible
            self._repaint()
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(ROLE_KEY) == key:
                self.list.blockSignals(True)
                it.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
                self.list.blockSignals(False)

    def set_opacity(self, key: str, opacity: float) -> None:
        lyr = self.layer(key)
        if lyr is None:
            return
        opacity = max(0.0, min(1.0, float(opacity)))
        if abs(lyr.opacity - opacity) > 1e-9:
            lyr.opacity = opacity
            self._repaint()
        cur = self.list.currentItem()
        if cur is not None and cur.data(ROLE_KEY) == key:
            self._sync_slider()

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

    def _repaint(self) -> None:
        # Visibility, opacity and order are part of the scene's cache key; a repaint is enough.
        self.canvas.item.update()

    def showEvent(self, ev: object) -> None:  # noqa: N802
        self.refresh_if_changed()
        super().showEvent(ev)  # type: ignore[arg-type]


def install_layers_panel(window: MainWindow) -> LayersPanel:
    """The Layers dock (left, hidden on first start; View ▸ Layers, Ctrl+L)."""
    panel = LayersPanel(window.canvas)
    dock = window.add_dock("Layers", "layers_dock", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
    act = dock.toggleViewAction()
    act.setShortcut("Ctrl+L")
    act.setStatusTip("Show, hide, reorder the map layers and set their opacity")
    window.addAction(act)
    dock.hide()
    window.layers_panel = panel  # type: ignore[attr-defined]
    window.layers_dock = dock  # type: ignore[attr-defined]
    return panel
