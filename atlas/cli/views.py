"""Choosing the map extent for a headless picture (the CLI's --view / --focus / fit)."""

from __future__ import annotations

import argparse
import math

from atlas.geo.gazetteer import Place
from atlas.geo.projection import REGION, lonlat_to_merc, merc_to_lonlat
from atlas.model import AtlasModel
from atlas.render.extent import main_extent
from atlas.render.viewport import Viewport

FOCUS_WIDTH_M = 60_000.0
MIN_FIT_M = 20_000.0


def parse_scale(text: str) -> float:
    """``50000``, ``1:50000`` or ``1:50,000``: the scale's denominator."""
    t = text.replace(",", "").replace("_", "").replace(" ", "")
    t = t[2:] if t.startswith("1:") else t
    try:
        n = float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a scale (e.g. 50000 or 1:50000)") from None
    if not (100 <= n <= 500_000_000):
        raise argparse.ArgumentTypeError(f"{text!r}: the scale must be between 1:100 and 1:500,000,000")
    return n


def place_lonlat(name: str) -> tuple[float, float] | None:
    """The basemap's place called ``name`` (English or local spelling, any case), largest first."""
    from atlas.geo.basemap_data import BasemapError
    from atlas.render.basemap_geometry import basemap_geometry

    try:
        pl = basemap_geometry().places
    except BasemapError:
        return None
    want = name.strip().casefold()
    for i, (en, local) in enumerate(zip(pl.names, pl.names_local)):
        if want in ((en or "").casefold(), (local or "").casefold()):
            lon, lat = merc_to_lonlat(pl.x[i], pl.y[i])
            return float(lon), float(lat)
    return None


def parse_center(text: str) -> tuple[float, float]:
    """``LON,LAT`` in degrees, or a place name of the basemap."""
    parts = text.split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if not (-180 <= lon <= 180 and -85 <= lat <= 85):
                raise ValueError(f"--center {text!r} is outside -180..180, -85..85")
            return lon, lat
    got = place_lonlat(text)
    if got is not None:
        return got
    # Go to place's gazetteer also knows facilities, places beyond the basemap and villages
    # events name; --center takes the same names, so the command line and the window agree.
    place = gazetteer_place(text)
    if place is None:
        raise ValueError(f"--center {text!r}: neither LON,LAT nor a place on the basemap or in the gazetteer")
    if place.lon is None or place.lat is None:
        raise ValueError(f"--center {text!r}: {place.label}; give LON,LAT instead")
    return place.lon, place.lat


def gazetteer_place(name: str) -> Place | None:
    """The gazetteer's place spelled exactly ``name`` (any spelling it knows, case and accents
    folded), the largest first; None when no place has that name."""
    from atlas.geo.basemap_data import BasemapError
    from atlas.geo.gazetteer import Gazetteer, fold

    try:
        gaz = Gazetteer.from_basemap()
    except BasemapError:
        return None
    want = fold(name)
    exact = [p for p in gaz.places if any(fold(n) == want for n in gaz.names(p))]
    return max(exact, key=lambda p: p.population) if exact else None


def view_for(model: AtlasModel, width: int, height: int, view: tuple[float, float, float, float] | None = None,
             focus: str | None = None, ui_scale: float = 1.0, center: str | None = None,
             scale: float | None = None) -> Viewport:
    """--center (with --scale, else at district scale) wins; else --view; else a focus event is
    centred at district scale; else the shown events fit. --scale alone keeps the chosen view's
    centre. A scale of 1:N means N page pixels' worth of paper (at ``ui_scale`` × 96 dpi) on
    the ground per pixel at the centre's latitude."""
    if center is not None or scale is not None:
        if center is not None:
            lon, lat = parse_center(center)
            (x,), (y,) = lonlat_to_merc([lon], [lat])
            cx, cy = float(x), float(y)
        else:
            base = view_for(model, width, height, view, focus, ui_scale)
            cx, cy = base.center
            lat = float(base.center_lonlat[1])
        if scale is None:
            return Viewport.centered(cx, cy, FOCUS_WIDTH_M / width, width, height, ui_scale)
        ground_per_px = scale * 0.0254 / (96.0 * ui_scale)
        return Viewport.centered(cx, cy, ground_per_px / math.cos(math.radians(lat)), width, height, ui_scale)
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
