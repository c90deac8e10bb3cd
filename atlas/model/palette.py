"""The atlas's colours as data: the map, the legend and the file exports (KML styles) share them.

Plain hex strings, no drawing: the renderer turns them into pens and brushes, the KML writer into
``aabbggrr`` colours, and the KML reader compares a file's colours with them.
"""

from __future__ import annotations

import zlib

#: Colours by event type: the Okabe–Ito set, chosen so that every pair stays apart for readers
#: with any of the three colour-vision deficiencies (tests/model/test_palette.py simulates them
#: with colorspacious: the closest pair is ΔE 11 in CAM02-UCS; the ACLED-style colours used before
#: put Explosions and Political developments ΔE 1.6 apart for a protanope, i.e. the same colour).
#: Battles keep a red, strategic developments a blue. Unknown types get a stable colour from
#: their name.
EVENT_TYPE_COLOURS: dict[str, str] = {
    "Battles": "#d55e00",
    "Explosions/Remote violence": "#e69f00",
    "Violence against civilians": "#cc79a7",
    "Strategic developments": "#0072b2",
    "Political developments": "#009e73",
    "Protests": "#56b4e9",
    "Riots": "#5a3a22",
}
_FALLBACK = ["#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94"]


def event_type_colour(event_type: str) -> str:
    """``#rrggbb`` of an event type (the same colour for the same name in every run)."""
    if event_type in EVENT_TYPE_COLOURS:
        return EVENT_TYPE_COLOURS[event_type]
    return _FALLBACK[zlib.crc32(event_type.encode("utf-8")) % len(_FALLBACK)]


#: Fill, fill alpha (0-255) and outline per area-of-control status. Blue/red follow the usual
#: convention of war maps.
STATUS_STYLE: dict[str, tuple[str, int, str]] = {
    "ukrainian": ("#1e63c4", 85, "#0d3f86"),
    "russian": ("#c8322f", 60, "#8a1c1a"),
    "contested": ("#f0a30a", 90, "#a86f00"),
    "grey": ("#8d8d8d", 95, "#5c5c5c"),
}
#: A model's range (atlas.control.model.ModelEnvelope) is not drawn like a survey's area: the part
#: any parameter choice holds is hatched with a dashed edge, the part every choice holds a light
#: fill with a solid edge, both in a violet that no status uses. (fill, alpha, edge, hatch alpha)
MODEL_RANGE_STYLE: dict[str, tuple[str, int, str, int]] = {
    "outer": ("#7b3fb5", 40, "#5a2a8a", 150),
    "inner": ("#7b3fb5", 80, "#4a1f75", 0),
}
GAINED_COLOUR = "#1b9e4b"
LOST_COLOUR = "#d81b60"
