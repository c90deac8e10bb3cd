"""Workspaces: the ``.katlas`` file (document.py), atomic saves (atomic.py), the registry of state
sections (state.py, built-ins in sections.py) and the window integration (gui.py: File menu, recent
files, autosave and crash recovery). See docs/workspace.md.

The pure parts import without QtWidgets; the window's workspace feature is gui.py's
WorkspaceController (listed in atlas/features.py). Importing this package registers the sections of
every feature that lists a workspace module there.
"""

from __future__ import annotations

import importlib

from atlas.features import workspace_modules

from .document import FORMAT, SUFFIX, VERSION, Workspace, WorkspaceError, dump_document, parse_document, read_workspace, write_workspace
from .state import Context, capture_all, register_section, restore_all


for _module in workspace_modules():
    importlib.import_module(_module)  # registers the feature's sections


__all__ = [
    "FORMAT", "SUFFIX", "VERSION", "Context", "Workspace", "WorkspaceError", "capture_all", "dump_document",
    "parse_document", "read_workspace", "register_section", "restore_all", "write_workspace",
]
