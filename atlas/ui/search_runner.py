"""The search box's text term, applied without holding the window: the first screenful of hits
on the GUI thread, the rest streamed in from a worker, given up when the next keystroke comes.

The scan itself (atlas/model/search_scan.py) knows nothing of threads; this is the glue: it
plans the scan over the rows the other terms let through, in the list's order, runs chunks until
a screenful is found (or a short time budget is spent) and shows them as the filter's first
results (:meth:`AtlasModel.show_partial_filter`); a worker of a one-thread pool scans the rest,
its batches reach the model on the GUI thread (:meth:`AtlasModel.extend_partial_filter`) and the
last one brings the whole mask (:meth:`AtlasModel.set_filter`), which the map, timeline and
facets then use as any other filter's. Any other change of the filter or table cancels the scan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal

from atlas.model import AtlasModel, Filter, Text, find_part
from atlas.model.part_masks import PartMasks
from atlas.model.search_scan import CancelToken, SearchScan

#: Below this many candidate rows the search runs whole on the GUI thread (a few milliseconds).
SYNC_ROWS = 50_000
#: Hits wanted before the first results are shown: a tall list's screenful.
FIRST_SCREEN_ROWS = 80
#: The most the GUI thread spends looking for that screenful (a rare term shows what it found).
FIRST_BUDGET_S = 0.08
#: The worker hands over what it found about this often.
DELIVER_EVERY_S = 0.1


class _ScanJob(QRunnable):
    def __init__(self, scan: SearchScan, token: CancelToken, deliver: Callable[..., None]) -> None:
        super().__init__()
        self.scan, self.token, self.deliver = scan, token, deliver

    def run(self) -> None:
        self.scan.run(self.token, lambda rows, mask: self.deliver(self.token, rows, mask), DELIVER_EVERY_S)


class SearchRunner(QObject):
    """Applies filters with a text term to ``model``, streaming the answer when it is big.

    ``order`` returns the list's order as a permutation of every table row (None: by row), so
    that what is found first is what the list shows first. ``progress(scanned, total)`` follows
    the scan; ``finished()`` comes when the whole answer is in (or was applied at once)."""

    progress = Signal(int, int)
    finished = Signal()
    _delivered = Signal(object, object, object)

    def __init__(self, model: AtlasModel, order: Callable[[], npt.NDArray[np.intp] | None] | None = None,
                 part_masks: PartMasks | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.order = order or (lambda: None)
        self.part_masks = part_masks or model.part_masks
        self.sync_rows = SYNC_ROWS
        self.first_screen_rows = FIRST_SCREEN_ROWS
        self.first_budget_s = FIRST_BUDGET_S
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # a cancelled scan stops within a chunk; the next waits for it
        self._token: CancelToken | None = None
        self._scan: SearchScan | None = None
        self._job: _ScanJob | None = None
        self._applying = False
        self._delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)
        model.filter_changed.connect(self._on_model_filter)
        model.table_changed.connect(self.cancel)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel)  # quitting does not wait for a scan to finish

    @property
    def running(self) -> bool:
        return self._token is not None

    def apply(self, flt: Filter) -> None:
        """Make ``flt`` the model's filter: at once when small, else first results now and the
        rest streamed."""
        self.cancel()
        m = self.model
        if flt == m.filter and not m.filter_pending:
            return
        table = m.table
        scan = None
        text = find_part(flt, Text)
        # A remote store's server evaluates the text (the model holds only a screen of rows).
        if text is not None and len(table) > self.sync_rows and m.remote is None:
            base = self.part_masks.mask_except(table, flt, lambda p: p is text)
            scan = SearchScan.plan(table, flt, base, self.order())
        if scan is None or scan.candidates.size <= self.sync_rows:
            self._set(flt, None)
            self.finished.emit()
            return
        if table.search_ready:
            first = scan.scan_until(self.first_screen_rows, self.first_budget_s)
        else:
            # The search column is still being built after a load (seconds at ten million
            # events): the GUI thread does not wait for it; the worker does, then streams.
            first = np.zeros(0, np.intp)
        if scan.done:
            self._set(flt, scan.mask())
            self.finished.emit()
            return
        token = CancelToken()
        self._token, self._scan = token, scan
        self._applying = True
        try:
            m.show_partial_filter(flt, first)
        finally:
            self._applying = False
        self.progress.emit(scan.scanned, int(scan.candidates.size))
        self._job = _ScanJob(scan, token, self._delivered.emit)
        self.pool.start(self._job)

    def cancel(self) -> None:
        """Stop the running scan (its later batches are dropped)."""
        if self._token is not None:
            self._token.cancel()
        self._token = self._scan = None

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the worker to stop (tests, closing); then deliver what it left queued."""
        return bool(self.pool.waitForDone(msecs))

    def _set(self, flt: Filter, mask: Any) -> None:
        self._applying = True
        try:
            self.model.set_filter(flt, mask)
        finally:
            self._applying = False

    def _on_model_filter(self) -> None:
        # Someone else set the filter (a facet, undo, clear): this scan's answer is stale.
        if self._token is not None and not self._applying:
            self.cancel()

    def _on_delivered(self, token: CancelToken, rows: npt.NDArray[np.intp], mask: Any) -> None:
        if token is not self._token or token.cancelled or self._scan is None:
            return
        scan = self._scan
        if mask is None:
            self._applying = True
            try:
                self.model.extend_partial_filter(rows)
            finally:
                self._applying = False
            self.progress.emit(scan.scanned, int(scan.candidates.size))
            return
        self._token = self._scan = None
        if rows.size:
            self._applying = True
            try:
                self.model.extend_partial_filter(rows)
            finally:
                self._applying = False
        self._set(scan.filter, mask)
        self.progress.emit(int(scan.candidates.size), int(scan.candidates.size))
        self.finished.emit()
