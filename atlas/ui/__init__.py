"""Widgets: the main window, the event list and the docks. Thin adapters over AtlasModel."""

from . import pyside_source_check
from .pyqtgraph_import import import_pyqtgraph

# Before the ~550 modules a start imports after PySide6: PySide6's check of each (does its source
# mention PySide6?) from the file's bytes, not through inspect.getsource (startup, issue 15).
pyside_source_check.install()
# Before any widget module imports pyqtgraph: its Qt mirrors filled on use, not all at once (startup).
import_pyqtgraph()
