"""The areas-of-control feature (atlas/ui/feature.py): the control areas' layer and legend on the
map, the dock (atlas/ui/control_panel.py), File ▸ Areas of control, and the opt-in modelled
reconstruction.

What the map shows by default is only what the user loads: sourced snapshots (DeepStateMap,
ISW KML, …). The bundled reconstruction (data/control/SOURCES.md) is a model built from dated
settlements, not a survey; it appears only when asked for (Show the modelled reconstruction),
and is labelled approximate wherever it is drawn.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMenu, QScrollArea

from atlas.control.reconstruction import RECONSTRUCTION
from atlas.render.control_layer import ControlAreasLayer, ControlLegendLayer

from .control_panel import ControlAreasPanel
from .feature import Feature, FeatureHost


class ControlAreasFeature(Feature):
    """The areas-of-control layer on the map, its dock, and File ▸ Areas of control."""

    name = "control"

    def __init__(self, host: FeatureHost, load_bundled: bool = False) -> None:
        super().__init__(host)
        window: Any = host
        self.layer = ControlAreasLayer()
        keys = [lyr.key for lyr in host.canvas.scene_layers.layers]
        # Under the events and under the place names when those sit below the events.
        host.add_map_layer(self.layer, below=min((k for k in ("names", "events") if k in keys), key=keys.index,
                                                 default="events"))
        host.add_map_layer(ControlLegendLayer(self.layer))
        self.panel = panel = ControlAreasPanel(host.model, self.layer, repaint=host.canvas.item.update)
        panel.setObjectName("control_panel")
        # In a scroll area, so the dock never forces a minimum size on the window.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(panel)
        scroll.setMinimumSize(120, 80)
        self.dock = host.add_dock("Areas of control", "control_dock", scroll, Qt.DockWidgetArea.RightDockWidgetArea)
        # A tab beside the details (the right column is already tall); raised when the user opens files.
        neighbour = window.findChild(QDockWidget, "details_dock") or host.list_dock
        if window.dockWidgetArea(neighbour) == Qt.DockWidgetArea.RightDockWidgetArea:
            window.tabifyDockWidget(neighbour, self.dock)
        panel.user_loaded = self.dock.raise_
        # The chart is drawn while the user can see the panel (a tab behind Details at startup).
        self.dock.visibilityChanged.connect(panel.set_on_screen)
        act_open = host.action("Open areas of &control…", "Ctrl+Shift+K", panel.open_dialog,
                               "Load control-area snapshots (DeepStateMap GeoJSON, GeoJSON, KML/KMZ)")
        act_export = host.action("Export areas of control…", "Ctrl+Alt+K", panel.export_dialog,
                                 "Write the shown snapshot, the series and the change as GeoPackage or GeoJSON")
        act_prev = host.action("Previous control snapshot", "Alt+PgUp", lambda: panel.step(-1))
        act_next = host.action("Next control snapshot", "Alt+PgDown", lambda: panel.step(1))
        sub = QMenu("Areas of &control", window)
        for a in (act_open, act_export, act_prev, act_next):
            sub.addAction(a)
        file_menu = host.menu("file")
        quit_act = next((a for a in file_menu.actions() if a.text() == "&Quit"), None)
        if quit_act is not None:
            file_menu.insertMenu(quit_act, sub)  # above Quit, with the other file actions
        else:
            file_menu.addMenu(sub)
        # The bundled reconstruction is a model, not a map: shown only when the user asks.
        self.act_model = host.action("Show the modelled &reconstruction", "Ctrl+Alt+Shift+K",
                                     self.toggle_reconstruction,
                                     "Add (or remove) the atlas's approximate reconstruction of the Ukrainian-held "
                                     "area: 4 km circles around dated, sourced settlements; a model, not a survey")
        self.act_model.setCheckable(True)
        sub.addSeparator()
        sub.addAction(self.act_model)
        host.model.control_changed.connect(self._show_model_action)
        if load_bundled:
            self.show_reconstruction(True)

    def _bundled(self) -> str:
        return str(RECONSTRUCTION)

    def reconstruction_shown(self) -> bool:
        return any(Path(f.path).resolve() == RECONSTRUCTION.resolve() for f in self.host.model.control.files)

    def show_reconstruction(self, on: bool) -> None:
        """Add or remove the bundled reconstruction (session state: model.control.files)."""
        if on == self.reconstruction_shown() or (on and not RECONSTRUCTION.is_file()):
            return
        if on:
            self.panel.load_files([RECONSTRUCTION])
            return
        model = self.host.model
        keep = tuple(f for f in model.control.files if Path(f.path).resolve() != RECONSTRUCTION.resolve())
        model.set_control(dataclasses.replace(model.control, files=keep))

    def toggle_reconstruction(self) -> None:
        self.show_reconstruction(self.act_model.isChecked())

    def _show_model_action(self) -> None:
        self.act_model.setChecked(self.reconstruction_shown())
