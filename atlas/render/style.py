"""Colours and sizes the map, the legend and the exports share."""

from __future__ import annotations

import zlib

#: ACLED-style colours by event type; unknown types get a stable colour from their name.
EVENT_TYPE_COLOURS: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Strategic developments": "#1f77b4",
    "Political developments": "#2ca02c",
    "Protests": "#e377c2",
    "Riots": "#8c564b",
}
_FALLBACK = ["#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94"]

MARKER_SIZE_PX = 10.0
SELECTION_COLOUR = "#00e5ff"
FOCUS_COLOUR = "#ffd400"
FRAME_COLOUR = "#5a6b7d"


def event_type_colour(event_type: str) -> str:
    if event_type in EVENT_TYPE_COLOURS:
        return EVENT_TYPE_COLOURS[event_type]
    return _FALLBACK[zlib.crc32(event_type.encode("utf-8")) % len(_FALLBACK)]
