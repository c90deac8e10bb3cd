"""Choosing the map extent for a headless picture (the CLI's --view / --focus / fit)."""

from __future__ import annotations

from atlas.geo.projection import REGION, lonlat_to_merc
from atlas.model import AtlasModel
from atlas.render.extent import main_extent
from atlas.render.viewport import Viewport

FOCUS_WIDTH_M = 60_000.0
MIN_FIT_M = 20_000.0


def view_for(model: AtlasModel, width: int, height: int, view: tuple[float, float, float, float] | None = None,
             focus: str | None = None, ui_scale: float = 1.0) -> Viewport:
    """--view wins; else a focus event is centred at district scale; else the shown events fit."""
    if view is not None:
        return Viewport.fit_lonlat(*view, width, height, ui_scale)
    t = model.table
    if focus is not None:
        row = t.index_of(focus)
        if row is not None and t.has_coords[row]:
            (x,), (y,) = lonlat_to_merc([t.lon[row]], [t.lat[row]])
            return Viewport.centered(float(x), float(y), FOCUS_WIDTH_M / width, width, height, ui_scale)
    rows = model.visible_rows
    bbox = main_extent(t.lon[rows], t.lat[rows])
    if bbox is None:
        return Viewport.fit_lonlat(*REGION, width, height, ui_scale)
    x, y = lonlat_to_merc([bbox[0], bbox[2]], [bbox[1], bbox[3]])
    cx, cy = float(x.mean()), float(y.mean())
    w = max(float(x[1] - x[0]), MIN_FIT_M)
    h = max(float(y[1] - y[0]), MIN_FIT_M)
    return Viewport.fit((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), width, height, ui_scale, margin=0.08)
