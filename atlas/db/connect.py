"""Connection strings: a PostgreSQL URI or key=value string, or a service name from pg_service.conf.

Passwords never travel through the atlas: libpq reads them from ~/.pgpass (or PGPASSFILE) or the
service file. :func:`without_secret` is what may be shown or stored (a workspace, the settings).
"""

from __future__ import annotations

from typing import Any

#: The table the events live in (atlas/db/schema.py): named with the server as their source.
EVENTS_TABLE = "katlas.events"


def conninfo(target: str) -> str:
    """``target`` as a libpq conninfo: a URI (postgresql://…), key=value pairs, or a bare service name."""
    from psycopg.conninfo import make_conninfo

    text = target.strip()
    if not text:
        raise ValueError("no database given: a postgresql:// URI or a service name from pg_service.conf")
    if "://" in text or "=" in text:
        return make_conninfo(text)  # validates the syntax
    return make_conninfo(service=text)


def without_secret(target: str) -> str:
    """The connection with any password removed (for workspaces, settings, messages)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(conninfo(target))
    params.pop("password", None)
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def display_name(target: str) -> str:
    """The store as a picture's footer and the attribution name it, never with a password:
    ``PostgreSQL anna@dbhost:5432/atlas, table katlas.events`` (a service name is named as one)."""
    return f"PostgreSQL {short_name(target)}, table {EVENTS_TABLE}"


def short_name(target: str) -> str:
    """Which store, in few letters, for the status bar: ``anna@dbhost:5432/atlas`` (user, host or
    socket folder, port, database; ``service atlas (…)`` for a service name); never a password."""
    from psycopg.conninfo import conninfo_to_dict

    params = {k: str(v) for k, v in conninfo_to_dict(conninfo(target)).items() if v not in (None, "")}
    where = ""
    if "host" in params or "hostaddr" in params:
        where = params.get("host") or params["hostaddr"]
        if "port" in params:
            where += f":{params['port']}"
    if "dbname" in params:
        where = f"{where}/{params['dbname']}" if where else params["dbname"]
    if "user" in params:
        where = f"{params['user']}@{where}" if where else params["user"]
    if "service" in params:
        where = f"service {params['service']}" + (f" ({where})" if where else "")
    return where or "default server"


def connect(target: str, **kwargs: Any) -> Any:
    """A psycopg connection to ``target`` (see :func:`conninfo`)."""
    import psycopg

    return psycopg.connect(conninfo(target), **kwargs)
