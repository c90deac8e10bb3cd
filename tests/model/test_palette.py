"""The event-type colours stay apart for colour-blind readers (simulated with colorspacious)."""

from __future__ import annotations

import itertools

import numpy as np
from colorspacious import cspace_convert, deltaE

from atlas.model.palette import EVENT_TYPE_COLOURS, event_type_colour

#: The smallest CAM02-UCS distance allowed between two event types, for normal vision and under
#: a full-severity simulation of each deficiency. ~10 is "clearly different" on a map marker.
MIN_DELTA_E = 10.0
DEFICIENCIES = ("protanomaly", "deuteranomaly", "tritanomaly")


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0


def _closest(colours: dict[str, np.ndarray]) -> tuple[float, str, str]:
    return min((float(deltaE(colours[a], colours[b], input_space="sRGB1")), a, b)
               for a, b in itertools.combinations(colours, 2))


def test_event_types_stay_apart_for_every_colour_vision() -> None:
    normal = {k: _rgb(v) for k, v in EVENT_TYPE_COLOURS.items()}
    assert _closest(normal)[0] >= MIN_DELTA_E
    for cvd in DEFICIENCIES:
        space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
        seen = {k: np.clip(cspace_convert(c, space, "sRGB1"), 0, 1) for k, c in normal.items()}
        d, a, b = _closest(seen)
        assert d >= MIN_DELTA_E, f"{cvd}: {a} and {b} are only ΔE {d:.1f} apart"


def test_the_check_catches_a_palette_that_fails() -> None:
    """The old ACLED-style pair, orange and green, is one colour to a protanope."""
    space = {"name": "sRGB1+CVD", "cvd_type": "protanomaly", "severity": 100}
    a, b = (np.clip(cspace_convert(_rgb(h), space, "sRGB1"), 0, 1) for h in ("#ff7f0e", "#2ca02c"))
    assert float(deltaE(a, b, input_space="sRGB1")) < MIN_DELTA_E


def test_unknown_types_get_a_stable_colour() -> None:
    assert event_type_colour("Something new") == event_type_colour("Something new")
    assert event_type_colour("Battles") == EVENT_TYPE_COLOURS["Battles"]
