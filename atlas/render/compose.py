"""Compose a picture of the map: the scene's layers plus the decorations a briefing needs.

``render_map`` is the bare map (the screen canvas paints the same layers through the same
:meth:`MapScene.paint`); ``render_picture`` adds the title, the shown-events line and the
attributions. The CLI and the GUI's export both call these, headless-safe (QImage, no widgets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from atlas.geo.basemap_data import ATTRIBUTION as BASEMAP_ATTRIBUTION
from atlas.model import AtlasModel

from .scene import MapScene
from .viewport import Viewport

#: Shown in the status bar, the About box and on every export (the data licences require it).
DEFAULT_ATTRIBUTION = (
    "Events: Kursk Atlas curated dataset (CC BY 4.0) and the sources each event names"
    f" · Basemap: {BASEMAP_ATTRIBUTION}"
)


@dataclass
class Decorations:
    title: str = ""
    subtitle: str = ""
    attribution: str = DEFAULT_ATTRIBUTION
    show_summary: bool = True
    extra_lines: list[str] = field(default_factory=list)


def new_image(width: int, height: int) -> QImage:
    img = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    return img


def render_map(scene: MapScene, vp: Viewport) -> QImage:
    img = new_image(vp.width, vp.height)
    p = QPainter(img)
    try:
        scene.paint(p, vp)
    finally:
        p.end()
    return img


def summary_line(model: AtlasModel) -> str:
    t = model.table
    rows = model.visible_rows
    shown = len(rows)
    parts = [f"{shown:,} of {len(t):,} events"]
    span = t.date_span(rows)
    if span is not None:
        parts.append(f"{span[0]} – {span[1]}")
    no_xy = int((~t.has_coords[rows]).sum()) if shown else 0
    if no_xy:
        parts.append(f"{no_xy:,} without coordinates (not on the map)")
    desc = model.filter.describe()
    if desc != "all events":
        parts.append(f"filter: {desc}")
    return " · ".join(parts)


def _font(px: float, bold: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    return f


def draw_decorations(p: QPainter, vp: Viewport, model: AtlasModel, deco: Decorations) -> None:
    u = vp.ui_scale
    pad = 10 * u
    # Title block, top left, on a translucent plate so it reads over any map.
    lines: list[tuple[str, QFont]] = []
    if deco.title:
        lines.append((deco.title, _font(20 * u, bold=True)))
    if deco.subtitle:
        lines.append((deco.subtitle, _font(13 * u)))
    if deco.show_summary:
        lines.append((summary_line(model), _font(11 * u)))
    lines += [(s, _font(11 * u)) for s in deco.extra_lines]
    if lines:
        widths = [QFontMetricsF(f).horizontalAdvance(s) for s, f in lines]
        heights = [QFontMetricsF(f).height() for _, f in lines]
        box = QRectF(pad, pad, min(max(widths) + 2 * pad, vp.width - 2 * pad), sum(heights) + 1.6 * pad)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 225))
        p.drawRoundedRect(box, 4 * u, 4 * u)
        y = box.top() + 0.8 * pad
        p.setPen(QColor("#111820"))
        for (s, f), h in zip(lines, heights):
            p.setFont(f)
            p.drawText(QRectF(box.left() + pad, y, box.width() - 2 * pad, h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, s)
            y += h
    if deco.attribution:
        f = _font(9 * u)
        p.setFont(f)
        fm = QFontMetricsF(f)
        w = min(fm.horizontalAdvance(deco.attribution) + 2 * pad, vp.width)
        r = QRectF(vp.width - w, vp.height - fm.height() - 0.6 * pad, w, fm.height() + 0.6 * pad)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 200))
        p.drawRect(r)
        p.setPen(QColor("#333"))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, deco.attribution)


def render_picture(model: AtlasModel, scene: MapScene, vp: Viewport, deco: Decorations) -> QImage:
    """The map with its decorations, as one image (the export and `main.py render`)."""
    img = new_image(vp.width, vp.height)
    p = QPainter(img)
    try:
        scene.paint(p, vp)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        draw_decorations(p, vp, model, deco)
    finally:
        p.end()
    return img


def focus_point_px(model: AtlasModel, vp: Viewport) -> QPointF | None:
    row = model.current_row()
    if row is None or not model.table.has_coords[row]:
        return None
    (x,), (y,) = vp.lonlat_to_px([model.table.lon[row]], [model.table.lat[row]])
    return QPointF(float(x), float(y))
