"""The whole session state survives a workspace: random states are saved from one window, opened
into another that held a different state, and compared equal, part by part.

The state is the model's (atlas/model/session.py plus table, filter, selection, time window and
annotations); that the windows' widgets and scenes then show it is checked at the end of each
example (the layer stack as the scene draws it, the control dock's date, the export dialog's title).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.io import BUNDLED_EVENTS
from atlas.model import All, BBox, DateRange, MinConfidence, Selection, Text
from atlas.model.annotations import Annotation
from atlas.model.session import (
    CLIP_REGIONS,
    CONTROL_STATUSES,
    DENSITY_MODES,
    Bookmark,
    ControlDisplay,
    ControlFile,
    ExportSettings,
    FileLayer,
    LayerStack,
    LayerStyle,
    LayerState,
    MapStyle,
    MapView,
)

DAYS = st.dates(dt.date(2024, 8, 1), dt.date(2025, 5, 1))
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() != "")


@st.composite
def views(draw: Any) -> MapView:
    lon1 = draw(st.floats(30.0, 38.0))
    lat1 = draw(st.floats(49.0, 53.0))
    return MapView(round(lon1, 6), round(lat1, 6), round(lon1 + draw(st.floats(0.05, 3.0)), 6),
                   round(lat1 + draw(st.floats(0.05, 2.0)), 6))


@st.composite
def layer_stacks(draw: Any, keys: list[str]) -> LayerStack:
    chosen = draw(st.permutations(keys))[: draw(st.integers(0, len(keys)))]
    return LayerStack(tuple(LayerState(k, draw(st.booleans()), round(draw(st.floats(0.0, 1.0)), 4)) for k in chosen))


@st.composite
def controls(draw: Any, bundled: str) -> ControlDisplay:
    files = (ControlFile(bundled),) if draw(st.booleans()) else ()
    return ControlDisplay(
        files=files, source=None, clip=draw(st.sampled_from(CLIP_REGIONS)), date=draw(st.none() | DAYS),
        follow=draw(st.booleans()), change_from=draw(DAYS), change_to=draw(DAYS),
        change_status=draw(st.sampled_from(CONTROL_STATUSES)), change_on_map=draw(st.booleans()),
        chart=tuple(draw(st.lists(st.sampled_from(CONTROL_STATUSES), unique=True))),
        chart_sum=draw(st.booleans()), chart_claims=draw(st.booleans()))


@st.composite
def exports(draw: Any) -> ExportSettings:
    return ExportSettings(
        format=draw(st.sampled_from(("png", "svg", "pdf"))), preset="Custom", width=draw(st.integers(16, 5000)),
        height=draw(st.integers(16, 5000)), dpi=draw(st.integers(24, 600)), landscape=draw(st.booleans()),
        title=draw(NAMES), subtitle=draw(st.text(max_size=10)), date_stamp=draw(st.text(max_size=10)),
        banner=draw(st.text(max_size=10)), banner_colour=draw(st.sampled_from(("#007a33", "#aa0000", "#123abc"))),
        legend=draw(st.booleans()), scale_bar=draw(st.booleans()), north_arrow=draw(st.booleans()),
        inset=draw(st.booleans()), filter_line=draw(st.booleans()), sources=draw(st.booleans()))


@st.composite
def file_layers(draw: Any, paths: list[str]) -> tuple[FileLayer, ...]:
    chosen = draw(st.permutations(paths))[: draw(st.integers(0, len(paths)))]
    colours = st.sampled_from(("#c00000", "#0000ff", "#2f7f6f"))
    return tuple(FileLayer(
        f"f{i}", p, "", draw(st.sampled_from(("", "My layer"))),
        LayerStyle(stroke=draw(colours), width=round(draw(st.floats(0.0, 20.0)), 2),
                   fill=draw(st.sampled_from(("", "#ffcc00"))), fill_opacity=round(draw(st.floats(0.0, 1.0)), 3),
                   opacity=round(draw(st.floats(0.0, 1.0)), 3), symbol=draw(st.sampled_from(("circle", "cross"))),
                   size=round(draw(st.floats(1.0, 40.0)), 2), label=draw(st.sampled_from(("", "name")))),
        draw(st.booleans())) for i, p in enumerate(chosen))


FILTERS = st.sampled_from([
    All(), Text("sudzha"), DateRange(dt.date(2024, 8, 6), dt.date(2024, 9, 30)) & Text("bridge"),
    BBox(34.0, 50.0, 36.0, 52.0), MinConfidence("reported"),
])


def state_of(w: Any) -> dict[str, Any]:
    m = w.model
    return {"sources": m.sources, "n": len(m.table), "filter": m.filter, "selection": m.selection,
            "time_window": m.time_window, "annotations": m.annotations, "view_state": m.view_state()}


@pytest.fixture(scope="module")
def windows(qapp: Any) -> Any:
    from atlas.ui.main_window import MainWindow

    a, b = MainWindow(), MainWindow()
    for w in (a, b):
        w.resize(1000, 700)
    a.load_files([BUNDLED_EVENTS])
    yield a, b
    for w in (a, b):
        ctl = w.feature("workspace")
        ctl.discard_recovery()
        w.close()
        w.deleteLater()


@pytest.fixture(scope="module")
def layer_files(tmp_path_factory: Any) -> list[str]:
    """Two small vector files for the file layers (written here, not copied from fixtures)."""
    import json

    folder = tmp_path_factory.mktemp("layers")
    out = []
    for name, geom in (("roads.geojson", {"type": "LineString", "coordinates": [[35.1, 51.1], [35.4, 51.2]]}),
                       ("villages.geojson", {"type": "Point", "coordinates": [35.5, 51.05]})):
        path = folder / name
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "x"}, "geometry": geom}]}), encoding="utf-8")
        out.append(str(path))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_random_states_round_trip(windows: Any, layer_files: list[str], tmp_path_factory: Any, data: Any) -> None:
    a, b = windows
    m = a.model
    # (File layers are not the layer stack's: their state is model.file_layers.)
    keys = [lyr.key for lyr in a.canvas.scene_layers.layers if not getattr(lyr, "own_state", False)]
    from atlas.control.reconstruction import RECONSTRUCTION

    bundled = str(RECONSTRUCTION)
    ids = [str(i) for i in m.table.ids[:40]]
    m.set_filter(data.draw(FILTERS))
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=6))
    m.set_selection(Selection(frozenset(chosen), chosen[-1] if chosen else None))
    m.set_time_window(data.draw(st.none() | st.tuples(DAYS, DAYS)))
    m.set_annotations(tuple(
        Annotation(kind="text", points=((data.draw(st.floats(34, 36)), data.draw(st.floats(50.5, 51.8))),), text=t)
        for t in data.draw(st.lists(NAMES, max_size=3))))
    m.set_layers(data.draw(layer_stacks(keys)))
    m.set_style(MapStyle(data.draw(st.sampled_from(("light", "dark"))), data.draw(st.booleans()),
                         data.draw(st.sampled_from(DENSITY_MODES))))
    m.set_control(data.draw(controls(bundled)))
    m.set_bookmarks([Bookmark(n, data.draw(views())) for n in data.draw(st.lists(NAMES, unique=True, max_size=4))])
    m.set_export_settings(data.draw(exports()))
    m.set_view(data.draw(views()))
    m.set_file_layers(data.draw(file_layers(layer_files)))
    before = state_of(a)

    path = tmp_path_factory.mktemp("ws") / "state.katlas"
    assert a.feature("workspace").save_to(path), a.feature("workspace").last_notes
    assert b.feature("workspace").open(path, ask=False), b.feature("workspace").last_notes
    after = state_of(b)
    for key in before:
        assert after[key] == before[key], key
    # What the other window draws is that state: the scene's stack, the control date, the view.
    stack = b.canvas.scene_layers.layer_stack()
    for layer in before["view_state"].layers.layers:
        got = stack.get(layer.key)
        assert got is not None and (got.visible, got.opacity) == (layer.visible, layer.opacity)
    assert b.canvas.scene_layers.theme.name == before["view_state"].style.theme
    drawn = [lyr for lyr in b.canvas.scene_layers.layers if getattr(lyr, "own_state", False)]
    assert [(lyr.key, lyr.visible, lyr.spec.style) for lyr in drawn] == \
        [(x.key, x.visible, x.style) for x in before["view_state"].file_layers]
    assert b.feature("control").panel.date == a.model.control_date()
    lon1, lat1, lon2, lat2 = b.canvas.map_viewport().lonlat_bounds()
    v = before["view_state"].view
    # The saved box fitted to this window's shape: all of it shown, tight along one side.
    eps = 1e-6
    assert lon1 <= v.lon1 + eps and lon2 >= v.lon2 - eps and lat1 <= v.lat1 + eps and lat2 >= v.lat2 - eps
    assert abs(lon1 - v.lon1) < 1e-4 or abs(lat1 - v.lat1) < 1e-4


def test_session_names_the_control_statuses_and_regions_the_feature_knows() -> None:
    """The model cannot import the control package's geometry; its lists must still agree."""
    from atlas.control.chart_data import CHART_STATUSES_DEFAULT
    from atlas.control.model import STATUSES
    from atlas.control.regions import REGIONS
    from atlas.model.session import CHART_DEFAULT

    assert set(CONTROL_STATUSES) == set(STATUSES)
    assert CHART_DEFAULT == CHART_STATUSES_DEFAULT
    assert set(CLIP_REGIONS) == {"", *REGIONS}
