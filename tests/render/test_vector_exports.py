"""SVG and PDF that other programs read as we meant them: map geometry in page coordinates with real
pen widths, the basemap's names and the page's text as text, fonts embedded, paper sizes exact."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model import AtlasModel
from atlas.render.page import PageSpec, write_page, write_pdf, write_svg
from atlas.render.scene import MapScene
from atlas.render.themes import LIGHT
from atlas.render.viewport import Viewport

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def bundled(qapp) -> tuple[AtlasModel, MapScene]:
    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    return model, MapScene(model)


def view() -> Viewport:
    return Viewport.fit_lonlat(34.4, 50.95, 36.4, 51.9, 1200, 800)


def svg_texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG_NS}text"))


def test_svg_map_is_in_page_coordinates_with_names_as_text(bundled, tmp_path: Path) -> None:
    model, scene = bundled
    out = tmp_path / "map.svg"
    write_svg(out, PageSpec(width=1200, height=800, title="Sudzha map"), scene, model, view())
    root = ET.parse(out).getroot()
    texts = {"".join(t.itertext()).strip(): t for t in svg_texts(root)}
    for name in ("Sudzha", "Kursk", "Korenevo", "Lgov", "RUSSIA", "Sudzha map", "Events on this map"):
        assert name in texts, name
    # River names follow the river glyph by glyph (each a rotated text): still text, in order.
    assert "Seym" in "".join("".join(t.itertext()) for t in svg_texts(root))
    # Spaced names keep their spacing (QSvgGenerator drops it; the writer puts it back).
    spaced = {t.get("letter-spacing") for t in svg_texts(root) if "".join(t.itertext()).strip() == "RUSSIA"}
    assert "6" in spaced  # the map's RUSSIA; the inset's small one has none
    assert None in spaced
    assert texts["Sudzha"].get("font-family") == "DejaVu Sans"
    # One text per graticule label: no stack of offset copies as a halo.
    assert sum(1 for t in svg_texts(root) if "".join(t.itertext()).strip() == "51.5°N") == 1
    assert list(root.iter(f"{SVG_NS}image")) == []
    # No cosmetic hairline under a Mercator-metres scale: every transform is the page's own scale.
    for el in root.iter():
        assert el.get("vector-effect") in (None, "none"), el.attrib
        m = re.fullmatch(r"matrix\(([^)]*)\)", el.get("transform") or "matrix(1,0,0,1,0,0)")
        a, b, c, d, *_ = (float(v) for v in m.group(1).split(","))
        assert 0.5 < abs(a * d - b * c) < 2.0, el.get("transform")
    # The rivers are stroked with their real width in page pixels.
    river = [g for g in root.iter(f"{SVG_NS}g") if (g.get("stroke") or "").lower() == LIGHT.river.lower()]
    assert river and all(float(g.get("stroke-width")) >= 1.0 for g in river)
    assert sum(len(list(g.iter(f"{SVG_NS}path"))) for g in river) > 5


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="rsvg-convert (librsvg2-bin) is not installed")
def test_an_edited_svg_label_is_drawn_by_librsvg(bundled, tmp_path: Path) -> None:
    """A name is text an editor can change: swap it and librsvg still draws the page."""
    model, scene = bundled
    out = tmp_path / "map.svg"
    write_svg(out, PageSpec(width=1200, height=800), scene, model, view())
    svg = out.read_text(encoding="utf-8")
    assert svg.count(">Sudzha</text>") >= 1
    edited = tmp_path / "edited.svg"
    edited.write_text(svg.replace(">Sudzha</text>", ">Суджа</text>"), encoding="utf-8")
    for f in (out, edited):
        subprocess.run(["rsvg-convert", "-o", str(f.with_suffix(".png")), str(f)], check=True, timeout=120)
        assert f.with_suffix(".png").stat().st_size > 10_000


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                    reason="pdftotext/pdffonts (poppler-utils) are not installed")
def test_pdf_names_are_text_and_fonts_are_embedded(bundled, tmp_path: Path) -> None:
    model, scene = bundled
    out = tmp_path / "map.pdf"
    write_pdf(out, PageSpec(width=1200, height=800, title="Sudzha map"), scene, model, view())
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    for name in ("Sudzha", "Kursk", "Korenevo", "Lgov", "RUSSIA", "Sudzha map", "Events on this map", "Filter:"):
        assert name in text, name
    assert text.count("51.5°N") == 1  # the graticule label once, not once per halo copy
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True, timeout=120).stdout
    rows = [ln.split() for ln in fonts.splitlines()[2:] if ln.strip()]
    assert rows and all("yes" == r[-5] for r in rows), fonts  # the "emb" column
    data = out.read_bytes()
    assert b"/Subtype /Image" not in data  # vector: no picture of a word or a halo anywhere


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_spaced_names_stay_words_in_a_high_dpi_pdf(bundled, tmp_path: Path) -> None:
    """Qt's PDF engine scales an absolute letter spacing by dpi/96 once too often: the writer
    undoes it, or RUSSIA is six one-letter words beside its halo at 192 dpi."""
    model, scene = bundled
    out = tmp_path / "hi.pdf"
    write_pdf(out, PageSpec(width=2400, height=1600, dpi=192), scene, model, view())
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    assert "RUSSIA" in text and "R U S S I A" not in text


def png_size_and_dpi(path: Path) -> tuple[int, int, float]:
    data = path.read_bytes()
    w, h = struct.unpack(">II", data[16:24])
    i = data.index(b"pHYs")
    ppm_x, _, unit = struct.unpack(">IIB", data[i + 4:i + 13])
    assert unit == 1
    return w, h, ppm_x * 0.0254


@pytest.mark.parametrize("paper, landscape, mm", [("A4", True, (297.0, 210.0)), ("Letter", False, (215.9, 279.4))])
def test_paper_keeps_its_millimetres_at_the_chosen_dpi(bundled, tmp_path: Path, paper: str, landscape: bool,
                                                      mm: tuple[float, float]) -> None:
    model, scene = bundled
    dpi = 150.0
    spec = PageSpec.for_paper(paper, landscape, dpi, inset=False)
    assert (spec.width, spec.height) == (round(mm[0] / 25.4 * dpi), round(mm[1] / 25.4 * dpi))
    png, svg, pdf = tmp_path / "p.png", tmp_path / "p.svg", tmp_path / "p.pdf"
    for path, fmt in ((png, "png"), (svg, "svg"), (pdf, "pdf")):
        write_page(path, fmt, spec, scene, model, view(), paper=paper, landscape=landscape)
    w, h, png_dpi = png_size_and_dpi(png)
    assert (w, h) == (spec.width, spec.height) and png_dpi == pytest.approx(dpi, abs=0.5)
    root = ET.parse(svg).getroot()
    assert root.get("width") == f"{mm[0]:g}mm" and root.get("height") == f"{mm[1]:g}mm"
    assert root.get("viewBox") == f"0 0 {spec.width} {spec.height}"
    box = [float(v) for v in re.search(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", pdf.read_bytes()).groups()]
    assert box[2:] == pytest.approx([mm[0] / 25.4 * 72, mm[1] / 25.4 * 72], abs=1.0)
