"""The analyst's workflow, a window feature (atlas/ui/feature.py): the filters, timeline, details
and legend docks, the summary chips above the list, the area tools, filter undo/redo, the point
density choice, and their actions. Everything here talks to the window's :class:`AtlasModel`
(views never call each other).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QBoxLayout, QMenu, QScrollArea, QWidget

from atlas.map.select_tools import LassoTool, RectangleTool, StackPickTool
from atlas.model import InView, find_part

from .details_panel import DetailsPanel
from .feature import Feature, FeatureHost
from .undo import FilterUndo
from .filter_panel import FilterPanel
from .filter_summary import FilterSummary
from .legend_panel import LegendPanel
from .timeline import TimelinePanel

if TYPE_CHECKING:
    from .main_window import MainWindow  # noqa: F401


def scrolled(w: QWidget, fit_width: bool = True) -> QScrollArea:
    """``w`` in a scroll area, so a dock never forces a minimum window size."""
    area = QScrollArea()
    area.setWidget(w)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    # Scrolls down, never sideways: the dock is kept at least as wide as the content's narrowest
    # layout (plus the vertical scroll bar), so nothing is cut off at the right edge.
    if fit_width:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = area.verticalScrollBar().sizeHint().width()
        area.setMinimumWidth(w.minimumSizeHint().width() + bar + 2)
    return area


class Workflow(Feature):
    """The workflow feature (``window.feature("workflow")``)."""

    name = "workflow"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        win: Any = host
        self.win = win
        model = win.model
        # The model's kept term masks: the filter, the search's candidates, the facets' counts,
        # the timeline's context and the legend all combine the same ones.
        self.part_masks = model.part_masks
        win.event_list.runner.part_masks = self.part_masks
        # Filter changes go on the window's one undo stack (Edit ▸ Undo, Ctrl+Z).
        self.history = FilterUndo(model, host.undo_stack, win)

        self.filters = FilterPanel(model, self.part_masks)
        self.filters_dock = win.add_dock("Filters", "filters_dock", scrolled(self.filters), Qt.DockWidgetArea.LeftDockWidgetArea)
        self.summary = FilterSummary(model)
        lay = win.event_list.layout()
        if isinstance(lay, QBoxLayout):
            lay.insertWidget(0, self.summary)

        self.timeline = TimelinePanel(model, self.part_masks)
        self.timeline_dock = win.add_dock("Timeline", "timeline_dock", scrolled(self.timeline, fit_width=False), Qt.DockWidgetArea.BottomDockWidgetArea)
        self.timeline.playing_changed.connect(lambda on: self.history.begin_batch() if on else self.history.end_batch())

        self.details = DetailsPanel(model)
        self.details_dock = win.add_dock("Details", "details_dock", self.details, Qt.DockWidgetArea.RightDockWidgetArea)
        win.splitDockWidget(win.list_dock, self.details_dock, Qt.Orientation.Vertical)

        self.legend = LegendPanel(model, self.part_masks)
        self.legend_dock = win.add_dock("Legend", "legend_dock", scrolled(self.legend), Qt.DockWidgetArea.LeftDockWidgetArea)
        # The window's first-start layout tabs the legend with the filters (the map keeps the room).

        self._use_stack_picking(win.canvas)
        win.canvas.view_changed.connect(self.filters.view_changed)
        self.filters.view_provider = win.canvas.map_viewport
        self.filters.draw_area_requested.connect(self.draw_area)
        self._build_actions()

    @staticmethod
    def _use_stack_picking(canvas: Any) -> None:
        """Make the stack-listing pick tool the canvas's default: every feature that hands the
        canvas back (measuring, annotating, drawing an area) calls ``canvas.reset_tool()``."""
        canvas.default_tool_factory = StackPickTool
        canvas.reset_tool()

    # ------------------------------------------------------------------ actions
    def _act(self, text: str, shortcut: str, slot: Any, tip: str = "", scope: list[QWidget] | None = None) -> QAction:
        """An action with a shortcut; ``scope`` widgets restrict it (keys like Space stay usable elsewhere)."""
        if scope is None:
            return self.win.action(text, shortcut, slot, tip)
        act = QAction(text, self.win)  # parented to the window so Help ▸ Keyboard shortcuts lists it
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.setToolTip(tip or text)
        act.setStatusTip(tip or text)
        act.triggered.connect(slot)
        for w in scope:
            w.addAction(act)
        return act

    def _build_actions(self) -> None:
        win = self.win
        tl = self.timeline
        self.act_clear_filters = self._act("Clear all filters", "Ctrl+Alt+Backspace", self.filters.clear_all)
        self.act_in_view = self._act("Only events in the map view", "Ctrl+Alt+V", self.toggle_in_view, "Filter to the events in the current map view (follows pans and zooms)")
        self.act_in_view.setCheckable(True)
        self.act_rect = self._act("Filter by rectangle", "Ctrl+Alt+R", lambda: self.draw_area("rectangle"), "Drag a rectangle on the map")
        self.act_lasso = self._act("Filter by lasso", "Ctrl+Alt+L", lambda: self.draw_area("lasso"), "Draw a free-hand area on the map")
        self.act_clear_area = self._act("Clear drawn area", "Ctrl+Alt+A", self.filters.clear_area)
        self.act_copy_event = self._act("Copy event as text", "Ctrl+Alt+C", self.details.copy_text, "Copy every field of the current event")
        win.model.filter_changed.connect(self._update_in_view)

        win.menu("edit").addSeparator()
        for a in (self.act_clear_filters, self.act_in_view, self.act_rect, self.act_lasso, self.act_clear_area, self.act_copy_event):
            win.menu("edit").addAction(a)

        menu = win.add_menu("&Timeline")
        scope = [tl, win.canvas]
        self.act_play = self._act("Play / pause timeline", "Space", tl.toggle_play, "Play the timeline (map and list follow)", scope)
        self.act_step_fwd = self._act("Timeline: one day forward", "Right", lambda: tl.step(1), "", [tl])
        self.act_step_back = self._act("Timeline: one day back", "Left", lambda: tl.step(-1), "", [tl])
        self.act_clear_dates = self._act("Clear date range", "Ctrl+Alt+D", tl.clear_range)
        self.act_focus_tl = self._act("Focus the timeline", "Ctrl+Alt+T", self.focus_timeline, "Put the keyboard on the timeline (Space, Left, Right)")
        for a in (self.act_play, self.act_step_fwd, self.act_step_back, self.act_clear_dates, self.act_focus_tl):
            menu.addAction(a)
        self.timeline_menu = menu

        win.menu("view").addSeparator()
        dens = QMenu("Point &density", win)
        group = QActionGroup(win)
        self.density_actions: dict[str, QAction] = {}
        for key, text, sc in (("auto", "Automatic (density when crowded)", "Ctrl+Alt+1"), ("points", "Always points", "Ctrl+Alt+2"), ("density", "Always density", "Ctrl+Alt+3")):
            a = self._act(f"Density: {text}", sc, lambda _=False, k=key: self.set_density(k))
            a.setCheckable(True)
            a.setChecked(key == win.model.style.density)
            group.addAction(a)
            dens.addAction(a)
            self.density_actions[key] = a
        win.menu("view").addMenu(dens)
        win.model.style_changed.connect(self._show_density)
        for dock, sc in ((self.filters_dock, "Ctrl+Alt+F"), (self.timeline_dock, "Ctrl+Alt+M"), (self.details_dock, "Ctrl+Alt+I"), (self.legend_dock, "Ctrl+Alt+G")):
            a = dock.toggleViewAction()
            a.setShortcut(QKeySequence(sc))
            win.addAction(a)
        if hasattr(win, "list_dock"):
            a = win.list_dock.toggleViewAction()
            if a.shortcut().isEmpty():
                a.setShortcut(QKeySequence("Ctrl+Alt+J"))
                win.addAction(a)

    def _update_in_view(self) -> None:
        self.act_in_view.blockSignals(True)
        self.act_in_view.setChecked(find_part(self.win.model.filter, InView) is not None)
        self.act_in_view.blockSignals(False)

    # ------------------------------------------------------------------ slots
    def toggle_in_view(self) -> None:
        self.filters.in_view.setChecked(not self.filters.in_view.isChecked())

    def draw_area(self, kind: str) -> None:
        tool = RectangleTool(self.filters.apply_area) if kind == "rectangle" else LassoTool(self.filters.apply_area)
        self.win.canvas.set_tool(tool)
        self.win.canvas.setFocus()
        self.win.statusBar().showMessage(f"Drag on the map to draw the {kind}; Esc cancels.", 6000)

    def set_density(self, mode: str) -> None:
        """Points, density or automatic: map state, so it goes to the model (the canvas follows)."""
        model = self.win.model
        model.set_style(dataclasses.replace(model.style, density=mode))

    def _show_density(self) -> None:
        self.density_actions[self.win.model.style.density].setChecked(True)

    def focus_timeline(self) -> None:
        self.timeline_dock.show()
        self.timeline.setFocus()
