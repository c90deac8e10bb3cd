"""The control-areas map layer (pixels) and the dock (timeline following, undated files, change,
chart with claims, export), headless."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from shapely.geometry import box

from atlas.control.model import ControlSeries, ControlSnapshot
from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model import AtlasModel
from atlas.render.compose import render_map
from atlas.render.control_layer import STATUS_STYLE, ControlAreasLayer
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

from .helpers import UA_RING, deepstate_doc, write_json

VIEW = (34.8, 50.9, 35.6, 51.5)


def _scene_with(layer: ControlAreasLayer) -> MapScene:
    scene = MapScene(AtlasModel(), basemap=False)
    scene.frame.visible = False
    scene.graticule.visible = False
    scene.insert(layer, below="events")
    return scene


def _bluish(c: QColor) -> bool:
    return c.blue() > c.red() + 25


def test_layer_fills_the_snapshot_in_force_and_draws_a_legend(qapp) -> None:
    a = ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": box(35.0, 51.05, 35.4, 51.3)}, "survey A")
    b = ControlSnapshot(dt.date(2025, 3, 11), {"ukrainian": box(35.25, 51.05, 35.4, 51.15)}, "survey A")
    layer = ControlAreasLayer()
    scene = _scene_with(layer)
    assert [lyr.key for lyr in scene.layers].index("control") < [lyr.key for lyr in scene.layers].index("events")
    layer.set_series(ControlSeries.of([a, b]))
    vp = Viewport.fit_lonlat(*VIEW, 800, 600)
    (x1, x2), (y1, y2) = vp.lonlat_to_px([35.1, 35.35], [51.25, 51.1])

    layer.set_date(dt.date(2024, 12, 1))
    assert layer.snapshot is a
    img = render_map(scene, vp)
    assert _bluish(img.pixelColor(int(x1), int(y1)))  # inside a, outside b
    assert _bluish(img.pixelColor(int(x2), int(y2)))
    assert "Areas of control, as of 2024-08-20 (shown for 2024-12-01)" in [t for _k, t in layer.legend_lines()]

    version = layer.version
    layer.set_date(dt.date(2025, 3, 20))
    assert layer.snapshot is b and layer.version > version
    img = render_map(scene, vp)
    assert not _bluish(img.pixelColor(int(x1), int(y1)))
    assert _bluish(img.pixelColor(int(x2), int(y2)))

    layer.set_date(dt.date(2024, 1, 1))  # before the first snapshot: nothing drawn
    assert layer.snapshot is None
    img = render_map(scene, vp)
    assert not _bluish(img.pixelColor(int(x2), int(y2)))


def test_legend_says_approximate_reconstruction(qapp) -> None:
    snap = ControlSnapshot(dt.date(2024, 8, 27), {"ukrainian": box(35.0, 51.05, 35.4, 51.3)}, "bundled",
                           approximate=True)
    layer = ControlAreasLayer()
    scene = _scene_with(layer)
    layer.set_series(ControlSeries.of([snap]))
    texts = [t for _k, t in layer.legend_lines()]
    assert any("approximate reconstruction, not a survey" in t for t in texts)
    vp = Viewport.fit_lonlat(*VIEW, 800, 600)
    img = render_map(scene, vp)
    # the legend plate (bottom left) is near-white over the background
    c = img.pixelColor(int(14 * vp.ui_scale + 4), int(vp.height - 64 * vp.ui_scale - 4))
    assert c.lightness() > 230


@pytest.fixture
def panel(qtbot, tmp_path: Path):
    from atlas.ui.control_panel import ControlAreasPanel

    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    layer = ControlAreasLayer()
    p = ControlAreasPanel(model, layer)
    qtbot.addWidget(p)
    p.show()
    return p


def _two_deepstate_files(tmp_path: Path) -> list[Path]:
    shrunk = [[35.25, 51.05, 0], [35.4, 51.05, 0], [35.4, 51.15, 0], [35.25, 51.15, 0], [35.25, 51.05, 0]]
    return [write_json(tmp_path / "deepstate_raw_1724184993.geojson", deepstate_doc(UA_RING)),
            write_json(tmp_path / "deepstate_raw_1741694646.geojson", deepstate_doc(shrunk))]


def test_panel_follows_the_timeline_and_measures_inside_kursk(panel, tmp_path: Path) -> None:
    assert panel.load_files(_two_deepstate_files(tmp_path)) == []
    assert list(panel.groups) == ["DeepStateMap (deepstatemap.live)"]
    panel.clip_combo.setCurrentIndex(panel.clip_combo.findData("kursk"))
    model = panel.model
    model.set_time_window((dt.date(2024, 8, 10), dt.date(2024, 9, 1)))
    assert panel.date == dt.date(2024, 9, 1)
    assert panel.layer.snapshot is not None and panel.layer.snapshot.as_of == dt.date(2024, 8, 20)
    ua_aug = float(panel.area_table.item(0, 0).text().replace(",", ""))
    assert 0 < ua_aug < 1100  # clipped to Kursk oblast; the Kyiv-oblast square is not counted
    model.set_time_window((dt.date(2025, 3, 1), dt.date(2025, 3, 20)))
    assert panel.layer.snapshot.as_of == dt.date(2025, 3, 11)
    ua_mar = float(panel.area_table.item(0, 0).text().replace(",", ""))
    assert ua_mar < ua_aug
    # the user's own date choice stops the following
    panel.date_edit.setDate(panel.date_edit.date().fromString("2024-08-21", "yyyy-MM-dd"))
    assert not panel.follow.isChecked() and panel.layer.snapshot.as_of == dt.date(2024, 8, 20)
    model.set_time_window((dt.date(2025, 4, 1), dt.date(2025, 4, 2)))
    assert panel.date == dt.date(2024, 8, 21)
    panel.step(1)
    assert panel.date == dt.date(2025, 3, 11)


def test_before_a_series_starts_the_panel_says_so_not_empty(panel, tmp_path: Path) -> None:
    """A date before the first snapshot shows no area, and the panel says the series starts later
    and says nothing about earlier days (issue 13: never shown as empty while sources report ground
    held; the model starts on 15 Aug 2024, the sources on 6-13 Aug)."""
    assert panel.load_files(_two_deepstate_files(tmp_path)) == []
    panel.date_edit.setDate(panel.date_edit.date().fromString("2024-08-13", "yyyy-MM-dd"))
    assert panel.layer.snapshot is None
    text = panel.snapshot_label.text()
    assert "No snapshot on or before 2024-08-13" in text
    assert "starts on 2024-08-20" in text and "not the same as no ground held" in text
    assert panel.area_table.item(0, 0).text() == "—"


def test_panel_change_chart_and_export(panel, tmp_path: Path) -> None:
    panel.load_files(_two_deepstate_files(tmp_path))
    panel.clip_combo.setCurrentIndex(panel.clip_combo.findData("kursk"))
    panel.change_on_map.setChecked(True)
    text = panel.change_label.text()
    assert "2024-08-20 → 2025-03-11" in text and "lost" in text and "gained 0.0 km²" in text
    assert panel.layer.change is not None and panel.layer.change.lost_km2 > 0
    data = panel.chart_data()
    assert ("DeepStateMap (deepstatemap.live)", "ukrainian") in data
    xs, ys = data[("DeepStateMap (deepstatemap.live)", "ukrainian")]
    assert len(xs) == 2 and ys[0] > ys[1]
    # the dataset's claims are on the chart, with their sources in the tooltips
    n_claims = sum(len(item.data) for item in panel.claim_items)
    assert n_claims == len(panel.claims()) >= 8
    tips = [spot.data().tooltip() for item in panel.claim_items for spot in item.points()]
    assert any("1,294 km²" in t and "UNN" in t for t in tips)
    from atlas.render.area_chart import plain_tip as _plain_tip

    shown = _plain_tip(0, 0, panel.claims()[0])
    assert "<b>" not in _plain_tip(0, 0, panel.claims()[0].__class__(**{**panel.claims()[0].__dict__, "title": "<b>x</b>"}))
    assert shown.startswith("<p style='white-space:pre'>") and "Claimed held area" in shown
    out = tmp_path / "control.gpkg"
    msg = panel.export_to(out)
    assert "GeoPackage" in msg
    con = sqlite3.connect(out)
    tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    assert tables == {"snapshot", "series", "change"}
    assert con.execute("SELECT count(*) FROM series").fetchone()[0] == 4  # 2 dates x (UA, grey) in Kursk
    con.close()


def test_panel_asks_for_the_date_of_an_undated_file(panel, tmp_path: Path) -> None:
    undated = write_json(tmp_path / "areas.geojson", deepstate_doc())
    asked: list[Path] = []
    panel.ask_date = lambda p: (asked.append(p), dt.date(2024, 9, 15))[1]
    assert panel.load_files([undated]) == []
    assert asked == [undated]
    assert panel.series().dates == (dt.date(2024, 9, 15),)
    panel.ask_date = lambda p: None
    errors = panel.load_files([write_json(tmp_path / "other.geojson", deepstate_doc())])
    assert errors and "no date given" in errors[0]
    bad = tmp_path / "bad_20240820.geojson"
    bad.write_text("{", encoding="utf-8")
    panel.hide()  # no message box in the test
    assert "not valid JSON" in panel.load_files([bad])[0]


def test_main_window_has_the_layer_dock_and_the_reconstruction_only_when_asked(qtbot) -> None:
    from atlas.ui.main_window import MainWindow

    win = MainWindow(AtlasModel())
    qtbot.addWidget(win)
    keys = [lyr.key for lyr in win.canvas.scene_layers.layers]
    assert keys.index("control") < keys.index("events") < keys.index("control_legend")
    legend = win.canvas.scene_layers.layer("control_legend")
    areas = win.canvas.scene_layers.layer("control")
    v = legend.version
    areas.changed()
    assert legend.version == v + 1  # the canvas cache follows the areas layer
    panel = win.feature("control").panel
    assert win.feature("control").dock.widget().widget() is panel  # inside a scroll area
    # A model is no map: the window opens with no control areas until the user loads or asks.
    assert panel.groups == {} and win.model.control.files == ()
    feature = win.feature("control")
    assert not feature.act_model.isChecked()
    feature.act_model.trigger()
    (src,) = panel.groups
    assert panel.groups[src].approximate and feature.reconstruction_shown()
    assert len(win.model.control.files) == 1
    texts = [a.text() for a in win.findChildren(type(win.act_quit)) if a.shortcut().toString()]
    assert any("areas of &control" in t.lower() for t in texts)
    win.model.set_time_window((dt.date(2025, 3, 1), dt.date(2025, 3, 14)))
    assert panel.layer.snapshot is not None and panel.layer.snapshot.as_of == dt.date(2025, 3, 13)
    assert STATUS_STYLE["ukrainian"][0].startswith("#")
    win.undo_stack.undo()  # the time window is no undo step; showing the model is one
    assert not feature.reconstruction_shown() and panel.groups == {} and not feature.act_model.isChecked()


def test_a_model_with_a_range_is_drawn_as_its_range_and_labelled_a_model(qapp) -> None:
    """The reconstruction's range on the map: the outer envelope (any parameter choice) and the
    inner one (every choice) in the model's own colour, not the central polygon in a survey's blue;
    the legend names it a model and explains both parts (the export draws the same legend)."""
    from atlas.control.model import MODEL_RANGE_PARTS, MODEL_RANGE_TEXT, ModelEnvelope
    from atlas.render.control_layer import MODEL_RANGE_STYLE

    outer, central, inner = box(35.0, 51.0, 35.5, 51.35), box(35.05, 51.05, 35.45, 51.3), box(35.1, 51.1, 35.4, 51.25)
    snap = ControlSnapshot(dt.date(2024, 12, 1), {"ukrainian": central}, "bundled", approximate=True,
                           envelope=ModelEnvelope(inner, outer))
    layer = ControlAreasLayer()
    scene = _scene_with(layer)
    layer.set_series(ControlSeries.of([snap]))
    lines = layer.legend_lines()
    texts = [t for _k, t in lines]
    assert f"≈ {MODEL_RANGE_TEXT}" in texts
    assert ("model_inner", MODEL_RANGE_PARTS["inner"]) in lines and ("model_outer", MODEL_RANGE_PARTS["outer"]) in lines
    assert not any(k == "ukrainian" for k, _t in lines)  # no "Ukrainian-held" swatch for a model
    vp = Viewport.fit_lonlat(*VIEW, 800, 600)
    (xi, xo, xn), (yi, yo, yn) = vp.lonlat_to_px([35.25, 35.02, 35.7], [51.17, 51.02, 51.45])
    img = render_map(scene, vp)
    violet = QColor(MODEL_RANGE_STYLE["inner"][0])

    def patch(x: float, y: float) -> tuple[float, float, float]:  # mean colour of 9×9 pixels (hatch lines)
        cs = [img.pixelColor(int(x) + dx, int(y) + dy) for dx in range(-4, 5) for dy in range(-4, 5)]
        return tuple(sum(getattr(c, k)() for c in cs) / len(cs) for k in ("red", "green", "blue"))  # type: ignore[return-value]

    def tint(rgb: tuple[float, float, float]) -> float:  # how far a colour leans to violet from grey
        return (rgb[0] + rgb[2]) / 2 - rgb[1]
    inner_px, outer_px, none_px = patch(xi, yi), patch(xo, yo), patch(xn, yn)
    assert tint(inner_px) > tint(outer_px) > tint(none_px) + 3
    assert sum(inner_px) < sum(outer_px) < sum(none_px) - 15  # each part darker than the map under it
    assert inner_px[0] > inner_px[1] + 20  # violet, not the survey blue (red ≈ green there)
    assert tint((violet.red(), violet.green(), violet.blue())) > 0
    # A snapshot without a range still draws its one polygon (a survey, a loaded file).
    plain = ControlSnapshot(dt.date(2024, 12, 1), {"ukrainian": central}, "survey")
    layer.set_series(ControlSeries.of([plain]))
    assert ("ukrainian", "Ukrainian-held") in layer.legend_lines()
    assert _bluish(render_map(scene, vp).pixelColor(int(xi), int(yi)))


def test_a_scene_copy_draws_its_own_areas_legend(qapp) -> None:
    """An export draws from a copy of the scene (MapScene.snapshot): the copy's legend must name
    the copy's snapshot. Left on the live layer it said "as of 2025-04-26" over a map of August."""
    from atlas.model.session import ControlDisplay
    from atlas.render.control_layer import add_control_layers

    a = ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": box(35.0, 51.05, 35.4, 51.3)}, "survey A")
    b = ControlSnapshot(dt.date(2025, 3, 11), {"ukrainian": box(35.25, 51.05, 35.4, 51.15)}, "survey A")
    model = AtlasModel()
    scene = MapScene(model, basemap=False)
    areas, legend = add_control_layers(scene)
    areas.set_series(ControlSeries.of([a, b]))
    copy = scene.snapshot()
    model.set_control(ControlDisplay(date=dt.date(2024, 9, 1), follow=False))
    copy.sync_to(model)
    copied_areas = copy.layer("control")
    copied_legend = copy.layer("control_legend")
    assert copied_areas is not areas and copied_legend.areas is copied_areas  # type: ignore[union-attr]
    assert copied_areas.snapshot is a and areas.snapshot is b  # type: ignore[union-attr]
    assert copied_legend.areas.legend_lines()[0][1].startswith("Areas of control, as of 2024-08-20")  # type: ignore[union-attr]


def test_the_model_range_hatch_is_cut_to_its_area() -> None:
    """The hatch lines are cut to the ring geometrically (no clip path: Qt's SVG carries none)."""
    from shapely.geometry import Point

    from atlas.render.control_layer import hatch_path

    ring = Point(100, 100).buffer(60).difference(Point(100, 100).buffer(30))
    path = hatch_path(ring, 7.0)
    assert path.elementCount() > 20
    pts = [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]
    assert all(ring.buffer(0.01).contains(Point(x, y)) for x, y in pts)
    assert not any(Point(100, 100).buffer(29.9).contains(Point(x, y)) for x, y in pts)  # not in the hole
    assert hatch_path(box(0, 0, 0, 0), 7.0).isEmpty()
