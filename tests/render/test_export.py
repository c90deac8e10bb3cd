"""The briefing page: pixels and structure of PNG, SVG and PDF exports (headless)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from atlas.model import AtlasModel
from atlas.model.annotations import Annotation, AnnotationStyle
from atlas.render import style
from atlas.render.decorations import ground_length_m, scale_bar_spec
from atlas.render.page import PageSpec, render_page, render_preview, write_pdf, write_png, write_svg
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

ROOT = Path(__file__).resolve().parents[2]
SUDZHA = (35.2706, 51.1914)
RING_COLOUR = "#ff00ff"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def model(qapp, sample_table) -> AtlasModel:
    m = AtlasModel(sample_table)
    m.set_annotations((
        Annotation("ring", (SUDZHA,), radius_km=10, text="Ten km ring", id="ring",
                   style=AnnotationStyle(colour=RING_COLOUR, width=4, fill_opacity=0.0)),
        Annotation("arrow", ((35.0, 51.05), (35.2, 51.17)), text="Axis of advance", id="arrow"),
    ))
    return m


def view() -> Viewport:
    return Viewport.fit_lonlat(34.4, 50.95, 35.9, 51.5, 1200, 800)


def arr(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(bytes(img.constBits()), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, : img.width(), [2, 1, 0]].astype(int)  # RGB


def near(a: np.ndarray, colour: str, tol: int = 40) -> np.ndarray:
    c = QColor(colour)
    return (np.abs(a - np.array([c.red(), c.green(), c.blue()])) <= tol).all(axis=-1)


def test_legend_lists_each_shown_type_with_its_count(model: AtlasModel) -> None:
    spec = PageSpec(width=1200, height=800, title="Legend test")
    img, info = render_page(spec, MapScene(model, basemap=False), model, view())
    t = model.table
    rows = info.shown_rows
    assert len(rows) > 0
    expected = {str(k): int(v) for k, v in t.counts("event_type", rows).items() if v}
    assert dict(info.legend) == expected
    # events outside the view (Kursk city T-6) are not counted; the legend's plate shows each
    # type's colour as a marker.
    assert "T-6" not in {str(t.ids[r]) for r in rows}
    a = arr(img)
    r = info.legend_rect
    plate = a[int(r.top()):int(r.bottom()), int(r.left()):int(r.right())]
    for name in expected:
        assert near(plate, style.event_type_colour(name), 30).sum() > 10, name


@pytest.mark.parametrize("dpi", [96.0, 300.0])
def test_scale_bar_matches_the_geodesic_distance(model: AtlasModel, dpi: float) -> None:
    u = dpi / 96
    spec = PageSpec(width=round(1200 * u), height=round(800 * u), dpi=dpi, legend=False, inset=False)
    img, info = render_page(spec, MapScene(model, basemap=False), model, view())
    vp = info.map_viewport
    assert vp.ui_scale == pytest.approx(u)
    sb = scale_bar_spec(vp, max_px=min(vp.width * 0.28, 260 * u))
    # Measure the drawn bar: the dark outline's extent on the row through the bar's middle.
    a = arr(img)
    y = int(round(info.scale_bar_origin.y() - 3 * u))
    x0 = int(info.scale_bar_origin.x())
    row = a[y, max(0, x0 - 5): int(x0 + sb.length_px + 10 * u)]
    dark = np.flatnonzero(row.mean(axis=-1) < 150)  # the outline is 1 px, antialiased: grey, not black
    measured_px = dark[-1] - dark[0]
    assert measured_px == pytest.approx(sb.length_px, rel=0.02, abs=2)
    # ... and that many pixels through the view centre are the labelled distance on the ground.
    cx, cy = vp.width / 2, vp.height / 2
    ground = ground_length_m(vp, cx - measured_px / 2, cx + measured_px / 2, cy)
    assert ground == pytest.approx(sb.distance_m, rel=0.02)
    # Mercator metres would be ~1.59x too long at 51° N: the bar is not that.
    merc = measured_px * vp.merc_per_px
    assert merc / ground > 1.5


def test_focus_event_lands_on_its_pixel_below_a_banner(model: AtlasModel) -> None:
    model.set_current("T-3")
    spec = PageSpec(width=1000, height=700, banner="UNCLASSIFIED // FOR TRAINING", banner_colour="#007a33")
    img, info = render_page(spec, MapScene(model, basemap=False), model, view())
    assert info.map_rect.top() > 0  # the banner took the top strip
    row = model.table.index_of("T-3")
    (x,), (y,) = info.map_viewport.lonlat_to_px([model.table.lon[row]], [model.table.lat[row]])
    px, py = int(round(x + info.map_rect.left())), int(round(y + info.map_rect.top()))
    a = arr(img)
    centre = a[py - 3: py + 4, px - 3: px + 4]
    assert near(centre, style.event_type_colour("Explosions/Remote violence"), 40).any()
    ring = a[py - 30: py + 31, px - 30: px + 31]
    assert near(ring, style.FOCUS_COLOUR, 50).sum() > 40
    # The banner strips are the banner colour at top and bottom.
    assert near(a[2:10, 5:50], "#007a33", 10).all() and near(a[-10:-2, 5:50], "#007a33", 10).all()


def test_annotations_are_in_the_png_and_scale_with_the_map(model: AtlasModel, tmp_path: Path) -> None:
    vp0 = view()
    for zoom in (1.0, 2.0):
        v = Viewport.centered(*lonlat_centre(vp0), vp0.merc_per_px / zoom, vp0.width, vp0.height)
        out = tmp_path / f"z{zoom}.png"
        info = write_png(out, PageSpec(width=1200, height=800, legend=False, inset=False, filter_line=False,
                                       sources=False, attribution=""), MapScene(model, basemap=False), model, v)
        a = arr(QImage(str(out)))
        # The ring's east and west rims are where the geodesic circle says, at both zooms.
        from atlas.render.annotations_layer import ring_lonlat

        lons, lats = ring_lonlat(*SUDZHA, 10.0)
        xs, ys = info.map_viewport.lonlat_to_px(lons, lats)
        hits = 0
        for i in (0, 45, 90, 135):
            x, y = int(round(xs[i])), int(round(ys[i]))
            hits += bool(near(a[y - 3: y + 4, x - 3: x + 4], RING_COLOUR, 40).any())
        assert hits >= 3
        diameter_px = xs.max() - xs.min()
        if zoom == 1.0:
            d1 = diameter_px
    assert diameter_px == pytest.approx(2 * d1, rel=0.01)


def lonlat_centre(vp: Viewport) -> tuple[float, float]:
    return vp.center


def test_svg_is_vector_with_text_as_text(model: AtlasModel, tmp_path: Path) -> None:
    out = tmp_path / "page.svg"
    info = write_svg(out, PageSpec(width=1200, height=800, title="Sudzha briefing", banner="FOR TRAINING"),
                     MapScene(model, basemap=False), model, view())
    root = ET.parse(out).getroot()
    texts = ["".join(t.itertext()).strip() for t in root.iter(f"{SVG_NS}text")]
    for s in ("Sudzha briefing", "Ten km ring", "Axis of advance", "FOR TRAINING", "Events on this map", "N"):
        assert s in texts, s
    assert any(s.endswith("km") and s[0].isdigit() for s in texts)  # the scale bar's label
    # No raster anywhere: events, halos, annotations and decorations are all shapes.
    assert list(root.iter(f"{SVG_NS}image")) == []
    shapes = [e for e in root.iter() if e.tag in (f"{SVG_NS}path", f"{SVG_NS}polyline", f"{SVG_NS}polygon",
                                                 f"{SVG_NS}ellipse", f"{SVG_NS}circle", f"{SVG_NS}rect")]
    assert len(shapes) > 30
    ring_strokes = [e for e in root.iter() if (e.get("stroke") or "").lower() == RING_COLOUR
                    or RING_COLOUR in (e.get("style") or "").lower()]
    assert ring_strokes, "the ring annotation is not a stroked SVG element"
    # One ellipse per visible event marker in view (vector events, not pixmaps).
    g_ellipses = list(root.iter(f"{SVG_NS}ellipse")) + list(root.iter(f"{SVG_NS}circle"))
    assert len(info.shown_rows) >= 5 and len(g_ellipses) >= len(info.shown_rows)


def pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    return out


@pytest.mark.parametrize("paper, landscape", [("A4", True), ("Letter", False)])
def test_pdf_is_vector_and_the_paper_size(model: AtlasModel, tmp_path: Path, paper: str, landscape: bool) -> None:
    out = tmp_path / "page.pdf"
    info = write_pdf(out, PageSpec(dpi=150, title="Sudzha briefing"), MapScene(model, basemap=False), model, view(),
                     paper=paper, landscape=landscape)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    # The page box in points: A4 842x595 landscape; Letter 612x792 portrait.
    box = [float(v) for v in re.search(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", data).groups()]
    want = {"A4": (841.9, 595.3), "Letter": (612.0, 792.0)}[paper]
    if not landscape:
        want = (min(want), max(want))
    assert box[2:] == pytest.approx(list(want), abs=1.5)
    content = b"\n".join(pdf_streams(data))
    # Vector: many path-construction operators, curves for the round markers and the ring, real text.
    assert len(re.findall(rb"\s[\d.-]+ [\d.-]+ l\n", content)) > 200
    assert len(re.findall(rb" c\n", content)) > 20
    assert b"Tj" in content or b"TJ" in content
    assert b"/Subtype /Image" not in data
    assert info.map_viewport.vector


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_rasterised_shows_the_ring(model: AtlasModel, tmp_path: Path) -> None:
    out = tmp_path / "page.pdf"
    info = write_pdf(out, PageSpec(dpi=96), MapScene(model, basemap=False), model, view(), paper="A4")
    subprocess.run(["pdftoppm", "-r", "96", "-png", "-singlefile", str(out), str(tmp_path / "r")], check=True)
    a = arr(QImage(str(tmp_path / "r.png")))
    assert near(a, RING_COLOUR, 40).sum() > 200
    assert info.map_rect.width() > 1000


def test_preview_is_the_file(model: AtlasModel) -> None:
    spec = PageSpec(width=900, height=600, banner="TEST")
    scene = MapScene(model, basemap=False)
    img, _ = render_page(spec, scene, model, view())
    same = render_preview(spec, scene, model, view(), 900, 600)
    assert (arr(img) == arr(same)).all()
    small = arr(render_preview(spec, scene, model, view(), 450, 300))
    half = arr(img.scaled(450, 300))
    assert small.shape == half.shape and np.abs(small - half).mean() < 12


def test_high_dpi_keeps_the_layout(model: AtlasModel) -> None:
    """At 600 dpi everything is 6.25x bigger in pixels: the same picture, only sharper."""
    scene = MapScene(model, basemap=False)
    lo, info_lo = render_page(PageSpec(width=480, height=320, dpi=96), scene, model, view())
    hi, info_hi = render_page(PageSpec(width=3000, height=2000, dpi=600), scene, model, view())
    assert info_hi.legend_rect.width() == pytest.approx(info_lo.legend_rect.width() * 6.25, rel=0.06)
    down = arr(hi.scaled(480, 320))
    assert np.abs(down - arr(lo)).mean() < 20


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)


def test_cli_formats_banner_and_annotations(tmp_path: Path, sample_file: Path) -> None:
    from atlas.io.annotations_io import write_annotations

    ann = tmp_path / "a.kml"
    write_annotations(ann, [Annotation("ring", (SUDZHA,), radius_km=10, text="Ring from KML",
                                       style=AnnotationStyle(colour=RING_COLOUR, width=4))])
    svg = tmp_path / "b.svg"
    r = run_cli("render", str(sample_file), "-o", str(svg), "--annotations", str(ann), "--banner", "FOR TRAINING",
                "--subtitle", "Subtitle here", "--no-legend", "--view", "34.4,50.95,35.9,51.5")
    assert r.returncode == 0, r.stderr
    texts = ["".join(t.itertext()).strip() for t in ET.parse(svg).getroot().iter(f"{SVG_NS}text")]
    assert "Ring from KML" in texts and "Subtitle here" in texts and "FOR TRAINING" in texts
    assert "Events on this map" not in texts  # --no-legend
    pdf = tmp_path / "b.pdf"
    r = run_cli("render", str(sample_file), "-o", str(pdf), "--paper", "A3", "--dpi", "72")
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    r = run_cli("render", str(sample_file), "-o", str(tmp_path / "x.png"), "--dpi", "700")
    assert r.returncode == 64 and "out of range" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("render", str(sample_file), "-o", str(tmp_path / "x.tiff"))
    assert r.returncode == 64 and "unknown picture type" in r.stderr


def test_cli_each_day_and_animate(tmp_path: Path, sample_file: Path) -> None:
    days = tmp_path / "days"
    r = run_cli("render", str(sample_file), "-o", str(days), "--each-day", "2025-03-12", "2025-03-14", "--size", "400x300")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in days.iterdir()) == [f"kursk-atlas-2025-03-1{d}.png" for d in (2, 3, 4)]
    gif = tmp_path / "play.gif"
    r = run_cli("render", str(sample_file), "--animate", str(gif), "--from", "2024-08-06", "--to", "2024-08-16",
                "--step", "5", "--size", "320x200")
    assert r.returncode == 0, r.stderr
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == 3 and im.size == (320, 200)
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")).astype(int))
    # The date stamp changes from frame to frame.
    assert np.abs(frames[0] - frames[1]).sum() > 0


def test_cli_workspace_annotations_and_view(tmp_path: Path, sample_file: Path) -> None:
    import json

    ws = tmp_path / "w.katlas"
    ring = Annotation("ring", (SUDZHA,), radius_km=10, text="Ring from workspace",
                      style=AnnotationStyle(colour=RING_COLOUR, width=4))
    try:
        from atlas.workspace import dump_document
        from atlas.workspace import values as wvalues

        ws.write_bytes(dump_document({"annotations": {"value": wvalues.to_json((ring,))},
                                      "view": {"lonlat": [35.0, 51.0, 35.6, 51.4]}}))
    except ImportError:
        ws.write_text(json.dumps({"annotations": [ring.as_dict()], "view": [35.0, 51.0, 35.6, 51.4]}), encoding="utf-8")
    out = tmp_path / "w.svg"
    r = run_cli("render", str(sample_file), "-o", str(out), "--workspace", str(ws))
    assert r.returncode == 0, r.stderr
    texts = ["".join(t.itertext()).strip() for t in ET.parse(out).getroot().iter(f"{SVG_NS}text")]
    assert "Ring from workspace" in texts


def test_annotations_follow_the_timeline_window(model: AtlasModel) -> None:
    from atlas.render.page import sync_annotations

    dated = Annotation("text", (SUDZHA,), text="Pipeline assault", id="dated",
                       date_from=__import__("datetime").date(2025, 3, 8))
    model.set_annotations(model.annotations + (dated,))
    scene = MapScene(model, basemap=False)
    layer = sync_annotations(scene, model)
    assert "dated" in {a.id for a in layer.shown()}
    if hasattr(model, "set_time_window"):
        import datetime as dt

        model.set_time_window((dt.date(2024, 8, 6), dt.date(2024, 8, 31)))
        sync_annotations(scene, model)
        assert "dated" not in {a.id for a in layer.shown()} and "ring" in {a.id for a in layer.shown()}
        model.set_time_window((dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
        sync_annotations(scene, model)
        assert "dated" in {a.id for a in layer.shown()}


def test_layers_that_set_their_own_transform_stay_in_the_map_area(model: AtlasModel) -> None:
    """The basemap and control layers set a world transform of their own: the page must offset
    (banner) and scale (preview) the map through the view transform, or they drift from the events."""
    scene = MapScene(model)  # with the bundled basemap
    plain = dict(title="", legend=False, scale_bar=False, north_arrow=False, inset=False, filter_line=False,
                 sources=False, attribution="")
    band = round(26 * 1.0)
    a, info_a = render_page(PageSpec(width=800, height=500 + 2 * band, banner="X", **plain), scene, model, view())
    b, info_b = render_page(PageSpec(width=800, height=500, **plain), scene, model, view())
    assert info_a.map_viewport == info_b.map_viewport
    assert (arr(a)[band:band + 500] == arr(b)).all()
    # The preview at half size is the file at half size.
    small = arr(render_preview(PageSpec(width=800, height=500, **plain), scene, model, view(), 400, 250))
    half = arr(b.scaled(400, 250))
    assert np.abs(small - half).mean() < 6


def test_in_map_legend_layers_stack_above_the_scale_bar(model: AtlasModel) -> None:
    from atlas.render.layers import MapLayer

    class BoxLegend(MapLayer):
        """Like the areas-of-control legend: a box 64 px above the bottom of its viewport."""

        key, title = "box_legend", "Legend box"

        def draw(self, p, vp) -> None:
            u = vp.ui_scale
            p.fillRect(QRectF(12 * u, vp.height - 64 * u - 40 * u, 150 * u, 40 * u), QColor(RING_COLOUR))

    from PySide6.QtCore import QRectF

    scene = MapScene(model, basemap=False)
    scene.insert(BoxLegend())
    model.set_annotations(())
    for dpi in (96.0, 192.0):
        u = dpi / 96
        img, info = render_page(PageSpec(width=round(1000 * u), height=round(700 * u), dpi=dpi, banner="B"), scene, model, view())
        ys = np.flatnonzero(near(arr(img), RING_COLOUR, 10).any(axis=1))
        assert ys.size > 30 * u
        assert ys.max() < info.scale_bar_rect.top() and ys.max() < info.north_arrow_rect.top()
        assert scene.layer("box_legend").visible  # restored after the page


def test_the_inset_is_left_out_when_the_map_already_shows_all_it_would(model: AtlasModel) -> None:
    spec = PageSpec(width=1200, height=800)
    _img, regional = render_page(spec, MapScene(model, basemap=False), model, view())
    assert regional.inset_rect is not None
    europe = Viewport.fit_lonlat(10.0, 35.0, 60.0, 65.0, 1200, 800)
    _img, zoomed_out = render_page(spec, MapScene(model, basemap=False), model, europe)
    assert zoomed_out.inset_rect is None
    assert "inset" not in [kind for kind, _box in zoomed_out.decorations()]
    assert "inset" in [kind for kind, _box in regional.decorations()]
