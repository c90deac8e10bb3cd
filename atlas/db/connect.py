"""Connection strings: a PostgreSQL URI or key=value string, or a service name from pg_service.conf.

Passwords never travel through the atlas: libpq reads them from ~/.pgpass (or PGPASSFILE) or the
service file. :func:`without_secret` is what may be shown or stored (a workspace, the settings).
"""

from __future__ import annotations

from typing import Any


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


def connect(target: str, **kwargs: Any) -> Any:
    """A psycopg connection to ``target`` (see :func:`conninfo`)."""
    import psycopg

    return psycopg.connect(conninfo(target), **kwargs)
