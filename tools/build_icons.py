"""Render the app icon (resources/app/kursk-atlas.svg) to the PNG sizes desktops ask for, and
optionally a contact sheet of every icon at 16, 24 and 48 px to look at.

    python tools/build_icons.py [--sheet OUT.png]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    r = QSvgRenderer(str(svg))
    if not r.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r.render(p, QRectF(0, 0, size, size))
    p.end()
    return img


def sheet(out: Path) -> None:
    icons = sorted((RES / "icons").glob("*.svg"))
    cols, cell = 6, 190
    rows = (len(icons) + cols - 1) // cols
    img = QImage(cols * cell, rows * 80, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    p.setFont(QFont("DejaVu Sans", 7))
    for i, svg in enumerate(icons):
        x, y = (i % cols) * cell, (i // cols) * 80
        dx = 4
        for s in (16, 24, 48):
            p.drawImage(x + dx, y + 4 + (48 - s), render(svg, s))
            dx += s + 8
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(x + 2, y + 56, cell - 4, 20), Qt.AlignmentFlag.AlignLeft, svg.stem)
    p.end()
    img.save(str(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sheet", type=Path)
    args = ap.parse_args()
    _app = QGuiApplication(sys.argv[:1])
    for s in SIZES:
        render(RES / "app" / "kursk-atlas.svg", s).save(str(RES / "app" / f"kursk-atlas-{s}.png"))
    if args.sheet:
        sheet(args.sheet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
