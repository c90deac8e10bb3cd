"""The workspace's ``database`` section: the shared store the events came from, without a secret.

A workspace saved while the window shows a PostgreSQL/PostGIS store records the connection as
:func:`atlas.db.connect.without_secret` wrote it (a URI or conninfo without ``password``, or a
service name's conninfo); opening the workspace connects again, libpq taking the password from
``~/.pgpass`` or the service file. A password never reaches the file: it is not in the model
(the store keeps only its label), and a hand-written one is refused on reading.

A workspace saved while the events are a stale copy of a store (its server unreachable) records
that store too. Reopened in the window while the server cannot be reached, the store's local
cache is shown the way a direct open shows it (read-only, marked stale: the window's database
feature, :attr:`atlas.workspace.state.Context.open_store`), and the notes say so.
"""

from __future__ import annotations

from typing import Any

from .state import context, model_of, register_section


def capture_database(target: Any) -> dict[str, Any]:
    model = model_of(target)
    remote = model.remote
    if remote is not None:
        return {"connection": str(remote.label)}
    # The stale copy of a store (its server gone) is still that store's events.
    return {"connection": model.store_connection or None}


def validate_database(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    conn = data.get("connection")
    if conn is None:
        return
    if not isinstance(conn, str) or not conn.strip():
        raise ValueError("'connection' is not a connection string")
    from atlas.db.connect import conninfo

    from psycopg.conninfo import conninfo_to_dict

    if "password" in conninfo_to_dict(conninfo(conn)):
        raise ValueError("'connection' holds a password (passwords belong in ~/.pgpass or the service file)")


def restore_database(target: Any, data: Any) -> None:
    conn = data.get("connection")
    if not conn:
        return
    model = model_of(target)
    opener = context().open_store
    if opener is None:  # no window: connect here (no local cache to fall back on)
        from atlas.db.remote import PostgresEvents

        model.set_remote(PostgresEvents(conn))
        return
    error = opener(conn)
    if error:
        raise ConnectionError(error)
    if model.stale_note:  # its server is down: the window shows the store's local cache
        context().notes.append(f"database: {model.stale_note}")


# After the sources (10: files, or none for a store) and before the filter (20), which the
# server then evaluates, and the selection (30), whose events are read by id.
register_section("database", capture_database, restore_database, validate=validate_database, order=15)
