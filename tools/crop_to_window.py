"""Crop a screen grab to the window in its top-left corner: under Xvfb without a window manager
the root window around a window smaller than the screen is black.

    python tools/crop_to_window.py GRAB.png OUT.png
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QImage


def window_size(img: QImage, step: int = 7) -> tuple[int, int]:
    """Width and height of the non-black area that starts at the top-left corner."""
    w, h = img.width(), img.height()

    def black_column(x: int) -> bool:
        return all(img.pixel(x, y) & 0xFFFFFF == 0 for y in range(0, h, step))

    def black_row(y: int) -> bool:
        return all(img.pixel(x, y) & 0xFFFFFF == 0 for x in range(0, w, step))

    right, bottom = w, h
    while right > 1 and black_column(right - 1):
        right -= 1
    while bottom > 1 and black_row(bottom - 1):
        bottom -= 1
    return right, bottom


def main(argv: list[str]) -> int:
    img = QImage(argv[1])
    if img.isNull():
        print(f"crop_to_window: cannot read {argv[1]}", file=sys.stderr)
        return 1
    w, h = window_size(img)
    img.copy(0, 0, w, h).save(argv[2])
    print(f"{argv[2]}: {w}x{h} (of {img.width()}x{img.height()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
