"""The basemap read from the user's cache (atlas.geo.prepared_cache) is the basemap read from the
files: the same geometries, attributes and places, the same prepared paths at every level of
detail, the same pixels. A changed data file or a torn cache file is never served."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from PySide6.QtGui import QImage, QPainter

from atlas.geo import basemap_data, prepared_cache
from atlas.geo.basemap_data import DEFAULT_DATA_DIR, LAYER_FILES, Basemap
from atlas.render.basemap_geometry import BasemapGeometry, Lod
from atlas.render.basemap_layers import BasemapLayers, BasemapOptions
from atlas.render.viewport import Viewport

#: The whole basemap, the region and a village: every level of detail is drawn somewhere.
VIEWS = [(22.0, 44.0, 45.0, 57.0), (32.5, 49.8, 38.5, 52.8), (35.02, 51.11, 35.52, 51.27)]


def _read_files(data_dir: Path) -> Basemap:
    return basemap_data._load_files(data_dir)


def _read_through_cache(data_dir: Path) -> tuple[Basemap, Basemap]:
    """(first read: files, written to the cache; second read: from the cache)."""
    load = basemap_data._load.__wrapped__  # the lru_cache'd loader itself, without the memo
    return load(data_dir), load(data_dir)


def _same_geoms(a: tuple, b: tuple) -> None:
    assert len(a) == len(b)
    for ga, gb in zip(a, b):
        assert ga.geom_type == gb.geom_type
        assert np.array_equal(shapely.get_coordinates(ga), shapely.get_coordinates(gb))
        assert shapely.equals_exact(ga, gb, 0.0)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(prepared_cache.ENV_DIR, str(folder))
    return folder


def test_cached_basemap_equals_the_files(cache: Path) -> None:
    fresh = _read_files(DEFAULT_DATA_DIR)
    first, cached = _read_through_cache(DEFAULT_DATA_DIR)
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["layers"]
    for bm in (first, cached):
        assert bm.roi == fresh.roi and bm.context_bbox == fresh.context_bbox
        for key in LAYER_FILES:
            if key == "settlements":
                continue
            a, b = getattr(fresh, key), getattr(bm, key)
            _same_geoms(a.geoms, b.geoms)
            assert a.attrs == b.attrs and list(a.attrs) == list(b.attrs)
            assert a.bbox == b.bbox
        sa, sb = fresh.settlements, bm.settlements
        for name in ("lon", "lat", "population", "geonameid", "approximate"):
            x, y = getattr(sa, name), getattr(sb, name)
            assert x.dtype == y.dtype and np.array_equal(x, y)
        for name in ("names", "names_local", "country", "admin1", "admin1_hasc", "origin", "source"):
            assert getattr(sa, name) == getattr(sb, name)


def _lods(g: BasemapGeometry) -> dict[str, Lod]:
    return {k: v for k, v in vars(g).items() if isinstance(v, Lod)}


def _picture(g: BasemapGeometry, box: tuple[float, float, float, float]) -> QImage:
    layers = BasemapLayers(g, BasemapOptions())
    vp = Viewport.fit_lonlat(*box, 800, 500)
    img = QImage(vp.width, vp.height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    try:
        for lyr in layers.all():
            lyr.draw(p, vp)
    finally:
        p.end()
    return img


def test_cached_preparation_draws_the_same_paths_and_pixels(qapp, cache: Path) -> None:
    bm = _read_files(DEFAULT_DATA_DIR)
    fresh = BasemapGeometry(bm)  # prepared from the files, written to the cache
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["cut"]
    cached = BasemapGeometry(bm)  # the cut polygons and context lines read back
    assert _lods(fresh).keys() == _lods(cached).keys() and len(_lods(fresh)) >= 8
    for name, lod in _lods(fresh).items():
        other = _lods(cached)[name]
        for i in range(len(lod.tolerances)):
            a, b = lod.level(i), other.level(i)
            assert len(a) == len(b), (name, i)
            assert np.array_equal(a.boxes, b.boxes) and np.array_equal(a.tags, b.tags), (name, i)
            assert all(pa == pb for pa, pb in zip(a.paths, b.paths)), (name, i)
    for box in VIEWS:
        a, b = _picture(fresh, box), _picture(cached, box)
        assert a == b, box
        # Not an empty picture that would match anything: the land is drawn.
        assert len(set(a.constBits().tobytes()[::4 * 97])) > 3


def test_a_changed_data_file_is_read_afresh(cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "basemap"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    load = basemap_data._load.__wrapped__
    before = load(data)
    water = data / LAYER_FILES["water"]
    text = water.read_text(encoding="utf-8")
    name = before.water["name_en"][0]
    assert name and text.count(f'"{name}"') >= 1
    water.write_text(text.replace(f'"{name}"', '"Renamed lake"', 1), encoding="utf-8")
    after = load(data)
    assert after.water["name_en"][0] == "Renamed lake"
    assert len(list(cache.glob("layers-*.npz"))) == 2


def test_a_torn_cache_file_is_ignored(cache: Path) -> None:
    load = basemap_data._load.__wrapped__
    good = load(DEFAULT_DATA_DIR)
    (path,) = cache.glob("layers-*.npz")
    path.write_bytes(path.read_bytes()[:1000])
    again = load(DEFAULT_DATA_DIR)
    _same_geoms(good.countries.geoms, again.countries.geoms)
    assert np.array_equal(good.settlements.lon, again.settlements.lon)
    # ... and the torn file was replaced by a whole one.
    assert prepared_cache.read("layers", path.stem.split("-", 1)[1]) is not None


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prepared_cache.ENV_DIR, "")
    assert prepared_cache.cache_dir() is None
    bm = basemap_data._load.__wrapped__(DEFAULT_DATA_DIR)
    assert len(bm.countries) > 0
