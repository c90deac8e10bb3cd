"""ControlAreasLayer: the snapshot of control areas in force on the timeline's date, with a legend.

Drawn by the MapScene below the events (screen and export share it). Polygons are turned into
QPainterPaths in EPSG:3857 metres once per snapshot; each draw maps them to pixels with one
QTransform, so a timeline scrub only swaps which cached paths are filled.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from atlas.control.model import (
    MODEL_RANGE_PARTS,
    polygonal,
    MODEL_RANGE_TEXT,
    STATUS_LABELS,
    STATUSES,
    ControlChange,
    ControlSeries,
    ControlSnapshot,
)
from atlas.geo.projection import lonlat_to_merc

from .layers import MapLayer
from .viewport import Viewport

#: Fill (with alpha) and outline per status: shared with the KML export (atlas.model.palette).
from atlas.model.palette import GAINED_COLOUR, LOST_COLOUR, MODEL_RANGE_STYLE, STATUS_STYLE  # noqa: E402,F401

#: The status a model's range stands in for (the reconstruction models the Ukrainian-held area).
MODEL_STATUS = "ukrainian"
MODEL_KEYS = {"model_outer": "outer", "model_inner": "inner"}

APPROX_TEXT = "approximate reconstruction, not a survey"


def geometry_path(geom: BaseGeometry) -> QPainterPath:
    """A path in Mercator metres (odd-even fill: holes stay empty)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    for poly in polys:
        if poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            x, y = lonlat_to_merc(xy[:, 0], xy[:, 1])
            path.moveTo(float(x[0]), float(y[0]))
            for xi, yi in zip(x[1:].tolist(), y[1:].tolist()):
                path.lineTo(xi, yi)
            path.closeSubpath()
    return path


def merc_to_px_transform(vp: Viewport) -> QTransform:
    """px = (x - x0)·sx, py = (y1 - y)·sy as a QTransform."""
    return QTransform(vp.sx, 0.0, 0.0, -vp.sy, -vp.x0 * vp.sx, vp.y1 * vp.sy)


#: The legend box takes at most this share of the map's width, and drops its source line when its
#: rows would take more than this share of the height (a legend must not hide the map it explains).
LEGEND_MAX_WIDTH_SHARE = 0.34
LEGEND_MAX_HEIGHT_SHARE = 0.2


#: Spacing of the model range's hatch lines, in page pixels at ui_scale 1.
HATCH_SPACING_PX = 7.0


def hatch_path(area: BaseGeometry, step: float) -> QPainterPath:
    """Diagonal lines (up to the right, ``step`` apart) across ``area``, cut to it, as one path in
    ``area``'s coordinates (page pixels, y down). Cut here rather than by a painter's clip or a
    brush pattern: SVG files from Qt carry no clip path (the lines ran across the whole page) and
    a pattern is laid out in device pixels by Qt's raster engine but in page units by PDF viewers."""
    path = QPainterPath()
    if area.is_empty or step <= 0:
        return path
    x0, y0, x1, y1 = area.bounds
    # x + y = c, anchored to the page origin so the lines do not crawl as the map pans.
    cs = np.arange(np.floor((x0 + y0) / step) * step, x1 + y1 + step, step)
    if len(cs) == 0:
        return path
    lines = shapely.multilinestrings([[(c - y0, y0), (c - y1, y1)] for c in cs.tolist()])
    cut = shapely.intersection(lines, area)
    for part in getattr(cut, "geoms", [cut]):
        xy = shapely.get_coordinates(part)
        if len(xy) < 2:
            continue
        path.moveTo(float(xy[0, 0]), float(xy[0, 1]))
        for x, y in xy[1:].tolist():
            path.lineTo(x, y)
    return path


def geometry_to_px(geom: BaseGeometry, vp: Viewport) -> BaseGeometry:
    """A lon/lat geometry in ``vp``'s pixels (y down)."""
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = lonlat_to_merc(xy[:, 0], xy[:, 1])
        return np.column_stack([(np.asarray(x) - vp.x0) * vp.sx, (vp.y1 - np.asarray(y)) * vp.sy])
    return shapely.transform(geom, fn)


def _stroke_hatch(p: QPainter, lines: QPainterPath, colour: QColor, u: float) -> None:
    pen = QPen(colour, 0.8 * u)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(lines)


class ControlAreasLayer(MapLayer):
    """Areas of control at one date (the latest snapshot at or before it), plus an optional change
    overlay (gained/lost between two dates). The legend names the date, the source and, for a
    reconstruction, says it is approximate."""

    key, title = "control", "Areas of control"

    def __init__(self) -> None:
        super().__init__()
        self.series = ControlSeries()
        self.date: dt.date | None = None
        self.snapshot: ControlSnapshot | None = None
        self.change: ControlChange | None = None
        self.show_legend = True
        self._paths: dict[int, dict[str, QPainterPath]] = {}
        #: the model range's outer ring (lon/lat) per snapshot, for its hatch lines
        self._ring: dict[int, BaseGeometry] = {}
        self._change_paths: dict[str, QPainterPath] = {}

    # ------------------------------------------------------------------ state
    def set_series(self, series: ControlSeries) -> None:
        self.series = series
        self._paths.clear()
        self._ring.clear()
        self.snapshot = None
        self._update_snapshot(force=True)

    def set_date(self, date: dt.date | None) -> None:
        if date == self.date:
            return
        self.date = date
        self._update_snapshot()

    def _update_snapshot(self, force: bool = False) -> None:
        snap = None
        if self.series:
            snap = self.series.at(self.date) if self.date is not None else self.series.snapshots[-1]
        if snap is not self.snapshot or force:
            self.snapshot = snap
            self.changed()

    def sync_state(self, model: object) -> None:
        """Draw the date the session says (``model.control_date()``: the timeline's window end
        when following it), so every picture of a model shows its own areas (MapScene.sync_to)."""
        date_of = getattr(model, "control_date", None)
        if callable(date_of):
            self.set_date(date_of())

    def set_change(self, change: ControlChange | None) -> None:
        self.change = change
        self._change_paths = {} if change is None else {
            "gained": geometry_path(change.gained), "lost": geometry_path(change.lost)}
        self.changed()

    def paths_for(self, snap: ControlSnapshot) -> dict[str, QPainterPath]:
        key = id(snap)
        if key not in self._paths:
            paths = {s: geometry_path(snap.geometry(s)) for s in snap.statuses}
            env = snap.envelope
            if env is not None and not env.is_empty:
                # The ring only: the part every choice holds is not hatched under its own fill.
                ring = polygonal(shapely.difference(env.outer, env.inner))
                self._ring[key] = ring
                paths["model_outer"] = geometry_path(ring)
                paths["model_inner"] = geometry_path(env.inner)
            self._paths[key] = paths
        return self._paths[key]

    @staticmethod
    def draws_range(snap: ControlSnapshot | None) -> bool:
        """A model with a range is drawn as its range, never as its one central polygon."""
        return snap is not None and snap.envelope is not None and not snap.envelope.is_empty

    # ------------------------------------------------------------------ drawing
    def draw(self, p: QPainter, vp: Viewport) -> None:
        snap = self.snapshot
        u = vp.ui_scale
        if snap is not None:
            paths = self.paths_for(snap)
            p.save()
            # Raster: one transform, cosmetic pens. SVG/PDF: the paths mapped to page pixels and
            # plain pens, because a cosmetic pen under a scale transform is written as a hairline
            # that librsvg draws as nothing.
            tf = merc_to_px_transform(vp)
            if not vp.vector:
                p.setTransform(tf)

            def page(path: QPainterPath) -> QPainterPath:
                return tf.map(path) if vp.vector else path
            ranged = self.draws_range(snap)
            for status in STATUSES:
                path = paths.get(status)
                if path is None or path.isEmpty() or (ranged and status == MODEL_STATUS):
                    continue
                path = page(path)
                fill, alpha, edge = snap.colours.get(status, STATUS_STYLE[status])
                col = QColor(fill)
                col.setAlpha(alpha)
                pen = QPen(QColor(edge), 1.2 * u)
                pen.setCosmetic(not vp.vector)
                if snap.approximate:
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(QBrush(col))
                p.drawPath(path)
                if status == "contested":
                    p.setBrush(QBrush(QColor(edge), Qt.BrushStyle.BDiagPattern))
                    p.drawPath(path)
            if ranged:
                self._draw_range(p, paths, page, vp, self._ring.get(id(snap)))
            for kind, colour, pattern in (("lost", LOST_COLOUR, Qt.BrushStyle.FDiagPattern),
                                          ("gained", GAINED_COLOUR, Qt.BrushStyle.BDiagPattern)):
                path = self._change_paths.get(kind)
                if path is None or path.isEmpty():
                    continue
                pen = QPen(QColor(colour), 2.0 * u)
                pen.setCosmetic(not vp.vector)
                p.setPen(pen)
                brush = QBrush(QColor(colour), pattern)
                if not vp.vector:
                    brush.setTransform(p.transform().inverted()[0])  # hatch spacing in pixels
                p.setBrush(brush)
                p.drawPath(page(path))
            p.restore()
        if self.show_legend and (snap is not None or self.change is not None):
            self.draw_legend(p, vp)

    @staticmethod
    def _draw_range(p: QPainter, paths: dict[str, QPainterPath], page: object, vp: Viewport,
                    ring: BaseGeometry | None) -> None:
        """The model's range: the outer ring (only some parameter choices hold it) hatched with a
        dashed edge, the inner area (every choice holds it) filled with a solid edge."""
        u = vp.ui_scale
        for key in ("model_outer", "model_inner"):
            path = paths.get(key)
            if path is None or path.isEmpty():
                continue
            fill, alpha, edge, hatch = MODEL_RANGE_STYLE[MODEL_KEYS[key]]
            col = QColor(fill)
            col.setAlpha(alpha)
            pen = QPen(QColor(edge), (1.3 if key == "model_outer" else 1.0) * u)
            pen.setCosmetic(not vp.vector)
            if key == "model_outer":
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(QBrush(col))
            p.drawPath(page(path))  # type: ignore[operator]
            if hatch and ring is not None:
                hc = QColor(fill)
                hc.setAlpha(hatch)
                view = shapely.box(-50, -50, vp.width + 50, vp.height + 50)  # only what shows
                area = shapely.intersection(geometry_to_px(ring, vp), view)
                p.save()
                if not vp.vector:
                    p.setTransform(QTransform())  # page pixels (the raster painter carries Mercator)
                _stroke_hatch(p, hatch_path(area, HATCH_SPACING_PX * u), hc, u)
                p.restore()

    def legend_lines(self) -> list[tuple[str | None, str]]:
        """(status or marker key, text) rows of the legend, top to bottom."""
        snap = self.snapshot
        rows: list[tuple[str | None, str]] = []
        if snap is not None:
            head = f"Areas of control, as of {snap.as_of.isoformat()}"
            if self.date is not None and self.date != snap.as_of:
                head += f" (shown for {self.date.isoformat()})"
            rows.append((None, head))
            ranged = self.draws_range(snap)
            for s in snap.statuses:
                if not (ranged and s == MODEL_STATUS):
                    rows.append((s, STATUS_LABELS[s]))
            if ranged:
                rows.append((None, f"≈ {MODEL_RANGE_TEXT}"))
                rows += [(k, MODEL_RANGE_PARTS[part]) for k, part in MODEL_KEYS.items()]
            src = snap.source or snap.label
            rows.append((None, f"Source: {src}" if len(src) <= 90 else f"Source: {src[:87]}…"))
            if snap.approximate:
                rows.append((None, f"≈ {APPROX_TEXT}"))
        elif self.series:
            rows.append((None, f"No control snapshot on or before {self.date}"))
        if self.change is not None:
            ch = self.change
            rows.append((None, f"{STATUS_LABELS[ch.status]}, {ch.date_from} → {ch.date_to}"))
            rows.append(("gained", f"gained {ch.gained_km2:,.0f} km²"))
            rows.append(("lost", f"lost {ch.lost_km2:,.0f} km²"))
        return rows

    def label_reserved(self, vp: Viewport) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The built-in legend's box when this layer draws it: map labels keep out of it."""
        r = self.legend_rect(vp) if self.show_legend else None
        return [] if r is None else [("control_legend", (r.left(), r.top(), r.right(), r.bottom()))]

    def legend_rect(self, vp: Viewport) -> QRectF | None:
        """Where :meth:`draw_legend` draws its box in ``vp``, without drawing (None: no legend)."""
        if self.snapshot is None and self.change is None:
            return None
        return self._legend_layout(vp)[0]

    def _legend_layout(self, vp: Viewport) -> tuple[QRectF, list[tuple[str | None, str]], QFont, float]:
        u = vp.ui_scale
        rows = self.legend_lines()
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(10 * u)))
        fm = QFontMetricsF(font)
        sw = 12 * u
        pad = 7 * u
        line_h = max(fm.height(), sw) + 3 * u
        # A corner legend, not a banner across the map: on a small map without the source line
        # (the dock names it), and at most a third of the map's width; long sources are elided.
        if line_h * len(rows) > vp.height * LEGEND_MAX_HEIGHT_SHARE:
            rows = [r for r in rows if not r[1].startswith("Source:")]

        def advance(k: str | None, t: str) -> float:
            return QFontMetricsF(self._row_font(font, k, t)).horizontalAdvance(t) + (sw + 6 * u if k else 0)

        width = max(advance(k, t) for k, t in rows) + 2 * pad
        # The date line and the statuses are never cut (the date is what the map shows): they may
        # widen the box past the third, up to 45 % of the map.
        need = max((advance(k, t) for k, t in rows if not t.startswith("Source")), default=0.0) + 2 * pad
        height = line_h * len(rows) + 2 * pad - 3 * u
        cap = vp.width * LEGEND_MAX_WIDTH_SHARE
        if need > cap:
            cap = min(need, vp.width * 0.45)
        box = QRectF(12 * u, vp.height - height - 64 * u, min(max(min(width, 300 * u), need), cap), height)
        return box, rows, font, line_h

    def draw_legend(self, p: QPainter, vp: Viewport) -> None:
        u = vp.ui_scale
        box, rows, font, line_h = self._legend_layout(vp)
        sw = 12 * u
        pad = 7 * u
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(0, 0, 0, 60), 1.0 * u))
        p.setBrush(QColor(255, 255, 255, 228))
        p.drawRoundedRect(box, 4 * u, 4 * u)
        p.setFont(font)
        y = box.top() + pad
        for key, text in rows:
            x = box.left() + pad
            if key in STATUS_STYLE:
                own = self.snapshot.colours if self.snapshot is not None else {}
                fill, alpha, edge = own.get(key, STATUS_STYLE[key])
                c = QColor(fill)
                c.setAlpha(min(255, alpha * 2))
                p.setPen(QPen(QColor(edge), 1.0 * u))
                p.setBrush(c)
                p.drawRect(QRectF(x, y + (line_h - sw) / 2 - 1 * u, sw, sw * 0.8))
                x += sw + 6 * u
            elif key in MODEL_KEYS:
                fill, alpha, edge, hatch = MODEL_RANGE_STYLE[MODEL_KEYS[key]]
                r = QRectF(x, y + (line_h - sw) / 2 - 1 * u, sw, sw * 0.8)
                c = QColor(fill)
                c.setAlpha(min(255, alpha * 2))
                pen = QPen(QColor(edge), 1.0 * u)
                if key == "model_outer":
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(c)
                p.drawRect(r)
                if hatch:
                    hc = QColor(fill)
                    hc.setAlpha(min(255, hatch * 2))
                    swatch = shapely.box(r.left(), r.top(), r.right(), r.bottom())
                    _stroke_hatch(p, hatch_path(swatch, 4.0 * u), hc, u)
                x += sw + 6 * u
            elif key in ("gained", "lost"):
                colour = GAINED_COLOUR if key == "gained" else LOST_COLOUR
                p.setPen(QPen(QColor(colour), 1.5 * u))
                p.setBrush(QBrush(QColor(colour), Qt.BrushStyle.BDiagPattern if key == "gained"
                                  else Qt.BrushStyle.FDiagPattern))
                p.drawRect(QRectF(x, y + (line_h - sw) / 2 - 1 * u, sw, sw * 0.8))
                x += sw + 6 * u
            p.setPen(QColor("#8a1c1a") if text.startswith("≈") else QColor("#1b1f24"))
            f2 = self._row_font(font, key, text)
            p.setFont(f2)
            avail = box.right() - x - pad
            shown = QFontMetricsF(f2).elidedText(text, Qt.TextElideMode.ElideRight, avail)
            p.drawText(QRectF(x, y, avail, line_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
            y += line_h
        p.restore()

    @staticmethod
    def _row_font(font: QFont, key: str | None, text: str) -> QFont:
        f = QFont(font)
        f.setBold(key is None and text.startswith("Areas"))
        f.setItalic(text.startswith("≈") or text.startswith("Source"))
        return f

    def bounds_lonlat(self) -> tuple[float, float, float, float] | None:
        return self.snapshot.bounds if self.snapshot is not None else None


class ControlLegendLayer(MapLayer):
    """The control layer's legend, as its own layer on top of the stack, so place names and
    events never cover it. It changes whenever the control layer does (shared version)."""

    key, title = "control_legend", "Areas of control: legend"
    #: Redrawn on every paint (it is small): its "shown for DATE" line follows every timeline step
    #: while the cached areas image is only re-rendered when the snapshot itself changes.
    dynamic = True

    def __init__(self, areas: ControlAreasLayer) -> None:
        self.areas = areas
        super().__init__()
        areas.show_legend = False

    @property  # type: ignore[override]
    def version(self) -> int:
        return self.areas.version

    @version.setter
    def version(self, value: int) -> None:  # MapLayer.__init__ sets it; the areas layer owns it
        pass

    def draw(self, p: QPainter, vp: Viewport) -> None:
        if self.areas.visible and (self.areas.snapshot is not None or self.areas.change is not None):
            self.areas.draw_legend(p, vp)

    def label_reserved(self, vp: Viewport) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The legend's box: map labels keep out of it (LabelLayout)."""
        r = self.areas.legend_rect(vp) if self.areas.visible else None
        return [] if r is None else [("control_legend", (r.left(), r.top(), r.right(), r.bottom()))]


def add_control_layers(scene: object) -> tuple[ControlAreasLayer, ControlLegendLayer]:
    """Insert the areas under the events (and names) and the legend on top of the scene."""
    areas = ControlAreasLayer()
    # Under the events, and under the place names too when they sit below the events (the fill
    # would veil them); whichever of the two comes first in the stack.
    keys = [lyr.key for lyr in scene.layers]  # type: ignore[attr-defined]
    below = min((k for k in ("names", "events") if k in keys), key=keys.index, default="events")
    scene.insert(areas, below=below)  # type: ignore[attr-defined]
    legend = ControlLegendLayer(areas)
    scene.insert(legend)  # type: ignore[attr-defined]
    return areas, legend
