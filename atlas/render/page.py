"""The briefing page: the map (the same :class:`MapScene` the canvas paints) plus its layout —
title, subtitle, date stamp, legend of the types shown with counts, scale bar, north arrow, an inset
locator map, the active filter, the sources of the shown events, the data attributions and an
optional handling banner at the top and bottom.

One function, :func:`paint_page`, draws a page onto any QPainter: a QImage (PNG, the dialog's
preview, the clipboard), a QSvgGenerator (SVG) or a QPdfWriter (PDF). For vector targets the
viewport carries ``vector=True`` so the events are drawn as shapes, not stamped pixmaps. Sizes
scale with ``ui_scale = dpi / 96``, so text, line widths and the scale bar are right at any dpi.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRect, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from atlas.geo.projection import REGION, lonlat_to_merc
from atlas.io.atomic import atomic_path
from atlas.model import AtlasModel
from atlas.model.attribution import attribution
from atlas.model.facets import outlet_counts
from atlas.model.filters import All, DateRange, find_part

from . import style, uncertainty, vector_text
from .annotations_layer import AnnotationsLayer
from .decorations import draw_north_arrow, draw_scale_bar
from .layers import MapLayer, draw_marker_shapes
from .page_layout import PageLayout, page_layout
from .scene import MapScene
from .viewport import Viewport

#: Scene layers that are map decorations: the page draws its own instead.
SCENE_DECORATIONS = frozenset({"scale_bar", "north_arrow"})
EVENTS_ATTRIBUTION = "Events: Kursk Atlas curated dataset (CC BY 4.0) and the sources each event names"
FORMATS = ("png", "svg", "pdf")
MAX_DPI = 600
#: Paper sizes in millimetres, portrait (width, height).
PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "Letter": (215.9, 279.4)}
_QPAGE = {"A4": QPageSize.PageSizeId.A4, "A3": QPageSize.PageSizeId.A3, "Letter": QPageSize.PageSizeId.Letter}
#: Size presets: name -> (width px, height px, dpi).
SIZE_PRESETS: dict[str, tuple[int, int, float]] = {
    "1920×1080 (HD)": (1920, 1080, 96.0),
    "3840×2160 (4K)": (3840, 2160, 192.0),
    "A4 landscape, 300 dpi": (3508, 2480, 300.0),
}


class ExportError(RuntimeError):
    """A page that cannot be written (bad size, dpi or path)."""


def basemap_attribution() -> str:
    try:
        from atlas.geo import basemap_data
    except ImportError:  # pragma: no cover - the loader ships with the app
        return ""
    return str(getattr(basemap_data, "ATTRIBUTION", ""))


@dataclass(frozen=True)
class PageSpec:
    """What to put on the page and how big. ``date_stamp`` None = the dates of the shown events."""

    width: int = 1600
    height: int = 1000
    dpi: float = 96.0
    title: str = "Kursk Atlas"
    subtitle: str = ""
    date_stamp: str | None = None
    legend: bool = True
    scale_bar: bool = True
    north_arrow: bool = True
    inset: bool = True
    filter_line: bool = True
    sources: bool = True
    attribution: str | None = None  # None = events + basemap attributions
    banner: str = ""
    banner_colour: str = "#007a33"

    def __post_init__(self) -> None:
        if not (16 <= self.width <= 20000 and 16 <= self.height <= 20000):
            raise ExportError(f"page size {self.width}x{self.height} px is out of range (16–20000)")
        if not (24 <= self.dpi <= MAX_DPI):
            raise ExportError(f"dpi {self.dpi:g} is out of range (24–{MAX_DPI})")
        if not QColor.isValidColorName(self.banner_colour):
            raise ExportError(f"not a colour: {self.banner_colour!r}")

    @property
    def ui_scale(self) -> float:
        return self.dpi / 96.0

    @classmethod
    def for_paper(cls, paper: str, landscape: bool = True, dpi: float = 300.0, **kw: object) -> PageSpec:
        if paper not in PAPER_MM:
            raise ExportError(f"unknown paper {paper!r} (use {', '.join(PAPER_MM)})")
        w_mm, h_mm = PAPER_MM[paper]
        if landscape:
            w_mm, h_mm = h_mm, w_mm
        return cls(width=round(w_mm / 25.4 * dpi), height=round(h_mm / 25.4 * dpi), dpi=dpi, **kw)  # type: ignore[arg-type]

    def with_(self, **kw: object) -> PageSpec:
        return replace(self, **kw)  # type: ignore[arg-type]


@dataclass
class PageInfo:
    """Where things went (tests and the dialog read it)."""

    map_rect: QRectF
    map_viewport: Viewport
    legend: list[tuple[str, int]] = field(default_factory=list)
    #: The legend's symbol lines below the types (claims, approximate locations).
    symbols: list[str] = field(default_factory=list)
    legend_rect: QRectF | None = None
    scale_bar_rect: QRectF | None = None
    scale_bar_origin: QPointF | None = None
    north_arrow_rect: QRectF | None = None
    inset_rect: QRectF | None = None
    footer_lines: list[str] = field(default_factory=list)
    shown_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    title_rect: QRectF | None = None
    footer_rect: QRectF | None = None
    #: Other layers' legends placed on the page (the areas of control's), page pixels.
    layer_legend_rects: list[tuple[str, QRectF]] = field(default_factory=list)
    #: Where every name, marker and decoration went (atlas.render.page_layout), page pixels.
    layout: PageLayout | None = None

    def decorations(self) -> list[tuple[str, QRectF]]:
        """The page's decorations as (kind, rect in page pixels), in drawing order."""
        out: list[tuple[str, QRectF | None]] = [
            ("title", self.title_rect), ("footer", self.footer_rect), ("legend", self.legend_rect),
            ("scale_bar", self.scale_bar_rect), ("north_arrow", self.north_arrow_rect),
            *self.layer_legend_rects, ("inset", self.inset_rect)]
        return [(k, r) for k, r in out if r is not None]


# ---------------------------------------------------------------------------- content
def _font(px: float, bold: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    return f


def rows_in_view(model: AtlasModel, vp: Viewport) -> np.ndarray:
    """The visible rows that are on this map (have a point inside the viewport)."""
    t = model.table
    rows = model.visible_rows
    rows = rows[t.has_coords[rows]]
    x, y = lonlat_to_merc(t.lon[rows], t.lat[rows])
    return rows[vp.contains_mask(x, y)]


def legend_entries(model: AtlasModel, rows: np.ndarray) -> list[tuple[str, int]]:
    """(event type, count) of the rows, most frequent first."""
    if rows.size == 0:
        return []
    counts = model.table.counts("event_type", rows)
    return sorted(((str(k) or "(no type)", int(v)) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))


def claimed_count(model: AtlasModel, rows: np.ndarray) -> int:
    conf = model.table.categorical["confidence"]
    return int(np.isin(conf.codes[rows], conf.codes_for(["claimed", "disputed"])).sum()) if rows.size else 0


def sources_line(model: AtlasModel, rows: np.ndarray, top: int = 6) -> str:
    """The outlets cited by the shown events, most cited first, abbreviated."""
    # The outlet facet's index (built once per table) counts them with NumPy: a pass over every
    # event's sources in Python took ~1.5 s a million events, twice per export.
    c = outlet_counts(model.table, rows)
    if not c:
        return ""
    # Ties are broken by name, so a picture does not change from one run to the next.
    ranked = sorted(c.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))[:top]
    parts = [f"{_abbrev(name)} ({n})" for name, n in ranked]
    more = len(c) - top
    return "Sources: " + ", ".join(parts) + (f" + {more} more outlet{'s' if more > 1 else ''}" if more > 0 else "")


_ABBREV = {
    "Institute for the Study of War": "ISW", "Associated Press": "AP", "The New York Times": "NYT",
    "New York Times": "NYT", "The Washington Post": "WaPo", "Washington Post": "WaPo",
    "Russian Ministry of Defence": "RU MoD", "Russian Ministry of Defense": "RU MoD",
    "Ministry of Defence of the Russian Federation": "RU MoD", "The Guardian": "Guardian",
    "British Broadcasting Corporation": "BBC", "Agence France-Presse": "AFP", "Financial Times": "FT",
    "The Wall Street Journal": "WSJ", "Wall Street Journal": "WSJ",
}


def _abbrev(name: str) -> str:
    return _ABBREV.get(name, name if len(name) <= 28 else name[:26] + "…")


def auto_date_stamp(model: AtlasModel, rows: np.ndarray) -> str:
    dr = find_part(model.filter, DateRange)
    if isinstance(dr, DateRange) and (dr.start or dr.end):
        return f"Events {dr.describe()}"
    span = model.table.date_span(rows) if rows.size else None
    if span is None:
        return ""
    a, b = span
    return f"Events {a}" if a == b else f"Events {a} – {b}"


def filter_line(model: AtlasModel, rows_on_map: int) -> str:
    desc = model.filter.describe() if not isinstance(model.filter, All) else "none (all events)"
    if model.resident is None:
        # event_total: the file's events, also when only the ones a filter kept were read (render).
        shown, total = len(model.visible_rows), model.event_total
        # A store's stale copy: counts of the rows it holds, dense views counted in cells.
        noun = "cached events" if model.stale_note else "events"
        cells = model.map_cells
        drawn = (f"counted in cells on this map ({cells.events:,} in view)" if cells is not None
                 else f"{rows_on_map:,} on this map")
        return f"Filter: {desc} · {shown:,} of {total:,} {noun} pass, {drawn}"
    # A store's events: the server's counts (the rows held are a few pages of them).
    passing, stored = model.shown_count, model.event_total
    counts = (f"{passing:,} of {stored:,} events pass" if passing is not None and stored is not None
              else f"{len(model.list_rows):,}+ events pass (still counting)")
    cells = model.map_cells
    drawn = (f"counted in cells on this map ({cells.events:,} in view)" if cells is not None
             else f"{rows_on_map:,} on this map")
    return f"Filter: {desc} · {counts}, {drawn}"


def attribution_text(spec: PageSpec, model: AtlasModel | None = None, layers: bool = True) -> str:
    """The spec's own attribution, else the credits of the loaded events (an ACLED file credits
    ACLED, the bundled dataset the atlas's compilation: atlas.model.attribution) and the basemap's;
    then (``layers``) the user's file layers (:func:`layers_line`)."""
    extra = layers_line(model) if layers else ""
    if spec.attribution is not None:
        text = spec.attribution
    else:
        base = basemap_attribution()
        if model is None:
            text = f"{EVENTS_ATTRIBUTION} · Basemap: {base}" if base else EVENTS_ATTRIBUTION
        else:
            text = attribution(model.table, model.sources, base, store=model.store_name, datasets=model.view_datasets)
    if model is not None and model.stale_note:  # a store's events as read before its server went away
        text = f"{model.stale_note} · {text}" if text else model.stale_note
    return f"{text} · {extra}" if text and extra else text or extra


def layers_line(model: AtlasModel | None) -> str:
    """``Layer: roads.gpkg (user file)``: the sources and licences of a user's file layers are
    unknown to the atlas, so the picture names the files."""
    if model is None:
        return ""
    from .file_layer import layer_attribution

    return layer_attribution(model.file_layers)


# ---------------------------------------------------------------------------- the inset
@lru_cache(maxsize=1)
def _overview_paths() -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]] | None:
    """Outlines of the context countries and the RU–UA border as Mercator arrays (read once)."""
    try:
        import shapely

        from atlas.geo.basemap_data import BasemapError, load_basemap
        bm = load_basemap()
    except (ImportError, OSError, ValueError, RuntimeError):
        return None
    except BasemapError:  # pragma: no cover
        return None

    def rings(geoms: tuple[object, ...], polygons: bool) -> tuple[np.ndarray, ...]:
        out = []
        for g in geoms:
            parts = getattr(g, "geoms", [g])
            for part in parts:
                lines = [part.exterior, *part.interiors] if polygons and hasattr(part, "exterior") else [part]
                for ln in lines:
                    xy = shapely.get_coordinates(ln)
                    if len(xy) >= 2:
                        mx, my = lonlat_to_merc(xy[:, 0], xy[:, 1])
                        out.append(np.column_stack([mx, my]))
        return tuple(out)

    return rings(bm.context.geoms, True), rings(bm.border.geoms, False)


def _clipped_paths(vp: Viewport, arr: np.ndarray, close: bool) -> list[QPainterPath]:
    """A ring or line in the inset's pixels, cut to the inset with shapely: SVG output ignores
    QPainter clipping, so the geometry itself must stop at the frame."""
    import shapely

    px, py = vp.to_px(arr[:, 0], arr[:, 1])
    xy = np.column_stack([px, py])
    if close and len(xy) >= 4:
        geom = shapely.make_valid(shapely.Polygon(xy))
    else:
        geom = shapely.LineString(xy)
    cut = shapely.clip_by_rect(geom, 0.0, 0.0, float(vp.width), float(vp.height))
    out = []
    for part in getattr(cut, "geoms", [cut]):
        if part.is_empty:
            continue
        if part.geom_type == "Polygon":
            coords = np.asarray(part.exterior.coords)
        elif part.geom_type == "LineString":
            coords = np.asarray(part.coords)
        else:
            continue
        if len(coords) < 2:
            continue
        path = QPainterPath(QPointF(float(coords[0, 0]), float(coords[0, 1])))
        for x, y in coords[1:].tolist():
            path.lineTo(x, y)
        if part.geom_type == "Polygon":
            path.closeSubpath()
        out.append(path)
    return out


def _overview_box() -> tuple[float, float, float, float]:
    """What the inset shows at least: the border region with its neighbours around it."""
    lon1, lat1, lon2, lat2 = REGION
    return (lon1 - 2.5, lat1 - 1.2, lon2 + 2.5, lat2 + 1.2)


def inset_adds_context(main_vp: Viewport) -> bool:
    """Whether an inset locator tells the reader anything: not when the map itself already shows
    all the inset would (zoomed out to Europe the inset drew a smaller map inside a red frame
    that filled it)."""
    ox0, oy0, ox1, oy1 = _overview_box()
    vx0, vy0, vx1, vy1 = main_vp.lonlat_bounds()
    return not (vx0 <= ox0 and vy0 <= oy0 and vx1 >= ox1 and vy1 >= oy1)


def draw_inset(p: QPainter, rect: QRectF, main_vp: Viewport, u: float) -> None:
    """An overview of the border region with the main map's frame on it."""
    lon1, lat1, lon2, lat2 = REGION
    ov = _overview_box()
    vx0, vy0, vx1, vy1 = main_vp.lonlat_bounds()
    ov = (min(ov[0], vx0), min(ov[1], vy0), max(ov[2], vx1), max(ov[3], vy1))
    ivp = Viewport.fit_lonlat(*ov, max(1, int(rect.width())), max(1, int(rect.height())), u)
    p.save()
    p.setPen(QPen(QColor("#333333"), max(1.0, 1.0 * u)))
    p.setBrush(QColor("#dfe9f2"))  # sea and unmapped land alike: the inset is about shape, not detail
    p.drawRect(rect)
    p.setClipRect(rect)
    p.translate(rect.topLeft())
    paths = _overview_paths()
    if paths is not None:
        countries, border = paths
        p.setPen(QPen(QColor("#8a8a8a"), max(0.5, 0.6 * u)))
        p.setBrush(QColor("#f4f1ea"))
        for arr in countries:
            for path in _clipped_paths(ivp, arr, True):
                p.drawPath(path)
        p.setPen(QPen(QColor("#444444"), max(1.0, 1.2 * u)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for arr in border:
            for path in _clipped_paths(ivp, arr, False):
                p.drawPath(path)
    # The atlas's region (dashed) and the map's own frame (red).
    xs, ys = ivp.lonlat_to_px([lon1, lon2], [lat1, lat2])
    p.setPen(QPen(QColor(style.FRAME_COLOUR), max(0.8, 0.9 * u), Qt.PenStyle.DashLine))
    p.drawRect(QRectF(QPointF(xs[0], ys[1]), QPointF(xs[1], ys[0])))
    fx, fy = ivp.to_px([main_vp.x0, main_vp.x1], [main_vp.y0, main_vp.y1])
    frame = QRectF(QPointF(fx[0], fy[1]), QPointF(fx[1], fy[0]))
    if frame.width() < 4 * u or frame.height() < 4 * u:
        c = frame.center()
        frame = QRectF(c.x() - 3 * u, c.y() - 3 * u, 6 * u, 6 * u)
    p.setPen(QPen(QColor("#d01c1c"), max(1.2, 2.0 * u)))
    p.drawRect(frame)
    f = _font(8.5 * u)
    p.setFont(f)
    p.setPen(QColor("#333333"))
    for name, lon, lat in (("RUSSIA", 37.4, 52.5), ("UKRAINE", 33.0, 50.0), ("BELARUS", 30.2, 52.9)):
        (x,), (y,) = ivp.lonlat_to_px([lon], [lat])
        p.drawText(QPointF(float(x), float(y)), name)
    p.restore()


# ---------------------------------------------------------------------------- painting
def sync_annotations(scene: MapScene, model: AtlasModel) -> AnnotationsLayer:
    """The scene's annotations layer (added above the selection when missing), up to date with
    the model: its annotations, and the filter's date range so they follow the timeline."""
    layer = scene.layer("annotations")
    if not isinstance(layer, AnnotationsLayer):
        layer = AnnotationsLayer()
        scene.insert(layer, above="selection")
    layer.set_annotations(model.annotations)
    window = getattr(model, "time_window", None)  # the timeline's window wins over the filter's dates
    if window is None:
        dr = find_part(model.filter, DateRange)
        window = (dr.start, dr.end) if isinstance(dr, DateRange) else (None, None)
    layer.set_date_window(*window)
    return layer


def _banner_text_colour(bg: QColor) -> QColor:
    lum = 0.299 * bg.red() + 0.587 * bg.green() + 0.114 * bg.blue()
    return QColor("#000000") if lum > 150 else QColor("#ffffff")


def _plate(p: QPainter, r: QRectF, u: float, alpha: int = 228) -> None:
    p.setPen(QPen(QColor(0, 0, 0, 60), max(0.5, 0.6 * u)))
    p.setBrush(QColor(255, 255, 255, alpha))
    p.drawRoundedRect(r, 4 * u, 4 * u)


def paint_page(p: QPainter, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
               vector: bool = False, device_scale: float = 1.0) -> PageInfo:
    """Draw the page, ``spec.width`` x ``spec.height`` page pixels, on ``p`` (its device is that
    size times ``device_scale``: 1 for the file, less for the dialog's preview).

    ``view`` gives the map's extent (e.g. the canvas's viewport); it is fitted to the map area at
    the page's ``ui_scale``.

    The page is placed on the device through the painter's *view* transform (window/viewport),
    never its world transform: map layers (basemap, areas of control) set a world transform of
    their own, which would discard a translate or scale made here."""
    u = spec.ui_scale
    W, H = spec.width, spec.height
    p.setWindow(QRect(0, 0, W, H))
    p.setViewport(QRect(0, 0, round(W * device_scale), round(H * device_scale)))
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.fillRect(QRectF(0, 0, W, H), QColor("white"))

    # Banners take strips off the top and bottom; the map fills the rest.
    band = round(26 * u) if spec.banner else 0.0
    map_rect = QRectF(0, band, W, H - 2 * band)
    mvp = view.with_size(int(map_rect.width()), int(map_rect.height()), u).as_vector(vector)
    info = PageInfo(map_rect, mvp)

    scene.sync_to(model)
    sync_annotations(scene, model)
    legend_layers, legends = _legend_layers(scene)
    rows = rows_in_view(model, mvp)
    info.shown_rows = rows
    # The legend explains the approximate-location discs only when the map draws them.
    approx = uncertainty.approximate_count(model.table, rows) if scene.events.draws_uncertainty(mvp) else 0
    # Where the decorations will go, before the map is drawn: the names keep out of them. The
    # same drawing functions run once on a scratch image (cheap: text and a few shapes), so the
    # boxes are the drawn boxes, not a second estimate of them.
    planned = PageInfo(map_rect, mvp)
    scratch = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    sp = QPainter(scratch)
    try:
        _draw_decorations(sp, spec, model, rows, planned, mvp, legend_layers, legends, dry=True, approx=approx)
    finally:
        sp.end()
    off = map_rect.topLeft()
    scene.label_reserved = tuple((k, (r.left() - off.x(), r.top() - off.y(), r.right() - off.x(), r.bottom() - off.y()))
                                 for k, r in planned.decorations())
    if scene.basemap is not None:
        scene.basemap.layout.names_placed = []
    try:
        _draw_map(p, scene, mvp, map_rect, device_scale, legend_layers, legends)
        info.layout = page_layout(scene, model, mvp, off.x(), off.y())
        info.layout.width, info.layout.height = W, H
    finally:
        scene.label_reserved = ()
    _draw_decorations(p, spec, model, rows, info, mvp, legend_layers, legends, approx=approx)
    info.layout.decorations = [(k, _rect_box(r)) for k, r in info.decorations()]
    grat = scene.graticule
    if grat.visible and grat.opacity > 0:  # the degree labels along the map's edges
        info.layout.decorations += [(k, (b[0] + off.x(), b[1] + off.y(), b[2] + off.x(), b[3] + off.y()))
                                    for k, b in grat.label_reserved(mvp)]
    if spec.banner:
        _draw_banners(p, spec, band, pad=10 * u)
        info.layout.decorations += [("banner", (0.0, 0.0, float(W), float(band))),
                                    ("banner", (0.0, float(H - band), float(W), float(H)))]
    return info


def _rect_box(r: QRectF) -> tuple[float, float, float, float]:
    return (r.left(), r.top(), r.right(), r.bottom())


def _draw_decorations(p: QPainter, spec: PageSpec, model: AtlasModel, rows: np.ndarray, info: PageInfo,
                      mvp: Viewport, legend_layers: list[MapLayer], legends: list[MapLayer], dry: bool = False,
                      approx: int = 0) -> None:
    """Title, footer, legend and the corners over the map; ``dry`` skips the inset's drawing (its
    box is all a dry run needs)."""
    u = spec.ui_scale
    map_rect = info.map_rect
    pad = 10 * u
    p.save()
    p.translate(map_rect.topLeft())
    p.setClipRect(QRectF(0, 0, map_rect.width(), map_rect.height()))
    title_bottom = _draw_title_block(p, spec, model, rows, map_rect.width(), pad, info)
    foot_top = _draw_footer(p, spec, model, rows, info, map_rect.width(), map_rect.height(), pad)
    legend_bottom = _draw_legend(p, spec, model, rows, info, map_rect.width(), pad, approx)
    _draw_corners(p, spec, mvp, info, legend_layers, legends, foot_top, max(legend_bottom, title_bottom), pad, dry)
    p.restore()


def _legend_layers(scene: MapScene) -> tuple[list[MapLayer], list[MapLayer]]:
    """The layers whose legends the page places itself: legend layers (key "..._legend"), and
    layers with a built-in legend (``show_legend`` + ``draw_legend``)."""
    legend_layers = [lyr for lyr in scene.layers if lyr.visible and lyr.key.endswith("_legend")]
    legends = [lyr for lyr in scene.layers if lyr.visible and getattr(lyr, "show_legend", False)
               and callable(getattr(lyr, "draw_legend", None))]
    return legend_layers, legends


def _draw_map(p: QPainter, scene: MapScene, mvp: Viewport, map_rect: QRectF, k: float,
              legend_layers: list[MapLayer], legends: list[MapLayer]) -> None:
    """The scene (already brought up to date with the model) in the map area."""
    # The page draws its own scale bar and north arrow, and places the in-map legends of other
    # layers (control areas) where they do not collide with them: the scene's copies step aside.
    # Legend layers draw bottom left, anchored 64 px above the viewport's bottom; layers with a
    # built-in legend likewise.
    hidden = [lyr for lyr in scene.layers if lyr.key in SCENE_DECORATIONS and lyr.visible] + legend_layers
    for lyr in hidden:
        lyr.visible = False
    for lyr in legends:
        lyr.show_legend = False  # type: ignore[attr-defined]
    try:
        p.save()
        try:
            mw_, mh_ = int(map_rect.width()), int(map_rect.height())
            p.setViewport(QRect(round(map_rect.left() * k), round(map_rect.top() * k), round(mw_ * k), round(mh_ * k)))
            p.setWindow(QRect(0, 0, mw_, mh_))
            p.setClipRect(QRectF(0, 0, mw_, mh_))
            scene.paint(p, mvp)
        finally:  # a cancelled export stops inside the map; the painter still ends cleanly
            p.restore()
    finally:
        for lyr in hidden:
            lyr.visible = True
        for lyr in legends:
            lyr.show_legend = True  # type: ignore[attr-defined]


def _draw_title_block(p: QPainter, spec: PageSpec, model: AtlasModel, rows: np.ndarray, mw: float,
                      pad: float, info: PageInfo | None = None) -> float:
    """Title, subtitle and date line on a plate, top left; returns the plate's bottom."""
    u = spec.ui_scale
    stamp = spec.date_stamp if spec.date_stamp is not None else auto_date_stamp(model, rows)
    lines: list[tuple[str, QFont, QColor]] = []
    if spec.title:
        lines.append((spec.title, _font(22 * u, True), QColor("#111820")))
    if spec.subtitle:
        lines.append((spec.subtitle, _font(14 * u), QColor("#222a33")))
    if stamp:
        lines.append((stamp, _font(12 * u, True), QColor("#7a1f1f")))
    title_bottom = pad
    if lines:
        fms = [QFontMetricsF(f) for _, f, _ in lines]
        max_w = mw * 0.6
        widths = [min(fm.horizontalAdvance(s), max_w) for (s, _, _), fm in zip(lines, fms)]
        box = QRectF(pad, pad, max(widths) + 2 * pad, sum(fm.height() for fm in fms) + 1.4 * pad)
        _plate(p, box, u)
        y = box.top() + 0.7 * pad
        for (s, f, c), fm in zip(lines, fms):
            p.setFont(f)
            p.setPen(c)
            p.drawText(QPointF(box.left() + pad, y + fm.ascent()), fm.elidedText(s, Qt.TextElideMode.ElideRight, max_w))
            y += fm.height()
        title_bottom = box.bottom()
        if info is not None:
            info.title_rect = box.translated(info.map_rect.topLeft())
    return title_bottom


def _draw_footer(p: QPainter, spec: PageSpec, model: AtlasModel, rows: np.ndarray, info: PageInfo,
                 mw: float, mh: float, pad: float) -> float:
    """Filter, sources and attributions along the bottom (small, full width, elided rather than
    overflowing); returns the footer's top."""
    u = spec.ui_scale
    foot: list[str] = []
    if spec.filter_line:
        foot.append(filter_line(model, len(rows)))
    if spec.sources:
        s = sources_line(model, rows)
        if s:
            foot.append(s)
    attr = attribution_text(spec, model, layers=False)
    if attr:
        foot.append(attr)
    layers = layers_line(model)  # a line of its own: the credits above are often elided at the right
    if layers:
        foot.append(layers)
    info.footer_lines = foot
    foot_top = mh
    if foot:
        f = _font(9.5 * u)
        fm = QFontMetricsF(f)
        h = fm.height() * len(foot) + 0.8 * pad
        r = QRectF(0, mh - h, mw, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 225))
        p.drawRect(r)
        p.setFont(f)
        p.setPen(QColor("#333333"))
        y = r.top() + 0.4 * pad
        for s in foot:
            p.drawText(QPointF(pad, y + fm.ascent()), fm.elidedText(s, Qt.TextElideMode.ElideRight, mw - 2 * pad))
            y += fm.height()
        foot_top = r.top()
        info.footer_rect = r.translated(info.map_rect.topLeft())
    return foot_top


def _draw_legend(p: QPainter, spec: PageSpec, model: AtlasModel, rows: np.ndarray, info: PageInfo,
                 mw: float, pad: float, approx: int = 0) -> float:
    """The event types on this map with their counts, top right, then the symbols the map uses
    (claims, approximate locations drawn: ``approx`` events); returns the legend's bottom."""
    u = spec.ui_scale
    legend_bottom = pad
    if spec.legend:
        entries = legend_entries(model, rows)
        n_claim = claimed_count(model, rows)
        info.legend = entries
        if entries:
            f, fb = _font(11 * u), _font(11.5 * u, True)
            fm, fmb = QFontMetricsF(f), QFontMetricsF(fb)
            items = [(f"{name} ({n:,})", name, "type") for name, n in entries]
            if n_claim:
                items.append((f"claimed or disputed ({n_claim:,})", "", "claim"))
            if approx:
                items.append((f"{uncertainty.LEGEND_TEXT}: {approx:,}", "", "approx"))
            info.symbols = [text for text, _, kind in items if kind != "type"]
            msize = style.MARKER_SIZE_PX * u
            row_h = max(fm.height(), msize + 4 * u)
            w = max(fm.horizontalAdvance(s) for s, _, _ in items) + msize + 3 * pad
            w = max(w, fmb.horizontalAdvance("Events on this map") + 2 * pad)
            h = fmb.height() + row_h * len(items) + 1.4 * pad
            r = QRectF(mw - pad - w, pad, w, h)
            _plate(p, r, u)
            p.setFont(fb)
            p.setPen(QColor("#111820"))
            p.drawText(QPointF(r.left() + pad, r.top() + 0.7 * pad + fmb.ascent()), "Events on this map")
            y = r.top() + 0.7 * pad + fmb.height()
            for text, name, kind in items:
                cy = y + row_h / 2
                cx = r.left() + pad + msize / 2
                if kind == "approx":  # the map's own disc, a little wider than a marker
                    uncertainty.draw_disc(p, cx, cy, msize * 0.62, "#555555", "confirmed", u)
                    draw_marker_shapes(p, [cx], [cy], "#555555", False, msize * 0.45)
                else:
                    draw_marker_shapes(p, [cx], [cy], "#555555" if kind == "claim" else style.event_type_colour(name),
                                       kind == "claim", msize)
                p.setFont(f)
                p.setPen(QColor("#111820"))
                p.drawText(QPointF(r.left() + 2 * pad + msize, cy - fm.height() / 2 + fm.ascent()), text)
                y += row_h
            info.legend_rect = r
            legend_bottom = r.bottom()
    return legend_bottom


def _draw_corners(p: QPainter, spec: PageSpec, mvp: Viewport, info: PageInfo, legend_layers: list[MapLayer],
                  legends: list[MapLayer], foot_top: float, top_bottom: float, pad: float, dry: bool = False) -> None:
    """Bottom left: scale bar, north arrow beside it, other layers' legends stacked above them.
    Bottom right: the inset locator, when it fits under the title and legend (``top_bottom``)."""
    u = spec.ui_scale
    map_rect = info.map_rect
    mw = map_rect.width()
    base_y = foot_top - pad
    if spec.scale_bar:
        origin = QPointF(pad + 8 * u, base_y - 16 * u)
        info.scale_bar_origin = QPointF(origin.x() + map_rect.left(), origin.y() + map_rect.top())
        info.scale_bar_rect = draw_scale_bar(p, mvp, origin, max_px=min(mw * 0.28, 260 * u)).translated(map_rect.topLeft())
    if spec.north_arrow:
        right = (info.scale_bar_rect.right() - map_rect.left()) if info.scale_bar_rect is not None else pad
        c = QPointF(right + pad + 20 * u, base_y - 24 * u)
        info.north_arrow_rect = draw_north_arrow(p, mvp, c).translated(map_rect.topLeft())
    # Other layers' legends (areas of control) stack above the scale bar, bottom left.
    stack_bottom = (info.scale_bar_rect.top() - map_rect.top()) if info.scale_bar_rect is not None else base_y
    if info.north_arrow_rect is not None:
        stack_bottom = min(stack_bottom, info.north_arrow_rect.top() - map_rect.top())
    # They put their box 64 px (x ui_scale) above the bottom of the viewport they get.
    sub = replace(mvp, height=max(1, int(stack_bottom - 6 * u + 64 * u)))
    for lyr in legends:
        if getattr(lyr, "legend_lines", lambda: [None])():
            lyr.draw_legend(p, sub)  # type: ignore[attr-defined]
            _note_legend(info, lyr, sub)
    for lyr in legend_layers:
        p.save()
        lyr.draw(p, sub)
        p.restore()
        _note_legend(info, lyr, sub)
    if spec.inset and inset_adds_context(mvp):
        iw = min(max(mw * 0.2, 120 * u), 300 * u)
        ih = iw * 0.72
        avail = base_y - top_bottom - pad
        if ih <= avail and iw < mw * 0.45:
            r = QRectF(mw - pad - iw, base_y - ih, iw, ih)
            if not dry:
                draw_inset(p, r, mvp, u)
            info.inset_rect = r.translated(map_rect.topLeft())


def _note_legend(info: PageInfo, lyr: MapLayer, vp: Viewport) -> None:
    """Record where a layer's legend went (its ``label_reserved`` boxes), in page pixels."""
    reserved = getattr(lyr, "label_reserved", None)
    if not callable(reserved):
        return
    off = info.map_rect.topLeft()
    for kind, (x0, y0, x1, y1) in reserved(vp):
        info.layer_legend_rects.append((kind, QRectF(QPointF(x0, y0), QPointF(x1, y1)).translated(off)))


def _draw_banners(p: QPainter, spec: PageSpec, band: float, pad: float) -> None:
    """The handling banner across the top and the bottom of the page."""
    u = spec.ui_scale
    W, H = spec.width, spec.height
    bg = QColor(spec.banner_colour)
    f = _font(14 * u, True)
    fm = QFontMetricsF(f)
    for r in (QRectF(0, 0, W, band), QRectF(0, H - band, W, band)):
        p.fillRect(r, bg)
        p.setFont(f)
        p.setPen(_banner_text_colour(bg))
        text = fm.elidedText(spec.banner, Qt.TextElideMode.ElideRight, W - 2 * pad)
        p.drawText(QPointF(r.center().x() - fm.horizontalAdvance(text) / 2, r.center().y() - fm.height() / 2 + fm.ascent()), text)


# ---------------------------------------------------------------------------- targets
def render_page(spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport) -> tuple[QImage, PageInfo]:
    img = QImage(spec.width, spec.height, QImage.Format.Format_ARGB32_Premultiplied)
    dpm = round(spec.dpi / 0.0254)
    img.setDotsPerMeterX(dpm)
    img.setDotsPerMeterY(dpm)
    img.fill(QColor("white"))
    p = QPainter(img)
    try:
        info = paint_page(p, spec, scene, model, view)
    finally:
        p.end()
    return img, info


def render_preview(spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport, max_w: int, max_h: int) -> QImage:
    """The page scaled down to fit ``max_w`` x ``max_h``: the same :func:`paint_page` call as the
    file, mapped onto a smaller device by the view transform, so its layout is the file's layout."""
    k = min(max_w / spec.width, max_h / spec.height, 1.0)
    w, h = max(1, round(spec.width * k)), max(1, round(spec.height * k))
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    p = QPainter(img)
    try:
        paint_page(p, spec, scene, model, view, device_scale=k)
    finally:
        p.end()
    return img


def write_png(path: str | Path, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport) -> PageInfo:
    img, info = render_page(spec, scene, model, view)
    with atomic_path(path) as tmp:
        if not img.save(str(tmp), "PNG"):
            raise ExportError(f"{path}: could not write the PNG")
    return info


def write_svg(path: str | Path, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
              paper: str | None = None, landscape: bool = True) -> PageInfo:
    """A vector SVG: geometry in page pixels (the viewBox), names and page text as ``<text>``.
    Its printed size is the page's pixels at ``spec.dpi``; with ``paper`` the paper's exact
    millimetres (the pixel count is rounded, the paper is not)."""
    with atomic_path(path) as tmp:
        info = _write_svg(tmp, spec, scene, model, view)
        if paper is not None:
            _set_svg_paper_size(tmp, paper, landscape)
        return info


def _set_svg_paper_size(path: Path, paper: str, landscape: bool) -> None:
    if paper not in PAPER_MM:
        raise ExportError(f"unknown paper {paper!r} (use {', '.join(PAPER_MM)})")
    w_mm, h_mm = PAPER_MM[paper]
    if landscape:
        w_mm, h_mm = h_mm, w_mm
    svg = path.read_text(encoding="utf-8")
    fixed, n = re.subn(r'<svg width="[\d.]+mm" height="[\d.]+mm"', f'<svg width="{w_mm:g}mm" height="{h_mm:g}mm"', svg, count=1)
    if n != 1:
        raise ExportError(f"{path}: the SVG writer wrote no size to set the paper's on")
    path.write_text(fixed, encoding="utf-8")


def _write_svg(path: Path, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport) -> PageInfo:
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(spec.width, spec.height))
    gen.setViewBox(QRectF(0, 0, spec.width, spec.height))
    gen.setResolution(round(spec.dpi))
    gen.setTitle(spec.title or "Kursk Atlas")
    gen.setDescription(attribution_text(spec, model))
    p = QPainter()
    if not p.begin(gen):
        raise ExportError(f"{path}: could not write the SVG")
    with vector_text.recording() as spacing:
        try:
            info = paint_page(p, spec, scene, model, view, vector=True)
        finally:
            p.end()
    vector_text.add_svg_letter_spacing(path, spacing)
    return info


def write_pdf(path: str | Path, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
              paper: str | None = None, landscape: bool = True) -> PageInfo:
    """A vector PDF. With ``paper`` (A4, A3, Letter) the page is that size at ``spec.dpi``; else a
    custom page of ``spec.width`` x ``spec.height`` pixels at ``spec.dpi``."""
    with atomic_path(path) as tmp:
        return _write_pdf(tmp, spec, scene, model, view, paper, landscape)


def _write_pdf(path: Path, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
               paper: str | None, landscape: bool) -> PageInfo:
    w = QPdfWriter(str(path))
    w.setResolution(round(spec.dpi))
    w.setCreator("Kursk Atlas")
    w.setTitle(spec.title or "Kursk Atlas")
    if paper is not None:
        if paper not in _QPAGE:
            raise ExportError(f"unknown paper {paper!r} (use {', '.join(PAPER_MM)})")
        size = QPageSize(_QPAGE[paper])
        spec = PageSpec.for_paper(paper, landscape, spec.dpi, **_content_kw(spec))
    else:
        size = QPageSize(QSizeF(spec.width / spec.dpi * 25.4, spec.height / spec.dpi * 25.4), QPageSize.Unit.Millimeter,
                         "custom", QPageSize.SizeMatchPolicy.ExactMatch)
    orient = QPageLayout.Orientation.Landscape if (paper is not None and landscape) else QPageLayout.Orientation.Portrait
    w.setPageLayout(QPageLayout(size, orient, QMarginsF(0, 0, 0, 0)))
    p = QPainter()
    if not p.begin(w):
        raise ExportError(f"{path}: could not write the PDF")
    try:
        # The writer's device may differ from the spec by rounding: paint at its exact size.
        spec = spec.with_(width=max(16, w.width()), height=max(16, w.height()))
        info = paint_page(p, spec, scene, model, view, vector=True)
    finally:
        p.end()
    return info


def _content_kw(spec: PageSpec) -> dict[str, object]:
    return {k: getattr(spec, k) for k in ("title", "subtitle", "date_stamp", "legend", "scale_bar", "north_arrow",
                                          "inset", "filter_line", "sources", "attribution", "banner", "banner_colour")}


def write_page(path: str | Path, fmt: str, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
               paper: str | None = None, landscape: bool = True) -> PageInfo:
    writers: dict[str, Callable[..., PageInfo]] = {
        "png": write_png,
        "svg": lambda *a: write_svg(*a, paper=paper, landscape=landscape),
        "pdf": lambda *a: write_pdf(*a, paper=paper, landscape=landscape),
    }
    if fmt not in writers:
        raise ExportError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    try:
        return writers[fmt](path, spec, scene, model, view)
    except OSError as exc:  # no such folder, no permission, disk full: a message, not a traceback
        raise ExportError(f"{path}: could not write the {fmt.upper()} ({exc.strerror or exc})") from None


def today_stamp() -> str:
    return _dt.date.today().isoformat()


__all__ = ["PageSpec", "PageInfo", "paint_page", "render_page", "render_preview", "write_page", "write_png",
           "write_svg", "write_pdf", "SIZE_PRESETS", "PAPER_MM", "FORMATS", "ExportError"]
