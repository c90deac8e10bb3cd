"""Vector files as extra basemap layers on the map: one :class:`FileMapLayer` per
:class:`~atlas.model.session.FileLayer` of the model, drawn above the bundled basemap and under the
events, on the screen and in every export through the same :meth:`MapScene.paint`.

A file is read once (atlas/io/vector_layers.py) and prepared once (:class:`PreparedLayer`: polygons
cut into cells and lines chunked as QPainterPaths in Mercator metres at a few levels of detail, the
way the bundled basemap is, points as arrays); a cache keyed by the file's path, size and
modification time shares the preparation between the screen's scene, its snapshots for exports
and the next time the same file is added. A restyle only bumps the layer's version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPolygonF

from atlas.geo.projection import lonlat_to_merc
from atlas.io.report import InputError
from atlas.io.osm_themes import is_osm
from atlas.io.vector_layers import VectorData, list_layers, read_layer
from atlas.model.layer_styles import default_style
from atlas.model.session import FileLayer, LayerStyle, new_layer_id

from .basemap_base import cosmetic_pen, merc_transform
from .basemap_geometry import Lod, fill_lod, line_lod, to_merc
from .layers import MapLayer
from .vector_text import draw_haloed_text
from .viewport import Viewport

FloatArray = npt.NDArray[np.float64]

#: Names drawn per layer and view at most (a label per feature of a big layer is noise).
MAX_LABELS = 400
#: Prepared files kept (each is the file's geometry as paths; a few are plenty).
CACHE_SIZE = 12


class PreparedLayer:
    """One layer's geometry ready to draw: fills, outlines and lines as level-of-detail path sets
    in Mercator metres, points as arrays, and where each feature's name goes."""

    def __init__(self, data: VectorData) -> None:
        self.data = data
        geoms = shapely.get_parts(data.geoms, return_index=True)
        parts, owner = geoms
        types = shapely.get_type_id(parts)
        poly = np.isin(types, (3, 6))
        line = np.isin(types, (1, 2, 5))
        point = np.isin(types, (0, 4))
        polys = list(parts[poly])
        self.fill: Lod | None = fill_lod(polys, [0] * len(polys)) if polys else None
        self.outline: Lod | None = line_lod([to_merc(g) for g in polys], [0] * len(polys)) if polys else None
        lines = list(parts[line])
        self.lines: Lod | None = line_lod([to_merc(g) for g in lines], [0] * len(lines)) if lines else None
        xy = shapely.get_coordinates(parts[point])
        mx, my = lonlat_to_merc(xy[:, 0], xy[:, 1]) if len(xy) else (np.zeros(0), np.zeros(0))
        self.px, self.py = np.asarray(mx, dtype=np.float64), np.asarray(my, dtype=np.float64)
        self.has_polygons, self.has_lines = bool(polys), bool(lines)
        # A feature's name sits on its point, the middle of its line, or inside its polygon.
        anchors = np.empty(len(data.geoms), dtype=object)
        types_whole = shapely.get_type_id(data.geoms)
        is_line = np.isin(types_whole, (1, 5))
        anchors[is_line] = shapely.line_interpolate_point(data.geoms[is_line], 0.5, normalized=True)
        anchors[~is_line] = shapely.point_on_surface(data.geoms[~is_line])
        axy = shapely.get_coordinates(anchors) if len(anchors) else np.zeros((0, 2))
        ax, ay = lonlat_to_merc(axy[:, 0], axy[:, 1]) if len(axy) else (np.zeros(0), np.zeros(0))
        self.label_x, self.label_y = np.asarray(ax, dtype=np.float64), np.asarray(ay, dtype=np.float64)
        self.bounds = shapely.total_bounds(data.geoms) if len(data.geoms) else None


_CACHE: OrderedDict[tuple[str, str, int, int], PreparedLayer] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def prepared(spec: FileLayer) -> PreparedLayer:
    """The prepared geometry of ``spec``'s file and layer (read and prepared on first use;
    :class:`InputError` when it cannot be read)."""
    path = Path(spec.path)
    try:
        st = path.stat()
    except OSError:
        raise InputError(path, "no such file") from None
    key = (str(path.resolve()), spec.layer, st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    prep = PreparedLayer(read_layer(path, spec.layer))
    with _CACHE_LOCK:
        _CACHE[key] = prep
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return prep


def layers_from_file(path: Path, existing: Sequence[FileLayer], only: str | None = None) -> tuple[list[FileLayer], list[str]]:
    """The map layers a file gives (every layer with features; an OSM extract: each theme that has
    any inside the region), each read once to check it, with its default style; and notes about
    layers left out (``only``: just the layer so named). :class:`InputError` when the file cannot
    be read at all, or has no layer ``only``."""
    infos = list_layers(path)
    if only is not None:
        infos = [i for i in infos if i.name == only]
        if not infos:
            names = ", ".join(repr(i.name) for i in list_layers(path))
            raise InputError(path, f"has no layer {only!r} (layers: {names})")
    out: list[FileLayer] = []
    notes: list[str] = []
    failures: list[InputError] = []
    taken = list(existing)
    plain = sum(1 for x in existing if not x.id.startswith("osm-"))
    for info in infos:
        osm = is_osm(path)
        stem = f"osm-{info.name}" if osm else (f"{path.stem}-{info.name}" if len(infos) > 1 and info.name else path.stem)
        spec = FileLayer(new_layer_id(taken, stem), str(path.absolute()), info.name, "",
                         default_style(info.kind, plain, info.name if osm else ""))
        try:
            data = prepared(spec).data
        except InputError as exc:
            if len(infos) == 1:
                raise
            failures.append(exc)
            notes.append(f"layer {info.name!r}: {exc.what}")
            continue
        if len(data) == 0:
            if not osm:
                notes.append(f"layer {info.name!r} holds no features; left out")
            continue
        if not osm:
            spec = spec.replace(style=default_style(data.kind, plain))
            plain += 1
        out.append(spec)
        taken.append(spec)
    if failures and len(failures) == len(infos):
        raise failures[0]  # nothing of the file could be read: one line, not one per layer
    if not out and not notes:
        notes.append("nothing to draw inside the atlas's region" if is_osm(path) else "no features to draw")
    return out, notes


def _symbol_path(symbol: str, r: float) -> QPainterPath:
    """A point symbol of radius ``r`` around (0, 0)."""
    path = QPainterPath()
    if symbol == "square":
        path.addRect(QRectF(-r * 0.9, -r * 0.9, 1.8 * r, 1.8 * r))
    elif symbol == "triangle":
        path.addPolygon(QPolygonF([QPointF(0, -r * 1.1), QPointF(r, r * 0.75), QPointF(-r, r * 0.75)]))
        path.closeSubpath()
    elif symbol == "diamond":
        path.addPolygon(QPolygonF([QPointF(0, -r * 1.2), QPointF(r, 0), QPointF(0, r * 1.2), QPointF(-r, 0)]))
        path.closeSubpath()
    elif symbol == "cross":
        w = r * 0.38
        path.addRect(QRectF(-r, -w, 2 * r, 2 * w))
        path.addRect(QRectF(-w, -r, 2 * w, 2 * r))
        path = path.simplified()
    else:
        path.addEllipse(QPointF(0, 0), r, r)
    return path


class FileMapLayer(MapLayer):
    """A vector file on the map, drawn with its :class:`LayerStyle`. Its visibility, order and
    look are the model's (``model.file_layers``), applied by :meth:`MapScene.apply_state`; the
    generic layer stack does not manage it."""

    #: managed by its own session value, not by the layer stack (atlas.render.scene)
    own_state = True

    def __init__(self, spec: FileLayer) -> None:
        super().__init__()
        self.spec = spec
        self.key, self.title = spec.key, spec.display_title
        self.data: PreparedLayer | None = None
        self.error: str | None = None
        self.visible = spec.visible
        self._load()

    def _load(self) -> None:
        try:
            self.data, self.error = prepared(self.spec), None
        except InputError as exc:
            self.data, self.error = None, str(exc)
        self.changed()

    def set_spec(self, spec: FileLayer) -> bool:
        """Follow the model's value for this layer; returns whether the picture changes."""
        if spec == self.spec:
            return False
        old, self.spec = self.spec, spec
        self.title = spec.display_title
        self.visible = spec.visible
        if (old.path, old.layer) != (spec.path, spec.layer):
            self._load()
        else:
            self.changed()
        return True

    @property
    def style(self) -> LayerStyle:
        return self.spec.style

    # ------------------------------------------------------------------ drawing
    def draw(self, p: QPainter, vp: Viewport) -> None:
        d = self.data
        if d is None:
            return
        s = self.spec.style
        u = vp.ui_scale
        p.setOpacity(p.opacity() * s.opacity)
        p.save()
        if not vp.vector:
            p.setTransform(merc_transform(vp))
        tf = merc_transform(vp)

        def page(path: QPainterPath) -> QPainterPath:
            # SVG/PDF: paths in page pixels with plain pens (cosmetic pens under a scale transform
            # become hairlines librsvg draws as nothing; see basemap_base.cosmetic_pen).
            return tf.map(path) if vp.vector else path

        if d.fill is not None and s.fill and s.fill_opacity > 0:
            col = QColor(s.fill)
            col.setAlphaF(s.fill_opacity)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(col))
            ps = d.fill.pick(vp)
            for i in ps.visible(vp).tolist():
                p.drawPath(page(ps.paths[i]))
        if s.width > 0:
            pen = cosmetic_pen(s.stroke, s.width * u, vector=vp.vector)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for lod in (d.outline, d.lines):
                if lod is None:
                    continue
                ps = lod.pick(vp)
                for i in ps.visible(vp, pad_px=pen.widthF() + 2).tolist():
                    p.drawPath(page(ps.paths[i]))
        p.restore()
        self._draw_points(p, vp, d, s)
        if s.label and s.label in d.data.fields:
            self._draw_labels(p, vp, d, s)

    def _draw_points(self, p: QPainter, vp: Viewport, d: PreparedLayer, s: LayerStyle) -> None:
        if d.px.size == 0:
            return
        u = vp.ui_scale
        r = s.size * u / 2
        x = (d.px - vp.x0) * vp.sx
        y = (vp.y1 - d.py) * vp.sy
        m = (x >= -r) & (x <= vp.width + r) & (y >= -r) & (y <= vp.height + r)
        if not m.any():
            return
        shape = _symbol_path(s.symbol, r)
        fill = QColor(s.fill or s.stroke)
        if s.fill:
            fill.setAlphaF(s.fill_opacity)
        p.setBrush(QBrush(fill))
        if s.width > 0:
            pen = cosmetic_pen(s.stroke, s.width * u, vector=vp.vector)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
        else:
            p.setPen(Qt.PenStyle.NoPen)
        for xi, yi in zip(x[m].tolist(), y[m].tolist()):
            p.drawPath(shape.translated(xi, yi))

    def _draw_labels(self, p: QPainter, vp: Viewport, d: PreparedLayer, s: LayerStyle) -> None:
        u = vp.ui_scale
        texts = d.data.fields[s.label]
        x = (d.label_x - vp.x0) * vp.sx
        y = (vp.y1 - d.label_y) * vp.sy
        inside = np.flatnonzero((x >= 0) & (x <= vp.width) & (y >= 0) & (y <= vp.height))
        if inside.size == 0:
            return
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(10.5 * u)))
        fm = QFontMetricsF(font)
        taken: list[QRectF] = []
        off = (s.size / 2 + 3) * u if d.px.size else 0.0
        colour = QColor("#202020")
        for i in inside.tolist():
            text = texts[i]
            if not text:
                continue
            text = " ".join(str(text).split())
            w = fm.horizontalAdvance(text)
            # Beside a point symbol; centred on a line's middle or inside a polygon.
            ox = x[i] + off if off and d.px.size else x[i] - w / 2
            box = QRectF(ox - 2 * u, y[i] - fm.ascent() / 2 - 2 * u, w + 4 * u, fm.height() + 4 * u)
            if any(box.intersects(b) for b in taken):
                continue
            taken.append(box)
            draw_haloed_text(p, QPointF(ox, y[i] + fm.ascent() / 2 - fm.descent() / 2), text, font, colour,
                             "#ffffff", 1.6 * u)
            if len(taken) >= MAX_LABELS:
                break


def layer_attribution(layers: tuple[FileLayer, ...]) -> str:
    """``Layer: roads.gpkg (user file)`` for the visible file layers: their sources and licences are
    not known to the atlas, so the picture names the files (each once)."""
    names = list(dict.fromkeys(x.file_name for x in layers if x.visible))
    if not names:
        return ""
    word = "Layer" if len(names) == 1 else "Layers"
    return f"{word}: {', '.join(names)} (user {'file' if len(names) == 1 else 'files'})"
