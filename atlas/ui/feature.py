"""The extension interface of the main window.

A feature is a class listed in :data:`atlas.features.FEATURES`; the window builds each one with
itself as the :class:`FeatureHost` and keeps it under its name (``window.feature("control")``).
Everything a feature adds goes through the host's methods below: actions (with icons and tooltips
naming their shortcut, from atlas/ui/icons.py), menus and the map toolbar, docks, map layers, status
bar fields, import checks (run on every file the user opens) and the file opener. A feature never
sets an attribute on the window; MainWindow names no feature. Session state a feature shows lives
in the model (atlas/model/session.py), so the workspace needs no access to the feature at all.

Order matters only where one feature builds on another's contribution: list order in
FEATURES is construction order, and :meth:`Feature.started` runs after every feature was built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QStatusBar, QToolBar, QWidget

if TYPE_CHECKING:
    from atlas.io import ImportReport
    from atlas.map.canvas import MapCanvas
    from atlas.model import AtlasModel
    from atlas.render.layers import MapLayer

    from .event_list import EventListPanel

#: ``check(paths) -> paths to go on with``: may drop files (too large, declined); or it takes them
#: itself (a workspace is opened as such) and returns True/False, whether that worked.
ImportCheck = Callable[[list[Path]], "list[Path] | bool"]
#: ``open(paths, append)`` reads event files into the model; True when anything was loaded.
FileOpener = Callable[[Sequence[Path], bool], bool]


class FeatureHost(Protocol):
    """What the window offers a feature."""

    model: AtlasModel
    canvas: MapCanvas
    event_list: EventListPanel
    list_dock: QDockWidget
    map_toolbar: QToolBar
    #: the window's one undo stack: every undoable command of every feature goes on it
    undo_stack: QUndoStack

    def menu(self, name: str) -> QMenu:
        """The menu "file", "edit", "view", "map" or "help"."""
        ...

    def undo_actions(self) -> tuple[QAction, QAction]:
        """Edit ▸ Undo and Redo of :attr:`undo_stack`."""
        ...

    def add_menu(self, title: str) -> QMenu:
        """A menu of the feature's own in the menu bar (before Help)."""
        ...

    def action(self, text: str, shortcut: str | QKeySequence | QKeySequence.StandardKey | None,
               slot: Callable[..., object], tip: str = "") -> QAction:
        """A window-wide action (shortcut active anywhere in the window)."""
        ...

    def add_dock(self, title: str, object_name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget: ...

    def add_map_layer(self, layer: MapLayer, below: str | None = None, above: str | None = None) -> None: ...

    def add_status_widget(self, widget: QLabel | QWidget, permanent: bool = False) -> None: ...

    def add_import_check(self, check: ImportCheck) -> None: ...

    def set_file_opener(self, opener: FileOpener) -> None: ...

    def load_files(self, paths: Sequence[str | Path], checked: bool = False) -> bool: ...

    def import_files(self, paths: Sequence[str | Path], append: bool = False) -> bool: ...

    def record_reports(self, reports: Sequence[ImportReport], append: bool = False) -> None: ...

    def show_load_problems(self, errors: list[str], reports: list[ImportReport]) -> None: ...

    def addAction(self, action: QAction) -> None: ...  # noqa: N802 (Qt's name: a window-wide shortcut)

    def feature(self, name: str) -> Feature | None: ...

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)


class Feature:
    """Base class of a window feature. Subclasses set :attr:`name` (its entry in FEATURES) and
    contribute in ``__init__`` through ``self.host``."""

    name: str = ""

    host: FeatureHost

    def __init__(self, host: FeatureHost | None = None) -> None:
        # (Optional only for QObject subclasses: PySide calls a mixin's __init__ with no argument.)
        if host is not None:
            self.host = host

    def started(self) -> None:
        """Called once every feature is built (wiring that needs another feature's contribution)."""

    def closed(self) -> None:
        """Called once when the window has closed: let go of what outlives widgets (connections
        to a server, listeners, worker threads). A closed window is not reopened."""


def load_feature_class(ref: str) -> type[Feature]:
    """``"module:Class"`` from the FEATURES list, imported."""
    import importlib

    module_name, _, cls_name = ref.partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    if not (isinstance(cls, type) and issubclass(cls, Feature)):
        raise TypeError(f"{ref} is not a Feature")
    return cls
