"""How the map shows what is uncertain, and the density view that replaces points when crowded.

* Geo precision above 1 (the point is "near" a place, or only the region is known) draws a
  translucent halo of the uncertainty radius, in ground metres converted to pixels at the view,
  so it grows as you zoom in: the event's own radius where it states one (the curated dataset's
  ``coord_uncertainty_km``, e.g. 8 km for a village placed from a description), else the default
  of its precision (:data:`HALO_RADIUS_M`).
* Date precision above 1 (about a week, or a month) draws the event as a diamond instead of a dot
  (the sprite shape, see :func:`atlas.render.layers.make_marker`).
* Claims (claimed or disputed) are rings, confirmed or reported events filled dots.

The density view bins the visible points into screen cells with one ``np.bincount`` and draws the
counts as a colour ramp in one QImage: at 1M events that is faster, and more honest, than a
million overlapping dots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QRadialGradient

from .viewport import Viewport

#: Uncertainty radius on the ground by geo precision (2: near the named place; 3: region only).
HALO_RADIUS_M: dict[int, float] = {2: 5_000.0, 3: 25_000.0}
#: Date precisions drawn as a diamond (2: about a week; 3: the month only).
DIAMOND_DATE_PRECISIONS: tuple[int, ...] = (2, 3)
#: Automatic density view when more than this many points are in view.
DENSITY_AUTO_THRESHOLD = 20_000
#: Density cell size in pixels (× ui_scale).
DENSITY_CELL_PX = 6
DENSITY_MODES: tuple[str, ...] = ("auto", "points", "density")
HALO_SPRITE_PX = 128
#: Above this many haloed events in view the halos are left out: thousands of overlapping discs
#: only fog the map (and cost ~20 µs each to blend); zooming in brings them back.
HALO_MAX_IN_VIEW = 800
EARTH_R = 6_378_137.0
#: The halo sprite's opacity: at the centre, at 95 % of the radius, and of its rim.
HALO_INNER_ALPHA, HALO_OUTER_ALPHA, HALO_RIM_ALPHA = 34, 20, 120
#: The sprite's linear fade averaged over the disc's area (what the vector halo fills with).
HALO_FILL_ALPHA = round(HALO_INNER_ALPHA + (HALO_OUTER_ALPHA - HALO_INNER_ALPHA) * (2 / 3) / 0.95)
FloatArray = npt.NDArray[np.float64]


#: Extra column of an event table holding the stated uncertainty radius in km.
RADIUS_COLUMN = "coord_uncertainty_km"


def stated_radius_km(values: npt.ArrayLike | None, n: int) -> npt.NDArray[np.float64]:
    """The ``coord_uncertainty_km`` cells as floats (NaN where empty or not a positive number)."""
    out = np.full(n, np.nan)
    if values is None:
        return out
    for i, v in enumerate(np.asarray(values, dtype=object).reshape(-1)[:n]):
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f) and f > 0:
            out[i] = f
    return out


def halo_radius_merc(geo_precision: npt.NDArray[np.int8], lat: npt.NDArray[np.float64],
                     radius_km: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
    """Halo radius in Mercator metres per event (0 for none): ground metres / cos(latitude).

    Events with geo precision 2 or 3 get their stated ``radius_km`` where it is a number, else the
    default of their precision; precision 1 (the place itself) gets no halo."""
    r = np.zeros(len(geo_precision), np.float64)
    for gp, metres in HALO_RADIUS_M.items():
        r[geo_precision == gp] = metres
    if radius_km is not None:
        stated = np.isfinite(radius_km) & (geo_precision >= 2)
        r[stated] = radius_km[stated] * 1000.0
    if r.any():
        r /= np.cos(np.radians(np.clip(lat, -85, 85)))
    return r


_HALO_SPRITES: dict[str, QPixmap] = {}


def halo_sprite(colour: str) -> QPixmap:
    """A soft translucent disc with a faint rim, scaled per event when stamped."""
    pm = _HALO_SPRITES.get(colour)
    if pm is None:
        n = HALO_SPRITE_PX
        pm = QPixmap(n, n)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QColor(colour)
        g = QRadialGradient(n / 2, n / 2, n / 2)
        inner, outer = QColor(c), QColor(c)
        inner.setAlpha(HALO_INNER_ALPHA)
        outer.setAlpha(HALO_OUTER_ALPHA)
        g.setColorAt(0.0, inner)
        g.setColorAt(0.95, outer)
        g.setColorAt(1.0, QColor(c.red(), c.green(), c.blue(), 0))
        p.setBrush(g)
        rim = QColor(c)
        rim.setAlpha(HALO_RIM_ALPHA)
        p.setPen(QPen(rim, 1.0))
        p.drawEllipse(QRectF(1, 1, n - 2, n - 2))
        p.end()
        _HALO_SPRITES[colour] = pm
    return pm


def halo_discs(vp: Viewport, groups: Sequence[Any], min_px: float) -> list[tuple[Any, FloatArray, FloatArray, FloatArray]]:
    """The halos to draw: per group, the pixel centres and radii of its haloed events in view, one
    per place and radius across all groups (a dozen events at a town's coordinate share one halo,
    whatever their types, or stacked translucent discs turn into an opaque blot over the map).
    Empty when more than :data:`HALO_MAX_IN_VIEW` would be drawn. Shared by the raster and the
    vector (SVG/PDF) drawing so both show the same discs."""
    todo = []
    total = 0
    for g in groups:
        hr = getattr(g, "halo", None)
        if hr is None:
            continue
        has = hr > 0
        if not has.any():
            continue
        x, y, r = g.x[has], g.y[has], hr[has]
        rad_px = r * vp.sx
        pad = float(rad_px.max())
        inview = vp.contains_mask(x, y, pad=pad) & (rad_px > min_px)
        n = int(np.count_nonzero(inview))
        if n == 0:
            continue
        total += n
        if total > HALO_MAX_IN_VIEW:
            return []
        todo.append((g, x[inview], y[inview], rad_px[inview]))
    out = []
    seen: set[tuple[float, float, float]] = set()
    for g, hx, hy, hr in todo:
        px, py = vp.to_px(hx, hy)
        key = np.round(np.column_stack((px, py, hr)) * 2.0)
        _, first = np.unique(key, axis=0, return_index=True)
        keep = [i for i in sorted(first.tolist()) if tuple(key[i]) not in seen]
        seen.update(tuple(key[i]) for i in keep)
        if keep:
            out.append((g, px[keep], py[keep], hr[keep]))
    return out


def draw_halos(p: QPainter, vp: Viewport, groups: Sequence[Any], frags: Any, colour_of: Any, min_px: float) -> int:
    """Stamp the halos of every group (before any marker, so markers sit on top). Returns how many
    (0 when more than :data:`HALO_MAX_IN_VIEW` would be drawn)."""
    drawn = 0
    # Halos are scaled far beyond their sprite's size: smooth them, or they look like mosaics.
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    for g, px, py, hr in halo_discs(vp, groups, min_px):
        n = len(px)
        pm = halo_sprite(colour_of(g.key[0]))
        scale = 2.0 * hr / HALO_SPRITE_PX
        frags.resize(n)
        a = frags.ndarray()
        a[:, 0] = px
        a[:, 1] = py
        a[:, 2:6] = (0.0, 0.0, float(pm.width()), float(pm.height()))
        a[:, 6] = scale
        a[:, 7] = scale
        a[:, 8] = 0.0
        a[:, 9] = 1.0
        p.drawPixmapFragments(*frags.drawargs(), pm)
        drawn += n
    return drawn


def draw_halo_shapes(p: QPainter, vp: Viewport, groups: Sequence[Any], colour_of: Any, min_px: float) -> int:
    """Vector twin of :func:`draw_halos` for SVG and PDF: the same discs as shapes, each filled
    flat with the sprite's mean opacity (its radial fade averages :data:`HALO_FILL_ALPHA` over the
    disc) and rimmed like the sprite, whose 1-px rim scales (and blurs) with the disc. Flat translucent fills
    survive every PDF and SVG reader; a gradient with alpha does not."""
    drawn = 0
    for g, px, py, hr in halo_discs(vp, groups, min_px):
        c = QColor(colour_of(g.key[0]))
        fill, rim = QColor(c), QColor(c)
        fill.setAlpha(HALO_FILL_ALPHA)
        # The sprite's rim, scaled up smoothly, spreads over about twice its width at half its
        # opacity: the same ink as a crisp rim, and the same soft look at a large radius.
        rim.setAlpha(HALO_RIM_ALPHA // 2)
        p.setBrush(fill)
        for cx, cy, rr in zip(px.tolist(), py.tolist(), hr.tolist()):
            p.setPen(QPen(rim, max(0.3, 4.0 * rr / HALO_SPRITE_PX)))
            p.drawEllipse(QPointF(cx, cy), rr * (HALO_SPRITE_PX - 2) / HALO_SPRITE_PX,
                          rr * (HALO_SPRITE_PX - 2) / HALO_SPRITE_PX)
        drawn += len(px)
    return drawn


def _ramp() -> npt.NDArray[np.uint32]:
    """256 premultiplied ARGB colours from pale yellow (few) to dark red-purple (many)."""
    stops = np.array([
        (0.0, 255, 240, 170, 90), (0.3, 254, 196, 79, 170), (0.55, 240, 100, 40, 205),
        (0.8, 190, 30, 45, 225), (1.0, 90, 10, 70, 240),
    ], dtype=np.float64)
    t = np.linspace(0, 1, 256)
    ch = [np.interp(t, stops[:, 0], stops[:, i]) for i in range(1, 5)]
    r, g, b, a = (np.round(c).astype(np.uint32) for c in ch)
    # premultiply
    r, g, b = (r * a // 255), (g * a // 255), (b * a // 255)
    return (a << 24) | (r << 16) | (g << 8) | b


_RAMP = _ramp()


def density_image(px: npt.NDArray[np.float64], py: npt.NDArray[np.float64], width: int, height: int, cell: float) -> tuple[QImage, int]:
    """Counts of points per ``cell``-pixel square as a colour-ramped QImage (one pixel per cell),
    and the largest count. Empty cells are transparent."""
    nx, ny = max(1, math.ceil(width / cell)), max(1, math.ceil(height / cell))
    ix = (px / cell).astype(np.int64)
    iy = (py / cell).astype(np.int64)
    ok = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    counts = np.bincount(iy[ok] * nx + ix[ok], minlength=nx * ny)[: nx * ny].reshape(ny, nx)
    top = int(counts.max()) if counts.size else 0
    argb = np.zeros((ny, nx), np.uint32)
    if top > 0:
        lvl = np.log1p(counts) / math.log1p(top)
        idx = np.clip((lvl * 255).astype(np.int64), 1, 255)
        argb = np.where(counts > 0, _RAMP[idx], 0).astype(np.uint32)
    img = QImage(argb.tobytes(), nx, ny, nx * 4, QImage.Format.Format_ARGB32_Premultiplied).copy()
    return img, top


def draw_density(p: QPainter, vp: Viewport, xs: Sequence[npt.NDArray[np.float64]], ys: Sequence[npt.NDArray[np.float64]]) -> int:
    """Draw the density of the given Mercator points over the view; returns the largest cell count."""
    if not xs:
        return 0
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    px, py = vp.to_px(x, y)
    cell = DENSITY_CELL_PX * vp.ui_scale
    img, top = density_image(px, py, vp.width, vp.height, cell)
    p.save()
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(QRectF(0, 0, img.width() * cell, img.height() * cell), img)
    p.restore()
    return top
