"""File layers as session state: values, the model's setter and signal, the edits the panel makes,
the workspace round trip and a missing file (no display needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas.model import AtlasModel
from atlas.model.layer_styles import OSM_STYLES, default_style
from atlas.model.session import FileLayer, LayerStyle, move_layer, new_layer_id, remove_layer, replace_layer

from . import files
from .files import ROAD


def test_style_values_are_checked() -> None:
    s = LayerStyle(stroke="#AABBCC", width=2, fill="", symbol="square", label="name")
    assert s.stroke == "#aabbcc" and s.width == 2.0
    for bad in ({"stroke": "red"}, {"fill": "#12"}, {"width": -1}, {"width": float("nan")}, {"opacity": 2},
                {"symbol": "star"}, {"size": 0}, {"width": True}):
        with pytest.raises(ValueError):
            LayerStyle(**bad)  # type: ignore[arg-type]


def test_defaults_differ_by_geometry_and_osm_tag() -> None:
    assert default_style("polygon").fill and not default_style("line").fill
    assert default_style("line", 0).stroke != default_style("line", 1).stroke
    roads, rail, water = (default_style("line", theme=t) for t in ("roads", "railways", "water"))
    assert len({roads.stroke, rail.stroke, water.fill}) == 3
    assert OSM_STYLES["places"].label == "name"


def test_model_holds_the_list_and_signals_real_changes_only() -> None:
    m = AtlasModel()
    seen: list[int] = []
    m.file_layers_changed.connect(lambda: seen.append(1))
    a = FileLayer("roads", "/data/roads.gpkg", "roads")
    m.set_file_layers([a])
    m.set_file_layers((a,))
    assert seen == [1] and m.file_layers == (a,) and a.key == "file.roads"
    b = FileLayer(new_layer_id(m.file_layers, "roads"), "/data/other.gpkg")
    assert b.id == "roads-2"
    m.set_file_layers((*m.file_layers, b))
    m.set_file_layers(move_layer(m.file_layers, "roads-2", -1))
    assert [x.id for x in m.file_layers] == ["roads-2", "roads"]
    m.set_file_layers(replace_layer(m.file_layers, "roads", visible=False, style=LayerStyle(stroke="#ff0000")))
    assert not m.file_layers[1].visible and m.file_layers[1].style.stroke == "#ff0000"
    m.set_file_layers(remove_layer(m.file_layers, "roads-2"))
    assert [x.id for x in m.file_layers] == ["roads"] and len(seen) == 5
    with pytest.raises(ValueError):
        m.set_file_layers([a, a])
    with pytest.raises(TypeError):
        m.set_file_layers(["roads.gpkg"])  # type: ignore[list-item]
    assert m.snapshot().file_layers == m.file_layers
    assert m.view_state().file_layers == m.file_layers


def _roundtrip(model: AtlasModel, tmp_path: Path, before_open=None) -> tuple[AtlasModel, list[str]]:  # type: ignore[no-untyped-def]
    from atlas.workspace import Context, capture_all, dump_document, parse_document, restore_all

    ws = tmp_path / "w.katlas"
    sections = capture_all(model, Context(folder=tmp_path))
    ws.write_bytes(dump_document(sections))
    if before_open is not None:
        before_open()
    doc = parse_document(ws.read_bytes(), ws)
    other = AtlasModel()
    notes = restore_all(other, doc.sections, Context(folder=tmp_path))
    return other, notes


def test_workspace_round_trip(tmp_path: Path) -> None:
    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    pbf = files.osm_pbf(tmp_path / "region.osm.pbf")
    m = AtlasModel()
    layers = (FileLayer("roads", str(roads), "roads", "My roads", LayerStyle(stroke="#ff0000", width=3, label="name")),
              FileLayer("water", str(pbf), "water", "", default_style("polygon", theme="water"), visible=False))
    m.set_file_layers(layers)
    other, notes = _roundtrip(m, tmp_path)
    assert notes == []
    assert other.file_layers == layers


def test_missing_file_is_named_and_the_rest_opens(tmp_path: Path) -> None:
    from atlas.model import Text

    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    lake = files.geojson(tmp_path / "lake.geojson", [ROAD], ["L"])
    m = AtlasModel()
    m.set_file_layers((FileLayer("roads", str(roads)), FileLayer("lake", str(lake))))
    m.set_filter(Text("Sudzha"))
    other, notes = _roundtrip(m, tmp_path, before_open=roads.unlink)
    assert [x.id for x in other.file_layers] == ["lake"]
    assert other.filter == Text("Sudzha")
    assert any("roads.gpkg" in n and "left off the map" in n for n in notes), notes


def test_unreadable_file_is_named_and_the_rest_opens(tmp_path: Path) -> None:
    roads = files.write_ogr(tmp_path / "roads.gpkg", [ROAD], ["R1"], "GPKG", "roads")
    lake = files.geojson(tmp_path / "lake.geojson", [ROAD], ["L"])
    m = AtlasModel()
    m.set_file_layers((FileLayer("roads", str(roads)), FileLayer("lake", str(lake))))

    def damage() -> None:  # same name, other bytes: the user agrees to load the changed file
        lake.write_bytes(b"\x00not json")

    from atlas.workspace import Context, capture_all, dump_document, parse_document, restore_all

    ws = tmp_path / "w.katlas"
    ws.write_bytes(dump_document(capture_all(m, Context(folder=tmp_path))))
    damage()
    other = AtlasModel()
    notes = restore_all(other, parse_document(ws.read_bytes(), ws).sections,
                        Context(folder=tmp_path, resolve_source=lambda entry, problem, found: found))
    assert [x.id for x in other.file_layers] == ["roads"]
    assert any("lake.geojson" in n and "left off the map" in n for n in notes), notes


def test_damaged_section_is_refused() -> None:
    from atlas.workspace.file_layers_section import validate_file_layers

    good = {"id": "a", "file": {"path": "a.gpkg"}, "layer": "", "style": {"stroke": "#000000"}}
    validate_file_layers({"layers": [good]})
    for bad in ({"layers": {}}, {"layers": [{**good, "style": {"stroke": "blue"}}]},
                {"layers": [{**good, "style": {"colour": "#000000"}}]}, {"layers": [good, good]},
                {"layers": [{**good, "file": {}}]}, {"layers": [{**good, "id": ""}]}):
        with pytest.raises(ValueError):
            validate_file_layers(bad)
    json.dumps(good)
