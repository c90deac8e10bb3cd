"""File ▸ Export picture… and Edit ▸ Copy picture: the briefing page of the current view.

The dialog's choices are session state (``model.export_settings``, an
:class:`~atlas.model.session.ExportSettings`): the widgets show them and send every change to the
model, so the next export, a saved workspace and a script all see the same settings. The preview is
drawn by the same :func:`atlas.render.page.paint_page` call as the file (through a scaled painter),
so what the dialog shows is what gets written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from atlas.model.session import ExportSettings
from atlas.render.export_job import ExportJob
from atlas.render.page import MAX_DPI, PAPER_MM, SIZE_PRESETS, ExportError, PageSpec, render_page, render_preview
from atlas.render.viewport import Viewport

from .feature import Feature, FeatureHost

if TYPE_CHECKING:
    from .main_window import MainWindow

CUSTOM = "Custom"
PAPER_PREFIX = "Paper: "


class ExportDialog(QDialog):
    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Export picture")
        self.view: Viewport = window.canvas.map_viewport()
        window.canvas.view_changed.connect(self._on_view_changed)  # the dialog is modeless: follow pans
        self.model = window.model
        self._showing = 0

        form = QFormLayout()
        self.format = QComboBox()
        self.format.addItems(["PNG", "SVG", "PDF"])
        self.preset = QComboBox()
        self.preset.addItems(list(SIZE_PRESETS) + [f"{PAPER_PREFIX}{p}" for p in PAPER_MM] + [CUSTOM])
        self.landscape = QCheckBox("Landscape")
        self.landscape.setChecked(True)
        self.width_spin, self.height_spin = QSpinBox(), QSpinBox()
        for s in (self.width_spin, self.height_spin):
            s.setRange(16, 20000)
            s.setSuffix(" px")
        self.dpi = QSpinBox()
        self.dpi.setRange(24, MAX_DPI)
        self.dpi.setSuffix(" dpi")
        size_row = QHBoxLayout()
        for w in (self.width_spin, QLabel("×"), self.height_spin, self.dpi, self.landscape):
            size_row.addWidget(w)
        self.title = QLineEdit()
        self.subtitle = QLineEdit()
        self.date_stamp = QLineEdit()
        self.date_stamp.setPlaceholderText("automatic: the dates of the shown events")
        self.banner = QLineEdit()
        self.banner.setPlaceholderText("e.g. UNCLASSIFIED // FOR TRAINING (empty: no banner)")
        self.banner_button = QPushButton()
        self.banner_button.clicked.connect(self._pick_banner_colour)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner)
        banner_row.addWidget(self.banner_button)
        self.checks: dict[str, QCheckBox] = {}
        checks_row = QHBoxLayout()
        for key, text in (("legend", "Legend"), ("scale_bar", "Scale bar"), ("north_arrow", "North arrow"),
                          ("inset", "Locator"), ("filter_line", "Filter"), ("sources", "Sources")):
            cb = QCheckBox(text)
            self.checks[key] = cb
            checks_row.addWidget(cb)
        form.addRow("Format", self.format)
        form.addRow("Size", self.preset)
        form.addRow("", size_row)
        form.addRow("Title", self.title)
        form.addRow("Subtitle", self.subtitle)
        form.addRow("Date stamp", self.date_stamp)
        form.addRow("Banner", banner_row)
        form.addRow("Show", checks_row)

        self.preview = QLabel()
        self.preview.setMinimumSize(560, 360)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #888;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save_dialog)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.preview, 1)
        lay.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)  # typing in the title does not re-render on every key
        self._timer.timeout.connect(self.update_preview)
        self._show(self.model.export_settings)
        self.preset.currentTextChanged.connect(self._apply_preset)
        for w in (self.width_spin, self.height_spin, self.dpi):
            w.valueChanged.connect(self._changed)
        for e in (self.title, self.subtitle, self.date_stamp, self.banner):
            e.textChanged.connect(self._changed)
        for cb in [self.landscape, *self.checks.values()]:
            cb.toggled.connect(self._changed)
        self.format.currentTextChanged.connect(self._changed)
        self.model.export_settings_changed.connect(lambda: self._show(self.model.export_settings))
        self.resize(900, 760)

    # ------------------------------------------------------------------ state (the model's) ↔ widgets
    @property
    def settings(self) -> ExportSettings:
        return self.model.export_settings

    @property
    def banner_colour(self) -> QColor:
        return QColor(self.settings.banner_colour)

    def _show(self, st: ExportSettings) -> None:
        """Put the model's settings in the widgets (no widget keeps a value of its own)."""
        self._showing += 1
        try:
            self.format.setCurrentText(st.format.upper())
            if self.preset.findText(st.preset) >= 0:
                self.preset.setCurrentText(st.preset)
            else:
                self.preset.setCurrentText(CUSTOM)
            custom = self.preset.currentText() == CUSTOM
            for sp in (self.width_spin, self.height_spin):
                sp.setEnabled(custom)
            self.landscape.setEnabled(self.preset.currentText().startswith(PAPER_PREFIX))
            self.width_spin.setValue(st.width)
            self.height_spin.setValue(st.height)
            self.dpi.setValue(min(st.dpi, MAX_DPI))
            self.landscape.setChecked(st.landscape)
            for edit, text in ((self.title, st.title), (self.subtitle, st.subtitle), (self.date_stamp, st.date_stamp),
                               (self.banner, st.banner)):
                if edit.text() != text:
                    edit.setText(text)
            for key, cb in self.checks.items():
                cb.setChecked(bool(getattr(st, key)))
            self.banner_button.setText(st.banner_colour)
            self.banner_button.setStyleSheet(f"background: {st.banner_colour}; color: white;")
        finally:
            self._showing -= 1
        self._timer.start()

    def _send(self, **changes: object) -> None:
        if not self._showing:
            self.model.set_export_settings(self.settings.replace(**changes))

    def _apply_preset(self, name: str) -> None:
        if self._showing:
            return
        st = self.settings
        if name in SIZE_PRESETS:
            w, h, dpi = SIZE_PRESETS[name]
            self._send(preset=name, width=w, height=h, dpi=int(dpi))
        elif name.startswith(PAPER_PREFIX):
            spec = PageSpec.for_paper(name[len(PAPER_PREFIX):], st.landscape, float(st.dpi or 300))
            self._send(preset=name, width=spec.width, height=spec.height, dpi=int(spec.dpi))
        else:
            self._send(preset=CUSTOM)

    def paper(self) -> str | None:
        name = self.settings.preset
        return name[len(PAPER_PREFIX):] if name.startswith(PAPER_PREFIX) else None

    def fmt(self) -> str:
        return self.settings.format

    def spec(self) -> PageSpec:
        return page_spec(self.settings)

    def _changed(self, *_args: object) -> None:
        if self._showing:
            return
        changes: dict[str, object] = dict(
            format=self.format.currentText().lower(), width=self.width_spin.value(), height=self.height_spin.value(),
            dpi=self.dpi.value(), landscape=self.landscape.isChecked(), title=self.title.text(),
            subtitle=self.subtitle.text(), date_stamp=self.date_stamp.text(), banner=self.banner.text(),
            **{k: cb.isChecked() for k, cb in self.checks.items()})
        paper = self.paper()
        if paper is not None:
            # A paper keeps its millimetres: the pixels follow the dpi and the orientation.
            spec = PageSpec.for_paper(paper, bool(changes["landscape"]), float(changes["dpi"]))  # type: ignore[arg-type]
            changes.update(width=spec.width, height=spec.height)
        self._send(**changes)

    def _pick_banner_colour(self) -> None:
        c = QColorDialog.getColor(self.banner_colour, self, "Banner colour")
        if c.isValid():
            self._send(banner_colour=c.name())

    def _on_view_changed(self, vp: Viewport) -> None:
        if self.isVisible():
            self.view = vp
            self._timer.start()

    # ------------------------------------------------------------------ output
    def preview_image(self) -> object:
        w = self.window_
        return render_preview(self.spec(), w.canvas.scene_layers, w.model, self.view,
                              max(200, self.preview.width() - 8), max(150, self.preview.height() - 8))

    def update_preview(self) -> None:
        try:
            img = self.preview_image()
        except ExportError as exc:
            self.preview.setText(str(exc))
            return
        self.preview.setPixmap(QPixmap.fromImage(img))  # type: ignore[arg-type]

    def export_job(self, path: str | Path) -> ExportJob:
        """A job drawing the picture as the dialog is set now, from snapshots of the scene and
        the model (atlas.render.export_job): the user may go on working while it runs."""
        w = self.window_
        return ExportJob.of(path, self.fmt(), self.spec(), w.canvas.scene_layers, w.model, self.view,
                            paper=self.paper(), landscape=self.landscape.isChecked())

    def export_to(self, path: str | Path) -> None:
        """Export and wait (scripts and tests); the dialog's Save runs the job in the background."""
        job = self.export_job(path)
        job.run()
        if job.error is not None:
            raise job.error

    def save_dialog(self) -> None:
        ext = self.fmt()
        path, _ = QFileDialog.getSaveFileName(self, "Export picture", f"kursk-atlas.{ext}", f"{ext.upper()} (*.{ext})")
        if not path:
            return
        if not path.lower().endswith(f".{ext}"):
            path += f".{ext}"
        try:
            job = self.export_job(path)
        except ExportError as exc:
            QMessageBox.warning(self, "Export picture", str(exc))
            return
        self.run_in_background(job)

    def run_in_background(self, job: ExportJob) -> QProgressDialog:
        """Draw on a worker with a progress dialog and Cancel; the window stays usable."""
        progress = QProgressDialog(f"Exporting {job.path.name}…", "Cancel", 0, 100, self.window_)
        progress.setWindowTitle("Export picture")
        progress.setMinimumDuration(300)  # quick exports finish before it shows
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(job.cancel)
        status = self.window_.statusBar()
        timer = QTimer(progress)
        timer.setInterval(50)

        def poll() -> None:
            progress.setValue(int(job.progress * 100))
            if not job.done:
                return
            timer.stop()
            progress.close()
            if job.cancelled:
                status.showMessage(f"Export of {job.path.name} cancelled; nothing was written", 8000)
            elif job.error is not None:
                QMessageBox.warning(self.window_, "Export picture", str(job.error))
            else:
                status.showMessage(f"Wrote {job.path}", 8000)
        timer.timeout.connect(poll)
        self.accept()
        job.start()
        timer.start()
        self._job, self._progress = job, progress
        return progress

    def showEvent(self, ev: object) -> None:  # noqa: N802
        super().showEvent(ev)  # type: ignore[arg-type]
        self.update_preview()


def page_spec(st: ExportSettings) -> PageSpec:
    """The page the settings describe (a paper in millimetres at its dpi, or pixels)."""
    kw = dict(title=st.title, subtitle=st.subtitle, date_stamp=st.date_stamp or None, banner=st.banner,
              banner_colour=st.banner_colour, **{k: bool(getattr(st, k)) for k in ExportSettings.DECORATIONS})
    if st.preset.startswith(PAPER_PREFIX):
        return PageSpec.for_paper(st.preset[len(PAPER_PREFIX):], st.landscape, float(st.dpi), **kw)  # type: ignore[arg-type]
    return PageSpec(width=st.width, height=st.height, dpi=float(st.dpi), **kw)  # type: ignore[arg-type]


def copy_picture(window: MainWindow) -> None:
    """The current view as a decorated picture (the page at the canvas's size) on the clipboard."""
    c = window.canvas
    vp = c.map_viewport()
    img, _ = render_page(PageSpec(width=vp.width, height=vp.height, title="Kursk Atlas"), c.scene_layers, window.model, vp)
    QGuiApplication.clipboard().setImage(img)
    window.statusBar().showMessage("Copied the map as a picture", 4000)


class ExportFeature(Feature):
    """File ▸ Export picture… (Ctrl+E) and Edit ▸ Copy picture (Ctrl+Shift+C)."""

    name = "export"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        self.dialog: ExportDialog | None = None
        self.act_export_picture = host.action("&Export picture…", "Ctrl+E", self.open_dialog,
                                              "PNG, SVG or PDF of the current view with title, legend, scale bar")
        file_menu = host.menu("file")
        acts = file_menu.actions()
        file_menu.insertAction(acts[1] if len(acts) > 1 else None, self.act_export_picture)
        host.map_toolbar.addAction(self.act_export_picture)
        self.act_copy_picture = host.action("Copy &picture", "Ctrl+Shift+C", lambda: copy_picture(host),  # type: ignore[arg-type]
                                            "Copy the current view, decorated, to the clipboard")
        host.menu("edit").addAction(self.act_copy_picture)

    def open_dialog(self) -> ExportDialog:
        self.dialog = ExportDialog(self.host)  # type: ignore[arg-type]
        self.dialog.show()
        return self.dialog
