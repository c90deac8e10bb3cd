"""File ▸ Open on a KML with polygons: points become events, polygons areas of control with the
file's colours, and the status bar and the import report say so."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from atlas.model import AtlasModel

KML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
# A shared style the status is read from (id "ua"), with the analyst's own yellow fill and
# dark-yellow outline (KML colours are aabbggrr).
STYLES = ('<Style id="ua"><LineStyle><color>ff008080</color></LineStyle>'
          '<PolyStyle><color>8000ffff</color></PolyStyle></Style>')
SQUARE = "35.1,51.1 35.3,51.1 35.3,51.3 35.1,51.3 35.1,51.1"
RU_SQUARE = "35.5,51.5 35.7,51.5 35.7,51.6 35.5,51.6 35.5,51.5"


def _polygon(name: str, ring: str, style: str) -> str:
    return (f"<Placemark><name>{name}</name>{style}<TimeStamp><when>2024-08-20</when></TimeStamp>"
            f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing>"
            "</outerBoundaryIs></Polygon></Placemark>")


def _point(name: str, lon: float, lat: float, day: str) -> str:
    return (f"<Placemark><name>{name}</name><TimeStamp><when>{day}</when></TimeStamp>"
            f"<Point><coordinates>{lon},{lat}</coordinates></Point></Placemark>")


@pytest.fixture
def window(qtbot):
    from atlas.ui.main_window import MainWindow

    w = MainWindow(AtlasModel())
    qtbot.addWidget(w)
    return w


def _open(qtbot, window, path: Path, monkeypatch) -> None:
    """File ▸ Open as the user does it: the file dialog answers ``path``."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(path)], "")))
    importer = window.feature("import").importer
    with qtbot.waitSignal(importer.finished, timeout=30_000):
        window.open_dialog()


def test_kml_with_points_and_polygons_imports_events_and_coloured_areas(qtbot, window, tmp_path: Path,
                                                                        monkeypatch) -> None:
    p = tmp_path / "analyst.kml"
    p.write_text(KML_HEAD + STYLES
                 + _point("Shelling at Sudzha", 35.27, 51.19, "2024-08-10")
                 + _point("Strike at Korenevo", 34.91, 51.41, "2024-08-12")
                 + _polygon("Ukrainian-held pocket", SQUARE, "<styleUrl>#ua</styleUrl>")
                 + _polygon("Russian-held", RU_SQUARE,
                            "<Style><PolyStyle><color>66ff00ff</color></PolyStyle></Style>")
                 + "</Document></kml>", encoding="utf-8")
    _open(qtbot, window, p, monkeypatch)

    model = window.model
    assert len(model.table) == 2  # the points, as events
    assert [Path(f.path) for f in model.control.files] == [p]  # the polygons, as a control file
    control = window.feature("control")
    snap = control.layer.snapshot
    assert snap is not None and snap.as_of.isoformat() == "2024-08-20"
    assert set(snap.statuses) == {"ukrainian", "russian"}
    # the file's colours, not the atlas's blue and red
    assert snap.colours["ukrainian"] == ("#ffff00", 0x80, "#808000")
    assert snap.colours["russian"][:2] == ("#ff00ff", 0x66)
    msg = window.statusBar().currentMessage()
    assert msg.startswith("Loaded 2 events, 10 Aug 2024 – 12 Aug 2024, and 2 areas of control "
                          "(colours from the file), from analyst.kml"), msg
    report = window.reports[-1]
    assert not report.problems  # polygons are not rejected rows any more
    assert any("2 areas imported as areas of control (colours from the file)" in n for n in report.notes)
    assert report.summary().startswith("analyst.kml (KML): 2 of 2 rows loaded")


def test_kml_with_only_polygons_keeps_the_events_and_adds_areas(qtbot, window, tmp_path: Path,
                                                                  sample_file: Path, monkeypatch) -> None:
    window.load_files([sample_file])
    events_before = window.model.table
    p = tmp_path / "zones.kml"
    p.write_text(KML_HEAD + STYLES + _polygon("Ukrainian-held pocket", SQUARE, "<styleUrl>#ua</styleUrl>")
                 + "</Document></kml>", encoding="utf-8")
    _open(qtbot, window, p, monkeypatch)

    assert window.model.table is events_before  # an areas-only file replaces no events
    assert [Path(f.path) for f in window.model.control.files] == [p]
    snap = window.feature("control").layer.snapshot
    assert snap is not None and snap.statuses == ("ukrainian",)
    assert snap.colours["ukrainian"][0] == "#ffff00"
    assert window.statusBar().currentMessage() == (
        "Loaded 1 area of control (colours from the file), from zones.kml")
    assert any("1 area imported as areas of control" in n for n in window.reports[-1].notes)


def test_undated_polygons_take_the_latest_event_date(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "mixed.kml"
    undated = ('<Placemark><name>Ukrainian-held</name><Polygon><outerBoundaryIs><LinearRing><coordinates>'
               f"{SQUARE}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>")
    # The event dated in ExtendedData (as the atlas's own export writes it), so that the document
    # holds no TimeStamp the control reader could date the areas by.
    dated_point = ('<Placemark><name>A</name><ExtendedData><Data name="event_date"><value>2024-08-10</value>'
                   '</Data></ExtendedData><Point><coordinates>35.27,51.19</coordinates></Point></Placemark>')
    p.write_text(KML_HEAD + dated_point + undated + "</Document></kml>", encoding="utf-8")
    _open(qtbot, window, p, monkeypatch)
    files = window.model.control.files
    assert len(files) == 1 and files[0].as_of is not None and files[0].as_of.isoformat() == "2024-08-10"
    note = next(n for n in window.reports[-1].notes if "imported as areas" in n)
    assert "dated 2024-08-10" in note and "colours" not in note  # no style: the atlas's colours
    assert window.feature("control").layer.snapshot.colours == {}
