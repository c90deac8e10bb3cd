"""Importing in the GUI: the column-mapping dialog, the background import with progress and Cancel,
and File ▸ Export events.

The import runs in a worker thread (a QObject moved to a QThread) so the window stays responsive for
a million-row file. The worker reads into new tables only; the window swaps them into the model
after the whole read succeeded, so Cancel (or a failure) leaves the events already loaded untouched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.control.from_events import AreasFound, areas_note, has_areas, read_areas
# The format readers and writers (atlas.io.csv_events, .kml_events, .export) are imported where an
# import or export runs: only a menu action needs them, and the window imports this module at startup.
from atlas.io import READERS, ImportReport, InputError, read_events
from atlas.io.progress import ImportCancelled, reporting
from atlas.io.report import loaded_message
from atlas.model import AtlasModel, EventTable
from atlas.model.session import ControlFile

from .feature import Feature, FeatureHost

#: The fields the mapping dialog offers, with their labels (coordinates first: they are required).
MAPPING_FIELDS: tuple[tuple[str, str], ...] = (
    ("latitude", "Latitude *"), ("longitude", "Longitude *"), ("event_date", "Date"), ("event_id", "Id"),
    ("title", "Title"), ("notes", "Notes / description"), ("location", "Place name"), ("event_type", "Event type"),
    ("sub_event_type", "Sub-type"), ("actor1", "Actor 1"), ("actor2", "Actor 2"), ("side", "Side"),
    ("country", "Country"), ("admin1", "Region (admin1)"), ("fatalities", "Fatalities"), ("source", "Source outlets"),
)
_NONE = "(none)"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def mapping_key(headers: Sequence[str]) -> str:
    """Settings key of a header layout: files with the same columns share a remembered mapping."""
    digest = hashlib.sha1("\x1f".join(h.strip().lower() for h in headers).encode("utf-8")).hexdigest()[:16]
    return f"import/column_mappings/{digest}"


def remembered_mapping(headers: Sequence[str]) -> dict[str, str] | None:
    raw = QSettings().value(mapping_key(headers))
    if not raw:
        return None
    try:
        m = json.loads(str(raw))
    except ValueError:
        return None
    if not isinstance(m, dict) or any(c not in headers for c in m.values()):
        return None
    return {str(k): str(v) for k, v in m.items()}


def remember_mapping(headers: Sequence[str], mapping: dict[str, str]) -> None:
    QSettings().setValue(mapping_key(headers), json.dumps(mapping, ensure_ascii=False))


class ColumnMappingDialog(QDialog):
    """Choose which column holds which field for a CSV the atlas cannot recognise on its own."""

    def __init__(self, path: str | Path, headers: list[str], guess: dict[str, str], sample: list[list[str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Columns of {Path(path).name}")
        self.headers = headers
        lay = QVBoxLayout(self)
        intro = QLabel("The atlas did not recognise the coordinate columns of this file. Choose which column "
                       "holds what; latitude and longitude are needed. The choice is remembered for files "
                       "with the same columns.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(intro)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for fld, label in MAPPING_FIELDS:
            cb = QComboBox()
            cb.setObjectName(f"map_{fld}")
            cb.addItem(_NONE)
            cb.addItems(headers)
            if guess.get(fld) in headers:
                cb.setCurrentIndex(headers.index(guess[fld]) + 1)
            cb.currentIndexChanged.connect(self._validate)
            form.addRow(label, cb)
            self.combos[fld] = cb
        lay.addLayout(form)
        self.preview = QTableWidget(len(sample), len(headers))
        self.preview.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(sample):
            for c, v in enumerate(row[: len(headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(v))
        self.preview.setMaximumHeight(140)
        lay.addWidget(self.preview)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #a00;")
        lay.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._validate()

    def mapping(self) -> dict[str, str]:
        return {f: cb.currentText() for f, cb in self.combos.items() if cb.currentIndex() > 0}

    def _validate(self) -> None:
        m = self.mapping()
        why = ""
        if "latitude" not in m or "longitude" not in m:
            why = "Choose the latitude and the longitude columns."
        elif m["latitude"] == m["longitude"]:
            why = "Latitude and longitude must be different columns."
        elif len(set(m.values())) < len(m):
            why = "Each column can fill one field only."
        self.problem.setText(why)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not why)


@dataclass
class ImportResult:
    tables: list[EventTable] = field(default_factory=list)
    reports: list[ImportReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: polygons found in event files (KML), read as areas of control, one per file
    areas: list[AreasFound] = field(default_factory=list)
    #: reports of files that held only areas (no table: the loaded events stay as they are)
    area_reports: list[ImportReport] = field(default_factory=list)


def _latest(table: EventTable) -> dt.date | None:
    span = table.date_span()
    if span is None:
        return None
    hi = span[1]
    hi = hi.astype(object) if hasattr(hi, "astype") else hi
    return hi if isinstance(hi, dt.date) else None


class ImportWorker(QObject):
    """Reads files in a worker thread.

    Signals
    -------
    progress(int, str)
        permille done over all files, and the file being read.
    done(object)
        an :class:`ImportResult` when every file was read (or failed with a reported error).
    cancelled()
        the user cancelled; nothing was read into the model.
    """

    progress = Signal(int, str)
    done = Signal(object)
    cancelled = Signal()

    def __init__(self, paths: Sequence[str | Path], mappings: dict[str, dict[str, str]]) -> None:
        super().__init__()
        self.paths = [Path(p) for p in paths]
        self.mappings = mappings
        self._cancel = False
        self._last_emit = 0.0

    def cancel(self) -> None:
        # Set from the GUI thread; read by the worker at its next progress tick.
        self._cancel = True

    @Slot()
    def run(self) -> None:
        from atlas.io.csv_events import read_csv
        from atlas.io.kml_events import AreasOnlyError

        result = ImportResult()
        n = len(self.paths)
        try:
            for i, path in enumerate(self.paths):
                def cb(frac: float, i: int = i, name: str = path.name) -> bool:
                    now = time.monotonic()
                    if now - self._last_emit > 0.05 or frac >= 1.0:
                        self._last_emit = now
                        self.progress.emit(int(1000 * (i + frac) / n), name)
                    return not self._cancel

                with reporting(cb):
                    cb(0.0)
                    try:
                        mapping = self.mappings.get(str(path))
                        t, r = read_csv(path, mapping) if mapping else read_events(path)
                        result.tables.append(t)
                        result.reports.append(r)
                        if has_areas(r):
                            result.areas.append(read_areas(path, _latest(t)))
                    except AreasOnlyError as exc:
                        result.area_reports.append(exc.report)
                        result.areas.append(read_areas(path))
                    except InputError as exc:
                        result.errors.append(str(exc))
                    except ImportCancelled:
                        raise
                    except Exception as exc:  # a reader bug must not take the app down
                        result.errors.append(f"{path}: unexpected error while reading ({type(exc).__name__}: {exc})")
                    cb(1.0)
        except ImportCancelled:
            self.cancelled.emit()
            return
        self.done.emit(result)


class ImportController(QObject):
    """Asks for column mappings, runs the worker thread, shows progress with Cancel, and hands the
    result to the window. One import at a time.

    Signals
    -------
    finished(object, bool)
        the :class:`ImportResult` and whether it adds to the loaded events (True) or replaces them.
    """

    finished = Signal(object, bool)

    def __init__(self, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.parent_widget = parent_widget
        self.thread: QThread | None = None
        self.worker: ImportWorker | None = None
        self.dialog: QProgressDialog | None = None
        self.append = False
        self.was_cancelled = False
        # A window closed mid-import must not destroy a running thread (Qt aborts on that).
        parent_widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if obj is self.parent_widget and ev.type() == QEvent.Type.Close:
            self.wait()
        return False

    @property
    def busy(self) -> bool:
        return self.thread is not None

    def ask_mappings(self, paths: Sequence[str | Path]) -> dict[str, dict[str, str]] | None:
        """Column mappings for the CSVs that need one (None: the user cancelled)."""
        from atlas.io.csv_events import peek_columns

        out: dict[str, dict[str, str]] = {}
        for p in paths:
            p = Path(p)
            if p.suffix.lower() not in CSV_SUFFIXES or not p.is_file():
                continue
            try:
                headers, guess, is_acled, sample = peek_columns(p)
            except InputError:
                continue  # the reader will report it
            if is_acled or ("latitude" in guess and "longitude" in guess):
                continue
            known = remembered_mapping(headers)
            if known is not None:
                out[str(p)] = known
                continue
            dlg = ColumnMappingDialog(p, headers, guess, sample, self.parent_widget)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return None
            remember_mapping(headers, dlg.mapping())
            out[str(p)] = dlg.mapping()
        return out

    def start(self, paths: Sequence[str | Path], append: bool = False,
              mappings: dict[str, dict[str, str]] | None = None) -> bool:
        if self.busy or not paths:
            return False
        if mappings is None:
            mappings = self.ask_mappings(paths)
            if mappings is None:
                return False
        self.append = append
        self.was_cancelled = False
        self.thread = QThread(self)
        self.worker = ImportWorker(paths, mappings)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._on_progress)
        self.worker.done.connect(self._on_done)
        self.worker.cancelled.connect(self._on_cancelled)
        self.dialog = QProgressDialog("Reading…", "Cancel", 0, 1000, self.parent_widget)
        self.dialog.setWindowTitle("Importing events")
        self.dialog.setMinimumDuration(400)  # small files finish before it would show
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)
        self.thread.start()
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _on_progress(self, permille: int, name: str) -> None:
        if self.dialog is not None:
            self.dialog.setLabelText(f"Reading {name}…")
            self.dialog.setValue(permille)

    def _finish_thread(self) -> None:
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread.deleteLater()
        if self.worker is not None:
            self.worker.deleteLater()
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
        self.thread = self.worker = self.dialog = None

    def _on_done(self, result: ImportResult) -> None:
        self._finish_thread()
        self.finished.emit(result, self.append)

    def _on_cancelled(self) -> None:
        self.was_cancelled = True
        self._finish_thread()
        self.finished.emit(None, self.append)

    def wait(self) -> None:
        """Cancel the running import and block until its thread is over (used on close)."""
        if self.thread is not None:
            self.cancel()
            self.thread.quit()
            self.thread.wait()
            self._finish_thread()


def open_filter() -> str:
    exts = " ".join(f"*{e}" for e in sorted(READERS))
    return f"Event files ({exts});;All files (*)"


#: The Excel dialect of CSV: UTF-8 with a byte-order mark, so Cyrillic opens right in Excel.
EXCEL_CSV_FILTER = "CSV for Excel, UTF-8 with BOM (*.csv)"
EXPORT_FILTERS: dict[str, str] = {
    "CSV, ACLED-compatible (*.csv)": ".csv",
    EXCEL_CSV_FILTER: ".csv",
    "GeoJSON (*.geojson)": ".geojson",
    "KML (*.kml)": ".kml",
    "KMZ (*.kmz)": ".kmz",
    "GeoPackage (*.gpkg)": ".gpkg",
    "FlatGeobuf (*.fgb)": ".fgb",
    "Shapefile (*.shp)": ".shp",
    "Shapefile, zipped (*.shp.zip)": ".shp.zip",
    "GeoParquet (*.parquet)": ".parquet",
    "Excel workbook (*.xlsx)": ".xlsx",
    "OpenDocument spreadsheet (*.ods)": ".ods",
}


def export_events_dialog(parent: QWidget, model: AtlasModel) -> Path | None:
    """File ▸ Export events…: write the filtered (shown) events in the chosen format."""
    from atlas.io.export import write_events, writer_for

    rows = model.visible_rows
    if len(rows) == 0:
        QMessageBox.information(parent, "Export events", "No events are shown: there is nothing to export.")
        return None
    s = QSettings()
    start = str(s.value("paths/last_export_dir", str(Path.home())))
    chosen = str(s.value("paths/last_export_filter", next(iter(EXPORT_FILTERS))))
    path_s, flt = QFileDialog.getSaveFileName(parent, f"Export {len(rows):,} events", str(Path(start) / "events"),
                                              ";;".join(EXPORT_FILTERS), chosen)
    if not path_s:
        return None
    path = Path(path_s)
    if writer_for(path) is None:
        path = path.with_suffix(EXPORT_FILTERS.get(flt, ".geojson"))
    s.setValue("paths/last_export_dir", str(path.parent))
    s.setValue("paths/last_export_filter", flt)
    excel = flt == EXCEL_CSV_FILTER and path.suffix.lower() == ".csv"
    try:
        # A stale copy of a store says so in the file too (a column, and the file's description).
        n = write_events(model.table, path, rows, excel=excel, stale=model.stale_note)
    except (OSError, ValueError) as exc:
        QMessageBox.warning(parent, "Export events", f"Could not write {path}:\n{exc}")
        return None
    if hasattr(parent, "statusBar"):
        marks = (" (CSV for Excel)" if excel else "") + (
            " marked stale (column stale_copy)" if model.stale_note else "")
        parent.statusBar().showMessage(f"Exported {n:,} events to {path}{marks}", 8000)
    return path


def any_large(paths: Sequence[Any], threshold: int = 20 << 20) -> bool:
    return any(Path(p).is_file() and Path(p).stat().st_size > threshold for p in paths)


class ImportFeature(Feature):
    """Background import with progress and Cancel as the window's file opener, the column mapping
    dialog, the Sources dock, and File ▸ Add events / Export events / Resolve duplicate ids."""

    name = "import"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        from atlas.ui.sources_panel import SourcesPanel

        window = host
        self.importer = ImportController(window)  # type: ignore[arg-type]
        self.importer.finished.connect(self.apply)
        host.set_file_opener(lambda paths, append: self.importer.start(paths, append=append))
        self.act_add_events = host.action("&Add events…", "Ctrl+Alt+O", self.add_dialog,
                                          "Open more event files beside the loaded ones (each is a source of its own)")
        self.act_export_events = host.action("Export &events…", "Ctrl+Shift+E",
                                             lambda: export_events_dialog(window, host.model),  # type: ignore[arg-type]
                                             "Write the shown (filtered) events as CSV (also for Excel), GeoJSON, KML, KMZ, GeoPackage, FlatGeobuf, "
                                             "Shapefile, GeoParquet, XLSX or ODS")
        self.act_dedupe = host.action("Resolve &duplicate ids (keep newest)", "Ctrl+Alt+U", self.dedupe,
                                      "Imports keep duplicates as ID#2, ID#3; this keeps one row per id: the newest timestamp")
        menu = host.menu("file")
        first = menu.actions()[1] if len(menu.actions()) > 1 else None
        for act in (self.act_add_events, self.act_export_events, self.act_dedupe):
            menu.insertAction(first, act)
        self.sources_panel = SourcesPanel(host.model)
        self.sources_dock = host.add_dock("Sources", "sources_dock", self.sources_panel, Qt.DockWidgetArea.LeftDockWidgetArea)

    def apply(self, result: ImportResult | None, append: bool) -> None:
        host = self.host
        model = host.model
        if result is None:
            host.statusBar().showMessage("Import cancelled; the loaded events are unchanged", 8000)
            return
        if result.tables:
            new = EventTable.concat(result.tables)
            paths = [str(Path(r.path)) for r in result.reports]
            appending = append and len(model.table) > 0
            if appending:
                new = EventTable.concat([model.table, new])
                paths = [*model.sources, *paths]
            host.record_reports(result.reports, append=appending)
            model.set_table(new, sources=paths)
            host.canvas.home()
        areas = self._add_areas(result)
        if result.area_reports:
            host.record_reports(result.area_reports, append=True)
        reports = [*result.reports, *result.area_reports]
        problems = [r for r in reports if r.problems or r.notes]
        errors = [*result.errors, *(f"{a.path.name}: {a.error}" for a in result.areas if a.error)]
        if errors or any(r.problems for r in reports):
            host.show_load_problems(errors, problems)
        elif reports and (result.tables or areas):
            loaded = EventTable.concat(result.tables) if result.tables else None
            host.statusBar().showMessage(loaded_message(
                len(loaded) if loaded is not None else 0, loaded.date_span() if loaded is not None else None,
                reports, areas=sum(a.count for a in areas), area_colours=any(a.coloured for a in areas),
                events=loaded is not None), 15000)

    def _add_areas(self, result: ImportResult) -> list[AreasFound]:
        """Polygons of the opened event files join the session's areas of control (the control
        feature reads its files from the model, atlas/model/session.py), the last one on the map;
        each file's import report says what became of them."""
        by_path = {Path(r.path): r for r in [*result.reports, *result.area_reports]}
        for found in result.areas:
            report = by_path.get(found.path)
            if report is not None:
                report.notes.append(areas_note(found))
        ok = [a for a in result.areas if not a.error and a.snapshots]
        if not ok:
            return []
        model = self.host.model
        files = list(model.control.files)
        for a in ok:
            entry = ControlFile(str(a.path), a.as_of)
            files = [f for f in files if Path(f.path) != a.path] + [entry]  # opened again: read again
        model.set_control(dataclasses.replace(model.control, files=tuple(files), source=ok[-1].source))
        control = self.host.feature("control")
        dock = getattr(control, "dock", None)
        if dock is not None:
            dock.raise_()  # where the user looks for them
        return ok

    def add_dialog(self) -> None:
        start = QSettings().value("paths/last_open_dir", str(Path.home()))
        paths, _ = QFileDialog.getOpenFileNames(self.host, "Add events", str(start), open_filter())  # type: ignore[arg-type]
        if paths:
            QSettings().setValue("paths/last_open_dir", str(Path(paths[0]).parent))
            self.host.import_files(paths, append=True)

    def dedupe(self) -> None:
        from atlas.io.dedupe import resolve_duplicates

        model = self.host.model
        table, dropped = resolve_duplicates(model.table)
        if dropped:
            model.set_table(table)
            self.host.statusBar().showMessage(f"Duplicate ids resolved: {dropped:,} older rows dropped "
                                              "(the newest 'timestamp' kept, else the later row)", 10000)
        else:
            self.host.statusBar().showMessage("No duplicate ids in the loaded events", 6000)
