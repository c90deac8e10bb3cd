"""Animated GIFs written frame by frame: a long ``render --animate`` never holds its frames.

Qt has no GIF writer and Pillow's ``save_all`` keeps every frame in memory until the end (a 4K
animation of a hundred days peaked at 5.3 GB), so frames are quantised one at a time and their
bytes appended through Pillow's per-frame encoder (``GifImagePlugin.getheader``/``getdata``),
each with its own colour table (the map's colours change as events appear). The file is written
under a temporary name and renamed into place when complete (atlas.io.atomic).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from PIL import GifImagePlugin, Image
from PySide6.QtGui import QImage

from atlas.io.atomic import atomic_path


def _to_palette(img: QImage) -> Image.Image:
    rgb = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = rgb.width(), rgb.height(), rgb.bytesPerLine()
    pil = Image.frombuffer("RGB", (w, h), bytes(rgb.constBits())[: bpl * h], "raw", "RGB", bpl, 1)
    # 255 colours per frame, no dithering: flat map colours stay flat and text stays crisp.
    return pil.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


class GifWriter:
    """Append frames to an open GIF stream; :func:`write_gif` manages the file."""

    def __init__(self, fh: BinaryIO, frame_ms: int) -> None:
        self._fh = fh
        self._duration = max(20, int(frame_ms))
        self._size: tuple[int, int] | None = None
        self.frames = 0

    def add(self, img: QImage) -> None:
        frame = _to_palette(img)
        if self._size is None:
            self._size = frame.size
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0})
            for chunk in header:
                self._fh.write(chunk)
        elif frame.size != self._size:
            raise ValueError(f"frame {self.frames + 1} is {frame.size}, the animation {self._size}")
        for chunk in GifImagePlugin.getdata(frame, duration=self._duration, loop=0, include_color_table=True):
            self._fh.write(chunk)
        self._fh.flush()
        self.frames += 1

    def close(self) -> None:
        if self.frames == 0:
            raise ValueError("an animation needs at least one frame")
        self._fh.write(b";")  # the GIF trailer


@contextlib.contextmanager
def write_gif(path: str | Path, frame_ms: int) -> Iterator[GifWriter]:
    """``with write_gif(path, 400) as gif: gif.add(qimage) ...``: the file appears, complete, when
    the block ends without an error; otherwise nothing is left behind."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        writer = GifWriter(fh, frame_ms)
        yield writer
        writer.close()
