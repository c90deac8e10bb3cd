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
from .label_obstacles import LabelObstacles, MarkerGrid, event_marker_obstacles, marker_radius
from .style import MARKER_SIZE_PX
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
    """Rectangles already taken by labels and symbols, bucketed on a coarse grid, plus rasters of
    event markers (:class:`MarkerGrid`) that are tested but never copied."""

    def __init__(self, width: float, height: float, cell: float = 48.0) -> None:
        self.cell = cell
        self.w, self.h = width, height
        self.grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
        self.grids: list[MarkerGrid] = []

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
        for g in self.grids:
            if not g.free(r):
                return False
        return True

    def take(self, r: tuple[float, float, float, float]) -> None:
        for k in self._cells(r):
            self.grid.setdefault(k, []).append(r)

    def copy(self) -> Occupancy:
        occ = Occupancy(self.w, self.h, self.cell)
        occ.grid = {k: list(v) for k, v in self.grid.items()}
        occ.grids = list(self.grids)
        return occ

    def merge(self, other: Occupancy) -> None:
        """Take everything ``other`` holds (boxes and marker rasters) as well."""
        for k, boxes in other.grid.items():
            self.grid.setdefault(k, []).extend(boxes)
        self.grids.extend(g for g in other.grids if g not in self.grids)


@dataclass
class PlacedLabel:
    index: int  # settlement index
    dot: tuple[float, float, float]  # x, y, radius (px)
    text: str
    style: LabelStyle
    pos: tuple[float, float]  # top-left of the sprite (px)
    show_dot: bool = True  # False when an event marker sits on the place: the marker marks the spot
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # the box kept clear (px)


@dataclass(frozen=True)
class LaidOutLabel:
    """A name as placed in one picture: its kind (place, country, oblast, river), text and the
    boxes it covers in the viewport's pixels (one for straight text; a row of squares along a
    slanted river name, the footprint its collision test used)."""

    kind: str
    text: str
    boxes: tuple[tuple[float, float, float, float], ...]


def _place_classes(pop: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """:func:`_place_class` of many populations at once."""
    return 4 - np.searchsorted(np.array([2_000, 10_000, 50_000, 200_000]), pop, side="right")


def label_order(population: npt.NDArray[np.int64], near_events: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    """The order places are labelled in (indices into the arrays, which come largest place
    first): by size class (cities, towns, then villages); within a class places with an event
    on or beside them first; then known population before unknown (0); else as given."""
    pop = np.asarray(population)
    return np.lexsort((np.arange(pop.size), pop == 0, ~np.asarray(near_events, dtype=bool), _place_classes(pop)))


class LabelLayout:
    """Where the place names go in a viewport; shared by the places layer and the names layer so
    river and oblast names keep clear of places. Memoised per viewport, options and obstacles.

    Labels keep clear of what :attr:`obstacles` reports (the scene: event markers, the selection,
    annotations, decorations; :class:`atlas.render.label_obstacles.LabelObstacles`). A place whose
    dot a decoration covers is dropped; one under an event marker keeps its name, set off the
    marker. Towns come before villages, and places with events before places without."""

    def __init__(self, geo: BasemapGeometry, options: BasemapOptions) -> None:
        self.geo = geo
        self.options = options
        #: What labels keep clear of (set by the scene): an object with
        #: ``label_obstacles(vp) -> LabelObstacles``, or an events layer (markers only).
        self.obstacles: object | None = None
        self._key: tuple[object, ...] | None = None
        self._placed: list[PlacedLabel] = []
        self._occ: Occupancy | None = None
        self._found: LabelObstacles | None = None
        #: River, oblast and country names placed by the last draw of the names layer.
        self.names_placed: list[LaidOutLabel] = []

    def gather(self, vp: Viewport) -> LabelObstacles:
        src = self.obstacles
        collect = getattr(src, "label_obstacles", None)
        if callable(collect):
            got = collect(vp)
            if isinstance(got, LabelObstacles):
                return got
        return LabelObstacles(event_marker_obstacles(src, vp))

    def places(self, vp: Viewport, dpr: float = 1.0) -> tuple[list[PlacedLabel], Occupancy]:
        found = self.gather(vp)
        key = (vp, self.options.cyrillic, self.options.theme.name, round(dpr, 2), found.key)
        if key != self._key or self._occ is None:
            self._placed, self._occ = self._layout(vp, dpr, found)
            self._key = key
            self._found = found
        return self._placed, self._occ.copy()

    def last_obstacles(self) -> LabelObstacles | None:
        """What the last layout kept clear of."""
        return self._found

    def laid_out(self) -> list[LaidOutLabel]:
        """Every name of the last picture: places, then the names layer's."""
        out = [LaidOutLabel("place", lab.text, (lab.box,)) for lab in self._placed]
        return out + list(self.names_placed)

    def _layout(self, vp: Viewport, dpr: float, found: LabelObstacles) -> tuple[list[PlacedLabel], Occupancy]:
        pl = self.geo.places
        u = vp.ui_scale
        occ = Occupancy(vp.width, vp.height, 48.0 * u)
        # Decorations (scale bar, legends, title, inset, footer) cover whatever is under them:
        # neither a name nor a place dot goes there.
        for _, box in found.decorations:
            occ.take(box)
        # Event markers, the selection and annotations: a label must not cover one, but a place
        # dot may lie under one (events are often located at the settlement itself), so they go
        # in a set of their own.
        markers = Occupancy(vp.width, vp.height, 48.0 * u)
        markers.grids = found.grids()
        for _, box in (*found.selection, *found.annotations):
            markers.take(box)
        events = getattr(self.obstacles, "events", self.obstacles)
        marker_r = marker_radius(float(getattr(events, "marker_size", MARKER_SIZE_PX)), u)
        inview = vp.contains_mask(pl.x, pl.y, pad=-4 * u)
        min_pop = min_population(ground_m_per_px(vp))
        cand = np.flatnonzero(inview & (pl.population >= min_pop))
        px, py = vp.to_px(pl.x[cand], pl.y[cand])
        # Priority: larger places first; within a class, places with an event on or next to them
        # (the ones a reader looks for); at village scale places of unknown population last.
        near = np.zeros(cand.size, dtype=bool)
        for g in markers.grids:
            near |= g.near(px, py, marker_r + 2 * u)
        order = label_order(pl.population[cand], near)
        cand, px, py = cand[order], px[order], py[order]
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
            # Spots further out only help a place crowded by markers or the selection.
            crowded = bool(near[k]) or not show_dot or bool(found.selection)
            for sx, sy in _spots(x, y, rr, sw, sh, halo, gap, marker_r, crowded):
                rect = (sx + halo * 0.5, sy + halo * 0.5, sx + sw - halo * 0.5, sy + sh - halo * 0.5)
                if occ.free(rect) and markers.free(rect, inside=False):
                    occ.take(rect)
                    occ.take(dot_rect)
                    placed.append(PlacedLabel(i, (x, y, r), text, style, (sx, sy), show_dot=show_dot, box=rect))
                    break
        # River, oblast and country names (placed next) keep clear of both.
        occ.merge(markers)
        return placed, occ


def _spots(x: float, y: float, rr: float, sw: float, sh: float, halo: float, gap: float,
           step: float, further: bool = True) -> list[tuple[float, float]]:
    """Top-left corners for a name of ``sw`` x ``sh`` beside a symbol of radius ``rr`` at (x, y),
    best first: right, left, above-right, below-right, above-left, below-left, above, below (the
    usual cartographic order), then the same sides a marker's width further out, for a place
    crowded by events, and last clear of a focus ring (about five markers' width)."""
    out: list[tuple[float, float]] = []
    for extra in (0.0, 2 * step, 5 * step) if further else (0.0,):
        d = rr + extra
        out += [
            (x + d + gap - halo, y - sh / 2),
            (x - d - gap - sw + halo, y - sh / 2),
            (x + d - halo, y - d - sh + halo * 0.8),
            (x + d - halo, y + d - halo * 0.8),
            (x - d - sw + halo, y - d - sh + halo * 0.8),
            (x - d - sw + halo, y + d - halo * 0.8),
            (x - sw / 2, y - d - sh + halo * 0.5),
            (x - sw / 2, y + d - halo * 0.5),
        ]
    return out


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
        self.layout.names_placed = []
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
                    self.layout.names_placed.append(LaidOutLabel("country", text, (rect,)))
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
                    self.layout.names_placed.append(LaidOutLabel("oblast", text, (rect,)))
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
            self.layout.names_placed.append(LaidOutLabel("river", text, tuple(boxes)))
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
