"""Names with a halo in SVG and PDF: the words stay words.

On a raster the basemap stamps pre-rendered label sprites (fast, cached). In an SVG or a PDF a
sprite is a picture of a word: ``pdftotext`` cannot find "Sudzha" and an editor cannot change it.
There each name is drawn as real text over an outline halo (the glyph outlines stroked in the halo
colour, a vector path), once: the halo is not a stack of offset copies of the text, which text
extraction would read four times.

QSvgGenerator writes a ``<text>`` with the font's family, size, weight and style but drops its
letter spacing, so spaced names (RUSSIA, KURSK) would come out narrower than their halos. Spaced
texts drawn while :func:`recording` are noted, and :func:`add_svg_letter_spacing` adds the
``letter-spacing`` attribute to their ``<text>`` elements after the file is written.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPaintEngine, QPainter, QPainterPath, QPen

_local = threading.local()


@contextmanager
def recording() -> Iterator[dict[tuple[str, int], float]]:
    """Collect {(text, font size in px): letter spacing in px} of the spaced texts drawn on this
    thread meanwhile (the size tells a spaced RUSSIA on the map from the inset's plain one)."""
    notes: dict[tuple[str, int], float] = {}
    outer = getattr(_local, "notes", None)
    _local.notes = notes
    try:
        yield notes
    finally:
        _local.notes = outer


def _note_spacing(text: str, font: QFont) -> None:
    notes = getattr(_local, "notes", None)
    if notes is None:
        return
    if font.letterSpacingType() == QFont.SpacingType.AbsoluteSpacing and font.letterSpacing():
        notes[(text, font.pixelSize())] = float(font.letterSpacing())


def draw_haloed_text(p: QPainter, origin: QPointF, text: str, font: QFont, colour: QColor | str,
                     halo_colour: QColor | str, halo_px: float) -> None:
    """``text`` with its baseline starting at ``origin``: an outline halo ``halo_px`` wide on each
    side (a path), then the text itself (text)."""
    if not text:
        return
    if halo_px > 0:
        path = QPainterPath()
        path.addText(origin, font, text)
        pen = QPen(QColor(halo_colour), 2 * halo_px)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.strokePath(path, pen)
    p.setFont(_pdf_spacing_fix(p, font))
    p.setPen(QColor(colour))
    p.drawText(origin, text)
    _note_spacing(text, font)


def _pdf_spacing_fix(p: QPainter, font: QFont) -> QFont:
    """Qt's PDF engine applies an absolute letter spacing once more per 96 dpi of the writer's
    resolution (at 192 dpi RUSSIA came out twice as spaced as its halo, and pdftotext read it as
    six one-letter words): scale it back so the text lands on its halo at every dpi."""
    engine = p.paintEngine()
    if engine is None or engine.type() != QPaintEngine.Type.Pdf or not font.letterSpacing() \
            or font.letterSpacingType() != QFont.SpacingType.AbsoluteSpacing:
        return font
    dpi = p.device().logicalDpiX() if p.device() is not None else 96
    if not dpi or dpi == 96:
        return font
    fixed = QFont(font)
    fixed.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, font.letterSpacing() * 96 / dpi)
    return fixed


_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")
_SIZE = re.compile(r'font-size="([\d.]+)"')


def add_svg_letter_spacing(path: str | Path, notes: dict[tuple[str, int], float]) -> int:
    """Give each ``<text>`` whose content is a noted text its letter spacing; returns how many."""
    if not notes:
        return 0
    p = Path(path)
    svg = p.read_text(encoding="utf-8")
    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        attrs, body = m.group(1), m.group(2)
        size = _SIZE.search(attrs)
        if size is None:
            return m.group(0)
        spacing = notes.get((html.unescape(body), round(float(size.group(1)))))
        if spacing is None or "letter-spacing" in attrs:
            return m.group(0)
        count += 1
        return f'<text letter-spacing="{spacing:.3g}"{attrs}>{body}</text>'

    p.write_text(_TEXT.sub(fix, svg), encoding="utf-8")
    return count
