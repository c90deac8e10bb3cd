"""The "Areas of control" dock: load snapshot files, pick the date, clip, chart areas over time with
the dataset's area claims beside them, and measure the change between two dates.

What the dock shows is session state in the model (``model.control``, a
:class:`~atlas.model.session.ControlDisplay`: files, series, date or following, clip, change, chart);
the widgets display it and send new values, and the map's :class:`ControlAreasLayer` draws the date
``model.control_date()`` names (the timeline's when following it, so playback animates the map).
The panel keeps only what is read from the files (the series), as the model keeps the event table.
Everything measured is geodesic (atlas.control.model).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QDate, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atlas.control.chart_data import CHART_STATUSES_DEFAULT, chart_curves
from atlas.control.claims import AreaClaim, area_claims
from atlas.control.export import change_features, export, series_features, snapshot_features
from atlas.control.loaded import LoadedControl
from atlas.control.model import (
    STATUS_LABELS,
    STATUSES,
    ControlChange,
    ControlSeries,
    ControlSnapshot,
    km2_to_sq_mi,
)
from atlas.control.reconstruction import RECONSTRUCTION, ModelRange, bundled_ranges
from atlas.control.reconstruction import SOURCE as MODEL_SOURCE
from atlas.control.regions import REGIONS, region_label
from atlas.io.report import ImportReport
from atlas.model import AtlasModel
from atlas.model.session import CLIP_REGIONS, ControlDisplay
from atlas.render.area_chart import AreaChart
from atlas.render.control_layer import APPROX_TEXT, ControlAreasLayer

if TYPE_CHECKING:
    from .main_window import MainWindow  # noqa: F401

CLIP_CHOICES = CLIP_REGIONS


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def _message(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str) -> None:
    box = QMessageBox(icon, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # file names and errors are data
    box.setModal(False)
    box.show()


def ask_date_dialog(parent: QWidget, path: Path) -> dt.date | None:
    """Ask which date an undated file shows (None: the user cancelled)."""
    dlg = QDialog(parent)
    dlg.setWindowTitle("Date of the control snapshot")
    lay = QVBoxLayout(dlg)
    msg = QLabel(f"{path.name} does not say which date its areas of control show.\nOn which date were they drawn?")
    msg.setTextFormat(Qt.TextFormat.PlainText)
    lay.addWidget(msg)
    edit = QDateEdit(_qdate(dt.date(2024, 8, 20)))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    lay.addWidget(edit)
    bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    bb.accepted.connect(dlg.accept)
    bb.rejected.connect(dlg.reject)
    lay.addWidget(bb)
    return _pydate(edit.date()) if dlg.exec() == QDialog.DialogCode.Accepted else None


#: The areas dialogs offer every format the reader and the writer know (atlas.control.io/export).
CONTROL_OPEN_FILTER = ("Control areas (*.geojson *.json *.gpkg *.kml *.kmz);;GeoPackage (*.gpkg);;"
                       "KML / KMZ (*.kml *.kmz);;GeoJSON (*.geojson *.json);;All files (*)")
CONTROL_EXPORT_FILTERS: dict[str, str] = {
    "GeoPackage (*.gpkg)": ".gpkg",
    "KML (*.kml)": ".kml",
    "KMZ (*.kmz)": ".kmz",
    "GeoJSON (*.geojson)": ".geojson",
}


class ControlAreasPanel(QWidget):
    """The dock's widget.

    Signals
    -------
    series_changed()
        Snapshots were loaded or removed (:attr:`groups`).
    date_changed()
        The date the map shows (:attr:`date`) changed.
    """

    series_changed = Signal()
    date_changed = Signal()

    def __init__(self, model: AtlasModel, layer: ControlAreasLayer, repaint: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.layer = layer
        self.repaint = repaint or (lambda: None)
        #: source label -> its series (files of one source make one series; each is a chart line)
        #: what was read from the state's files (atlas/control/loaded.py)
        self.store = LoadedControl()
        self._syncing = 0
        self.ask_date: Callable[[Path], dt.date | None] = lambda path: ask_date_dialog(self, path)
        #: Called after the user opened files (the dock raises itself to show them).
        self.user_loaded: Callable[[], None] = lambda: None
        self._build()
        model.control_changed.connect(self._on_state)
        model.time_window_changed.connect(self._on_shown_date)
        model.filter_changed.connect(self._on_shown_date)
        model.table_changed.connect(self._refresh_claims)
        self._shown: tuple[object, ...] = ()
        self._on_state()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)

        row = QHBoxLayout()
        self.load_button = QPushButton("Load snapshots…")
        self.load_button.setToolTip("Open DeepStateMap GeoJSON, GeoJSON with status and date, or KML/KMZ control polygons")
        self.load_button.clicked.connect(self.open_dialog)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write the shown snapshot, the series or the change as GeoJSON or GeoPackage")
        self.export_button.clicked.connect(self.export_dialog)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove all loaded snapshots")
        self.clear_button.clicked.connect(self.clear)
        for b in (self.load_button, self.export_button, self.clear_button):
            row.addWidget(b)
        lay.addLayout(row)

        form = QFormLayout()
        self.source_combo = QComboBox()
        self.source_combo.setToolTip("Which loaded series the map shows")
        self.source_combo.currentIndexChanged.connect(self._on_source_changed)
        form.addRow("Map shows", self.source_combo)

        drow = QHBoxLayout()
        self.date_edit = QDateEdit(_qdate(dt.date(2024, 8, 20)))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setToolTip("The map shows the latest snapshot at or before this date")
        self.date_edit.dateChanged.connect(self._on_date_edit)
        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip("Previous snapshot")
        self.prev_button.setFixedWidth(30)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip("Next snapshot")
        self.next_button.setFixedWidth(30)
        self.next_button.clicked.connect(lambda: self.step(1))
        self.follow = QCheckBox("follow the timeline")
        self.follow.setChecked(True)
        self.follow.setToolTip("Show the snapshot for the end of the timeline's window (playback animates the map)")
        self.follow.toggled.connect(lambda on: self._send(follow=bool(on)))
        drow.addWidget(self.date_edit)
        drow.addWidget(self.prev_button)
        drow.addWidget(self.next_button)
        drow.addWidget(self.follow)
        form.addRow("Date", drow)

        self.clip_combo = QComboBox()
        for key in CLIP_CHOICES:
            self.clip_combo.addItem("no clip (whole file)" if not key else REGIONS[key][3], key)
        self.clip_combo.setToolTip("Measure (and show) only the part inside this oblast or country")
        self.clip_combo.currentIndexChanged.connect(self._on_clip_changed)
        form.addRow("Clip to", self.clip_combo)
        lay.addLayout(form)

        self.snapshot_label = QLabel("No control snapshots loaded.")
        self.snapshot_label.setTextFormat(Qt.TextFormat.PlainText)
        self.snapshot_label.setWordWrap(True)
        lay.addWidget(self.snapshot_label)

        self.area_table = QTableWidget(len(STATUSES), 2)
        self.area_table.setHorizontalHeaderLabels(["km²", "sq mi"])
        self.area_table.setVerticalHeaderLabels([STATUS_LABELS[s] for s in STATUSES])
        self.area_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.area_table.setMaximumHeight(26 * (len(STATUSES) + 1) + 4)
        self.area_table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.area_table)

        # Area over time.
        crow = QHBoxLayout()
        crow.addWidget(QLabel("Chart:"))
        self.chart_checks: dict[str, QCheckBox] = {}
        for s in STATUSES:
            cb = QCheckBox(STATUS_LABELS[s])
            cb.setChecked(s in CHART_STATUSES_DEFAULT)
            cb.toggled.connect(self._chart_toggled)
            self.chart_checks[s] = cb
            crow.addWidget(cb)
        self.sum_check = QCheckBox("UA + grey")
        self.sum_check.setChecked(True)
        self.sum_check.setToolTip("Ukrainian-held plus grey zone: the most a claim of held territory could cover")
        self.sum_check.toggled.connect(self._chart_toggled)
        crow.addWidget(self.sum_check)
        self.claims_check = QCheckBox("claims")
        self.claims_check.setChecked(True)
        self.claims_check.setToolTip("The dataset's dated area claims (events with claim_area_km2), with their sources")
        self.claims_check.toggled.connect(self._chart_toggled)
        crow.addWidget(self.claims_check)
        crow.addStretch(1)
        lay.addLayout(crow)

        # The chart (a pyqtgraph plot, ~15 ms to build and ~30 ms to fill with the dataset's claims)
        # is made and drawn when the panel comes on screen: at startup its dock is a tab behind another.
        # Its place in the layout is kept at its size from the start, so nothing moves then.
        self._chart_slot = QWidget()
        self._chart_slot.setMinimumHeight(220)
        self._chart_slot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        slot_lay = QVBoxLayout(self._chart_slot)
        slot_lay.setContentsMargins(0, 0, 0, 0)
        self._plot: AreaChart | None = None
        #: The chart's drawing is behind the model (drawn when the panel is shown or read).
        self._chart_stale = True
        #: Whether the user can see the panel (set_on_screen); not until told.
        self._on_screen = False
        #: The day the chart's cursor line marks (kept while the chart is not drawn).
        self._cursor_day: dt.date | None = None
        lay.addWidget(self._chart_slot, 1)
        self.chart_title = QLabel("")
        self.chart_title.setTextFormat(Qt.TextFormat.PlainText)
        self.chart_title.setWordWrap(True)
        self.chart_title.setStyleSheet("color: #444;")
        lay.addWidget(self.chart_title)

        # Change between two dates.
        grid = QGridLayout()
        grid.addWidget(QLabel("Change from"), 0, 0)
        self.from_edit = QDateEdit(_qdate(dt.date(2024, 8, 20)))
        self.to_edit = QDateEdit(_qdate(dt.date(2025, 3, 11)))
        for e in (self.from_edit, self.to_edit):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd")
            e.dateChanged.connect(self._change_edited)
        grid.addWidget(self.from_edit, 0, 1)
        grid.addWidget(QLabel("to"), 0, 2)
        grid.addWidget(self.to_edit, 0, 3)
        self.change_status = QComboBox()
        for s in STATUSES:
            self.change_status.addItem(STATUS_LABELS[s], s)
        self.change_status.currentIndexChanged.connect(self._change_edited)
        grid.addWidget(self.change_status, 1, 1)
        self.change_on_map = QCheckBox("show on map")
        self.change_on_map.setToolTip("Draw the gained (green) and lost (red) areas over the map")
        self.change_on_map.toggled.connect(self._change_edited)
        grid.addWidget(self.change_on_map, 1, 3)
        lay.addLayout(grid)
        self.change_label = QLabel("")
        self.change_label.setTextFormat(Qt.TextFormat.PlainText)
        self.change_label.setWordWrap(True)
        lay.addWidget(self.change_label)

    # ------------------------------------------------------------------ data
    @property
    def state(self) -> ControlDisplay:
        return self.model.control

    def _send(self, **changes: object) -> None:
        """A user's change: a new ControlDisplay to the model (the panel redraws from its signal)."""
        if self._syncing:
            return
        self.model.set_control(dataclasses.replace(self.model.control, **changes))  # type: ignore[arg-type]

    @property
    def clip(self) -> str:
        return self.state.clip

    @property
    def source(self) -> str | None:
        """The series on the map: the state's, else the last loaded."""
        src = self.state.source
        if src in self.groups:
            return src
        return next(reversed(self.groups), None) if self.groups else None

    @property
    def date(self) -> dt.date | None:
        """The date the map shows (``model.control_date()``)."""
        return self.model.control_date()

    @property
    def files(self) -> list[tuple[Path, dt.date | None]]:
        return [(Path(f.path), f.as_of) for f in self.store.files]

    @property
    def groups(self) -> dict[str, ControlSeries]:
        return self.store.groups

    @property
    def reports(self) -> list[ImportReport]:
        return self.store.reports

    def series(self, source: str | None = None) -> ControlSeries:
        """The (clipped) series of ``source`` (default: the one on the map)."""
        return self.store.series(source or self.source, self.clip)

    def areas(self, snap: ControlSnapshot) -> dict[str, float]:
        return self.store.areas(snap, self.clip)

    def load_files(self, paths: list[str | Path], dates: dict[Path, dt.date] | None = None) -> list[str]:
        """Open files (the user's command): read them (asking for the date of undated ones unless
        ``dates`` has it), then add them to the session's state with the series of the last one on
        the map. Returns the error messages (also shown)."""
        snaps, read, errors = self.store.read(paths, dates, self.ask_date)
        if read:
            self.store.add(snaps, read)
            self.series_changed.emit()
            last = snaps[-1].source or snaps[-1].label if snaps else self.state.source
            self.model.set_control(dataclasses.replace(self.state, files=self.store.files, source=last))
        if errors and self.isVisible():
            _message(self, QMessageBox.Icon.Warning, "Areas of control", "\n".join(errors))
        return errors

    def _sync_files(self) -> list[str]:
        """Read what the state names and the panel has not read (a workspace opened). Files that
        cannot be read leave the state (the workspace notes which)."""
        want = self.state.files
        if want == self.store.files:
            return []
        errors = self.store.sync(want)
        self.series_changed.emit()
        if self.store.files != want:
            self.model.set_control(dataclasses.replace(self.state, files=self.store.files))
        return errors

    def load_bundled(self) -> None:
        if RECONSTRUCTION.exists():
            self.load_files([RECONSTRUCTION])

    def clear(self) -> None:
        self.model.set_control(dataclasses.replace(self.state, files=(), source=None))

    # ------------------------------------------------------------------ state → widgets
    def _on_state(self) -> None:
        """The model's ControlDisplay changed: read new files, then show it all."""
        errors = self._sync_files()
        self.last_errors = errors
        st = self.state
        self._syncing += 1
        try:
            self._rebuild_sources()
            i = self.clip_combo.findData(st.clip)
            self.clip_combo.setCurrentIndex(max(i, 0))
            self.follow.setChecked(st.follow)
            for status, cb in self.chart_checks.items():
                cb.setChecked(status in st.chart)
            self.sum_check.setChecked(st.chart_sum)
            self.claims_check.setChecked(st.chart_claims)
            self.from_edit.setDate(_qdate(st.change_from))
            self.to_edit.setDate(_qdate(st.change_to))
            k = self.change_status.findData(st.change_status)
            self.change_status.setCurrentIndex(max(k, 0))
            self.change_on_map.setChecked(st.change_on_map)
        finally:
            self._syncing -= 1
        self.layer.set_series(self.series())
        self._shown = ()
        self._on_shown_date()
        self.refresh_chart()
        self.refresh_change()
        self.repaint()

    def _on_shown_date(self) -> None:
        """The date on the map follows the model (the timeline, the filter's dates, the state)."""
        day = self.date
        key = (day, self.layer.snapshot, self.source, self.clip)
        self.layer.sync_state(self.model)
        if key == self._shown and self.layer.snapshot is key[1]:
            return
        self._shown = (day, self.layer.snapshot, self.source, self.clip)
        if day is None and self.layer.snapshot is not None:
            day = self.layer.snapshot.as_of  # no date set: the box shows the snapshot drawn (the latest)
        if day is not None and _pydate(self.date_edit.date()) != day:
            self.date_edit.blockSignals(True)
            self.date_edit.setDate(_qdate(day))
            self.date_edit.blockSignals(False)
        self._show_snapshot()
        if day is not None:
            self._cursor_day = day
            if self._plot is not None:
                self._plot.set_cursor(day)
        self.repaint()
        self.date_changed.emit()

    def _rebuild_sources(self) -> None:
        current = self.source
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        for src, ser in self.groups.items():
            tag = " (≈ approximate reconstruction)" if ser.approximate else ""
            span = ser.span
            text = f"{src}{tag}" + (f", {len(ser)} snapshots {span[0]} – {span[1]}" if span else "")
            self.source_combo.addItem(text, src)
        i = self.source_combo.findData(current) if current else -1
        self.source_combo.setCurrentIndex(i if i >= 0 else self.source_combo.count() - 1)
        self.source_combo.blockSignals(False)

    # ------------------------------------------------------------------ date
    def set_date(self, day: dt.date | None) -> None:
        """Show the areas of ``day`` (the user picked a date: the map stops following the timeline)."""
        self.model.set_control(dataclasses.replace(self.state, date=day, follow=False))

    def step(self, direction: int) -> None:
        dates = self.series().dates
        if not dates:
            return
        cur = self.date or dates[0]
        if direction > 0:
            later = [d for d in dates if d > cur]
            target = later[0] if later else dates[-1]
        else:
            earlier = [d for d in dates if d < cur]
            target = earlier[-1] if earlier else dates[0]
        self.set_date(target)

    def _on_date_edit(self, q: QDate) -> None:
        if not self._syncing:
            self.set_date(_pydate(q))

    # ------------------------------------------------------------------ widgets → model
    def _on_source_changed(self, *_: object) -> None:
        data = self.source_combo.currentData()
        self._send(source=str(data) if data else None)

    def _on_clip_changed(self, *_: object) -> None:
        self._send(clip=str(self.clip_combo.currentData() or ""))

    def _chart_toggled(self, *_: object) -> None:
        self._send(chart=tuple(st for st, cb in self.chart_checks.items() if cb.isChecked()),
                   chart_sum=self.sum_check.isChecked(), chart_claims=self.claims_check.isChecked())

    def _change_edited(self, *_: object) -> None:
        self._send(change_from=_pydate(self.from_edit.date()), change_to=_pydate(self.to_edit.date()),
                   change_status=str(self.change_status.currentData() or "ukrainian"),
                   change_on_map=self.change_on_map.isChecked())

    def _show_snapshot(self) -> None:
        snap = self.layer.snapshot
        if snap is None:
            span = self.layer.series.span if self.layer.series else None
            text = "No control snapshots loaded." if not self.groups else f"No snapshot on or before {self.date}."
            if span is not None and self.date is not None and self.date < span[0]:
                # Before a series starts it says nothing, which is not "nothing held" (the model's
                # first date is 15 Aug 2024; the sources report ground held from 6 Aug).
                text += (f" This series starts on {span[0]}: it says nothing about earlier days, "
                         "which is not the same as no ground held (see the chart's dated claims).")
            self.snapshot_label.setText(text)
            for r in range(len(STATUSES)):
                for c in range(2):
                    self.area_table.setItem(r, c, QTableWidgetItem("—"))
            return
        km2 = self.areas(snap)
        where = region_label(self.clip or None)
        text = f"Snapshot of {snap.as_of} ({snap.label}); source: {snap.source}. Areas {where}, geodesic."
        if snap.approximate:
            text += f"\n≈ {APPROX_TEXT}."
        self.snapshot_label.setText(text)
        for r, s in enumerate(STATUSES):
            for c, v in enumerate((km2[s], km2_to_sq_mi(km2[s]))):
                item = QTableWidgetItem(f"{v:,.1f}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.area_table.setItem(r, c, item)

    def _refresh_claims(self) -> None:
        self.refresh_chart()

    def claims(self) -> list[AreaClaim]:
        return area_claims(self.model.table)

    def chart_data(self) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """(source, status) -> (timestamps, km²) for every ticked status with any area."""
        statuses = [st for st in self.state.chart]
        return chart_curves({src: self.series(src) for src in self.groups}, statuses, self.state.chart_sum,
                            self.areas)

    def model_ranges(self) -> dict[str, tuple[ModelRange, ...]]:
        """The bundled reconstruction's range (its parameter choices' spread), when it is loaded."""
        if MODEL_SOURCE not in self.groups:
            return {}
        return {MODEL_SOURCE: bundled_ranges(self.clip or None)}

    @property
    def plot(self) -> AreaChart:
        """The chart widget, made on first use (see _build)."""
        if self._plot is None:
            self._plot = AreaChart()
            self._plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            layout = self._chart_slot.layout()
            assert layout is not None
            layout.addWidget(self._plot)
            self._plot.show()  # (a child added to a shown widget stays hidden until shown)
        return self._plot

    def set_on_screen(self, on: bool) -> None:
        """Whether the user can see the panel (its dock's ``visibilityChanged``: a dock behind
        another's tab is "visible" to Qt but off screen). The chart is drawn only while on screen."""
        self._on_screen = bool(on)
        if self._on_screen and self._chart_stale:
            self._draw_chart()

    def refresh_chart(self, *_: object) -> None:
        """Redraw the chart from the model: now when the panel is on screen, else when it comes
        on screen (or its curves are read)."""
        self._chart_stale = True
        if self._on_screen:
            self._draw_chart()

    def _draw_chart(self) -> None:
        self._chart_stale = False
        ranges = self.model_ranges()
        self.plot.show_curves(self.chart_data(), lambda src: self.groups[src].approximate,
                              self.claims() if self.state.chart_claims else None, ranges)
        where = region_label(self.clip or None)
        approx = any(self.groups[s].approximate for s in self.groups)
        self.chart_title.setText(
            f"Area held by Ukraine {where}: claims and estimates by kind of source, dated when said "
            f"(hover for sources)"
            + ("; areas computed from the loaded maps (geodesic)" if set(self.groups) - set(ranges) else "")
            + (f". Band: the bundled {APPROX_TEXT}, a MODEL, as the range of its parameter choices."
               if ranges else (f". Dashed, diamonds: the bundled {APPROX_TEXT}." if approx else ".")))
        if self.date is not None:
            self._cursor_day = self.date
        self.plot.set_cursor(self._cursor_day)

    @property
    def claim_items(self) -> list[pg.ScatterPlotItem]:
        if self._chart_stale:
            self._draw_chart()
        return self.plot.claim_items

    @property
    def legend(self) -> pg.LegendItem:
        if self._chart_stale:
            self._draw_chart()
        return self.plot.legend

    def change(self) -> ControlChange | None:
        ser = self.series()
        if not ser:
            return None
        st = self.state
        return ser.change(st.change_from, st.change_to, st.change_status)

    def refresh_change(self, *_: object) -> None:
        ch = self.change()
        if ch is None:
            self.change_label.setText("Load snapshots to measure a change." if not self.groups else
                                      "No snapshot on or before one of the two dates.")
            self.layer.set_change(None)
            self.repaint()
            return
        ser = self.series()
        a, b = ser.at(ch.date_from), ser.at(ch.date_to)
        lines = [f"{STATUS_LABELS[ch.status]} {region_label(self.clip or None)}, snapshots of "
                 f"{a.as_of if a else '?'} → {b.as_of if b else '?'}:",
                 f"gained {ch.gained_km2:,.1f} km² ({km2_to_sq_mi(ch.gained_km2):,.1f} sq mi), "
                 f"lost {ch.lost_km2:,.1f} km² ({km2_to_sq_mi(ch.lost_km2):,.1f} sq mi), "
                 f"net {ch.net_km2:+,.1f} km²"]
        if (a and a.approximate) or (b and b.approximate):
            lines.append(f"≈ {APPROX_TEXT}")
        self.change_label.setText("\n".join(lines))
        self.layer.set_change(ch if self.state.change_on_map else None)
        self.repaint()

    # ------------------------------------------------------------------ dialogs
    def open_dialog(self) -> None:
        s = QSettings()
        start = str(s.value("paths/last_control_dir", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(self, "Open areas of control", start, CONTROL_OPEN_FILTER)
        if paths:
            s.setValue("paths/last_control_dir", str(Path(paths[0]).parent))
            self.load_files(paths)
            self.user_loaded()

    def export_dialog(self) -> None:
        if not self.groups:
            _message(self, QMessageBox.Icon.Information, "Export areas of control", "Load control snapshots first.")
            return
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export areas of control", str(Path.home() / "control_areas.gpkg"),
            ";;".join(CONTROL_EXPORT_FILTERS))
        if path and Path(path).suffix.lower() not in CONTROL_EXPORT_FILTERS.values():
            path = str(Path(path).with_suffix(CONTROL_EXPORT_FILTERS.get(chosen, ".gpkg")))  # the chosen filter's
        if path:
            try:
                msg = self.export_to(path)
            except Exception as exc:
                _message(self, QMessageBox.Icon.Warning, "Export areas of control", f"Could not write {path}: {exc}")
                return
            _message(self, QMessageBox.Icon.Information, "Export areas of control", msg)

    def export_to(self, path: str | Path, what: tuple[str, ...] = ("snapshot", "series", "change")) -> str:
        """Write the shown snapshot, the series and the change (as layers) to a .gpkg or .geojson."""
        name = self.clip or None
        layers = {}
        if "snapshot" in what and self.layer.snapshot is not None:
            layers["snapshot"] = snapshot_features(self.layer.snapshot, None, name)
        if "series" in what:
            layers["series"] = series_features(self.series(), None, name)
        if "change" in what and (ch := self.change()) is not None:
            layers["change"] = change_features(ch, name)
        approx = self.series().approximate
        meta = {"name": "kursk_atlas_control_areas", "clip": name or "",
                "description": f"Areas of control ({self.source}); {region_label(name)}"
                               + (f"; {APPROX_TEXT}" if approx else "")}
        return export(path, layers, meta)
