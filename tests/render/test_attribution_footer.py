"""A picture credits the data it shows: an ACLED file's page credits ACLED and the basemap, not the
atlas's curated dataset; the window's status bar says the same."""

from __future__ import annotations

import html
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from atlas.bench.io_cases import write_acled_csv
from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model import AtlasModel
from atlas.model.attribution import ACLED_CREDIT, CURATED_CREDIT
from atlas.render.page import PageSpec, basemap_attribution, render_page, write_pdf
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

VIEW = Viewport.fit_lonlat(30.0, 44.0, 40.0, 53.0, 1600, 1000)


def _loaded(path: Path) -> AtlasModel:
    table, _ = read_events(path)
    model = AtlasModel()
    model.set_table(table, sources=[str(path)])
    return model


@pytest.fixture
def acled_model(qapp, tmp_path: Path) -> AtlasModel:
    return _loaded(write_acled_csv(tmp_path / "acled_export.csv", 50))


def test_an_acled_picture_credits_acled_and_the_basemap(acled_model: AtlasModel) -> None:
    _img, info = render_page(PageSpec(width=1600, height=1000), MapScene(acled_model, basemap=False), acled_model, VIEW)
    footer = info.footer_lines[-1]
    assert footer == f"Events: {ACLED_CREDIT} · Basemap: {basemap_attribution()}"
    assert "curated" not in " ".join(info.footer_lines)


def test_the_bundled_dataset_still_credits_the_atlas(qapp) -> None:
    model = _loaded(BUNDLED_EVENTS)
    _img, info = render_page(PageSpec(width=1600, height=1000), MapScene(model, basemap=False), model, VIEW)
    assert info.footer_lines[-1].startswith(f"Events: {CURATED_CREDIT} · Basemap: ")


def test_the_pdf_of_an_acled_file_says_acled(acled_model: AtlasModel, tmp_path: Path) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (apt install poppler-utils)")
    out = tmp_path / "acled.pdf"
    write_pdf(out, PageSpec(width=1600, height=1000), MapScene(acled_model, basemap=False), acled_model, VIEW)
    text = subprocess.run([pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, timeout=60).stdout
    flat = unicodedata.normalize("NFKC", " ".join(text.split()))  # the font's "ﬂ" ligature as two letters
    assert "Armed Conflict Location & Event Data" in flat and "curated" not in flat


def test_the_window_credits_what_is_loaded(qtbot, tmp_path: Path) -> None:
    from atlas.ui.main_window import MainWindow

    window = MainWindow(AtlasModel())
    qtbot.addWidget(window)
    path = write_acled_csv(tmp_path / "acled_export.csv", 20)
    table, _ = read_events(path)
    window.model.set_table(table, sources=[str(path)])
    assert window.attribution_label.full_text().startswith("Events: ACLED · Basemap: ")
    assert html.escape(ACLED_CREDIT) in window.attribution_label.toolTip()  # escaped: shown as plain text
    bundled, _ = read_events(BUNDLED_EVENTS)
    window.model.set_table(bundled, sources=[str(BUNDLED_EVENTS)])
    assert window.attribution_label.full_text().startswith("Events: Kursk Atlas dataset (CC BY 4.0) · Basemap: ")
    assert "ACLED" not in window.attribution_label.toolTip()
