"""Levels of detail kept in the user's cache (atlas.render.basemap_geometry.LevelStore): a level read
back is the level built (same paths, boxes, tags, pixels), is read instead of built, and is never
served for other data, another version of the code or libraries, or from a damaged file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from atlas.geo import basemap_data, prepared_cache
from atlas.geo.basemap_data import DEFAULT_DATA_DIR, LAYER_FILES
from atlas.render import basemap_geometry
from atlas.render.basemap_geometry import BasemapGeometry, Lod, LevelStore, PathSet, paths_from_bytes, paths_to_bytes
from atlas.render.basemap_layers import BasemapLayers, BasemapOptions
from atlas.render.viewport import Viewport

REGION = (32.5, 49.8, 38.5, 52.8)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(prepared_cache.ENV_DIR, str(folder))
    return folder


def _lods(g: BasemapGeometry) -> dict[str, Lod]:
    return {k: v for k, v in vars(g).items() if isinstance(v, Lod)}


def _same(a: PathSet, b: PathSet) -> bool:
    return (len(a) == len(b) and np.array_equal(a.boxes, b.boxes) and np.array_equal(a.tags, b.tags)
            and a.boxes.dtype == b.boxes.dtype and a.tags.dtype == b.tags.dtype
            and all(pa == pb and pa.fillRule() == pb.fillRule() for pa, pb in zip(a.paths, b.paths)))


def _picture(g: BasemapGeometry, box: tuple[float, float, float, float]) -> QImage:
    vp = Viewport.fit_lonlat(*box, 900, 600)
    img = QImage(vp.width, vp.height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    try:
        for lyr in BasemapLayers(g, BasemapOptions()).all():
            lyr.draw(p, vp)
    finally:
        p.end()
    return img


def _no_build(tol: float) -> PathSet:
    raise AssertionError("built although the level was in the cache")


def test_paths_survive_serialisation_exactly(qapp) -> None:
    g = BasemapGeometry(basemap_data.load_basemap(None))
    for lod in (g.country_fill, g.coast, g.rivers):
        level = lod.level(2)
        back = paths_from_bytes(paths_to_bytes(level.paths), len(level.paths))
        assert all(a == b for a, b in zip(level.paths, back)) and len(back) == len(level.paths)
        for a, b in zip(level.paths[:20], back[:20]):
            assert [(a.elementAt(i).x, a.elementAt(i).y, a.elementAt(i).type) for i in range(a.elementCount())] == \
                   [(b.elementAt(i).x, b.elementAt(i).y, b.elementAt(i).type) for i in range(b.elementCount())]
    with pytest.raises(ValueError):
        paths_from_bytes(paths_to_bytes(level.paths)[:-5], len(level.paths))


def test_a_level_is_built_once_then_read_and_draws_the_same(qapp, cache: Path) -> None:
    bm = basemap_data.load_basemap(None)
    fresh = BasemapGeometry(bm)
    before = _picture(fresh, REGION)  # builds (and stores) the levels this view draws
    stored = sorted(p.name.split("-")[1] for p in cache.glob("lod-*.npz"))
    assert stored and "country_fill" in stored
    again = BasemapGeometry(bm)
    for name, lod in _lods(again).items():
        lod.build = _no_build  # every level the view draws must come from the cache
    after = _picture(again, REGION)
    assert after == before
    assert len(set(before.constBits().tobytes()[::4 * 97])) > 3  # not an empty picture
    for name, lod in _lods(fresh).items():
        for i, level in enumerate(lod._levels):
            if level is not None:
                assert _same(level, _lods(again)[name].level(i)), (name, i)


def test_every_level_read_back_equals_the_built_one(qapp, cache: Path) -> None:
    bm = basemap_data.load_basemap(None)
    built, read = BasemapGeometry(bm), BasemapGeometry(bm)
    for name, lod in _lods(built).items():
        other = _lods(read)[name]
        other.build = _no_build
        for i in range(len(lod.tolerances)):
            assert _same(lod.level(i), other.level(i)), (name, i)


def test_changed_data_gets_its_own_levels(qapp, cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "basemap"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    load = basemap_data._load.__wrapped__
    old = BasemapGeometry(load(data))
    old_water = old.water.level(0)
    # Move the first lake 2 km east: the same file names, other bytes.
    path = data / LAYER_FILES["water"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    geom = doc["features"][0]["geometry"]

    def shift(c):  # type: ignore[no-untyped-def]
        return [c[0] + 0.03, c[1]] if isinstance(c[0], (int, float)) else [shift(x) for x in c]

    geom["coordinates"] = shift(geom["coordinates"])
    path.write_text(json.dumps(doc), encoding="utf-8")
    new = BasemapGeometry(load(data))
    assert new.water.store is not None and old.water.store is not None
    assert new.water.store.key != old.water.store.key
    new_water = new.water.level(0)
    assert not _same(old_water, new_water)
    assert len(list(cache.glob("lod-water-0-*.npz"))) == 2


def test_other_libraries_or_code_get_their_own_levels(qapp, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bm = basemap_data.load_basemap(None)
    key = BasemapGeometry(bm).rivers.store.key
    monkeypatch.setattr(basemap_geometry, "_versions", lambda: "shapely 0; GEOS 0; Qt 0; NumPy 0")
    assert BasemapGeometry(bm).rivers.store.key != key


def test_a_damaged_level_file_is_built_afresh_and_replaced(qapp, cache: Path) -> None:
    bm = basemap_data.load_basemap(None)
    good = BasemapGeometry(bm).rivers.level(1)
    (path,) = cache.glob("lod-rivers-1-*.npz")
    key = path.stem.split("-", 3)[3]
    store = LevelStore("rivers", key)
    # A whole file whose paths are cut short, and a torn file: neither is served.
    data = prepared_cache.read("lod-rivers-1", key)
    assert data is not None
    data.arrays["stream"] = data.arrays["stream"][:-7]
    prepared_cache.write("lod-rivers-1", key, data)
    assert store.read(1) is None
    rebuilt = BasemapGeometry(bm).rivers.level(1)
    assert _same(good, rebuilt) and store.read(1) is not None
    path.write_bytes(path.read_bytes()[:500])
    assert store.read(1) is None
    assert _same(good, BasemapGeometry(bm).rivers.level(1))
    assert store.read(1) is not None


def test_without_a_cache_folder_levels_are_built(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prepared_cache.ENV_DIR, "")
    g = BasemapGeometry(basemap_data.load_basemap(None))
    assert len(g.border.level(2)) > 0
