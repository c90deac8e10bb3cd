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
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QTransform
from shapely.geometry.base import BaseGeometry
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
#: Closer than this (ground metres per pixel; about 1:570,000 on a 96-dpi screen) a view without the
#: border in it gets no country name: the whole view is one country and its name only hides villages.
ONE_COUNTRY_MAX_M_PER_PX = 150.0
#: Closer than this the countries' outlines simplified to 1.5 km are too coarse to tell the sides
#: of the border apart: the 20 m outlines are used.
COUNTRY_FINE_M_PER_PX = 120.0
#: A country taking less of the view than this is not named (a sliver along an edge).
COUNTRY_MIN_SHARE = 0.03
Box = tuple[float, float, float, float]


def country_spots_by_border(border: BaseGeometry, area: BaseGeometry, w: float, h: float, width: float,
                            height: float, u: float) -> list[Box]:
    """Boxes of ``w`` x ``h`` px beside the border (``border``, pixels), wholly inside the country's
    visible part (``area``, pixels, prepared), nearest the border first and, at one distance, nearest
    the middle of the view first. Samples the border every half a name's width."""
    out: list[tuple[int, float, Box]] = []
    cx, cy = width / 2, height / 2
    step = max(w / 2, 20 * u)
    lines = [q for q in _parts(border) if q.geom_type == "LineString" and q.length > 0]
    # The samples along each line and their directions, the same at every distance: computed once,
    # each line's points in one vectorised call (one call per point took 0.12 s of a repaint).
    samples: list[tuple[float, float, float, float]] = []  # (x, y, nx, ny) on the border
    for line in lines:
        length = line.length
        n = max(1, int(length // step))
        t = np.minimum(length, np.arange(n + 1) * step + (length - n * step) / 2)
        a = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(0.0, t - 3 * u)))
        b = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(length, t + 3 * u)))
        m = shapely.get_coordinates(shapely.line_interpolate_point(line, t))
        for (ax, ay), (bx, by), (mx, my) in zip(a.tolist(), b.tolist(), m.tolist()):
            tx, ty = bx - ax, by - ay
            norm = math.hypot(tx, ty)
            if norm == 0:
                continue
            samples.append((mx, my, -ty / norm, tx / norm))
    for level, gap in enumerate((10 * u, 10 * u + h, 10 * u + 2.5 * h)):
        for mx, my, nx, ny in samples:
            for sign in (1.0, -1.0):
                # The box's nearest corner ``gap`` px off the border, whatever its slope.
                off = gap + abs(nx) * w / 2 + abs(ny) * h / 2
                x, y = mx + sign * nx * off, my + sign * ny * off
                r = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                if r[0] < 0 or r[1] < 0 or r[2] > width or r[3] > height:
                    continue
                if area.contains(shapely.box(*r)):
                    out.append((level, math.hypot(x - cx, y - cy), r))
    out.sort(key=lambda c: (c[0], c[1]))
    return [r for _, _, r in out]


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
        """RUSSIA / UKRAINE where they tell the reader something: where the border is in view, each
        name on its own side of it, close to it, in empty space; zoomed out (the border off screen)
        in the open middle of the country's visible part. Zoomed in on one country with no border
        in view, the name says nothing a reader needs and takes space from the villages: none.
        Names are placed after the places (lower priority) and keep a margin from other things
        when the view has room for it."""
        g = ground_m_per_px(vp)
        view = shapely.box(vp.x0, vp.y0, vp.x1, vp.y1)
        u = vp.ui_scale
        min_area = (220 * u * vp.merc_per_px) ** 2
        fine = g < COUNTRY_FINE_M_PER_PX
        shown: list[tuple[object, BaseGeometry]] = []
        for c, precise in zip(self.geo.country_names, self.geo.country_fine):
            part = shapely.intersection(precise if fine else c.geom, view)
            if not part.is_empty and part.area >= COUNTRY_MIN_SHARE * view.area:
                shown.append((c, part))
        border = shapely.intersection(self.geo.border_line, view) if len(shown) >= 2 else None
        if border is not None and border.is_empty:
            border = None
        if border is None and g < ONE_COUNTRY_MAX_M_PER_PX:
            return  # one country fills the view at this scale: its name helps nobody here

        def px_geom(geom: BaseGeometry) -> BaseGeometry:
            return shapely.transform(geom, lambda xy: np.column_stack(vp.to_px(xy[:, 0], xy[:, 1])))

        border_px = px_geom(border) if border is not None else None
        for c, part in shown:
            if part.area < min_area:
                continue
            text = c.name_local if self.options.cyrillic else c.name_en  # type: ignore[attr-defined]
            img = _SPRITES.get(text, COUNTRY_STYLE, self.theme, u, dpr)
            w, h = img.width() / dpr, img.height() / dpr
            area_px = px_geom(part)
            shapely.prepare(area_px)
            cands = country_spots_by_border(border_px, area_px, w, h, vp.width, vp.height, u) if border_px is not None else []
            if border_px is None:
                piece = max(_parts(part), key=lambda q: q.area)
                if piece.geom_type != "Polygon" or piece.area < min_area:
                    continue
                pt = polylabel(piece, tolerance=8 * vp.merc_per_px)
                (x,), (y,) = vp.to_px([pt.x], [pt.y])
                cands = [(x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2)
                         for dy in (0.0, -h * 1.5, h * 1.5, -h * 3, h * 3)]
            rect = self._free_spot(occ, cands, h)
            if rect is not None:
                occ.take(rect)
                self.layout.names_placed.append(LaidOutLabel("country", text, (rect,)))
                draw_name(p, vp, rect[0], rect[1], text, COUNTRY_STYLE, self.theme, dpr)

    @staticmethod
    def _free_spot(occ: Occupancy, cands: list[Box], h: float) -> Box | None:
        """The first candidate with open space around it (a margin of most of a line: a country
        name floating among villages reads as one of them), else the first merely free one."""
        pad = 0.8 * h
        for r in cands:
            if occ.free(r) and occ.free((r[0] - pad, r[1] - pad, r[2] + pad, r[3] + pad), inside=False):
                return r
        return next((r for r in cands if occ.free(r)), None)

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
            glyphs = RiverText(text, u)
            spacing = max(420 * u, 3 * glyphs.width)
            for xy in river.xy:
                for line, window in curved_spots(vp, xy, glyphs.width, glyphs.height, spacing):
                    self._place_river_label(p, vp, occ, glyphs, line, window)

    def _place_river_label(self, p: QPainter, vp: Viewport, occ: Occupancy, glyphs: RiverText,
                           line: RiverStretch, window: list[tuple[float, int]]) -> None:
        for mid, direction in window:
            placed = glyphs.along(line, mid, direction)
            # The glyphs' squares, not the bounding box of a curved name (mostly empty), are
            # what must be free: a name bending with the river fits between places.
            boxes = placed.boxes()
            if not all(occ.free(b) for b in boxes):
                continue
            for b in boxes:
                occ.take(b)
            self.layout.names_placed.append(LaidOutLabel("river", glyphs.text, tuple(boxes)))
            placed.draw(p, vp, self.theme)
            return


# ============================================================================ names along rivers
@dataclass(frozen=True)
class RiverStretch:
    """A visible run of a river line in pixels with its arc length at each vertex."""

    x: FloatArray
    y: FloatArray
    s: FloatArray

    @property
    def length(self) -> float:
        return float(self.s[-1])

    def at(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        return np.interp(t, self.s, self.x), np.interp(t, self.s, self.y)

    def direction(self, t: FloatArray, reach: float) -> FloatArray:
        """The line's heading (radians, y down) at arc lengths ``t``, taken over ``2 * reach`` px
        so a glyph follows the river's bend, not every wiggle of its vertices."""
        xa, ya = self.at(np.clip(t - reach, 0.0, self.length))
        xb, yb = self.at(np.clip(t + reach, 0.0, self.length))
        return np.arctan2(yb - ya, xb - xa)


#: How much a river name may bend: between neighbouring glyphs, and from its first glyph to its last.
MAX_GLYPH_TURN_DEG = 24.0
MAX_TOTAL_TURN_DEG = 80.0


class RiverText:
    """A river name set glyph by glyph (italic, letter-spaced), to be laid along a line."""

    def __init__(self, text: str, ui_scale: float, style: LabelStyle | None = None) -> None:
        self.style = style or RIVER_STYLE
        self.text = text
        self.ui_scale = ui_scale
        plain = LabelStyle(self.style.size_px, self.style.bold, self.style.italic, 0.0, self.style.colour,
                           self.style.halo, self.style.caps)
        self.font = label_font(plain, ui_scale)
        fm = QFontMetricsF(self.font)
        spacing = self.style.letter_spacing * ui_scale
        self.advances = np.array([fm.horizontalAdvance(ch) + spacing for ch in text], dtype=np.float64)
        self.width = float(self.advances.sum() - spacing) if len(text) else 0.0
        self.halo = self.style.halo * ui_scale
        self.height = fm.height() + 2 * self.halo
        # The glyphs sit beside the line, their halo just clear of it, not on it.
        self.baseline = -0.9 * self.height + self.halo + fm.ascent()
        self.offset = 0.45 * self.height

    def along(self, line: RiverStretch, mid: float, direction: int) -> PlacedRiverText:
        """The glyphs centred at arc length ``mid``, reading along ``direction`` (+1: the way the
        line runs, -1: against it, so the name never reads upside down)."""
        starts = np.concatenate(([0.0], np.cumsum(self.advances)[:-1]))
        centres = mid + direction * (starts + self.advances / 2 - self.width / 2)
        xs, ys = line.at(centres)
        ang = line.direction(centres, 0.5 * self.height) + (math.pi if direction < 0 else 0.0)
        return PlacedRiverText(self, xs, ys, ang)


_GLYPHS: dict[tuple[str, str, int, bool, bool], QPainterPath] = {}


def glyph_outline(ch: str, font: QFont) -> QPainterPath:
    """One glyph's outline with its baseline origin at (0, 0), made once per glyph and font: the
    same outline on the screen and on an export's worker thread (whose own font engine may hint
    a freshly made outline a shade differently), so both draw the same pixels."""
    key = (ch, font.family(), font.pixelSize(), font.italic(), font.bold())
    path = _GLYPHS.get(key)
    if path is None:
        path = QPainterPath()
        path.addText(QPointF(0.0, 0.0), font, ch)
        if len(_GLYPHS) > 20_000:
            _GLYPHS.clear()
        _GLYPHS[key] = path
    return path


@dataclass(frozen=True)
class PlacedRiverText:
    """A river name's glyphs at their centres on the line (px) and headings (radians)."""

    text: RiverText
    x: FloatArray
    y: FloatArray
    angle: FloatArray

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """Squares along the glyphs (beside the line, where they are drawn)."""
        h = self.text.height
        half = 0.4 * h
        out = []
        for x, y, a in zip(self.x.tolist(), self.y.tolist(), self.angle.tolist()):
            # "Above" the text is -y in its own frame: (sin a, -cos a) on screen.
            bx, by = x + self.text.offset * math.sin(a), y - self.text.offset * math.cos(a)
            out.append((bx - half, by - half, bx + half, by + half))
        return out

    def _glyph_path(self) -> QPainterPath:
        t = self.text
        path = QPainterPath()
        for ch, adv, x, y, a in zip(t.text, t.advances.tolist(), self.x.tolist(), self.y.tolist(), self.angle.tolist()):
            gp = glyph_outline(ch, t.font).translated(-adv / 2, t.baseline)
            path.addPath(QTransform().translate(x, y).rotateRadians(a).map(gp))
        return path

    def draw(self, p: QPainter, vp: Viewport, theme: Theme) -> None:
        """The halo under all the glyphs, then the glyphs: as outlines on a raster; as real text
        (one per glyph, rotated) over the halo's outline on SVG and PDF."""
        t = self.text
        colour = QColor(getattr(theme, t.style.colour))
        path = self._glyph_path()
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if t.halo > 0:
            pen = QPen(QColor(theme.text_halo), 2 * t.halo)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.strokePath(path, pen)
        if not vp.vector:
            p.fillPath(path, colour)
        else:
            p.setFont(t.font)
            p.setPen(colour)
            for ch, adv, x, y, a in zip(t.text, t.advances.tolist(), self.x.tolist(), self.y.tolist(), self.angle.tolist()):
                p.save()
                p.translate(x, y)
                p.rotate(math.degrees(a))
                p.drawText(QPointF(-adv / 2, t.baseline), ch)
                p.restore()
        p.restore()


def river_stretches(vp: Viewport, xy: FloatArray) -> list[RiverStretch]:
    """The runs of a river line (Mercator metres) inside the view, in pixels."""
    px, py = vp.to_px(xy[:, 0], xy[:, 1])
    margin = 10 * vp.ui_scale
    inside = (px > margin) & (px < vp.width - margin) & (py > margin) & (py < vp.height - margin)
    if inside.sum() < 2:
        return []
    out = []
    idx = np.flatnonzero(inside)
    for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1):
        if len(run) < 2:
            continue
        rx, ry = px[run], py[run]
        s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(rx), np.diff(ry)))])
        out.append(RiverStretch(rx, ry, s))
    return out


def curved_spots(vp: Viewport, xy: FloatArray, width: float, height: float,
                 spacing: float) -> list[tuple[RiverStretch, list[tuple[float, int]]]]:
    """Where a name ``width`` px long can follow a river line: per visible stretch and every
    ``spacing`` px of it, the candidate middles (arc length) and reading directions, in order of
    preference (the caller takes the first that collides with nothing). A candidate is kept where
    the river bends gently enough under the name (no more than :data:`MAX_GLYPH_TURN_DEG` over a
    glyph's height, :data:`MAX_TOTAL_TURN_DEG` from end to end) and the name would not run
    steeply up or down as a whole."""
    out: list[tuple[RiverStretch, list[tuple[float, int]]]] = []
    for line in river_stretches(vp, xy):
        total = line.length
        if total < width * 1.15:
            continue
        n = max(1, int(total // spacing))
        for k in range(n):
            window: list[tuple[float, int]] = []
            for f in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
                mid = total * (k + f) / n
                a, b = mid - width / 2, mid + width / 2
                if a < 0 or b > total:
                    continue
                ts = np.linspace(a, b, max(3, int(math.ceil(width / (0.5 * height))) + 1))
                heading = np.unwrap(line.direction(ts, 0.5 * height))
                if np.degrees(np.abs(np.diff(heading))).max(initial=0.0) > MAX_GLYPH_TURN_DEG:
                    continue
                if math.degrees(float(heading.max() - heading.min())) > MAX_TOTAL_TURN_DEG:
                    continue
                (xa, xb), (ya, yb) = line.at(np.array([a, b]))
                chord = math.atan2(yb - ya, xb - xa)
                direction = 1 if math.cos(chord) >= 0 else -1  # read left to right
                slope = chord if direction > 0 else chord - math.copysign(math.pi, chord)
                if abs(slope) > math.radians(80):
                    continue  # a name running up or down the page is hard to read
                window.append((mid, direction))
            if window:
                out.append((line, window))
    return out


def _device_dpr(p: QPainter) -> float:
    dev = p.device()
    try:
        return float(dev.devicePixelRatioF()) if dev is not None else 1.0
    except AttributeError:
        return 1.0
