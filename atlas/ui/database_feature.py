"""File ▸ Open database…: the atlas on the shared PostgreSQL/PostGIS store (docs/database.md).

The events are read through :func:`atlas.db.query.read` into the model like a file's; the
connection is kept without its password (libpq takes that from ~/.pgpass or the service file).
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from .feature import Feature, FeatureHost


class DatabaseFeature(Feature):
    name = "database"

    def __init__(self, host: FeatureHost) -> None:
        super().__init__(host)
        #: the open connection's description without secret ("" when the events come from files)
        self.connection = ""
        self.act_open_db = host.action("Open &database…", "Ctrl+Alt+P", self.ask_and_open,
                                       "Open the events of a PostgreSQL/PostGIS store (URI or service name)")
        file_menu = host.menu("file")
        acts = file_menu.actions()
        file_menu.insertAction(acts[1] if len(acts) > 1 else None, self.act_open_db)

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

        from atlas.db import query, schema
        from atlas.db.connect import connect, without_secret

        try:
            shown = without_secret(target)
            with connect(target) as conn:
                if schema.current_version(conn) == 0:
                    return f"{shown}: no atlas tables in this database (create them with `main.py db init`)"
                table = query.read(conn)
        except (psycopg.Error, ValueError) as exc:
            return f"cannot open the database: {' '.join(str(exc).split()) or type(exc).__name__}"
        self.connection = shown
        self.host.model.set_table(table, sources=())
        self.host.statusBar().showMessage(f"{len(table):,} events from the database {shown}", 10000)
        return None
