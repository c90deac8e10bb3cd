"""File ▸ Export picture runs on a worker: the window keeps working, the status bar reports the
file, and Cancel in the progress dialog leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from atlas.model import AtlasModel
from atlas.ui.export_dialog import ExportDialog
from atlas.ui.main_window import MainWindow


def make_window(qtbot, sample_file: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(AtlasModel())
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    assert w.load_files([sample_file])
    return w


def test_background_export_writes_and_reports(qtbot, sample_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, sample_file)
    dlg = ExportDialog(w)
    qtbot.addWidget(dlg)
    out = tmp_path / "briefing.png"
    job = dlg.export_job(out)
    dlg.run_in_background(job)
    # The event loop runs while the worker draws (waitUntil spins it): the window is not blocked.
    qtbot.waitUntil(lambda: job.done, timeout=60_000)
    qtbot.waitUntil(lambda: "Wrote" in w.statusBar().currentMessage(), timeout=5_000)
    assert job.error is None and out.stat().st_size > 10_000


def test_cancel_from_the_progress_dialog(qtbot, sample_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, sample_file)
    dlg = ExportDialog(w)
    qtbot.addWidget(dlg)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    job = dlg.export_job(out_dir / "briefing.pdf")
    job.cancel()  # as the Cancel button does (progress.canceled → job.cancel), before the worker starts
    dlg.run_in_background(job)
    qtbot.waitUntil(lambda: job.done, timeout=60_000)
    qtbot.waitUntil(lambda: "cancelled" in w.statusBar().currentMessage(), timeout=5_000)
    assert job.cancelled
    assert list(out_dir.iterdir()) == []
