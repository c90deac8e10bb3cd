"""Map themes: the colours of the basemap, the background and the graticule, light and dark.

A theme is a plain value; :func:`apply_theme` hands it to every layer of a scene that cares
(``layer.set_theme(theme)``) and bumps their versions, so the canvas cache and the exports follow.
Event colours are not themed: they mean something (event type) and must match the legend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scene import MapScene


@dataclass(frozen=True)
class Theme:
    name: str
    #: Sea and everything outside the basemap's extent.
    background: str
    #: Land fill by ISO A3; countries not listed use ``land_other``.
    land: dict[str, str] = field(default_factory=dict)
    land_other: str = "#eeeeea"
    coast: str = "#8fb3cf"
    water: str = "#b5d3ea"
    water_edge: str = "#7eaed6"
    river: str = "#4d8fcb"
    river_approx: str = "#7fb2e0"
    river_text: str = "#2b6aa6"
    oblast_line: str = "#8b8594"
    border: str = "#5b3f63"
    border_halo: str = "#c9a9d0"
    context_border: str = "#9c8aa3"
    text: str = "#1e1e24"
    text_halo: str = "#ffffff"
    region_text: str = "#7a6f85"
    country_text: str = "#9a8c9e"
    dot: str = "#2a2a2e"
    dot_fill: str = "#ffffff"
    graticule: str = "#8a98a8"
    graticule_text: str = "#46525e"
    frame: str = "#5a6b7d"
    canvas: str = ""  # widget background behind the scene (defaults to ``background``)

    def land_colour(self, iso_a3: str) -> str:
        return self.land.get(iso_a3, self.land_other)


LIGHT = Theme(
    name="light",
    background="#cfe0ec",
    land={"UKR": "#f7f0d2", "RUS": "#efe7e3", "BLR": "#e6eedb"},
    land_other="#ecebe6",
)

DARK = Theme(
    name="dark",
    background="#111a24",
    land={"UKR": "#36321f", "RUS": "#2a2429", "BLR": "#232a22"},
    land_other="#222325",
    coast="#35506a",
    water="#1d3850",
    water_edge="#2f5b80",
    river="#3f7fb8",
    river_approx="#35638c",
    river_text="#8ec3f0",
    oblast_line="#6b6675",
    border="#d9a7e3",
    border_halo="#5a3a63",
    context_border="#7c6a84",
    text="#e8e6e3",
    text_halo="#101214",
    region_text="#9c94a6",
    country_text="#8a8094",
    dot="#e8e6e3",
    dot_fill="#15171a",
    graticule="#4a5866",
    graticule_text="#a8b4c0",
    frame="#8aa0b5",
)

THEMES: dict[str, Theme] = {"light": LIGHT, "dark": DARK}


def theme_named(name: str) -> Theme:
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown map theme {name!r}; choose one of {', '.join(THEMES)}") from None


def apply_theme(scene: MapScene, theme: Theme | str) -> Theme:
    """Restyle every layer of ``scene`` that has a ``set_theme`` method; returns the theme."""
    t = theme_named(theme) if isinstance(theme, str) else theme
    scene.theme = t
    for layer in scene.layers:
        setter = getattr(layer, "set_theme", None)
        if setter is not None:
            setter(t)
    return t
