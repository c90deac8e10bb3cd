"""Every KML/KMZ we write (events, areas of control) read by GDAL's KML and LIBKML drivers with the
right layers, counts, geometry and column types; styles written and read back; MultiGeometry parts kept."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from atlas.control.export import export, series_features
from atlas.control.io import read_control
from atlas.control.model import ControlSeries, ControlSnapshot, geodesic_area_km2
from atlas.io import read_events, write_events
from atlas.io.kml_style import from_kml_colour, to_kml_colour
from atlas.model.palette import event_type_colour

from .gdal import kmz_member, layer_block, ogrinfo

DRIVERS = ("KML", "LIBKML")


# ---------------------------------------------------------------------------- events
@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_event_kml_and_kmz_open_in_both_gdal_drivers(sample_table, tmp_path: Path, driver: str, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    n = write_events(sample_table, path)
    target = kmz_member(path, driver) if suffix == ".kmz" else path
    out = layer_block(ogrinfo(target, driver, "-so", "-al"), "Kursk Atlas export")
    with_point = int(sample_table.has_coords.sum())
    assert 0 < with_point < n == 8
    if driver == "LIBKML":
        # Every placemark, typed columns from the Schema, the shared style per event type.
        assert f"Feature Count: {n}" in out
        for column, kind in (("event_id", "String"), ("time_precision", "Integer"), ("geo_precision", "Integer"),
                             ("fatalities", "Real"), ("claim_area_km2", "Real"), ("coord_approximate", "Integer"),
                             ("event_type", "String"), ("sources", "String")):
            assert re.search(rf"^{column}: {kind} ", out, re.MULTILINE), (column, kind)
        full = ogrinfo(target, driver, "-al")
        assert full.count("Style = @event-type-") == n
    else:
        # The KML driver reads name and description and skips placemarks without geometry.
        assert "Geometry: Point" in out and f"Feature Count: {with_point}" in out
        assert re.search(r"^Name: String", out, re.MULTILINE)
        full = ogrinfo(target, driver, "-al")
        assert full.count("POINT (") == with_point and "Russian MoD claims recapture of Sudzha" in full


def test_bundled_events_kmz_counts_in_both_drivers(tmp_path: Path) -> None:
    from atlas.io import BUNDLED_EVENTS

    table, _ = read_events(BUNDLED_EVENTS)
    path = tmp_path / "all.kmz"
    n = write_events(table, path)
    libkml = ogrinfo(kmz_member(path, "LIBKML"), "LIBKML", "-so", "-al")
    assert f"Feature Count: {n}" in libkml and re.search(r"^fatalities: Real", libkml, re.MULTILINE)
    kml = ogrinfo(kmz_member(path, "KML"), "KML", "-so", "-al")
    assert f"Feature Count: {int(table.has_coords.sum())}" in kml


def test_event_styles_are_the_map_colours_per_type_and_read_back(sample_table, tmp_path: Path) -> None:
    path = tmp_path / "styled.kml"
    write_events(sample_table, path)
    text = path.read_text(encoding="utf-8")
    types = sorted({str(sample_table.value("event_type", r)) for r in range(len(sample_table))})
    assert text.count("<Style id=") == len(types)
    for t in types:
        assert f"<color>{to_kml_colour(event_type_colour(t))}</color>" in text
    back, report = read_events(path)
    # Our own colours follow from the event type: nothing extra is kept, and the report says so.
    assert "kml_colour" not in back.extras and "kml_icon" not in back.extras
    assert any("atlas's colours per event type" in n for n in report.notes)
    # Recoloured in another tool: the colours say something the type does not, and are kept.
    battle_style = re.search(r'<Style id="(event-type-\d+)"><!-- Battles -->', text).group(1)
    recoloured = re.sub(rf'(<Style id="{battle_style}">.*?<color>)[0-9a-f]{{8}}', r"\g<1>ff00ff00", text, count=1)
    path.write_text(recoloured, encoding="utf-8")
    back, report = read_events(path)
    colours = {back.ids[i]: back.extras["kml_colour"][i] for i in range(len(back))}
    assert colours["T-1"] == "#00ff00"  # T-1 is a battle
    assert colours["T-5"] == event_type_colour("Political developments")


def test_foreign_style_maps_inline_styles_and_six_digit_colours(tmp_path: Path) -> None:
    kml = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Style id="red-n"><IconStyle><color>ff0000ff</color><Icon><href>https://example.org/red.png</href></Icon></IconStyle></Style>
<StyleMap id="red"><Pair><key>normal</key><styleUrl>#red-n</styleUrl></Pair><Pair><key>highlight</key><styleUrl>#nowhere</styleUrl></Pair></StyleMap>
<Placemark><name>a</name><TimeStamp><when>2024-08-06</when></TimeStamp><styleUrl>#red</styleUrl><Point><coordinates>35.27,51.19</coordinates></Point></Placemark>
<Placemark><name>b</name><TimeStamp><when>2024-08-07</when></TimeStamp><Style><IconStyle><color>00ff00</color></IconStyle></Style><Point><coordinates>35.1,51.2</coordinates></Point></Placemark>
<Placemark><name>c</name><TimeStamp><when>2024-08-08</when></TimeStamp><Point><coordinates>35.2,51.3</coordinates></Point></Placemark>
</Document></kml>"""
    path = tmp_path / "mymaps.kml"
    path.write_text(kml, encoding="utf-8")
    t, report = read_events(path)
    assert list(t.extras["kml_colour"]) == ["#ff0000", "#00ff00", ""]
    assert list(t.extras["kml_icon"]) == ["https://example.org/red.png", "", ""]
    assert from_kml_colour("7f123456") == "#563412" and from_kml_colour("nonsense") is None


def test_multigeometry_of_points_keeps_every_part_as_an_event(tmp_path: Path) -> None:
    kml = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark id="strikes"><name>Strikes</name><TimeStamp><when>2024-08-06</when></TimeStamp>
 <MultiGeometry><Point><coordinates>35.1,51.1</coordinates></Point>
  <MultiGeometry><Point><coordinates>35.2,51.2</coordinates></Point></MultiGeometry>
  <Point><coordinates>35.3,51.3</coordinates></Point>
  <LineString><coordinates>35,51 36,52</coordinates></LineString></MultiGeometry></Placemark>
<Placemark id="one"><name>One</name><TimeStamp><when>2024-08-07</when></TimeStamp><Point><coordinates>35.4,51.4</coordinates></Point></Placemark>
</Document></kml>"""
    path = tmp_path / "multi.kml"
    path.write_text(kml, encoding="utf-8")
    t, report = read_events(path)
    assert list(t.ids) == ["strikes#1", "strikes#2", "strikes#3", "one"]
    assert t.lon.tolist() == [35.1, 35.2, 35.3, 35.4] and t.lat.tolist() == [51.1, 51.2, 51.3, 51.4]
    assert [str(t.value("title", i)) for i in range(4)] == ["Strikes"] * 3 + ["One"]
    assert report.rows_read == report.rows_loaded == 4
    flagged = [p.what for p in report.problems if p.where == "placemark 1"]
    assert any("LineString parts are not events" in w for w in flagged)
    assert any("one event per point" in w for w in flagged)


# ---------------------------------------------------------------------------- areas of control
def _series() -> ControlSeries:
    two_parts = MultiPolygon([Polygon(box(35.0, 51.0, 35.4, 51.3).exterior.coords, [box(35.1, 51.1, 35.2, 51.2).exterior.coords]),
                              box(35.6, 51.0, 35.7, 51.1)])
    s1 = ControlSnapshot(dt.date(2024, 8, 20), {"ukrainian": two_parts, "grey": box(35.0, 51.3, 35.4, 51.35)}, "test", "t", False, ())
    s2 = ControlSnapshot(dt.date(2024, 9, 1), {"ukrainian": box(35.0, 51.0, 35.3, 51.3), "russian": box(35.3, 51.0, 35.4, 51.3)},
                         "test", "t", False, ())
    return ControlSeries([s1, s2])


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_control_kml_and_kmz_open_in_both_gdal_drivers(tmp_path: Path, driver: str, suffix: str) -> None:
    series = _series()
    change = series.change(dt.date(2024, 8, 20), dt.date(2024, 9, 1), "ukrainian")
    from atlas.control.export import change_features

    path = tmp_path / f"areas{suffix}"
    export(path, {"series": series_features(series), "change": change_features(change)})
    target = kmz_member(path, driver) if suffix == ".kmz" else path
    summary = ogrinfo(target, driver, "-so", "-al")
    series_block, change_block = layer_block(summary, "series"), layer_block(summary, "change")
    assert "Feature Count: 4" in series_block
    assert f"Feature Count: {len(change_features(change))}" in change_block
    full = ogrinfo(target, driver, "-al")
    assert full.count("MULTIPOLYGON (((") == 4 + len(change_features(change))
    # The two-part Ukrainian area of 20 August keeps both parts and its hole.
    first = re.search(r"MULTIPOLYGON \(\(\((.*?)\)\)\)\n", full).group(0)
    geom = shapely.from_wkt(first.strip())
    assert len(geom.geoms) == 2 and len(geom.geoms[0].interiors) == 1
    if driver == "LIBKML":
        for column, kind in (("as_of", "String"), ("status", "String"), ("area_km2", "Real"), ("approximate", "Integer")):
            assert re.search(rf"^{column}: {kind} ", series_block, re.MULTILINE), (column, kind)
        assert "Style = @status-ukrainian" in full and "Style = @change-" in full
    else:
        assert "Geometry: Multi Polygon" in series_block


def test_control_kml_reads_back_as_the_same_series(tmp_path: Path) -> None:
    series = _series()
    from atlas.control.export import change_features

    change = series.change(dt.date(2024, 8, 20), dt.date(2024, 9, 1), "ukrainian")
    path = tmp_path / "areas_2024-01-01.kmz"  # a date in the name must not override the placemarks' own
    export(path, {"series": series_features(series), "change": change_features(change)})
    snaps, report = read_control(path)
    assert [s.as_of for s in snaps] == [dt.date(2024, 8, 20), dt.date(2024, 9, 1)]
    for back, orig in zip(snaps, series, strict=True):
        assert back.statuses == orig.statuses
        for status in orig.statuses:
            assert back.geometry(status).equals(orig.geometry(status)), status
            assert geodesic_area_km2(back.geometry(status)) == pytest.approx(geodesic_area_km2(orig.geometry(status)))
    assert any("change placemark" in n for n in report.notes)
    with zipfile.ZipFile(path) as zf:
        text = zf.read("doc.kml").decode("utf-8")
    assert text.count("<MultiGeometry>") == 4 + len(change_features(change))
    assert '<Style id="status-ukrainian">' in text and "<PolyStyle><color>" in text


def test_areas_cli_exports_kml(tmp_path: Path) -> None:
    from atlas.launcher import main

    out = tmp_path / "areas.kml"
    assert main(["areas", "--reconstruction", "--export", str(out)]) == 0
    snaps, _ = read_control(out)
    assert len(snaps) >= 5 and all(s.statuses == ("ukrainian",) for s in snaps)
    assert np.all(np.diff([s.as_of.toordinal() for s in snaps]) > 0)


@pytest.mark.parametrize("driver", DRIVERS)
def test_annotation_kml_opens_in_both_gdal_drivers(tmp_path: Path, driver: str) -> None:
    from atlas.io.annotations_io import write_annotations
    from atlas.model.annotations import Annotation

    items = [Annotation("text", ((35.27, 51.19),), text="Sudzha"),
             Annotation("arrow", ((35.33, 51.05), (35.28, 51.17))),
             Annotation("polygon", ((35.0, 51.0), (35.1, 51.0), (35.1, 51.1)))]
    path = tmp_path / "notes.kml"
    write_annotations(path, items)
    full = ogrinfo(path, driver, "-al")
    assert "Feature Count: 3" in full
    assert "POINT (" in full and "LINESTRING (" in full and "POLYGON ((" in full
