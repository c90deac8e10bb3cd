"""File ▸ Open database…: the atlas on the shared PostgreSQL/PostGIS store (docs/database.md).

The events are read through :func:`atlas.db.query.read` into the model like a file's; the
connection is kept without its password (libpq takes that from ~/.pgpass or the service file).
While the store is open a listener (atlas/db/live.py) wakes the window when a colleague writes:
the events are read again and the model keeps the filter, the selection (by id) and the map's
view. If the server goes away, the events already read stay on screen, marked stale and
read-only in the status bar, and edits are refused until the store is opened again.
Edit ▸ Edit event in database… changes the current event's grade, place and sources in one
transaction (atlas/db/edit.py): a colleague's earlier save is reported, never overwritten, and a
read-only role gets the server's refusal as a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QMessageBox

from .feature import Feature, FeatureHost


class DatabaseFeature(Feature):
    name = "database"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        #: the open connection's description without secret ("" when the events come from files)
        self.connection = ""
        #: what was typed, kept in memory only to reconnect after a colleague's change
        self._target = ""
        self._listener: Any = None
        self._notifier: QSocketNotifier | None = None
        #: True once the server went away: the events shown are the last ones read
        self.stale = False
        self.read_at: dt.datetime | None = None
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

    def open_database(self, target: str) -> str | None:
        """Read every stored event into the model; returns an error message, or None."""
        import psycopg

        from atlas.db import edit, query, schema
        from atlas.db.connect import connect, without_secret

        try:
            shown = without_secret(target)
            with connect(target) as conn:
                if schema.current_version(conn) == 0:
                    return f"{shown}: no atlas tables in this database (create them with `main.py db init`)"
                table = query.read(conn)
                may_edit = edit.can_edit(conn)
        except (psycopg.Error, ValueError) as exc:
            return f"cannot open the database: {' '.join(str(exc).split()) or type(exc).__name__}"
        self.connection, self._target = shown, target
        self.host.model.set_table(table, sources=())
        self._mark_fresh(may_edit)
        self._listen()
        self.host.statusBar().showMessage(f"{len(table):,} events from the database {shown}", 10000)
        return None

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
        """Read the store again if a colleague wrote; returns how many changes were heard."""
        import psycopg

        if self._listener is None:
            return 0
        try:
            changes = self._listener.poll()
        except psycopg.Error:
            self._went_away()
            return 0
        if changes:
            self.reload()
        return len(changes)

    def reload(self) -> bool:
        """Read the events again, keeping the filter, the selection and the view."""
        import psycopg

        from atlas.db import edit, query
        from atlas.db.connect import connect

        try:
            with connect(self._target) as conn:
                table = query.read(conn)
                may_edit = edit.can_edit(conn)
        except psycopg.Error:
            self._went_away()
            return False
        self.host.model.set_table(table)  # the model carries the selection over by id
        self._mark_fresh(may_edit)
        return True

    def _mark_fresh(self, may_edit: bool) -> None:
        self.stale = False
        self.read_at = dt.datetime.now()
        self.act_edit.setEnabled(may_edit)
        self.act_edit.setToolTip("" if may_edit else "Your database role may only read the shared store")
        self.status.setText(f"Database: {self.connection}" + ("" if may_edit else " (read-only role)"))

    def _went_away(self) -> None:
        """The server is unreachable: keep what was read, say so, refuse edits."""
        self._stop_listening()
        self.stale = True
        self.act_edit.setEnabled(False)
        when = self.read_at.strftime("%H:%M") if self.read_at else "?"
        self.status.setText(f"Database offline: showing the events as read at {when} (stale, read-only)")
        self.status.setStyleSheet("color: #b00020; font-weight: bold")

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
        self.reload()
        return version, None
