"""Colours and sizes the map, the legend and the exports share."""

from __future__ import annotations

# The colours are data the KML export shares (atlas.model.palette); re-exported for the renderer.
from atlas.model.palette import EVENT_TYPE_COLOURS, event_type_colour  # noqa: E402,F401

MARKER_SIZE_PX = 10.0
SELECTION_COLOUR = "#00e5ff"
FOCUS_COLOUR = "#ffd400"
FRAME_COLOUR = "#5a6b7d"
