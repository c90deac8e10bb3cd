"""Exports run on a worker from a snapshot: the file shows the state at the moment of export,
whatever the user does meanwhile; cancel leaves nothing; the live scene is never touched."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from atlas.io import BUNDLED_EVENTS, read_events
from atlas.model import AtlasModel, DateRange
from atlas.render.export_job import ExportCancelled, ExportJob
from atlas.render.page import PageSpec, write_page
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

VIEW = Viewport.fit_lonlat(34.6, 51.0, 35.9, 51.6, 640, 400)
SPEC = PageSpec(width=640, height=400, title="Snapshot test", date_stamp="fixed")


@pytest.fixture()
def model(qapp: object) -> AtlasModel:
    return AtlasModel(read_events(BUNDLED_EVENTS)[0])


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_the_worker_draws_what_the_screen_path_draws(tmp_path: Path, model: AtlasModel) -> None:
    scene = MapScene(model)
    write_page(tmp_path / "direct.png", "png", SPEC, scene, model, VIEW)
    job = ExportJob.of(tmp_path / "job.png", "png", SPEC, scene, model, VIEW).start()
    assert job.wait(120) and job.error is None, job.error
    assert job.progress == 1.0
    assert np.array_equal(pixels(tmp_path / "direct.png"), pixels(tmp_path / "job.png"))


def test_changes_after_the_export_began_do_not_reach_it(tmp_path: Path, model: AtlasModel) -> None:
    scene = MapScene(model)
    write_page(tmp_path / "before.png", "png", SPEC, scene, model, VIEW)
    job = ExportJob.of(tmp_path / "job.png", "png", SPEC, scene, model, VIEW)
    # The user goes on: filters to one day and hides the names, before the worker has drawn.
    import datetime as dt

    model.set_filter(DateRange(dt.date(2024, 8, 7), dt.date(2024, 8, 7)))
    scene.sync_events()
    names = scene.layer("names")
    assert names is not None
    names.visible = False
    job.start()
    assert job.wait(120) and job.error is None, job.error
    assert np.array_equal(pixels(tmp_path / "before.png"), pixels(tmp_path / "job.png"))
    write_page(tmp_path / "after.png", "png", SPEC, scene, model, VIEW)
    assert not np.array_equal(pixels(tmp_path / "before.png"), pixels(tmp_path / "after.png"))


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_cancel_leaves_no_file(tmp_path: Path, model: AtlasModel, fmt: str) -> None:
    scene = MapScene(model)
    job = ExportJob.of(tmp_path / f"x.{fmt}", fmt, SPEC, scene, model, VIEW)
    reached = threading.Event()
    proceed = threading.Event()
    inner = job.scene.interrupt
    assert inner is not None

    def gate(i: int, n: int) -> None:  # stop the worker in the middle of the map, then cancel
        if i == 4:
            reached.set()
            proceed.wait(30)
        inner(i, n)

    job.scene.interrupt = gate
    job.start()
    assert reached.wait(60)
    job.cancel()
    proceed.set()
    assert job.wait(60)
    assert job.cancelled and isinstance(job.error, ExportCancelled)
    assert 0 < job.progress < 1
    assert list(tmp_path.iterdir()) == []


def test_an_export_leaves_the_live_scene_as_it_was(tmp_path: Path, model: AtlasModel) -> None:
    scene = MapScene(model)
    before = [(lyr.key, lyr.visible, lyr.opacity) for lyr in scene.layers]
    job = ExportJob.of(tmp_path / "x.png", "png", SPEC, scene, model, VIEW)
    job.run()
    assert job.error is None
    assert [(lyr.key, lyr.visible, lyr.opacity) for lyr in scene.layers] == before
    assert not {id(lyr) for lyr in scene.layers} & {id(lyr) for lyr in job.scene.layers}
