"""The same page in PNG, SVG (librsvg, QtSvg) and PDF (poppler) looks the same, pixel by pixel
(atlas.render.pixel_compare; `make compare-formats` runs the same check by hand)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model import AtlasModel
from atlas.render.page import PageSpec
from atlas.render.pixel_compare import FormatCheck, Tolerance, check_formats, compare_arrays
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = {"svg-rsvg": "rsvg-convert", "pdf-poppler": "pdftoppm", "svg-qtsvg": None}


def test_compare_finds_a_missing_line_and_forgives_antialiasing() -> None:
    page = np.full((200, 300, 3), 240, np.uint8)
    river = page.copy()
    river[100:102, 20:280] = (40, 110, 200)  # a 2-px river across the page
    soft = river.copy()
    soft[99, 20:280] = soft[102, 20:280] = (180, 200, 225)  # the same river, antialiased differently
    same, _ = compare_arrays(river, soft, "aa")
    assert same.ok, same.line()
    gone, diff = compare_arrays(river, page, "missing", Tolerance(share=0.001))
    assert not gone.ok and gone.share_over > 0.005
    # The diff picture marks the river red and leaves the rest pale grey.
    assert (diff[100, 150] == (200, 0, 0)).all()
    assert diff[20, 20, 0] == diff[20, 20, 1] == diff[20, 20, 2]


@pytest.fixture(scope="module")
def formats(qapp, tmp_path_factory: pytest.TempPathFactory) -> FormatCheck:
    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    # Sudzha, Korenevo and Kursk: the basemap's rivers, border and names, haloed events, the legend.
    view = Viewport.fit_lonlat(34.4, 50.95, 36.4, 51.9, 1200, 800)
    spec = PageSpec(width=1200, height=800, title="Kursk Atlas", subtitle="Pixel comparison")
    return check_formats(tmp_path_factory.mktemp("formats"), spec, MapScene(model), model, view)


@pytest.fixture(scope="module")
def formats_hi_dpi_control(qapp, tmp_path_factory: pytest.TempPathFactory) -> FormatCheck:
    """At 192 dpi (everything twice the size) with the areas of control: their fills, dashed
    outlines and legend, and the spaced names that Qt's PDF engine once spread too far."""
    import datetime as dt

    from atlas.control.io import read_control
    from atlas.control.model import ControlSeries
    from atlas.model.session import ControlDisplay
    from atlas.render.control_layer import add_control_layers

    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    scene = MapScene(model)
    snaps, _ = read_control(ROOT / "data" / "control" / "reconstruction.geojson")
    areas, _legend = add_control_layers(scene)
    areas.set_series(ControlSeries.of(snaps))
    model.set_control(ControlDisplay(date=dt.date(2024, 9, 10), follow=False))
    view = Viewport.fit_lonlat(34.8, 50.9, 35.8, 51.5, 1800, 1200)
    spec = PageSpec(width=1800, height=1200, dpi=192, title="Kursk Atlas")
    # 0.7 % rather than 0.5 %: the count badges, the river names set glyph by glyph and the
    # model's legend (its range rows and the full "as of … (shown for …)" date line) add text, and
    # poppler and Qt antialias glyph edges differently (the diff is red only at glyph edges; the
    # mean difference, 2.5 of 255, stays far under its limit). Missing content still fails.
    tol = Tolerance(share=0.007)
    return check_formats(tmp_path_factory.mktemp("formats_hi"), spec, scene, model, view, tol)


@pytest.mark.parametrize("pair", sorted(PROGRAMS))
def test_a_high_dpi_page_with_areas_of_control_too(formats_hi_dpi_control: FormatCheck, pair: str) -> None:
    if pair in formats_hi_dpi_control.skipped:
        pytest.skip(formats_hi_dpi_control.skipped[pair])
    cmp = next(c for c in formats_hi_dpi_control.comparisons if c.name == pair)
    assert cmp.ok, f"{cmp.line()}; see {cmp.diff_path}"


@pytest.mark.parametrize("pair", sorted(PROGRAMS))
def test_every_program_draws_the_page_we_draw(formats: FormatCheck, pair: str) -> None:
    if pair in formats.skipped:
        assert PROGRAMS[pair] is not None and shutil.which(PROGRAMS[pair]) is None
        pytest.skip(formats.skipped[pair])
    cmp = next(c for c in formats.comparisons if c.name == pair)
    assert (cmp.width, cmp.height) == (1200, 800)
    assert cmp.ok, f"{cmp.line()}; see {cmp.diff_path}"
    assert Path(cmp.diff_path).is_file() and not QImage(cmp.diff_path).isNull()
    report = json.loads((formats.folder / "report.json").read_text(encoding="utf-8"))
    assert any(c["name"] == pair and c["ok"] for c in report["comparisons"])


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="rsvg-convert (librsvg2-bin) is not installed")
def test_the_tool_runs_and_reports(tmp_path: Path, sample_file: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    res = subprocess.run([sys.executable, "tools/compare_formats.py", str(sample_file), "--out", str(tmp_path),
                          "--size", "800x540", "--view", "34.9,51.0,35.6,51.35"],
                         cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "svg-rsvg: mean |diff|" in res.stdout and "-> ok" in res.stdout
    for name in ("page.png", "page.svg", "page.pdf", "svg-rsvg.png", "svg-rsvg-diff.png", "report.json"):
        assert (tmp_path / name).is_file(), name
