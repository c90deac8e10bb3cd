"""Annotations: value objects in lon/lat, geodesic measures, undoable commands, GeoJSON/KML io."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.io.annotations_io import (
    annotations_from_geojson,
    annotations_from_kml,
    read_annotations,
    to_geojson,
    to_kml,
    write_annotations,
)
from atlas.io.report import ImportReport, InputError
from atlas.model import AtlasModel
from atlas.model.annotations import (
    Annotation,
    AnnotationError,
    AnnotationStyle,
    cmd_add,
    cmd_duplicate,
    cmd_move,
    cmd_remove,
    cmd_update,
)

ROOT = Path(__file__).resolve().parents[2]
SUDZHA = (35.2706, 51.1914)


def every_kind() -> list[Annotation]:
    s = AnnotationStyle(colour="#123456", width=3.0, font_size=12.0, fill_opacity=0.3)
    return [
        Annotation("text", (SUDZHA,), text="Sudzha", style=s),
        Annotation("callout", (SUDZHA, (35.4, 51.3)), text="Gas metering station"),
        Annotation("arrow", ((35.33, 51.05), (35.31, 51.12), (35.28, 51.17)), curved=True, text="Axis"),
        Annotation("frontline", ((35.0, 51.3), (35.2, 51.35), (35.4, 51.3))),
        Annotation("polygon", ((35.0, 51.0), (35.1, 51.0), (35.1, 51.1), (35.0, 51.1)), show_area=True),
        Annotation("marker", (SUDZHA,), symbol="star", text="HQ"),
        Annotation("freehand", ((35.1, 51.0), (35.12, 51.02), (35.15, 51.05)), approximate=True),
        Annotation("ring", (SUDZHA,), radius_km=10.0, date_from=dt.date(2024, 8, 6), date_to=dt.date(2025, 3, 13)),
    ]


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "blob", "points": (SUDZHA,)}, "unknown annotation kind"),
    ({"kind": "arrow", "points": (SUDZHA,)}, "needs at least 2"),
    ({"kind": "polygon", "points": (SUDZHA, (35.3, 51.2))}, "needs at least 3"),
    ({"kind": "text", "points": ((200.0, 51.0),)}, "out of range"),
    ({"kind": "text", "points": ((math.nan, 51.0),)}, "out of range"),
    ({"kind": "ring", "points": (SUDZHA,), "radius_km": 0.0}, "radius"),
    ({"kind": "marker", "points": (SUDZHA,), "symbol": "skull"}, "unknown marker symbol"),
    ({"kind": "text", "points": (SUDZHA,), "date_from": dt.date(2025, 1, 2), "date_to": dt.date(2025, 1, 1)}, "before it starts"),
])
def test_bad_annotations_are_refused_with_a_reason(kwargs, message) -> None:
    with pytest.raises(AnnotationError, match=message):
        Annotation(**kwargs)


def test_bad_style_is_refused() -> None:
    with pytest.raises(AnnotationError, match="colour"):
        AnnotationStyle(colour="red; drop")
    with pytest.raises(AnnotationError, match="fill_opacity"):
        AnnotationStyle(fill_opacity=1.5)


def test_polygon_area_is_geodesic_not_mercator() -> None:
    # 0.1° x 0.1° at 51° N: ~7.0 km (E-W) x ~11.1 km (N-S) on the ground, ~78 km².
    sq = Annotation("polygon", ((35.0, 51.0), (35.1, 51.0), (35.1, 51.1), (35.0, 51.1)))
    approx = (0.1 * 111.32 * math.cos(math.radians(51.05))) * (0.1 * 111.2)
    assert sq.area_km2() == pytest.approx(approx, rel=0.01)
    # Planar Mercator metres would overstate it by ~1/cos²(51°) ≈ 2.5x.
    assert sq.area_km2() < approx * 1.05
    assert "km²" in sq.area_label() and "sq mi" in sq.area_label()
    assert float(sq.area_label().split(" km²")[0]) * 0.3861 == pytest.approx(float(sq.area_label().split("(")[1].split(" sq")[0]), rel=0.01)


def test_lengths_and_rings() -> None:
    line = Annotation("freehand", ((35.0, 51.0), (35.0, 51.1)))
    assert line.length_km() == pytest.approx(11.13, rel=0.01)  # 0.1° of latitude
    ring = Annotation("ring", (SUDZHA,), radius_km=10)
    assert ring.length_km() == pytest.approx(2 * math.pi * 10)
    assert "10 km" in ring.describe()


def test_edits_return_new_values() -> None:
    a = Annotation("arrow", ((35.0, 51.0), (35.1, 51.1)))
    b = a.moved(0.5, -0.25)
    assert b.points == ((35.5, 50.75), (35.6, 50.85)) and b.id == a.id and a.points[0] == (35.0, 51.0)
    c = a.with_point(1, 36.0, 52.0)
    assert c.points[1] == (36.0, 52.0)
    d = a.duplicate((0.1, 0.0))
    assert d.id != a.id and d.points[0] == pytest.approx((35.1, 51.0))


def test_date_range_follows_the_timeline() -> None:
    a = Annotation("text", (SUDZHA,), text="x", date_from=dt.date(2025, 3, 8), date_to=dt.date(2025, 3, 13))
    assert a.visible_between(None, None)
    assert a.visible_between(dt.date(2025, 3, 1), dt.date(2025, 3, 8))
    assert not a.visible_between(dt.date(2024, 8, 6), dt.date(2025, 3, 7))
    assert not a.visible_between(dt.date(2025, 3, 14), None)


def test_dict_round_trip_of_every_kind() -> None:
    for a in every_kind():
        assert Annotation.from_dict(json.loads(json.dumps(a.as_dict()))) == a


# ---------------------------------------------------------------------------- model + commands
def test_commands_do_and_undo_through_the_model() -> None:
    m = AtlasModel()
    emitted: list[int] = []
    m.annotations_changed.connect(lambda: emitted.append(len(m.annotations)))
    a, b = every_kind()[:2]
    add = m.apply(cmd_add(m.annotations, [a]))
    add2 = m.apply(cmd_add(m.annotations, [b]))
    assert [x.id for x in m.annotations] == [a.id, b.id]
    moved = m.apply(cmd_move(m.annotations, [a.id], 0.1, 0.0))
    assert m.annotation(a.id).points[0][0] == pytest.approx(SUDZHA[0] + 0.1)
    upd = m.apply(cmd_update(m.annotations, b.with_(text="edited")))
    assert m.annotation(b.id).text == "edited"
    dup, new_ids = cmd_duplicate(m.annotations, [b.id])
    m.apply(dup)
    assert len(m.annotations) == 3 and m.annotation(new_ids[0]).text == "edited"
    dup.undo(m)
    upd.undo(m)
    moved.undo(m)
    assert m.annotation(a.id) == a and m.annotation(b.id) == b
    rm = m.apply(cmd_remove(m.annotations, [a.id]))
    assert m.annotation(a.id) is None
    rm.undo(m)
    add2.undo(m)
    add.undo(m)
    assert m.annotations == ()
    assert emitted == [1, 2, 2, 2, 3, 2, 2, 2, 1, 2, 1, 0]


def test_no_op_set_is_silent_and_current_is_cleared_on_delete() -> None:
    m = AtlasModel()
    a = every_kind()[0]
    m.set_annotations((a,))
    m.set_current_annotation(a.id)
    seen: list[str] = []
    m.annotations_changed.connect(lambda: seen.append("changed"))
    m.current_annotation_changed.connect(lambda i: seen.append(f"current:{i}"))
    m.set_annotations((a,))
    m.set_current_annotation(a.id)
    assert seen == []
    m.apply(cmd_remove(m.annotations, [a.id]))
    assert m.current_annotation is None and seen == ["changed", "current:"]
    m.set_current_annotation("no-such-id")
    assert m.current_annotation is None


def test_duplicate_ids_are_refused() -> None:
    a = every_kind()[0]
    with pytest.raises(AnnotationError, match="already exists"):
        cmd_add((a,), [a])


def test_model_package_still_imports_without_gui_modules() -> None:
    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name in ('PySide6.QtWidgets', 'PySide6.QtGui', 'pyqtgraph') or name.startswith('pyqtgraph.'):\n"
        "        raise ImportError('blocked ' + name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "import atlas.model.annotations as m\n"
        "print(m.Annotation('ring', ((35.27, 51.19),), radius_km=10).length_km() > 62)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"


# ---------------------------------------------------------------------------- io
def test_geojson_and_kml_round_trip(tmp_path: Path) -> None:
    items = every_kind()
    for name in ("a.geojson", "a.kml"):
        p = tmp_path / name
        write_annotations(p, items)
        back, report = read_annotations(p)
        assert report.problems == [] and report.rows_loaded == len(items)
        assert back == items
    doc = to_geojson(items)
    kinds = {f["properties"]["kind"]: f["geometry"]["type"] for f in doc["features"]}
    assert kinds["polygon"] == "Polygon" and kinds["ring"] == "Point" and kinds["arrow"] == "LineString"
    poly = next(f for f in doc["features"] if f["properties"]["kind"] == "polygon")
    assert poly["geometry"]["coordinates"][0][0] == poly["geometry"]["coordinates"][0][-1]  # closed ring


def test_kml_from_other_tools_and_bad_placemarks() -> None:
    kml = b"""<?xml version="1.0"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
 <Placemark><name>Sudzha</name><Point><coordinates>35.2706,51.1914,0</coordinates></Point></Placemark>
 <Placemark><name>Zone</name><Style><LineStyle><color>ff0000ff</color></LineStyle></Style>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>35,51 35.1,51 35.1,51.1 35,51</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
 <Placemark><name>broken</name><LineString><coordinates>35,51</coordinates></LineString></Placemark>
 <Placemark><name>nothing</name></Placemark>
</Document></kml>"""
    report = ImportReport("x.kml", "KML")
    items = annotations_from_kml(kml, report)
    assert [a.kind for a in items] == ["text", "polygon"]
    assert items[0].text == "Sudzha" and items[1].style.colour == "#ff0000"  # aabbggrr -> #rrggbb
    assert [p.where for p in report.rejected] == ["placemark 3", "placemark 4"]
    assert report.rows_read == 4 and report.rows_loaded == 2


def test_kml_with_a_dtd_is_refused() -> None:
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name><Point><coordinates>35,51</coordinates></Point></Placemark></kml>"""
    with pytest.raises(InputError, match="DOCTYPE|DTD"):
        annotations_from_kml(laughs, ImportReport("evil.kml", "KML"))


def test_bad_geojson_features_are_reported(tmp_path: Path) -> None:
    doc = to_geojson(every_kind()[:2])
    doc["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [35, 51]},
                            "properties": {"kind": "ring"}})  # no radius
    doc["features"].append({"type": "Feature", "geometry": None, "properties": {}})
    doc["features"].append({"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[35, 51]]}, "properties": {}})
    report = ImportReport("x.geojson", "GeoJSON")
    items = annotations_from_geojson(doc, report)
    assert len(items) == 2
    assert [p.where for p in report.rejected] == ["feature 3", "feature 4", "feature 5"]
    assert "radius" in report.rejected[0].what and "MultiPoint" in report.rejected[2].what
    with pytest.raises(InputError, match="FeatureCollection"):
        annotations_from_geojson([], ImportReport("y", "GeoJSON"))
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_annotations(bad)
    with pytest.raises(InputError, match="unknown annotations format"):
        read_annotations(tmp_path / "a.csv")


def test_kml_text_is_escaped() -> None:
    a = Annotation("text", (SUDZHA,), text='<b>&"quoted"</b>')
    back = annotations_from_kml(to_kml([a]).encode(), ImportReport("k", "KML"))
    assert back[0].text == '<b>&"quoted"</b>'


def test_annotations_survive_the_workspace_value_codec() -> None:
    values = pytest.importorskip("atlas.workspace.values")
    items = tuple(every_kind())
    doc = json.loads(json.dumps(values.to_json(items)))
    assert tuple(values.from_json(doc)) == items
