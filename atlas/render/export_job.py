"""Export a picture on a worker thread, from a snapshot, with progress and cancel.

The job takes a snapshot of the model and of the scene when it is created (both cheap: arrays
and geometry are shared, the layer objects copied), so the picture is exactly what the user had
set at that moment, and the user can go on working while it is drawn: the live scene is never
touched. Cancelling stops between layers; the file is written under a temporary name and only
renamed into place when complete (atlas.io.atomic), so a cancelled or failed export leaves
nothing. The GUI polls :attr:`progress` and :attr:`done` (no signals cross the thread).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from atlas.model import AtlasModel

from .page import PageInfo, PageSpec, write_page
from .scene import MapScene
from .viewport import Viewport


class ExportCancelled(Exception):
    """The user cancelled the export."""


@dataclass
class ExportJob:
    path: Path
    fmt: str
    spec: PageSpec
    scene: MapScene
    model: AtlasModel
    view: Viewport
    paper: str | None = None
    landscape: bool = True
    #: 0..1, updated by the worker as layers are drawn.
    progress: float = 0.0
    info: PageInfo | None = None
    error: BaseException | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _finished: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @classmethod
    def of(cls, path: str | Path, fmt: str, spec: PageSpec, scene: MapScene, model: AtlasModel, view: Viewport,
           paper: str | None = None, landscape: bool = True) -> ExportJob:
        """A job drawing what ``scene`` and ``model`` show now (snapshots of both)."""
        model_snap = model.snapshot()
        scene_snap = scene.snapshot()
        scene_snap.sync_to(model_snap)
        job = cls(Path(path), fmt, spec, scene_snap, model_snap, view, paper, landscape)
        scene_snap.interrupt = job._interrupt
        return job

    # ------------------------------------------------------------------ worker
    def _interrupt(self, i: int, n: int) -> None:
        if self._cancel.is_set():
            raise ExportCancelled()
        # The map is most of the work; the page's decorations and the file take the rest.
        self.progress = max(self.progress, 0.9 * i / max(1, n))

    def run(self) -> None:
        """Draw and write (on the calling thread); the outcome is in :attr:`info`/:attr:`error`."""
        try:
            if self._cancel.is_set():
                raise ExportCancelled()
            self.info = write_page(self.path, self.fmt, self.spec, self.scene, self.model, self.view,
                                   self.paper, self.landscape)
            self.progress = 1.0
        except BaseException as exc:  # reported to the GUI, never lost on the worker
            self.error = exc
        finally:
            self._finished.set()

    def start(self) -> ExportJob:
        self._thread = threading.Thread(target=self.run, name=f"export {self.path.name}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, ExportCancelled)

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)
