"""Quick-look PNG of the built basemap layers (a check for the builder's eyes, not the atlas's map).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/basemap_preview.py out.png [--bbox W S E N]
        [--width 1600] [--min-pop 5000] [--context]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import shapely  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen  # noqa: E402

from atlas.geo.basemap_data import load_basemap  # noqa: E402

FILL = {"UKR": QColor(250, 246, 222), "RUS": QColor(236, 232, 240), "BLR": QColor(232, 240, 232)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--bbox", type=float, nargs=4, default=None)
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--min-pop", type=int, default=5000)
    ap.add_argument("--context", action="store_true", help="draw the context layer instead")
    a = ap.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    bm = load_basemap()
    w, s, e, n = a.bbox or ((22.0, 44.0, 45.0, 57.0) if a.context else (32.5, 49.8, 38.5, 52.8))
    k = math.cos(math.radians((s + n) / 2))
    width = a.width
    height = int(width * (n - s) / ((e - w) * k))
    img = QImage(width, height, QImage.Format.Format_ARGB32)
    img.fill(QColor(200, 220, 235))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)

    def xy(lon: float, lat: float) -> QPointF:
        return QPointF((lon - w) / (e - w) * width, (n - lat) / (n - s) * height)

    def path_of(g) -> QPainterPath:
        path = QPainterPath()
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon":
                rings = [part.exterior, *part.interiors]
            else:
                rings = [part]
            for r in rings:
                cs = list(r.coords)
                path.moveTo(xy(*cs[0]))
                for c in cs[1:]:
                    path.lineTo(xy(*c))
                if part.geom_type == "Polygon":
                    path.closeSubpath()
        return path

    if a.context:
        for g, a3 in zip(bm.context.geoms, bm.context["iso_a3"]):
            p.setPen(QPen(QColor(120, 120, 120), 0.8))
            p.setBrush(FILL.get(a3, QColor(245, 245, 240)))
            p.drawPath(path_of(g))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(200, 0, 0), 2))
        p.drawRect(xy(32.5, 52.8).x(), xy(32.5, 52.8).y(), xy(38.5, 49.8).x() - xy(32.5, 52.8).x(),
                   xy(38.5, 49.8).y() - xy(32.5, 52.8).y())
        p.end()
        img.save(str(a.out))
        return 0

    for g, a3 in zip(bm.countries.geoms, bm.countries["iso_a3"]):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(FILL.get(a3, QColor(240, 240, 240)))
        p.drawPath(path_of(g))
    p.setBrush(QBrush(QColor(120, 170, 220)))
    p.setPen(QPen(QColor(70, 120, 190), 0.8))
    for g in bm.water.geoms:
        p.drawPath(path_of(g))
    p.setBrush(Qt.BrushStyle.NoBrush)
    pen = QPen(QColor(110, 110, 110), 1.2, Qt.PenStyle.DashLine)
    p.setPen(pen)
    for g in bm.oblast_lines.geoms:
        p.drawPath(path_of(g))
    for g, approx in zip(bm.rivers.geoms, bm.rivers["approximate"]):
        pen = QPen(QColor(40, 110, 210), 1.6, Qt.PenStyle.DashDotLine if approx else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.drawPath(path_of(g))
    p.setPen(QPen(QColor(150, 20, 20), 2.6))
    for g in bm.border.geoms:
        p.drawPath(path_of(g))
    f = QFont()
    f.setPixelSize(12)
    p.setFont(f)
    for g, name in zip(bm.rivers.geoms, bm.rivers["name_en"]):
        c = g.interpolate(0.5, normalized=True)
        if w <= c.x <= e and s <= c.y <= n:
            p.setPen(QColor(20, 70, 170))
            p.drawText(xy(c.x, c.y) + QPointF(4, -4), name)
    st = bm.settlements
    for i in range(len(st.lon)):
        lon, lat = float(st.lon[i]), float(st.lat[i])
        if not (w <= lon <= e and s <= lat <= n):
            continue
        big = st.population[i] >= a.min_pop or st.origin[i] == "override"
        r = 2.0 + min(4.0, math.log10(max(st.population[i], 10)) - 2) if big else 1.5
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(200, 80, 0) if st.approximate[i] else QColor(30, 30, 30))
        p.drawEllipse(xy(lon, lat), r, r)
        if big:
            p.setPen(QColor(20, 20, 20))
            p.drawText(xy(lon, lat) + QPointF(r + 2, 4), st.names[i] + (" ~" if st.approximate[i] else ""))
    p.end()
    img.save(str(a.out))
    print(f"wrote {a.out} {width}x{height}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
