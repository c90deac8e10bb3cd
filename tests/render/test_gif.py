"""Animated GIFs are streamed: each frame reaches the file when it is added (nothing holds the
whole animation), with its own colours, and a failed animation leaves no file behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QColor, QImage

from atlas.io.atomic import TEMP_PREFIX
from atlas.render.gif import write_gif

COLOURS = ("#d32f2f", "#388e3c", "#1976d2", "#fbc02d")


def frame(colour: str) -> QImage:
    img = QImage(120, 80, QImage.Format.Format_ARGB32)
    img.fill(QColor("#f0ede6"))
    for y in range(20, 60):
        for x in range(30, 90):
            img.setPixelColor(x, y, QColor(colour))
    return img


def test_frames_are_written_as_they_come(tmp_path: Path, qapp: object) -> None:
    out = tmp_path / "play.gif"
    sizes = []
    with write_gif(out, 250) as gif:
        for c in COLOURS:
            gif.add(frame(c))
            (tmp,) = tmp_path.glob(f"{TEMP_PREFIX}*")
            sizes.append(tmp.stat().st_size)
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes), sizes  # grew with every frame
    assert [p.name for p in tmp_path.iterdir()] == ["play.gif"]
    with Image.open(out) as im:
        assert im.n_frames == len(COLOURS) and im.info.get("loop") == 0
        for i, c in enumerate(COLOURS):
            im.seek(i)
            rgb = np.asarray(im.convert("RGB"))
            assert tuple(rgb[40, 60]) == QColor(c).getRgb()[:3], i
            assert im.info.get("duration") == 250


def test_a_failed_animation_leaves_nothing(tmp_path: Path, qapp: object) -> None:
    with pytest.raises(ValueError), write_gif(tmp_path / "play.gif", 250) as gif:
        gif.add(frame(COLOURS[0]))
        gif.add(QImage(10, 10, QImage.Format.Format_ARGB32))  # another size: refused
    assert list(tmp_path.iterdir()) == []
