"""The workspace's ``database`` section: the shared store the events came from, without a secret.

A workspace saved while the window shows a PostgreSQL/PostGIS store records the connection as
:func:`atlas.db.connect.without_secret` wrote it (a URI or conninfo without ``password``, or a
service name's conninfo); opening the workspace connects again, libpq taking the password from
``~/.pgpass`` or the service file. A password never reaches the file: it is not in the model
(the store keeps only its label), and a hand-written one is refused on reading.
"""

from __future__ import annotations

from typing import Any

from .state import model_of, register_section


def capture_database(target: Any) -> dict[str, Any]:
    remote = model_of(target).remote
    return {"connection": None if remote is None else str(remote.label)}


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
    from atlas.db.remote import PostgresEvents

    # The window's database feature adopts the store the model now shows (status, live updates).
    model_of(target).set_remote(PostgresEvents(conn))


# After the sources (10: files, or none for a store) and before the filter (20), which the
# server then evaluates, and the selection (30), whose events are read by id.
register_section("database", capture_database, restore_database, validate=validate_database, order=15)
