"""Widgets: the main window, the event list and the docks. Thin adapters over AtlasModel."""

from .pyqtgraph_import import import_pyqtgraph

# Before any widget module imports pyqtgraph: its Qt mirrors filled on use, not all at once (startup).
import_pyqtgraph()
