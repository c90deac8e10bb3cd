"""File ▸ Open database…: the atlas as a client of the shared PostgreSQL/PostGIS store (docs/database.md).

Nothing is loaded whole. The model gets the store as its remote source (atlas/db/remote.py behind
atlas/model/remote.py): the list pages through the server's rows as the user scrolls, filters are
SQL with bound values, the map asks for the events in view (or, dense, for counted cells; this
feature adds their layer and tells the model the map's view), and the totals, facet counts and
timeline bars come from server aggregates computed on a worker thread. The connection is kept
without its password (libpq takes that from ~/.pgpass or the service file).
A listener (atlas/db/live.py) wakes the window when a colleague writes: the model reads the
store's change log (atlas/db/changes.py) for the events changed since it last looked and updates
only those (new values in place, new events in their place in the list's order, deleted ones
leave, the list's positions kept after a jump of its scroll bar); the filter, the selection, the
event at the top of the list and the map's view stay. If the server goes away, the events
already read stay and filters run on them, marked stale and read-only in the status bar, and
edits are refused until the store is opened again.
What was read is also written to a local cache (atlas/db/offline_cache.py, the user's cache folder,
keyed by the connection without its secret): opening the same connection while its server cannot
be reached shows that copy, read-only and marked stale with the time it was read (the status bar
and every picture's footer say so).
The current event's grade, place and sources are edited inline in the details panel (and by
Edit ▸ Edit event in database…) in one transaction (atlas/db/edit.py): a colleague's earlier
save is reported, never overwritten, and a read-only role sees the editor disabled.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QMessageBox

from atlas.model.facets import FACETS

from .feature import Feature, FeatureHost

#: Facets whose counts the server computes for the filters dock: every one it shows (the facets
#: without a term of their own share one scan, atlas/db/facet_counts.py).
SERVER_FACETS: tuple[str, ...] = tuple(FACETS)
#: Pans and zooms closer together than this ask the server once.
MAP_DEBOUNCE_MS = 120
#: The totals (full scans at millions of rows, seconds on a worker) are asked this long after a
#: store opened: started at once, their server processes took both cores while the window drew
#: its first screen.
TOTALS_DELAY_MS = 300
#: What was read is written to the local cache this long after the last page, view or totals.
CACHE_DEBOUNCE_MS = 1500
#: Tables shown within one debounce that are kept by reference before the oldest is merged at once.
MAX_PENDING_TABLES = 8
#: While the store's text index is missing or being built, it is looked at this often.
TEXT_INDEX_POLL_MS = 5000

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """The local caches of stores: the user's cache folder (QStandardPaths.CacheLocation)/stores."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)) / "stores"


def _utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class _Relay(QObject):
    """Carries a worker thread's answer to the GUI thread (a queued signal)."""

    done = Signal(object, int)


def web_zoom(merc_per_px: float) -> float:
    """The web-map zoom of a view showing ``merc_per_px`` Mercator metres per pixel."""
    return math.log2(40075016.686 / (256.0 * max(merc_per_px, 1e-9)))


class DatabaseFeature(Feature):
    name = "database"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        #: the open connection's description without secret ("" when the events come from files)
        self.connection = ""
        #: what was typed, kept in memory only (to reconnect, to save an edit)
        self._target = ""
        self.store: Any = None
        self._listener: Any = None
        self._notifier: QSocketNotifier | None = None
        #: True once the server went away: the events shown are the last ones read
        self.stale = False
        self.may_edit = False
        self.read_at: dt.datetime | None = None
        #: the events read from the open store this session, for the local cache (None: not caching)
        self._read: Any = None
        #: tables the model showed since the last cache write, not yet added to ``_read``
        self._pending: list[Any] = []
        #: events colleagues deleted since the store opened: the model's table keeps their rows
        #: (positions stay), so every write drops them from what was read
        self._gone: set[str] = set()
        self._last_aggregates: Any = None
        #: while stale: the table of held (or cached) rows the window shows
        self._held: Any = None
        self._cache_lock = threading.Lock()
        self._cache_timer = QTimer(host.canvas)
        self._cache_timer.setSingleShot(True)
        self._cache_timer.setInterval(CACHE_DEBOUNCE_MS)
        self._cache_timer.timeout.connect(self.write_cache)
        self._generation = 0
        #: Set when the window closed: nothing more is asked of the server.
        self._closed = False
        #: The store's text index, as last read (None: not read; atlas/db/text_index.py). While it
        #: is not ready the status bar says text searches are slower, and it is read again often.
        self.text_index: Any = None
        self._index_timer = QTimer(host.canvas)
        self._index_timer.setInterval(TEXT_INDEX_POLL_MS)
        self._index_timer.timeout.connect(self.check_text_index)
        self._relay = _Relay(host.canvas)
        self._relay.done.connect(self._aggregates_arrived)
        self.act_open_db = host.action("Open &database…", "Ctrl+Alt+P", self.ask_and_open,
                                       "Open the events of a PostgreSQL/PostGIS store (URI or service name)")
        file_menu = host.menu("file")
        acts = file_menu.actions()
        file_menu.insertAction(acts[1] if len(acts) > 1 else None, self.act_open_db)
        self.act_edit = host.action("Edit event in &database…", "Ctrl+Alt+M", self.edit_current,
                                    "Change the current event's grade, place or sources in the shared store")
        self.act_edit.setEnabled(False)
        host.menu("edit").addAction(self.act_edit)
        self.status = QLabel("")
        host.add_status_widget(self.status, permanent=True)
        from atlas.render.server_cells import ServerCellsLayer

        self.cells_layer = ServerCellsLayer()
        host.add_map_layer(self.cells_layer, above="events")
        self._map_timer = QTimer(host.canvas)  # dies with the canvas
        self._map_timer.setSingleShot(True)
        self._map_timer.setInterval(MAP_DEBOUNCE_MS)
        self._map_timer.timeout.connect(self.send_map_request)
        host.canvas.view_changed.connect(lambda _vp: self._map_timer.start())
        model = host.model
        model.filter_changed.connect(self._ask_aggregates)
        model.aggregates_changed.connect(self._aggregates_cleared)
        model.remote_lost.connect(self._went_away)
        model.table_changed.connect(self._follow_model)
        for signal in (model.table_changed, model.resident_changed, model.list_extended, model.list_refreshed,
                       model.list_jumped, model.aggregates_changed):
            signal.connect(self._cache_soon)
        model.store_changes_applied.connect(self._note_deleted)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._flush_cache)
        self.editor: Any = None

    def started(self) -> None:
        from .database_edit import InlineEventEditor

        workflow = self.host.feature("workflow")
        details = getattr(workflow, "details", None)
        if details is not None:
            self.editor = InlineEventEditor(self, self.host.model)
            details.add_section(self.editor)

    def ask_and_open(self) -> None:
        text, ok = QInputDialog.getText(
            self.host.event_list, "Open database",
            "PostgreSQL URI (postgresql://user@host/dbname) or service name from pg_service.conf.\n"
            "The password comes from ~/.pgpass or the service file.",
            QLineEdit.EchoMode.Normal, self.connection)
        if ok and text.strip():
            self.open_database_or_warn(text.strip())

    def open_database_or_warn(self, target: str) -> bool:
        error = self.open_database(target)
        if error:
            QMessageBox.warning(self.host.event_list, "Open database", error)
        return error is None

    def map_request(self) -> Any:
        from atlas.model.remote import MapRequest

        vp = self.host.canvas.map_viewport()
        return MapRequest(tuple(float(v) for v in vp.lonlat_bounds()), web_zoom(vp.merc_per_px))

    def send_map_request(self) -> None:
        """Tell the model where the map looks (a remote store then answers for that view)."""
        if self._closed:
            return
        self.host.model.set_map_request(self.map_request())

    def open_database(self, target: str) -> str | None:
        """Show the store's events through the model's remote source; an error message, or None."""
        import psycopg

        from atlas.db import edit, schema
        from atlas.db.connect import without_secret
        from atlas.db.remote import PostgresEvents
        from atlas.model.remote import RemoteUnavailable

        try:
            shown = without_secret(target)
            store = PostgresEvents(target)
        except psycopg.OperationalError as exc:  # unreachable: its local cache, if there is one
            why = ' '.join(str(exc).split()) or type(exc).__name__
            if self.open_cached(target, why):
                return None
            return f"cannot open the database: {why}"
        except (psycopg.Error, ValueError) as exc:
            return f"cannot open the database: {' '.join(str(exc).split()) or type(exc).__name__}"
        try:  # on the store's own connection: one connection fewer to open
            if schema.current_version(store.conn) == 0:
                store.close()
                return f"{shown}: no atlas tables in this database (create them with `main.py db init`)"
            may_edit = edit.can_edit(store.conn)
        except psycopg.Error as exc:
            store.close()
            return f"cannot open the database: {' '.join(str(exc).split()) or type(exc).__name__}"
        previous = (self.store, self.connection, self._target)
        # Ours before the model shows it (so _follow_model does not take it on a second time).
        self.store, self.connection, self._target = store, shown, target
        try:
            self._map_timer.stop()
            self.host.model.set_map_request(self.map_request())
            self.host.model.set_remote(store, sources=())
        except (psycopg.Error, RemoteUnavailable) as exc:
            self.store, self.connection, self._target = previous
            store.close()
            return f"cannot open the database: {' '.join(str(exc).split()) or type(exc).__name__}"
        if previous[0] is not None and previous[0] is not store:
            previous[0].close()
        self._start_caching()
        self._mark_fresh(may_edit)
        self._listen()
        # The list and map are shown first; the totals follow (the status says "counting…").
        QTimer.singleShot(TOTALS_DELAY_MS, self.host.canvas, self._ask_aggregates)
        # The permanent label names the store; the message only says it opened (a long connection
        # string here was cut after a few letters beside the attribution).
        self.host.statusBar().showMessage("Database opened", 5000)
        return None

    def _follow_model(self) -> None:
        """A store the model shows that this feature did not open (a workspace reopened it):
        take it on (status, rights, live updates, totals). Files instead of a store: let go."""
        remote = self.host.model.remote
        if remote is None:
            # Files replaced the store's events (or its stale copy): let go of the store.
            if (self.store is not None and not self.stale) or (self.stale and self.host.model.table is not self._held):
                self._flush_cache()
                self._stop_listening()
                if self.store is not None:
                    self._close_store()
                self.store, self.connection, self._target = None, "", ""
                self.stale, self._held, self._read, self._pending = False, None, None, []
                self.host.model.set_local_cells(None)  # a file's events: every one drawn
                self.act_edit.setEnabled(False)
                self.status.setText("")
                self.status.setStyleSheet("")
                self.host.model.set_stale_note("")
                if self.editor is not None:
                    self.editor.refresh()
            return
        if remote is self.store:
            return
        # Imported only now: psycopg takes ~0.2 s to import, which a window opening files (every
        # start) must not pay.
        import psycopg

        from atlas.db import edit
        from atlas.db.connect import connect

        target = getattr(remote, "target", remote.label)
        try:
            with connect(target) as conn:
                may_edit = edit.can_edit(conn)
        except psycopg.Error:
            may_edit = False
        if self.store is not None:
            self._close_store()
        self.store, self.connection, self._target = remote, remote.label, target
        self._start_caching()
        self._mark_fresh(may_edit)
        self._listen()
        self._ask_aggregates()

    def closed(self) -> None:
        """The window closed: write the cache, stop listening, close the store's connection."""
        self._closed = True
        self._map_timer.stop()
        self._index_timer.stop()
        self._flush_cache()  # (a pending write is written now; the flush stops its timer)
        self._cache_timer.stop()
        self._stop_listening()
        if self.store is not None:
            self._close_store()

    def _close_store(self) -> None:
        try:
            self.store.close()
        except Exception:  # noqa: BLE001 - the server may already be gone
            pass

    # ------------------------------------------------------------------ server totals
    def _ask_aggregates(self) -> None:
        """Count, facet counts and timeline bars for the current filter, on a worker thread (a
        full scan at millions of rows): the list and map come first, the totals when ready."""
        model = self.host.model
        store = model.remote
        if self._closed or store is None or store is not self.store or model.aggregates is not None:
            return
        self._generation += 1
        gen, flt = self._generation, model.filter

        def estimated(n: int) -> None:  # the list's scroll bar spans it until the exact count
            self._relay.done.emit(("estimate", flt, n), gen)

        def work() -> None:
            try:
                result: Any = store.aggregates_on_new_connection(
                    flt, SERVER_FACETS, estimated, lambda part: self._relay.done.emit(part, gen))
            except Exception as exc:  # noqa: BLE001 - reported on the GUI thread
                result = exc
            self._relay.done.emit(result, gen)

        threading.Thread(target=work, name="katlas-aggregates", daemon=True).start()

    def _aggregates_arrived(self, result: object, gen: int) -> None:
        from atlas.model.remote import Aggregates

        if gen != self._generation or self.host.model.remote is None:
            return
        if isinstance(result, tuple) and result[0] == "estimate":
            self.host.model.set_estimate(result[1], result[2])
            return
        if isinstance(result, Aggregates):
            self._last_aggregates = result
            self.host.model.set_aggregates(result)

    def _aggregates_cleared(self) -> None:
        if self.host.model.aggregates is None:  # a publish by a colleague: count again
            self._ask_aggregates()

    def wait_for_aggregates(self, timeout_s: float = 30.0) -> bool:
        """Block until the totals arrived, every facet counted (tests and the bench; the window
        never waits)."""
        import time

        from PySide6.QtCore import QCoreApplication

        end = time.monotonic() + timeout_s
        def done() -> bool:
            agg = self.host.model.aggregates
            return agg is not None and not agg.pending  # every facet counted

        while not done() and time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        return done()

    # ------------------------------------------------------------------ live updates
    def _listen(self) -> None:
        from atlas.db.connect import conninfo
        from atlas.db.live import ChangeListener

        self._stop_listening()
        try:
            self._listener = ChangeListener(conninfo(self._target))
        except Exception:  # noqa: BLE001 - no live updates is not a reason to refuse the store
            self._listener = None
            return
        self._notifier = QSocketNotifier(self._listener.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self.check_changes)

    def _stop_listening(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier = None
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # noqa: BLE001 - the server may already be gone
                pass
            self._listener = None

    def check_changes(self, *_args: object) -> int:
        """Apply what colleagues wrote; returns how many notifications were heard.

        A notification names no events (it would not fit NOTIFY's payload for a big publish):
        the model asks the store's change log which events changed since it last looked and
        updates only those (model.apply_store_changes): their values where they are held, the
        list's stretch of rows in the server's order, the map's view if one is or was in it, the
        totals. The filter, the selection, the current event, the event at the top of the list
        and the map's view stay. A publish too big to place event by event reads the view again."""
        import psycopg

        if self._listener is None:
            return 0
        try:
            changes = self._listener.poll()
        except psycopg.Error:
            self._went_away()
            return 0
        if not changes:
            return 0
        model = self.host.model
        if model.remote is not None and model.apply_store_changes():
            self.read_at = dt.datetime.now(dt.timezone.utc)
        self.check_text_index()  # a colleague's large publish drops it while it rebuilds
        return len(changes)

    def reload(self) -> bool:
        """Ask the server for the current filter's first screen again (selection and view kept)."""
        self.host.model.reread()
        return self.host.model.remote is not None

    def _mark_fresh(self, may_edit: bool) -> None:
        self.stale, self._held = False, None
        self.host.model.set_local_cells(None)
        self.host.model.set_stale_note("")
        self.may_edit = may_edit
        self.read_at = dt.datetime.now(dt.timezone.utc)
        self.act_edit.setEnabled(may_edit)
        self.act_edit.setToolTip("" if may_edit else "Your database role may only read the shared store")
        self.text_index = None
        self.status.setStyleSheet("")
        self._show_store_status()
        self.check_text_index()
        if self.editor is not None:
            self.editor.refresh()

    def _show_store_status(self) -> None:
        from atlas.db.connect import short_name

        # user@host:port/database, not the connection string (whose key order put the host and the
        # database past the end of a 1600 px status bar); the whole connection is the tooltip.
        text = f"Database: {short_name(self.connection)}" + ("" if self.may_edit else " (read-only role)")
        tip = f"{self.connection} (table katlas.events)"
        if self.text_index is not None and not self.text_index.ready:
            text += f" · {self.text_index.short()}"
            tip += "\n\n" + self.text_index.explain()
        self.status.setText(text)
        self.status.setToolTip(tip)

    def check_text_index(self) -> None:
        """Read whether the store's text index is ready (after a large publish it is rebuilt for
        minutes, and text filters scan every row meanwhile) and say so in the status bar; while
        it is not ready, read it again every TEXT_INDEX_POLL_MS."""
        import psycopg

        from atlas.db.text_index import text_index_state

        if self._closed or self.stale or self.store is None or self.host.model.remote is not self.store:
            self._index_timer.stop()
            return
        try:
            state = text_index_state(self.store.conn)
        except psycopg.Error:
            return  # the next read of the store finds out whether the server went away
        changed = state != self.text_index
        self.text_index = state
        if changed:
            self._show_store_status()
        if state.ready:
            self._index_timer.stop()
        elif not self._index_timer.isActive():
            self._index_timer.start()

    def _went_away(self) -> None:
        """The server is unreachable: keep what was read, say so, refuse edits."""
        if not self.connection or self.stale:
            return
        self._stop_listening()
        self._index_timer.stop()
        self.stale = True
        self._held = self.host.model.table
        self.act_edit.setEnabled(False)
        when = self.read_at.astimezone().strftime("%H:%M") if self.read_at else "?"
        self.status.setText(f"Database offline (stale, read-only): showing the events as read at {when}")
        self.status.setStyleSheet("color: #b00020; font-weight: bold")
        if self.host.model.remote is not None:
            # The listener noticed first: the model keeps the rows it holds as a local table.
            self.host.model.go_offline()
            self._held = self.host.model.table
        self._count_cells_locally()
        self.host.model.set_stale_note(
            f"Stale: events of the database {self.connection} as read at "
            f"{_utc_text(self.read_at) if self.read_at else '?'} (server unreachable)")
        self._flush_cache()  # what was read until now, for a start while the server stays away
        if self.editor is not None:
            self.editor.refresh()

    # ------------------------------------------------------------------ the local cache
    def _start_caching(self) -> None:
        """A store was opened: what is read from now on is written to its local cache."""
        from atlas.db.offline_cache import ReadRows

        self._read, self._last_aggregates = ReadRows(), None
        self._pending, self._gone = [], set()

    def _note_deleted(self, got: Any) -> None:
        """Remember the events a colleague deleted (an id pushed again exists again)."""
        self._gone -= {str(i) for i in got.rows.ids}
        self._gone |= set(got.gone)

    def _cache_soon(self) -> None:
        """Each table the model shows is kept (a reference: tables are never mutated) until the
        debounced write adds it to what was read: a table replaced before the write (a filter
        changed, a jump, a colleague's change within the debounce) would otherwise be missed."""
        model = self.host.model
        if self._read is not None and not self.stale and model.remote is not None:
            if not self._pending or self._pending[-1] is not model.table:
                self._pending.append(model.table)
                if len(self._pending) > MAX_PENDING_TABLES:  # bounded: the oldest are merged now
                    self._read.add(self._pending.pop(0))
            self._cache_timer.start()

    def _flush_cache(self) -> None:
        if self._cache_timer.isActive() or (self.stale and self._read is not None):
            self.write_cache(wait=True)

    def write_cache(self, wait: bool = False) -> None:
        """Add the rows the model holds to what was read and write the store's local cache: on a
        worker thread (the table is never mutated), or at once with ``wait`` (quitting, going away)."""
        from atlas.db import offline_cache

        self._cache_timer.stop()
        if self._read is None or not self.connection:
            return
        model = self.host.model
        pending, self._pending = self._pending, []
        for table in pending:  # oldest first: the newest values win
            self._read.add(table)
        if model.remote is not None or (self.stale and model.table is self._held):
            self._read.add(model.table)
        self._read.drop(self._gone)
        if not len(self._read.table):
            return
        kwargs = dict(read_first=self._read.read_first, aggregates=self._last_aggregates,
                      filter_text=self._last_aggregates.filter.describe() if self._last_aggregates else "",
                      map_request=model.map_request, cells=model.map_cells)
        root, connection, table = cache_root(), self.connection, self._read.table

        def work() -> None:
            with self._cache_lock:
                try:
                    offline_cache.save(root, connection, table, **kwargs)
                except Exception:  # noqa: BLE001 - a cache that cannot be written is no reason to stop
                    log.warning("the local cache of %s could not be written", connection, exc_info=True)

        if wait:
            work()
        else:
            threading.Thread(target=work, name="katlas-store-cache", daemon=True).start()

    def open_cached(self, target: str, why: str) -> bool:
        """The server of ``target`` cannot be reached: show its local cache (stale, read-only)
        if one was written. Returns whether it was."""
        from atlas.db import offline_cache
        from atlas.db.connect import display_name, without_secret

        shown = without_secret(target)
        cached = offline_cache.load(cache_root(), shown)
        if cached is None:
            return False
        self._flush_cache()
        self._stop_listening()
        if self.store is not None:
            self._close_store()
        self._map_timer.stop()
        self.store, self.connection, self._target = None, shown, target
        # Marked first, so the model's table_changed finds the copy ours (not files to let go for).
        self._read, self._pending, self.stale, self._held, self.may_edit = None, [], True, cached.table, False
        self.read_at = cached.read_at
        self.host.model.set_table(cached.table, sources=())
        self._count_cells_locally()
        self.send_map_request()
        # Still the events' source, as read (and what a workspace saved now records).
        self.host.model.set_store_name(display_name(target), connection=shown)
        self.host.model.set_stale_note(
            f"Stale: events of the database {shown} as read at {_utc_text(cached.read_at)} "
            "(local cache; server unreachable)")
        self.act_edit.setEnabled(False)
        self.act_edit.setToolTip("The database cannot be reached: its cached events are read-only")
        of = f" of {cached.store_total:,}" if cached.store_total is not None else ""
        # The marks first: a narrow status bar cuts the end of the line, not "stale, read-only".
        self.status.setText(f"Database unreachable (stale, read-only): {len(cached.table):,}{of} events "
                            f"from the local cache, read {_utc_text(cached.read_at)}")
        self.status.setStyleSheet("color: #b00020; font-weight: bold")
        self.status.setToolTip(f"{shown} could not be reached ({why}). The events shown are those read "
                               f"from it between {_utc_text(cached.read_first)} and {_utc_text(cached.read_at)}. "
                               "File ▸ Open database… tries again.")
        if self.editor is not None:
            self.editor.refresh()
        # No transient message: beside the red label and the credits it had room for a few letters.
        self.host.statusBar().clearMessage()
        return True

    def _count_cells_locally(self) -> None:
        """The stale copy's dense views are counted in cells, as the live store's were (the
        same threshold and grid, atlas/db/cells.py), not drawn point by point."""
        from atlas.db import cells
        from atlas.model.local_cells import LocalCells

        self.host.model.set_local_cells(LocalCells(cells.REMOTE_POINT_THRESHOLD, cells.cell_size_deg))

    # ------------------------------------------------------------------ editing
    def edit_current(self) -> None:
        from .database_edit import EditEventDialog

        event_id = self.host.model.current_id
        if not event_id or not self.connection:
            return
        if self.stale:
            QMessageBox.warning(self.host.event_list, "Edit event", self.status.text())
            return
        dialog = EditEventDialog(self, event_id, self.host.event_list)
        dialog.exec()

    def load_event(self, event_id: str) -> tuple[Any, str | None]:
        """The event as stored now, with its version: (Stored, None) or (None, why not)."""
        import psycopg

        from atlas.db import edit
        from atlas.db.connect import connect

        try:
            with connect(self._target) as conn:
                return edit.load(conn, event_id), None
        except edit.EditError as exc:
            return None, str(exc)
        except psycopg.OperationalError:
            self._went_away()
            return None, self.status.text()

    def save_edit(self, event_id: str, version: int, changes: dict[str, Any],
                  sources: list[dict[str, Any]] | None) -> tuple[int | None, str | None]:
        """Save through :func:`atlas.db.edit.save`: (new version, None) or (None, message to show)."""
        import psycopg

        from atlas.db import edit
        from atlas.db.connect import connect

        if self.stale:
            return None, self.status.text()
        try:
            with connect(self._target) as conn:
                version = edit.save(conn, event_id, version, changes, sources)
        except edit.EditError as exc:
            return None, str(exc)
        except psycopg.OperationalError:
            self._went_away()
            return None, "The database cannot be reached: the change was not saved."
        self.host.model.refresh_events([event_id])  # our own change, in place
        return version, None
