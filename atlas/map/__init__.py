"""The map canvas and its tools (pyqtgraph); drawing itself lives in atlas.render."""
