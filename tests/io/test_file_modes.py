"""Every save and export gets the mode any other new file of the user's gets (0o666 less the
umask), not mkstemp's 0600; no temporary file is left. (A replaced file keeping its mode:
tests/workspace/test_atomic.py.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from shapely.geometry import Point

from atlas.control.export import write_geojson as write_areas_geojson
from atlas.control.export import write_gpkg as write_areas_gpkg
from atlas.io import BUNDLED_EVENTS, WRITERS, read_events
from atlas.io.annotations_io import write_annotations
from atlas.io.atomic import TEMP_PREFIX
from atlas.model.annotations import Annotation


@pytest.fixture(params=[0o022, 0o002, 0o077])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_event_exports_follow_the_umask(tmp_path: Path, umask: int) -> None:
    table, _ = read_events(BUNDLED_EVENTS)
    assert WRITERS, "no event writers registered"
    for suffix, write in sorted(WRITERS.items()):
        out = tmp_path / f"events{suffix}"
        write(table, out)
        assert mode_of(out) == 0o666 & ~umask, suffix
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_area_and_annotation_exports_follow_the_umask(tmp_path: Path, umask: int) -> None:
    features = [(Point(35.27, 51.19).buffer(0.05), {"name": "around Sudzha"})]
    write_areas_geojson(tmp_path / "areas.geojson", features)
    write_areas_gpkg(tmp_path / "areas.gpkg", {"areas": features})
    write_annotations(tmp_path / "notes.geojson", [Annotation("text", ((35.27, 51.19),), text="Sudzha")])
    for name in ("areas.geojson", "areas.gpkg", "notes.geojson"):
        assert mode_of(tmp_path / name) == 0o666 & ~umask, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.geojson", "areas.gpkg", "notes.geojson"]


def test_pictures_follow_the_umask(tmp_path: Path, umask: int, qapp: object) -> None:
    from atlas.model import AtlasModel
    from atlas.render.page import PageSpec, write_page
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport

    table, _ = read_events(BUNDLED_EVENTS)
    model = AtlasModel(table)
    scene = MapScene(model, basemap=False)
    spec = PageSpec(width=320, height=200)
    view = Viewport.fit_lonlat(34.5, 50.9, 36.0, 51.8, 320, 200)
    for fmt in ("png", "svg", "pdf"):
        out = tmp_path / f"map.{fmt}"
        write_page(out, fmt, spec, scene, model, view)
        assert out.stat().st_size > 0
        assert mode_of(out) == 0o666 & ~umask, fmt
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))

