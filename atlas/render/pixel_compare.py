"""Does the same page look the same in every program that opens it? Pixel comparison of exports.

One snapshot of the map is written as PNG (our own raster), SVG and PDF; the SVG is rasterised by
``rsvg-convert`` (librsvg: what Inkscape's importer, GNOME's viewers and most thumbnailers use) and
by QtSvg's renderer, the PDF by ``pdftoppm`` (poppler) at the page's dpi, and each raster is
compared pixel-wise with the PNG. A diff picture is written for each pair, so a failure can be
looked at, not only counted.

Two figures per pair:

* ``mean_abs``: the mean absolute difference per channel, in levels (0-255), over the whole page;
* ``share_over``: the share of pixels where some channel differs by more than ``levels`` after both
  pictures are averaged over 3x3 pixels. The averaging forgives what every pair of rasterisers
  differs in (antialiasing, font hinting, half-pixel shifts of an edge) and keeps what matters:
  a river, a border, a label or a halo that is missing, moved or a different colour.

Used by ``tools/compare_formats.py`` (``make compare-formats``) and by the tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from atlas.model import AtlasModel

from .page import PageSpec, write_pdf, write_png, write_svg
from .scene import MapScene
from .viewport import Viewport

U8Array = npt.NDArray[np.uint8]
#: Seconds an outside rasteriser may take for one page (a 4K page takes ~2 s).
PROGRAM_TIMEOUT_S = 120


class ProgramMissing(RuntimeError):
    """An outside rasteriser (rsvg-convert, pdftoppm) is not installed."""

    def __init__(self, program: str, package: str) -> None:
        super().__init__(f"{program} is not installed (Debian package {package})")
        self.program = program


class RasteriseError(RuntimeError):
    """An outside rasteriser failed on our file: the file is broken for that program."""


@dataclass(frozen=True)
class Tolerance:
    """How far a rasterised SVG/PDF may stray from the PNG (see the module's docstring)."""

    #: Text-heavy small pages differ by ~5 levels on average from hinting alone.
    mean_abs: float = 6.0
    levels: int = 48
    #: The librsvg hairline bug (rivers and borders gone) scored 1.5 %; a good page 0.05-0.4 %.
    share: float = 0.005


@dataclass
class Comparison:
    """One pair: the PNG against one other program's picture of the same page."""

    name: str
    width: int
    height: int
    mean_abs: float
    share_over: float
    max_abs: int
    tolerance: Tolerance = field(default_factory=Tolerance)
    diff_path: str = ""

    @property
    def ok(self) -> bool:
        return self.mean_abs <= self.tolerance.mean_abs and self.share_over <= self.tolerance.share

    def line(self) -> str:
        t = self.tolerance
        verdict = "ok" if self.ok else "DIFFERENT"
        return (f"{self.name}: mean |diff| {self.mean_abs:.2f} levels (max {t.mean_abs:g}), "
                f"{100 * self.share_over:.3f}% of pixels off by > {t.levels} levels after a 3x3 average "
                f"(max {100 * t.share:g}%) -> {verdict}")


# ---------------------------------------------------------------------------- pictures as arrays
def image_array(img: QImage) -> U8Array:
    """RGB array (height, width, 3) of a picture composited on white (transparent = paper)."""
    flat = QImage(img.size(), QImage.Format.Format_RGB32)
    flat.fill(QColor("white"))
    p = QPainter(flat)
    p.drawImage(0, 0, img)
    p.end()
    a = np.frombuffer(bytes(flat.constBits()), np.uint8).reshape(flat.height(), flat.bytesPerLine() // 4, 4)
    return np.ascontiguousarray(a[:, : flat.width(), [2, 1, 0]])


def array_image(a: U8Array) -> QImage:
    h, w, _ = a.shape
    rgba = np.dstack([a, np.full((h, w), 255, np.uint8)])
    return QImage(np.ascontiguousarray(rgba).tobytes(), w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def _box3(a: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
    """3x3 box average (edges replicated)."""
    p = np.pad(a.astype(np.float32), ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = a.shape[:2]
    out = np.zeros(a.shape, np.float32)
    for dy in range(3):
        for dx in range(3):
            out += p[dy:dy + h, dx:dx + w]
    return out / 9.0


def compare_arrays(ref: U8Array, other: U8Array, name: str, tol: Tolerance = Tolerance()) -> tuple[Comparison, U8Array]:
    """The figures for one pair and its diff picture: the reference faded to grey, with the pixels
    that count as different in red (the stronger, the larger the difference)."""
    if ref.shape != other.shape:
        raise ValueError(f"{name}: sizes differ ({ref.shape[1]}x{ref.shape[0]} vs {other.shape[1]}x{other.shape[0]})")
    a, b = ref.astype(np.int16), other.astype(np.int16)
    raw = np.abs(a - b)
    smooth = np.abs(_box3(a) - _box3(b)).max(axis=-1)
    over = smooth > tol.levels
    cmp = Comparison(name, ref.shape[1], ref.shape[0], float(raw.mean()), float(over.mean()), int(raw.max()), tol)
    grey = (ref.mean(axis=-1) * 0.35 + 255 * 0.65).astype(np.uint8)
    diff = np.dstack([grey, grey, grey])
    strength = np.clip(raw.max(axis=-1) * 2, 0, 255).astype(np.uint8)
    soft = raw.max(axis=-1) > 16
    diff[soft] = np.stack([np.full(int(soft.sum()), 255, np.uint8), 255 - strength[soft], 255 - strength[soft]], axis=-1)
    diff[over] = (200, 0, 0)
    return cmp, diff


# ---------------------------------------------------------------------------- outside rasterisers
def _run(cmd: list[str], package: str) -> None:
    exe = shutil.which(cmd[0])
    if exe is None:
        raise ProgramMissing(cmd[0], package)
    try:
        res = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, timeout=PROGRAM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RasteriseError(f"{cmd[0]} took over {PROGRAM_TIMEOUT_S} s") from None
    if res.returncode != 0:
        raise RasteriseError(f"{cmd[0]} failed ({res.returncode}): {res.stderr.strip()[:500]}")


def _load(path: Path, program: str) -> QImage:
    img = QImage(str(path))
    if img.isNull():
        raise RasteriseError(f"{program} wrote no readable PNG")
    return img


def rasterise_svg_rsvg(svg: Path, width: int, height: int) -> QImage:
    """The SVG as librsvg draws it, ``width`` x ``height`` pixels."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "rsvg.png"
        _run(["rsvg-convert", "-w", str(width), "-h", str(height), "-b", "white", "-o", str(out), str(svg)],
             "librsvg2-bin")
        return _load(out, "rsvg-convert")


def rasterise_svg_qt(svg: Path, width: int, height: int) -> QImage:
    """The SVG as QtSvg's renderer draws it (a second, independent SVG reader)."""
    from PySide6.QtSvg import QSvgRenderer

    r = QSvgRenderer(str(svg))
    if not r.isValid():
        raise RasteriseError(f"{svg}: QtSvg cannot read it")
    img = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r.render(p, QRectF(0, 0, width, height))
    p.end()
    return img


def rasterise_pdf(pdf: Path, width: int, height: int, dpi: float) -> QImage:
    """The PDF's first page as poppler draws it at ``dpi``, scaled to exactly ``width`` x
    ``height`` (the page's size in points rounds, so -r alone can be a pixel off)."""
    with tempfile.TemporaryDirectory() as d:
        stem = Path(d) / "poppler"
        _run(["pdftoppm", "-png", "-singlefile", "-r", f"{dpi:g}", "-scale-to-x", str(width),
              "-scale-to-y", str(height), str(pdf), str(stem)], "poppler-utils")
        return _load(stem.with_suffix(".png"), "pdftoppm")


# ---------------------------------------------------------------------------- the whole check
@dataclass
class FormatCheck:
    """What :func:`check_formats` wrote and found; ``skipped`` names pairs whose program is absent."""

    folder: Path
    comparisons: list[Comparison] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons)

    def report(self) -> str:
        lines = [c.line() for c in self.comparisons]
        lines += [f"{name}: not compared, {why}" for name, why in self.skipped.items()]
        return "\n".join(lines)


def check_formats(folder: str | Path, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
                  tol: Tolerance = Tolerance(), qt_svg: bool = True) -> FormatCheck:
    """Write ``page.png``, ``page.svg`` and ``page.pdf`` of one snapshot of ``scene``/``model`` into
    ``folder``, rasterise the SVG and the PDF with the outside programs, compare each with the PNG
    and write ``<pair>.png`` (the other program's picture), ``<pair>-diff.png`` and
    ``report.json``. A pair whose program is not installed is listed in ``skipped``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    # One snapshot for all three files: the three writers must draw the very same thing.
    model = model.snapshot()
    scene = scene.snapshot()
    scene.sync_to(model)
    png, svg, pdf = out / "page.png", out / "page.svg", out / "page.pdf"
    write_png(png, spec, scene, model, view)
    write_svg(svg, spec, scene, model, view)
    write_pdf(pdf, spec, scene, model, view)
    ref = image_array(QImage(str(png)))
    w, h = spec.width, spec.height
    others: list[tuple[str, Callable[[], QImage]]] = [
        ("svg-rsvg", lambda: rasterise_svg_rsvg(svg, w, h)),
        ("pdf-poppler", lambda: rasterise_pdf(pdf, w, h, spec.dpi)),
    ]
    if qt_svg:
        others.insert(1, ("svg-qtsvg", lambda: rasterise_svg_qt(svg, w, h)))
    result = FormatCheck(out)
    for name, draw in others:
        try:
            img = draw()
        except ProgramMissing as exc:
            result.skipped[name] = str(exc)
            continue
        arr = image_array(img)
        array_image(arr).save(str(out / f"{name}.png"), "PNG")
        cmp, diff = compare_arrays(ref, arr, name, tol)
        diff_path = out / f"{name}-diff.png"
        array_image(diff).save(str(diff_path), "PNG")
        cmp.diff_path = str(diff_path)
        result.comparisons.append(cmp)
    (out / "report.json").write_text(json.dumps({
        "page": {"width": w, "height": h, "dpi": spec.dpi},
        "comparisons": [{**asdict(c), "ok": c.ok} for c in result.comparisons],
        "skipped": result.skipped,
    }, indent=2), encoding="utf-8")
    return result


__all__ = ["Tolerance", "Comparison", "FormatCheck", "ProgramMissing", "RasteriseError", "check_formats",
           "compare_arrays", "image_array", "rasterise_svg_rsvg", "rasterise_svg_qt", "rasterise_pdf"]
