"""The basemap's names: places, rivers, oblasts and countries as pre-rendered sprites (text and
halo; real text over an outline halo in SVG and PDF), placed by a greedy, population-first collision test on a coarse occupancy grid that keeps
clear of event markers, memoised per viewport and shared by the two label layers."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen
from shapely.ops import polylabel

from .basemap_base import BasemapOptions, _BasemapLayer, ground_m_per_px
from .basemap_geometry import FONT_FAMILY, BasemapGeometry, _parts
from .themes import Theme
from .vector_text import draw_haloed_text
from .viewport import Viewport

FloatArray = npt.NDArray[np.float64]

# ============================================================================ labels
@dataclass(frozen=True)
class LabelStyle:
    size_px: float
    bold: bool = False
    italic: bool = False
    letter_spacing: float = 0.0
    colour: str = "text"  # a Theme attribute name
    halo: float = 2.2
    caps: bool = False


class SpriteCache:
    """Label images (text with its halo), rendered once per text, style, theme and scale."""

    def __init__(self, limit: int = 4000) -> None:
        self._cache: dict[tuple[object, ...], QImage] = {}
        self.limit = limit

    def get(self, text: str, style: LabelStyle, theme: Theme, ui_scale: float, dpr: float) -> QImage:
        key = (text, style, theme.name, round(ui_scale, 3), round(dpr, 2))
        img = self._cache.get(key)
        if img is not None:
            return img
        if len(self._cache) >= self.limit:
            self._cache.clear()
        font = label_font(style, ui_scale)
        fm = QFontMetricsF(font)
        shown = text.upper() if style.caps else text
        halo = style.halo * ui_scale
        w = fm.horizontalAdvance(shown) + 2 * halo + 2
        h = fm.height() + 2 * halo
        img = QImage(max(1, math.ceil(w * dpr)), max(1, math.ceil(h * dpr)), QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(Qt.GlobalColor.transparent)
        ip = QPainter(img)
        ip.setRenderHint(QPainter.RenderHint.Antialiasing)
        ip.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        path = QPainterPath()
        path.addText(QPointF(halo + 1, halo + fm.ascent()), font, shown)
        if halo > 0:
            hp = QPen(QColor(theme.text_halo), 2 * halo)
            hp.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            ip.strokePath(path, hp)
        ip.fillPath(path, QColor(getattr(theme, style.colour)))
        ip.end()
        self._cache[key] = img
        return img


def label_font(style: LabelStyle, ui_scale: float) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(1, round(style.size_px * ui_scale)))
    f.setBold(style.bold)
    f.setItalic(style.italic)
    if style.letter_spacing:
        f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, style.letter_spacing * ui_scale)
    return f


_SPRITES = SpriteCache()


def draw_name(p: QPainter, vp: Viewport, x: float, y: float, text: str, style: LabelStyle, theme: Theme,
              dpr: float) -> None:
    """A name whose sprite's top left is at (x, y): the sprite on a raster; on SVG and PDF the
    same text and halo as text over an outline (atlas.render.vector_text), so the name can be
    found, copied and edited there."""
    if not vp.vector:
        p.drawImage(QPointF(x, y), _SPRITES.get(text, style, theme, vp.ui_scale, dpr))
        return
    font = label_font(style, vp.ui_scale)
    halo = style.halo * vp.ui_scale
    origin = QPointF(x + halo + 1, y + halo + QFontMetricsF(font).ascent())
    draw_haloed_text(p, origin, text.upper() if style.caps else text, font, getattr(theme, style.colour),
                     theme.text_halo, halo)


def _place_class(pop: int) -> int:
    """0 = city ≥ 200k … 4 = village or unknown."""
    if pop >= 200_000:
        return 0
    if pop >= 50_000:
        return 1
    if pop >= 10_000:
        return 2
    if pop >= 2_000:
        return 3
    return 4


PLACE_STYLES = (
    LabelStyle(15, bold=True),
    LabelStyle(13, bold=True),
    LabelStyle(12),
    LabelStyle(11),
    LabelStyle(10.5),
)
PLACE_DOT_PX = (7.0, 6.0, 5.0, 4.2, 3.6)


def min_population(ground_px_m: float) -> int:
    """The smallest place worth a label at this scale (ground metres per pixel at 96 dpi).

    Roughly: cities at the overview of the whole region, towns at district scale, every village
    at 1:100,000 and closer. Collision avoidance then thins what does not fit."""
    if ground_px_m > 1500:
        return 300_000
    if ground_px_m > 600:
        return 50_000
    if ground_px_m > 250:
        return 5_000
    if ground_px_m > 120:
        return 2_000
    if ground_px_m > 60:
        return 700
    return 0


class Occupancy:
    """Rectangles already taken by labels and symbols, bucketed on a coarse grid."""

    def __init__(self, width: float, height: float, cell: float = 48.0) -> None:
        self.cell = cell
        self.w, self.h = width, height
        self.grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _cells(self, r: tuple[float, float, float, float]) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(r[0] // c), int(r[2] // c) + 1):
            for j in range(int(r[1] // c), int(r[3] // c) + 1):
                yield i, j

    def free(self, r: tuple[float, float, float, float], inside: bool = True) -> bool:
        if inside and (r[0] < 0 or r[1] < 0 or r[2] > self.w or r[3] > self.h):
            return False
        for k in self._cells(r):
            for o in self.grid.get(k, ()):
                if r[0] < o[2] and r[2] > o[0] and r[1] < o[3] and r[3] > o[1]:
                    return False
        return True

    def take(self, r: tuple[float, float, float, float]) -> None:
        for k in self._cells(r):
            self.grid.setdefault(k, []).append(r)


@dataclass
class PlacedLabel:
    index: int  # settlement index
    dot: tuple[float, float, float]  # x, y, radius (px)
    text: str
    style: LabelStyle
    pos: tuple[float, float]  # top-left of the sprite (px)
    show_dot: bool = True  # False when an event marker sits on the place: the marker marks the spot


class LabelLayout:
    """Where the place names go in a viewport; shared by the places layer and the names layer so
    river and oblast names keep clear of places. Memoised per viewport and options."""

    #: Above this many event markers in view the labels stop avoiding them (density view, cost).
    MAX_OBSTACLES = 3000

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions) -> None:
        self.geo = geo
        self.options = options
        #: The events layer whose markers labels keep clear of (set by the scene); duck-typed:
        #: ``groups`` with merc ``x``/``y`` arrays, ``marker_size``, ``visible``, ``version``.
        self.obstacles: object | None = None
        self._key: tuple[object, ...] | None = None
        self._placed: list[PlacedLabel] = []
        self._occ: Occupancy | None = None

    def places(self, vp: Viewport, dpr: float = 1.0) -> tuple[list[PlacedLabel], Occupancy]:
        ev = self.obstacles
        ev_key = (getattr(ev, "version", 0), getattr(ev, "visible", False)) if ev is not None else None
        key = (vp, self.options.cyrillic, self.options.theme.name, round(dpr, 2), ev_key)
        if key != self._key or self._occ is None:
            self._placed, self._occ = self._layout(vp, dpr)
            self._key = key
        occ = Occupancy(self._occ.w, self._occ.h, self._occ.cell)
        occ.grid = {k: list(v) for k, v in self._occ.grid.items()}
        return self._placed, occ

    def _take_event_markers(self, vp: Viewport, occ: Occupancy) -> None:
        """Labels are drawn above the events (so halos do not veil them) but never on a marker."""
        for box in _event_marker_boxes(self.obstacles, vp, self.MAX_OBSTACLES):
            occ.take(box)

    def _layout(self, vp: Viewport, dpr: float) -> tuple[list[PlacedLabel], Occupancy]:
        pl = self.geo.places
        u = vp.ui_scale
        occ = Occupancy(vp.width, vp.height, 48.0 * u)
        # Event markers: a label must not cover one, but a place dot may lie under one (events
        # are often located at the settlement itself), so they go in a grid of their own.
        markers = Occupancy(vp.width, vp.height, 48.0 * u)
        self._take_event_markers(vp, markers)
        marker_r = float(getattr(self.obstacles, "marker_size", 10.0)) * u / 2 + 1.5
        inview = vp.contains_mask(pl.x, pl.y, pad=-4 * u)
        min_pop = min_population(ground_m_per_px(vp))
        cand = np.flatnonzero(inview & (pl.population >= min_pop))
        # At village scale places of unknown population (0) come last but do come.
        if min_pop == 0:
            cand = cand[np.argsort(pl.population[cand] == 0, kind="stable")]
        px, py = vp.to_px(pl.x[cand], pl.y[cand])
        names = pl.names_local if self.options.cyrillic else pl.names
        placed: list[PlacedLabel] = []
        gap = 3 * u
        max_labels = max(12, int(vp.width * vp.height / (u * u) / 9000))
        for k, i in enumerate(cand.tolist()):
            if len(placed) >= max_labels:
                break
            text = names[i] or pl.names[i]
            cls = _place_class(int(pl.population[i]))
            style = PLACE_STYLES[cls]
            r = PLACE_DOT_PX[cls] * u / 2
            x, y = float(px[k]), float(py[k])
            dot_rect = (x - r - 1, y - r - 1, x + r + 1, y + r + 1)
            if not occ.free(dot_rect):
                continue
            sprite = _SPRITES.get(text, style, self.options.theme, u, dpr)
            sw = sprite.width() / dpr
            sh = sprite.height() / dpr
            halo = style.halo * u
            show_dot = markers.free(dot_rect, inside=False)
            # An event marker on the place: set the name off the marker instead of the dot.
            rr = r if show_dot else max(r, marker_r)
            # Right, left, above-right, below-right, above, below: the usual cartographic order.
            spots = (
                (x + rr + gap - halo, y - sh / 2),
                (x - rr - gap - sw + halo, y - sh / 2),
                (x + rr - halo, y - rr - sh + halo * 0.8),
                (x + rr - halo, y + rr - halo * 0.8),
                (x - sw / 2, y - rr - sh + halo * 0.5),
                (x - sw / 2, y + rr - halo * 0.5),
            )
            for sx, sy in spots:
                rect = (sx + halo * 0.5, sy + halo * 0.5, sx + sw - halo * 0.5, sy + sh - halo * 0.5)
                if occ.free(rect) and markers.free(rect, inside=False):
                    occ.take(rect)
                    occ.take(dot_rect)
                    placed.append(PlacedLabel(i, (x, y, r), text, style, (sx, sy), show_dot=show_dot))
                    break
        # River, oblast and country names (placed next) keep clear of both.
        for k, boxes in markers.grid.items():
            occ.grid.setdefault(k, []).extend(boxes)
        return placed, occ


def _event_marker_boxes(ev: object, vp: Viewport, limit: int) -> list[tuple[float, float, float, float]]:
    if ev is None or not getattr(ev, "visible", False) or getattr(ev, "showing_density", False):
        return []  # no markers to avoid (hidden), or a density surface instead of markers
    groups = getattr(ev, "groups", ())
    r = float(getattr(ev, "marker_size", 10.0)) * vp.ui_scale / 2 + 1
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    n = 0
    for g in groups:
        m = vp.contains_mask(g.x, g.y, pad=r)
        n += int(m.sum())
        if n > limit:
            return []
        if m.any():
            px, py = vp.to_px(g.x[m], g.y[m])
            xs.append(px)
            ys.append(py)
    if not xs:
        return []
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    return [(a - r, b - r, a + r, b + r) for a, b in zip(x.tolist(), y.tolist())]


class PlacesLayer(_BasemapLayer):
    """Settlement dots with their names, largest places first, never overlapping.

    A hollow dot marks a place whose position no source gives (estimated; see SOURCES.md)."""

    key, title = "places", "Place names"

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions, layout: LabelLayout) -> None:
        super().__init__(geo, options)
        self.layout = layout

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        dpr = _device_dpr(p)
        placed, _ = self.layout.places(vp, dpr)
        u = vp.ui_scale
        halo = QColor(t.text_halo)
        halo.setAlpha(200)
        approx = self.geo.places.approximate
        p.setPen(QPen(halo, 1.6 * u))
        p.setBrush(Qt.BrushStyle.NoBrush)
        placed_dots = [lab for lab in placed if lab.show_dot]
        for lab in placed_dots:
            x, y, r = lab.dot
            p.drawEllipse(QPointF(x, y), r + 0.8 * u, r + 0.8 * u)
        dot_pen = QPen(QColor(t.dot), 1.2 * u)
        solid = QBrush(QColor(t.dot))
        hollow = QBrush(QColor(t.dot_fill))
        p.setPen(dot_pen)
        for lab in placed_dots:
            x, y, r = lab.dot
            p.setBrush(hollow if approx[lab.index] else solid)
            p.drawEllipse(QPointF(x, y), r, r)
            if lab.style.size_px >= 15 and not approx[lab.index]:
                # Cities: a ring with a dot, the classic atlas symbol.
                p.setBrush(hollow)
                p.drawEllipse(QPointF(x, y), r, r)
                p.setBrush(solid)
                p.drawEllipse(QPointF(x, y), r * 0.45, r * 0.45)
        for lab in placed:
            draw_name(p, vp, lab.pos[0], lab.pos[1], lab.text, lab.style, t, dpr)

    def hits(self, vp: Viewport, dpr: float = 1.0) -> list[str]:
        """The names placed in this view (for tests and the gazetteer's "what is here")."""
        return [lab.text for lab in self.layout.places(vp, dpr)[0]]


RIVER_STYLE = LabelStyle(11.5, italic=True, colour="river_text", halo=2.0, letter_spacing=0.6)
OBLAST_STYLE = LabelStyle(13, colour="region_text", halo=1.8, letter_spacing=2.2, caps=True)
COUNTRY_STYLE = LabelStyle(20, bold=True, colour="country_text", halo=2.0, letter_spacing=6.0, caps=True)


class NamesLayer(_BasemapLayer):
    """River names along the rivers (at district scale and closer) and oblast names at overview."""

    key, title = "names", "River and oblast names"

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions, layout: LabelLayout) -> None:
        super().__init__(geo, options)
        self.layout = layout

    def draw(self, p: QPainter, vp: Viewport) -> None:
        dpr = _device_dpr(p)
        _, occ = self.layout.places(vp, dpr)
        g = ground_m_per_px(vp)
        if 12 < g < 700:
            self._country_names(p, vp, occ, dpr)
        if g > 90:
            self._oblast_names(p, vp, occ, dpr)
        if g < 900:
            self._river_names(p, vp, occ, dpr)

    def _country_names(self, p: QPainter, vp: Viewport, occ: Occupancy, dpr: float) -> None:
        """RUSSIA / UKRAINE on each side of the border, in the largest visible part of each."""
        view = shapely.box(vp.x0, vp.y0, vp.x1, vp.y1)
        u = vp.ui_scale
        min_area = (220 * u * vp.merc_per_px) ** 2
        for c in self.geo.country_names:
            part = shapely.intersection(c.geom, view)
            if part.is_empty or part.area < min_area:
                continue
            piece = max(_parts(part), key=lambda q: q.area)
            if piece.geom_type != "Polygon" or piece.area < min_area:
                continue
            pt = polylabel(piece, tolerance=8 * vp.merc_per_px)
            text = c.name_local if self.options.cyrillic else c.name_en
            img = _SPRITES.get(text, COUNTRY_STYLE, self.theme, u, dpr)
            (x,), (y,) = vp.to_px([pt.x], [pt.y])
            w, h = img.width() / dpr, img.height() / dpr
            for dy in (0.0, -h * 1.5, h * 1.5, -h * 3, h * 3):
                rect = (x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2)
                if occ.free(rect):
                    occ.take(rect)
                    draw_name(p, vp, rect[0], rect[1], text, COUNTRY_STYLE, self.theme, dpr)
                    break

    def _oblast_names(self, p: QPainter, vp: Viewport, occ: Occupancy, dpr: float) -> None:
        view = shapely.box(vp.x0, vp.y0, vp.x1, vp.y1)
        u = vp.ui_scale
        min_area = (160 * u * vp.merc_per_px) ** 2
        for ob in self.geo.oblast_names:
            ax, ay = ob.anchor
            inside = vp.x0 < ax < vp.x1 and vp.y0 < ay < vp.y1
            if inside and ob.area >= min_area:
                pt_x, pt_y = ax, ay  # the oblast's own label point (precomputed, the usual case)
            else:
                # Its label point is off screen: label the largest visible piece, if big enough.
                part = shapely.intersection(ob.geom, view)
                if part.is_empty or part.area < min_area:
                    continue
                piece = max(_parts(part), key=lambda q: q.area)
                if piece.geom_type != "Polygon" or piece.area < min_area:
                    continue
                pt = polylabel(piece, tolerance=10 * vp.merc_per_px)
                pt_x, pt_y = pt.x, pt.y
            text = ob.name_local if self.options.cyrillic else ob.name_en
            img = _SPRITES.get(text, OBLAST_STYLE, self.theme, u, dpr)
            (x,), (y,) = vp.to_px([pt_x], [pt_y])
            w, h = img.width() / dpr, img.height() / dpr
            for dy in (0.0, -h * 1.2, h * 1.2, -h * 2.4, h * 2.4):
                rect = (x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2)
                if occ.free(rect):
                    occ.take(rect)
                    draw_name(p, vp, rect[0], rect[1], text, OBLAST_STYLE, self.theme, dpr)
                    break

    def _river_names(self, p: QPainter, vp: Viewport, occ: Occupancy, dpr: float) -> None:
        u = vp.ui_scale
        for river in self.geo.river_lines:
            text = river.name_local if self.options.cyrillic else river.name_en
            if not text:
                continue
            img = _SPRITES.get(text, RIVER_STYLE, self.theme, u, dpr)
            w, h = img.width() / dpr, img.height() / dpr
            spacing = max(420 * u, 3 * w)
            for xy in river.xy:
                for window in _label_spots(vp, xy, w, spacing):
                    self._place_river_label(p, vp, occ, text, w, h, window, dpr)

    def _place_river_label(self, p: QPainter, vp: Viewport, occ: Occupancy, text: str, w: float, h: float,
                           window: list[tuple[float, float, float]], dpr: float) -> None:
        for cx, cy, ang in window:
            # A rotated label's bounding box is mostly empty: test a row of small squares
            # along the text instead, so a slanted name fits between places.
            c, s = math.cos(ang), math.sin(ang)
            k = max(1, math.ceil(w / (0.8 * h)))
            half = 0.4 * h
            # The text sits above the line: centre the boxes half a line height off it.
            ox, oy = 0.35 * h * s, -0.35 * h * c
            boxes = []
            for j in range(k):
                t = (j + 0.5) / k * w - w / 2
                bx, by = cx + t * c + ox, cy + t * s + oy
                boxes.append((bx - half, by - half, bx + half, by + half))
            if not all(occ.free(b) for b in boxes):
                continue
            for b in boxes:
                occ.take(b)
            p.save()
            p.translate(cx, cy)
            p.rotate(math.degrees(ang))
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            # Offset the name off the line so it sits beside the river, not on it.
            draw_name(p, vp, -w / 2, -h + 0.3 * h, text, RIVER_STYLE, self.theme, dpr)
            p.restore()
            return


def _label_spots(vp: Viewport, xy: FloatArray, width: float, spacing: float) -> list[list[tuple[float, float, float]]]:
    """Points (px) and angles where a straight label of ``width`` px lies along a river line.

    Walks the visible stretches of the line; at every ``spacing`` px of arc length takes the chord
    of the label's length and keeps it if the line stays close to the chord (a straight-ish reach).
    Returns, per stretch, the candidate spots in order of preference (the caller takes the first
    that collides with nothing)."""
    px, py = vp.to_px(xy[:, 0], xy[:, 1])
    margin = 10 * vp.ui_scale
    inside = (px > margin) & (px < vp.width - margin) & (py > margin) & (py < vp.height - margin)
    if inside.sum() < 2:
        return []
    out: list[list[tuple[float, float, float]]] = []
    # Split into runs of consecutive inside vertices.
    idx = np.flatnonzero(inside)
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    for run in np.split(idx, breaks):
        if len(run) < 2:
            continue
        rx, ry = px[run], py[run]
        seg = np.hypot(np.diff(rx), np.diff(ry))
        s = np.concatenate([[0.0], np.cumsum(seg)])
        total = s[-1]
        if total < width * 1.3:
            continue
        n = max(1, int(total // spacing))
        for k in range(n):
            window: list[tuple[float, float, float]] = []
            # Try the middle of each stretch first, then points either side of it.
            for f in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
                mid = total * (k + f) / n
                a, b = mid - width / 2, mid + width / 2
                if a < 0 or b > total:
                    continue
                xa, ya = np.interp(a, s, rx), np.interp(a, s, ry)
                xb, yb = np.interp(b, s, rx), np.interp(b, s, ry)
                chord = math.hypot(xb - xa, yb - ya)
                if chord < width * 0.8:
                    continue  # too curvy here
                ang = math.atan2(yb - ya, xb - xa)
                if ang > math.pi / 2:
                    ang -= math.pi
                elif ang < -math.pi / 2:
                    ang += math.pi
                if abs(ang) > math.radians(89):
                    continue  # near-vertical text is hard to read
                window.append(((xa + xb) / 2, (ya + yb) / 2, ang))
            if window:
                out.append(window)
    return out


def _device_dpr(p: QPainter) -> float:
    dev = p.device()
    try:
        return float(dev.devicePixelRatioF()) if dev is not None else 1.0
    except AttributeError:
        return 1.0
