"""Workspaces: the ``.katlas`` file (document.py), atomic saves (atomic.py), the registry of state
sections (state.py, built-ins in sections.py) and the window integration (gui.py: File menu, recent
files, autosave and crash recovery). See docs/workspace.md.

The pure parts import without QtWidgets; :func:`install_workspace` pulls in the GUI.
"""

from __future__ import annotations

from typing import Any

from . import sections as _sections  # noqa: F401  (registers the built-in sections)
from .document import FORMAT, SUFFIX, VERSION, Workspace, WorkspaceError, dump_document, parse_document, read_workspace, write_workspace
from .state import Context, capture_all, register_section, restore_all


def install_workspace(window: Any) -> Any:
    """Give a MainWindow the workspace File actions, dirty tracking and autosave. Returns the controller."""
    from .gui import WorkspaceController

    return WorkspaceController(window)


__all__ = [
    "FORMAT", "SUFFIX", "VERSION", "Context", "Workspace", "WorkspaceError", "capture_all", "dump_document",
    "install_workspace", "parse_document", "read_workspace", "register_section", "restore_all", "write_workspace",
]
