"""Map layers: plain objects that draw themselves onto a QPainter for a :class:`Viewport`.

The screen canvas and the export both call :meth:`MapLayer.draw` with a painter whose transform
is the identity (pixel coordinates), so what you see is what you export. Layers hold prepared
NumPy arrays (projected once when data changes), never one Python object per event.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap
from pyqtgraph.Qt import internals as pg_internals

from atlas.geo.projection import REGION, lonlat_to_merc, merc_to_lonlat
from atlas.model.table import CONFIDENCE_LEVELS, EventTable

from . import point_aggregate, style, uncertainty
from .themes import LIGHT, Theme
from .vector_text import draw_haloed_text
from .viewport import Viewport

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


class MapLayer:
    """A named, toggleable drawing step. Subclasses implement :meth:`draw`."""

    #: Stable key (used by the layers panel and workspaces).
    key: str = "layer"
    #: Name shown to the user.
    title: str = "Layer"
    #: Layers that change with the selection only are redrawn without the cached base image.
    dynamic: bool = False

    def __init__(self) -> None:
        self.visible = True
        self.opacity = 1.0
        self.version = 0  # bumped whenever what the layer draws changes (cache key)

    def changed(self) -> None:
        self.version += 1

    def draw(self, p: QPainter, vp: Viewport) -> None:  # pragma: no cover - interface
        raise NotImplementedError


# ---------------------------------------------------------------------------- background
class BackgroundLayer(MapLayer):
    """The sea / no-data colour under the basemap (the land colour when there is no basemap),
    following the map theme."""

    key, title = "background", "Background"

    def __init__(self, colour: str | None = None, theme: Theme = LIGHT, land: bool = False) -> None:
        super().__init__()
        self.land = land
        self.fixed = colour is not None  # an explicit colour ignores the theme
        self.colour = QColor(colour if colour is not None else (theme.land_other if land else theme.background))

    def set_theme(self, theme: Theme) -> None:
        if self.fixed:
            return
        c = QColor(theme.land_other if self.land else theme.background)
        if c != self.colour:
            self.colour = c
            self.changed()

    def draw(self, p: QPainter, vp: Viewport) -> None:
        p.fillRect(QRectF(0, 0, vp.width, vp.height), self.colour)


class ThemedLayer(MapLayer):
    """A layer whose colours come from a :class:`Theme` (``set_theme`` bumps its version)."""

    def __init__(self, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.theme = theme

    def set_theme(self, theme: Theme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.changed()


# ---------------------------------------------------------------------------- graticule
#: Degree steps the graticule may take, finest first (1-2-5 below a degree, then the divisors of
#: 90 and 180 a world map uses: 10, 15, 20, 30, 45, 60, 90).
_STEPS = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0)
#: Room between two degree labels, in pixels (x ui_scale).
LABEL_GAP_PX = 8.0


def _graticule_font(u: float) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(1, round(10 * u)))
    return font


def _decimals(step: float) -> int:
    """As many decimals as the step has (0.25° steps need two: 35.25°E, not 35.2°E)."""
    text = f"{step:g}"
    return len(text.split(".")[1]) if "." in text else 0


def _deg_label(value: float, pos: str, neg: str, step: float) -> str:
    decimals = _decimals(step)
    value = round(value, decimals)
    hemi = "" if value == 0 else (pos if value > 0 else neg)
    return f"{abs(value):.{decimals}f}°{hemi}"


def _lines(lo: float, hi: float, step: float) -> FloatArray:
    return np.arange(math.ceil(lo / step - 1e-9) * step, hi + 1e-9, step)


def graticule_step(vp: Viewport, target_lines: int | None = None) -> float:
    """The line spacing in degrees: the finest step of :data:`_STEPS` that leaves at most about
    ``target_lines`` lines across the view (default: one per 130 px) *and* room for every label, measured with the labels'
    own font: longitude labels along the top need their widest text plus a gap between two
    meridians; latitude labels down the side need a line of text plus a gap between the two
    closest parallels (Mercator parallels are closest nearest the equator)."""
    lon0, lat0, lon1, lat1 = vp.lonlat_bounds()
    span = max(lon1 - lon0, 1e-9)
    u = vp.ui_scale
    if target_lines is None:  # about one meridian per 130 screen pixels, at least four
        target_lines = max(4, int(vp.width / (130 * u)))
    fm = QFontMetricsF(_graticule_font(u))
    gap = LABEL_GAP_PX * u
    px_per_deg = vp.width / span
    for s in _STEPS:
        if span / s > target_lines:
            continue
        lons = _lines(lon0, lon1, s)
        widest = max((fm.horizontalAdvance(_deg_label(v, "E", "W", s)) for v in lons.tolist()), default=0.0)
        if lons.size > 1 and s * px_per_deg < widest + gap:
            continue
        lats = _lines(max(lat0, -85.0), min(lat1, 85.0), s)
        if lats.size > 1:
            _, ys = vp.lonlat_to_px(np.zeros_like(lats), lats)
            if float(np.min(np.abs(np.diff(ys)))) < fm.height() + gap / 2:
                continue
        return s
    return _STEPS[-1]


@dataclass(frozen=True)
class DegreeLabel:
    text: str
    x: float  # baseline origin, pixels
    y: float
    rect: QRectF  # the text's box, pixels


def graticule_lines(vp: Viewport) -> tuple[float, FloatArray, FloatArray]:
    """(step, meridians, parallels) in degrees for this view."""
    step = graticule_step(vp)
    lon0, lat0, lon1, lat1 = vp.lonlat_bounds()
    return step, _lines(lon0, lon1, step), _lines(max(lat0, -85.0), min(lat1, 85.0), step)


def graticule_labels(vp: Viewport, avoid: Sequence[tuple[float, float, float, float]] = ()) -> list[DegreeLabel]:
    """The degree labels of this view: longitudes along the top edge, latitudes at the right
    edge, none outside the view and none on another (a label that would touch one already placed
    is left out: longitudes first, then latitudes), and none under a box of ``avoid`` (a page's
    legend or title block, which would cut it in half)."""
    step, lons, lats = graticule_lines(vp)
    u = vp.ui_scale
    font = _graticule_font(u)
    fm = QFontMetricsF(font)
    asc, h = fm.ascent(), fm.height()
    pad = 3 * u
    gap = LABEL_GAP_PX * u / 2
    placed: list[DegreeLabel] = []
    cands: list[tuple[float, float, str]] = []
    xs, _ = vp.lonlat_to_px(lons, np.zeros_like(lons))
    for lon, x in zip(lons.tolist(), xs.tolist()):
        cands.append((x + pad, pad + asc, _deg_label(lon, "E", "W", step)))
    _, ys = vp.lonlat_to_px(np.zeros_like(lats), lats)
    for lat, y in zip(lats.tolist(), ys.tolist()):
        s = _deg_label(lat, "N", "S", step)
        ty = y - pad if y - pad > 2 * asc + pad else y + asc + pad
        cands.append((vp.width - pad - fm.horizontalAdvance(s), ty, s))
    for x, y, s in cands:
        r = QRectF(x, y - asc, fm.horizontalAdvance(s), h)
        if r.left() < 0 or r.right() > vp.width or r.top() < 0 or r.bottom() > vp.height:
            continue
        grown = r.adjusted(-gap, -gap / 2, gap, gap / 2)
        if any(grown.intersects(o.rect) for o in placed):
            continue
        if any(r.left() < b[2] and r.right() > b[0] and r.top() < b[3] and r.bottom() > b[1] for b in avoid):
            continue
        placed.append(DegreeLabel(s, x, y, r))
    return placed


class GraticuleLayer(ThemedLayer):
    """Dotted lon/lat lines at a step chosen by zoom and label room (:func:`graticule_step`), with
    haloed degree labels along the top and right edges that never overlap (the bottom-left corner
    belongs to the scale bar, the bottom-right to the attribution)."""

    key, title = "graticule", "Graticule"

    def __init__(self, theme: Theme = LIGHT) -> None:
        super().__init__(theme)
        #: boxes the degree labels keep out of: the page's decorations (MapScene.paint sets them)
        self.avoid: tuple[tuple[float, float, float, float], ...] = ()

    def label_reserved(self, vp: Viewport) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The degree labels' boxes (with their halo): map names keep out of them ("Chernichenskiye
        Dvory" was drawn over "51.5°N" at the right edge)."""
        h = vp.ui_scale
        return [("degree_label", (lb.rect.left() - h, lb.rect.top() - h, lb.rect.right() + h, lb.rect.bottom() + h))
                for lb in graticule_labels(vp, self.avoid)]

    def draw(self, p: QPainter, vp: Viewport) -> None:
        t = self.theme
        _, lons, lats = graticule_lines(vp)
        u = vp.ui_scale
        line = QColor(t.graticule)
        line.setAlpha(190)
        p.setPen(QPen(line, 0.8 * u, Qt.PenStyle.DotLine))
        xs, _ = vp.lonlat_to_px(lons, np.zeros_like(lons))
        _, ys = vp.lonlat_to_px(np.zeros_like(lats), lats)
        for x in xs:
            p.drawLine(QPointF(x, 0), QPointF(x, vp.height))
        for y in ys:
            p.drawLine(QPointF(0, y), QPointF(vp.width, y))
        font = _graticule_font(u)
        p.setFont(font)
        texts = [(lb.x, lb.y, lb.text) for lb in graticule_labels(vp, self.avoid)]
        halo = QColor(t.text_halo)
        halo.setAlpha(170)
        if vp.vector:  # one text per label over an outline halo: no copies for pdftotext to read
            for x, y, s in texts:
                draw_haloed_text(p, QPointF(x, y), s, font, t.graticule_text, halo, u)
            return
        p.setPen(halo)
        for x, y, s in texts:
            for dx, dy in ((-u, 0.0), (u, 0.0), (0.0, -u), (0.0, u)):
                p.drawText(QPointF(x + dx, y + dy), s)
        p.setPen(QColor(t.graticule_text))
        for x, y, s in texts:
            p.drawText(QPointF(x, y), s)


class RegionFrameLayer(ThemedLayer):
    """The outline of the atlas's region of interest (the Kursk–Sumy border region); hidden by
    default once the basemap is shown."""

    key, title = "frame", "Region frame"

    def __init__(self, region: tuple[float, float, float, float] = REGION,
                 label: str = "Kursk–Sumy border region", theme: Theme = LIGHT) -> None:
        super().__init__(theme)
        self.region = region
        self.label = label

    def draw(self, p: QPainter, vp: Viewport) -> None:
        lon1, lat1, lon2, lat2 = self.region
        xs, ys = vp.lonlat_to_px([lon1, lon2], [lat1, lat2])
        rect = QRectF(QPointF(xs[0], ys[1]), QPointF(xs[1], ys[0]))
        u = vp.ui_scale
        c = QColor(self.theme.frame)
        p.setPen(QPen(c, 1.5 * u, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(11 * u)))
        font.setItalic(True)
        p.setFont(font)
        p.setPen(c)
        p.drawText(QPointF(rect.left() + 6 * u, rect.top() + 16 * u), self.label)


# ---------------------------------------------------------------------------- events
@dataclass
class _Group:
    """The visible events of one sprite (type × claim), projected once."""

    key: tuple[str, bool, str]  # (event type, claimed, shape: "circle" or "diamond" for a vague date)
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    rows: IntArray
    halo: npt.NDArray[np.float64] | None = None  # uncertainty radius in Mercator metres (0: none)
    #: Confidence grade per event (index into CONFIDENCE_LEVELS, -1: none), for the fill of the
    #: approximate location; None when the group has no halo.
    grade: npt.NDArray[np.int8] | None = None


#: Each table's located events grouped per sprite, in row order within a group (tables are not
#: changed in place: a new import is a new table, so the cache needs no invalidation).
_TABLE_GROUPS: weakref.WeakKeyDictionary[EventTable, list[_Group]] = weakref.WeakKeyDictionary()
#: Each table's row → group lookup (built with its groups; 2 bytes per row).
_GROUP_OF: weakref.WeakKeyDictionary[EventTable, npt.NDArray[np.int16] | npt.NDArray[np.int32]] = weakref.WeakKeyDictionary()
#: set_events looks the rows up in their groups when they are fewer than 1/this of the table (the
#: cost then follows the rows: a filter change at 10M events leaving 1M took ~75 ms of masking
#: every group's rows), and masks every group's rows otherwise.
SPARSE_ROWS_FRACTION = 2


def table_groups(table: EventTable) -> list[_Group]:
    """All located events of ``table`` grouped by sprite (type × claim × date shape), projected to
    Mercator with their halo radii: sorted once per table, then only masked (``set_events``)."""
    got = _TABLE_GROUPS.get(table)
    if got is not None:
        return got
    rows = np.flatnonzero(table.has_coords).astype(np.intp)
    x, y = lonlat_to_merc(table.lon[rows], table.lat[rows])
    etype = table.categorical["event_type"]
    conf = table.categorical["confidence"]
    claimed = np.isin(conf.codes[rows], conf.codes_for(["claimed", "disputed"]))
    codes = etype.codes[rows]
    vague = np.isin(table.date_precision[rows], uncertainty.DIAMOND_DATE_PRECISIONS)
    stated = table.extras.get(uncertainty.RADIUS_COLUMN)
    radius_km = uncertainty.stated_radius_km(None if stated is None else stated[rows], rows.size)
    halo = uncertainty.halo_radius_merc(table.geo_precision[rows], table.lat[rows], radius_km)
    # The confidence grade by its place in CONFIDENCE_LEVELS (the vocabulary's own codes may differ).
    level = {name: i for i, name in enumerate(CONFIDENCE_LEVELS)}
    grade_of_code = np.array([level.get(str(c), -1) for c in conf.categories] + [-1], np.int8)
    grade = grade_of_code[conf.codes[rows]]
    key = ((codes.astype(np.int64) + 1) * 2 + claimed) * 2 + vague
    groups: list[_Group] = []
    if rows.size:
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        for chunk in np.split(order, bounds):
            code = int(codes[chunk[0]])
            name = etype.categories[code] if code >= 0 else ""
            shape = "diamond" if vague[chunk[0]] else "circle"
            hr = halo[chunk]
            has = bool(hr.any())
            groups.append(_Group((name, bool(claimed[chunk[0]]), shape), x[chunk], y[chunk], rows[chunk],
                                 hr if has else None, grade[chunk] if has else None))
    # Each row's group (-1: no coordinates), for set_events to look a few rows up in their groups.
    group_of = np.full(len(table), -1, np.int16 if len(groups) < 2**15 else np.int32)
    for i, g in enumerate(groups):
        group_of[g.rows] = i
    _GROUP_OF[table] = group_of
    _TABLE_GROUPS[table] = groups
    return groups


def _groups_of_rows(table: EventTable, full: list[_Group], rows: IntArray) -> list[_Group]:
    """``full`` cut down to ``rows`` (a set of row positions), group by group in ``full``'s order,
    each group's events in row order: exactly what the row-mask pass of ``set_events`` gives, at
    a cost in proportion to the rows (each row's group looked up, the rows sorted by group with a
    stable radix sort, their places in the group found by binary search), not to the table."""
    if rows.size > 1 and bool((rows[1:] <= rows[:-1]).any()):
        rows = np.unique(rows)  # a set, as a mask over the table holds it
    table_groups(table)  # builds the group lookup with the groups
    gof = _GROUP_OF[table][rows]
    located = gof >= 0
    if not bool(located.all()):
        rows, gof = rows[located], gof[located]
    order = np.argsort(gof, kind="stable")
    per_group = np.bincount(gof, minlength=len(full)).tolist() if gof.size else [0] * len(full)
    by_group = rows[order]
    out: list[_Group] = []
    start = 0
    for g, count in zip(full, per_group):
        if not count:
            continue
        r = by_group[start:start + count]
        start += count
        pos = np.searchsorted(g.rows, r)
        halo = None if g.halo is None else g.halo[pos]
        has = halo is not None and bool(halo.any())
        out.append(_Group(g.key, g.x[pos], g.y[pos], r, halo if has else None,
                          g.grade[pos] if has and g.grade is not None else None))
    return out


def device_pixel_ratio(p: QPainter) -> float:
    """Device pixels per pixel of what ``p`` paints on (2 on a 2× screen or image, 1 on a page)."""
    dev = p.device()
    try:
        return max(1.0, float(dev.devicePixelRatioF())) if dev is not None else 1.0
    except AttributeError:
        return 1.0


def make_marker(colour: str, claimed: bool, size: float, dpr: float = 1.0, shape: str = "circle") -> QPixmap:
    """One pre-rendered sprite: a filled dot, or a ring with a light centre for a claim; a
    ``"diamond"`` shape marks an event whose date is known only to the week or month. It has
    ``size * dpr`` device pixels and says so (``devicePixelRatio``), so a painter on a 2× device
    draws it ``size`` pixels wide from twice the pixels: crisp."""
    if shape == "diamond":
        return _make_diamond(colour, claimed, size, dpr)
    px = int(math.ceil(size * dpr)) + 2
    pm = QPixmap(px, px)
    pm.setDevicePixelRatio(1.0)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    c = QColor(colour)
    r = QRectF(1, 1, px - 2, px - 2)
    if claimed:
        p.setPen(QPen(c, max(1.5, 0.26 * px)))
        p.setBrush(QColor(255, 255, 255, 230))
        inset = 0.13 * px
        p.drawEllipse(r.adjusted(inset, inset, -inset, -inset))
    else:
        p.setPen(QPen(QColor(255, 255, 255), max(1.0, 0.12 * px)))
        p.setBrush(c)
        p.drawEllipse(r.adjusted(0.5, 0.5, -0.5, -0.5))
    p.end()
    pm.setDevicePixelRatio(dpr)
    return pm


def draw_marker_shapes(p: QPainter, xs: npt.ArrayLike, ys: npt.ArrayLike, colour: str, claimed: bool,
                       size: float, shape: str = "circle") -> None:
    """Vector twin of :func:`make_marker`: the same dot, claim ring or vague-date diamond, as shapes."""
    c = QColor(colour)
    if shape == "diamond":
        d = size * 1.15 + 2
        h = (d - 2) / 2 - (0.16 * d if claimed else 0.5)
    else:
        d = size + 2  # the sprite's outer diameter is ceil(size) + 2 minus its 1-px inset
        h = (d - 2) / 2 - (0.13 * d if claimed else 0.5)
    if claimed:
        p.setPen(QPen(c, max(1.5, (0.24 if shape == "diamond" else 0.26) * d)))
        p.setBrush(QColor(255, 255, 255, 230))
    else:
        p.setPen(QPen(QColor(255, 255, 255), max(1.0, 0.12 * d)))
        p.setBrush(c)
    for x, y in zip(np.asarray(xs).tolist(), np.asarray(ys).tolist()):
        if shape == "diamond":
            p.drawPolygon([QPointF(x, y - h), QPointF(x + h, y), QPointF(x, y + h), QPointF(x - h, y)])
        else:
            p.drawEllipse(QPointF(x, y), h, h)


def _make_diamond(colour: str, claimed: bool, size: float, dpr: float = 1.0) -> QPixmap:
    px = int(math.ceil(size * dpr * 1.15)) + 2
    pm = QPixmap(px, px)
    pm.setDevicePixelRatio(1.0)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    c = QColor(colour)
    h = (px - 2) / 2
    m = px / 2
    inset = 0.16 * px if claimed else 0.5
    pts = [QPointF(m, m - h + inset), QPointF(m + h - inset, m), QPointF(m, m + h - inset), QPointF(m - h + inset, m)]
    if claimed:
        p.setPen(QPen(c, max(1.5, 0.24 * px)))
        p.setBrush(QColor(255, 255, 255, 230))
    else:
        p.setPen(QPen(QColor(255, 255, 255), max(1.0, 0.12 * px)))
        p.setBrush(c)
    p.drawPolygon(pts)
    p.end()
    pm.setDevicePixelRatio(dpr)
    return pm


class EventsLayer(MapLayer):
    """Every visible event with a coordinate, stamped as one sprite per (type, claim) group.

    ``set_events`` projects the rows once; ``draw`` culls to the view and stamps the sprites with
    one ``drawPixmapFragments`` call per group from a NumPy-filled fragment array (pyqtgraph's
    ``PrimitiveArray``), never one Python object per point.
    """

    key, title = "events", "Events"

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[_Group] = []
        self.table: EventTable | None = None
        self.marker_size = style.MARKER_SIZE_PX
        self._sprites: dict[tuple[str, bool, float], QPixmap] = {}
        self._frags = pg_internals.PrimitiveArray(QPainter.PixmapFragment, 10)
        self.colours: dict[str, str] = {}
        #: "auto" (density above uncertainty.DENSITY_AUTO_THRESHOLD points in view), "points", "density".
        self.density_mode = "auto"
        self.density_threshold = uncertainty.DENSITY_AUTO_THRESHOLD
        self.showing_density = False  # what the last draw chose (the View menu and legend say so)
        #: Whether the last points draw stamped one sprite per occupied cell (point_aggregate).
        self.showing_aggregate = False
        self.show_halos = True
        #: How many approximate-location discs the last draw showed (the page legend explains
        #: the symbol only when the map shows it).
        self.discs_drawn = 0
        self.aggregates = point_aggregate.AggregateCache(self.groups)

    def set_density_mode(self, mode: str) -> None:
        if mode not in uncertainty.DENSITY_MODES:
            raise ValueError(f"unknown density mode {mode!r}")
        if mode != self.density_mode:
            self.density_mode = mode
            self.changed()

    def _density_wanted(self, vp: Viewport) -> bool:
        if self.density_mode != "auto":
            return self.density_mode == "density"
        n = 0
        for g in self.groups:
            n += int(np.count_nonzero(vp.contains_mask(g.x, g.y)))
            if n > self.density_threshold:
                return True
        return False

    def set_events(self, table: EventTable, rows: npt.ArrayLike,
                   mask: npt.NDArray[np.bool_] | None = None) -> None:
        """Show ``rows`` of ``table``: the table's groups (:func:`table_groups`, sorted and
        projected once per table) cut down by a row mask, so a filter change or clearing a filter
        costs a few passes over the rows, never a sort. ``mask``: the same rows as a mask over
        the table when the caller has it (the model keeps one), saving a pass. Fewer rows than
        1/SPARSE_ROWS_FRACTION of the table are looked up in their groups instead
        (:func:`_groups_of_rows`), at a cost in proportion to the rows, not the table."""
        rows = np.asarray(rows, dtype=np.intp)
        self.table = table  # the stacks layer reads the spread events' types from it
        full = table_groups(table)
        if rows.size * SPARSE_ROWS_FRACTION < len(table):
            groups = _groups_of_rows(table, full, rows)
        else:
            if mask is None or mask.shape != (len(table),):
                mask = np.zeros(len(table), dtype=bool)
                mask[rows] = True
            if rows.size == len(table) and bool(mask.all()):
                groups = list(full)
            else:
                groups = []
                for g in full:
                    keep = mask[g.rows]
                    if not keep.any():
                        continue
                    halo = None if g.halo is None else g.halo[keep]
                    has = halo is not None and bool(halo.any())
                    groups.append(_Group(g.key, g.x[keep], g.y[keep], g.rows[keep], halo if has else None,
                                         g.grade[keep] if has and g.grade is not None else None))
        # Claims draw above confirmed events of the same type; rarer types above common ones.
        groups.sort(key=lambda g: (-len(g.rows), g.key[1]))
        self.groups = groups
        # The per-zoom aggregates belong to these rows: a new cache, never an edited one (a
        # snapshot on an export worker keeps the one of the rows it copied).
        self.aggregates = point_aggregate.AggregateCache(groups)
        self.colours = {g.key[0]: style.event_type_colour(g.key[0]) for g in groups}
        self.changed()

    def sprite(self, name: str, claimed: bool, size: float, shape: str = "circle", dpr: float = 1.0) -> QPixmap:
        """The marker of a (type, claim, shape) ``size`` px wide, rendered at ``dpr`` device
        pixels per pixel (a 2× screen gets a sprite of twice the pixels, not a stretched one)."""
        k = (name, claimed, round(size, 2), shape, round(dpr, 2))
        pm = self._sprites.get(k)
        if pm is None:
            pm = make_marker(style.event_type_colour(name), claimed, size, dpr, shape=shape)
            self._sprites[k] = pm
        return pm

    def draws_uncertainty(self, vp: Viewport) -> bool:
        """Whether a draw of this view shows approximate-location discs (the page's legend is
        worked out before the map is drawn, and explains them only when they are there)."""
        if not (self.visible and self.opacity > 0 and self.show_halos):
            return False
        size = self.marker_size * vp.ui_scale
        if (not vp.vector and self._density_wanted(vp)) or self.aggregate_for(vp, size) is not None:
            return False
        return len(uncertainty.uncertainty_discs(vp, self.groups, style.event_type_colour, size / 2)) > 0

    def aggregate_for(self, vp: Viewport, size: float) -> point_aggregate.CellAggregate | None:
        """The per-zoom aggregate to draw instead of every point, or None when the events in
        view are few enough to stamp each (:func:`point_aggregate.aggregate_wanted`)."""
        total = sum(len(g.x) for g in self.groups)
        if not point_aggregate.aggregate_wanted(total, vp):
            return None
        agg = self.aggregates.get(vp, size)
        if not point_aggregate.aggregate_wanted(agg.count_in_view(vp), vp):
            return None
        return agg

    def _aggregate_parts(self, vp: Viewport, agg: point_aggregate.CellAggregate,
                         size: float) -> list[tuple[_Group, FloatArray, FloatArray]]:
        """The aggregate's top events in view, per group in draw order (Mercator x, y)."""
        m = agg.in_view(vp, pad_px=size)
        top = agg.top[m]
        if not top.size:
            return []
        order = np.argsort(top, kind="stable")
        xs, ys, top = agg.x[m][order], agg.y[m][order], top[order]
        cuts = np.flatnonzero(np.diff(top)) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [top.size]))
        return [(self.groups[int(top[a])], xs[a:b], ys[a:b]) for a, b in zip(starts.tolist(), ends.tolist())]

    def _stamp(self, p: QPainter, vp: Viewport, g: _Group, x: FloatArray, y: FloatArray, size: float) -> None:
        px, py = vp.to_px(x, y)
        dpr = device_pixel_ratio(p)
        pm = self.sprite(g.key[0], g.key[1], size, g.key[2], dpr)
        self._frags.resize(len(px))
        frags = self._frags.ndarray()
        frags[:, 0] = px
        frags[:, 1] = py
        frags[:, 2:6] = (0.0, 0.0, float(pm.width()), float(pm.height()))
        # The fragment's size is its source size times its scale, in the painter's (logical)
        # pixels: a sprite of dpr device pixels per pixel is drawn at 1/dpr.
        frags[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)
        p.drawPixmapFragments(*self._frags.drawargs(), pm)

    def draw(self, p: QPainter, vp: Viewport) -> None:
        if vp.vector:
            self.draw_vector(p, vp)
            return
        size = self.marker_size * vp.ui_scale
        self.discs_drawn = 0
        self.showing_density = self._density_wanted(vp)
        if self.showing_density:
            self.showing_aggregate = False
            uncertainty.draw_density(p, vp, [g.x for g in self.groups], [g.y for g in self.groups])
            return
        agg = self.aggregate_for(vp, size)
        self.showing_aggregate = agg is not None
        if agg is not None:
            # More events in view than cells: the carpet of markers hides the halos, and
            # finding the few that might show would cost a pass over every event.
            for g, x, y in self._aggregate_parts(vp, agg, size):
                self._stamp(p, vp, g, x, y, size)
            return
        if self.show_halos:
            self.discs_drawn = uncertainty.draw_uncertainty(p, vp, self.groups, style.event_type_colour, size / 2)
        for g in self.groups:
            inview = vp.contains_mask(g.x, g.y, pad=size)
            if not inview.any():
                continue
            self._stamp(p, vp, g, g.x[inview], g.y[inview], size)

    def draw_vector(self, p: QPainter, vp: Viewport) -> None:
        """The same markers as shapes (SVG/PDF keep them as circles, sharp at any zoom), and the
        same per-cell aggregate above the density threshold (a file of a million circles helps
        no reader)."""
        size = self.marker_size * vp.ui_scale
        self.discs_drawn = 0
        agg = self.aggregate_for(vp, size)
        self.showing_aggregate = agg is not None
        if agg is not None:  # no halos under the carpet, as in draw
            parts = self._aggregate_parts(vp, agg, size)
        else:
            if self.show_halos:
                self.discs_drawn = uncertainty.draw_uncertainty(p, vp, self.groups, style.event_type_colour, size / 2)
            parts = []
            for g in self.groups:
                inview = vp.contains_mask(g.x, g.y, pad=size)
                if inview.any():
                    parts.append((g, g.x[inview], g.y[inview]))
        for g, x, y in parts:
            px, py = vp.to_px(x, y)
            draw_marker_shapes(p, px, py, style.event_type_colour(g.key[0]), g.key[1], size,
                               g.key[2] if len(g.key) > 2 else "circle")

    def pick(self, vp: Viewport, px: float, py: float, radius_px: float = 6.0) -> list[int]:
        """Rows of the events under a pixel, nearest first (within ``radius_px`` + marker radius)."""
        reach = radius_px + self.marker_size * vp.ui_scale / 2
        hits: list[tuple[float, int]] = []
        for g in self.groups:
            inview = vp.contains_mask(g.x, g.y, pad=reach)
            if not inview.any():
                continue
            gx, gy = vp.to_px(g.x[inview], g.y[inview])
            d = np.hypot(gx - px, gy - py)
            near = d <= reach
            hits.extend(zip(d[near].tolist(), g.rows[inview][near].tolist()))
        hits.sort()
        return [r for _, r in hits]

    def rows_in_rect(self, vp: Viewport, px0: float, py0: float, px1: float, py1: float) -> IntArray:
        x0, y1 = vp.px_to_merc(min(px0, px1), min(py0, py1))
        x1, y0 = vp.px_to_merc(max(px0, px1), max(py0, py1))
        out = [g.rows[(g.x >= x0) & (g.x <= x1) & (g.y >= y0) & (g.y <= y1)] for g in self.groups]
        return np.concatenate(out) if out else np.zeros(0, np.intp)


class SelectionLayer(MapLayer):
    """Rings around the selected events and a bold ring around the current (focus) event."""

    key, title = "selection", "Selection"
    dynamic = True

    def __init__(self) -> None:
        super().__init__()
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.rows: IntArray = np.zeros(0, np.intp)
        self.current: tuple[float, float] | None = None
        self.current_row: int | None = None
        #: Where spread-out stacks draw their events (atlas.render.spiderfy.StacksLayer): the
        #: rings go round an event where it is drawn, not under the stack's hub.
        self.spread: object | None = None

    def set_selection(self, table: EventTable, rows: npt.ArrayLike, current_row: int | None) -> None:
        rows = np.asarray(rows, dtype=np.intp)
        rows = rows[table.has_coords[rows]] if rows.size else rows
        self.x, self.y = lonlat_to_merc(table.lon[rows], table.lat[rows])
        self.rows = rows
        self.current = None
        self.current_row = None
        if current_row is not None and table.has_coords[current_row]:
            cx, cy = lonlat_to_merc(table.lon[current_row], table.lat[current_row])
            self.current = (float(cx), float(cy))
            self.current_row = int(current_row)
        self.changed()

    def _displaced(self, vp: Viewport, rows: IntArray, px: FloatArray, py: FloatArray) -> tuple[FloatArray, FloatArray]:
        displace = getattr(self.spread, "displace", None)
        return displace(vp, rows, px, py) if displace is not None else (px, py)

    def draw(self, p: QPainter, vp: Viewport) -> None:
        u = vp.ui_scale
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = style.MARKER_SIZE_PX * u * 0.9
        inview = vp.contains_mask(self.x, self.y, pad=r * 2)
        if inview.any():
            px, py = vp.to_px(self.x[inview], self.y[inview])
            px, py = self._displaced(vp, self.rows[inview], px, py)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor("#102030"), 3.5 * u))
            for x, y in zip(px.tolist(), py.tolist()):
                p.drawEllipse(QPointF(x, y), r, r)
            p.setPen(QPen(QColor(style.SELECTION_COLOUR), 2.0 * u))
            for x, y in zip(px.tolist(), py.tolist()):
                p.drawEllipse(QPointF(x, y), r, r)
        if self.current is not None:
            pcx, pcy = vp.to_px([self.current[0]], [self.current[1]])
            if self.current_row is not None:
                pcx, pcy = self._displaced(vp, np.array([self.current_row], np.intp), pcx, pcy)
            cx, cy = float(pcx[0]), float(pcy[0])
            R = r * 1.9
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor("#1a1a1a"), 5 * u))
            p.drawEllipse(QPointF(cx, cy), R, R)
            p.setPen(QPen(QColor(style.FOCUS_COLOUR), 3 * u))
            p.drawEllipse(QPointF(cx, cy), R, R)
            # Cross-hair ticks make the focus findable at any zoom.
            p.setPen(QPen(QColor(style.FOCUS_COLOUR), 2.5 * u))
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                p.drawLine(QPointF(cx + dx * R * 1.2, cy + dy * R * 1.2), QPointF(cx + dx * R * 1.8, cy + dy * R * 1.8))


def lonlat_of_px(vp: Viewport, px: float, py: float) -> tuple[float, float]:
    lon, lat = merc_to_lonlat(*vp.px_to_merc(px, py))
    return float(lon), float(lat)
