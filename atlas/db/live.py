"""Live updates: a connection that LISTENs for the store's changes (``NOTIFY katlas_events``).

Each statement that writes events notifies once with its operation and row count (the change
log's triggers, layout version 4: a 1M-row publish is one short notification, not a million);
which events changed is read from the log (atlas/db/changes.py). An edit in the atlas adds one
naming the event and its new version. :class:`ChangeListener` has its own autocommit connection; its socket
(:meth:`fileno`) can wake a GUI event loop, and :meth:`poll` collects what arrived without
waiting. A lost server shows as :class:`psycopg.OperationalError` from :meth:`poll`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .edit import CHANNEL


@dataclass(frozen=True)
class Change:
    """One notification: ``op`` (INSERT, UPDATE, DELETE, TRUNCATE or edit), the event when known."""

    op: str
    event_id: str | None = None
    version: int | None = None
    pid: int = 0


def parse(payload: str, pid: int = 0) -> Change:
    """A notification's payload: JSON from an edit, or the bare operation name from the trigger."""
    try:
        data = json.loads(payload)
    except ValueError:
        return Change(payload.strip() or "UPDATE", pid=pid)
    if not isinstance(data, dict):
        return Change(str(data), pid=pid)
    version = data.get("version")
    return Change(str(data.get("op", "edit")), data.get("event_id"),
                  int(version) if isinstance(version, int) else None, pid)


class ChangeListener:
    """LISTEN on the store's channel over a connection of its own."""

    def __init__(self, conninfo: str) -> None:
        import psycopg

        self.conn: Any = psycopg.connect(conninfo, autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")  # a constant channel name

    @property
    def backend_pid(self) -> int:
        """This listener's server process (a window's own writes come from its other connection)."""
        return int(self.conn.info.backend_pid)

    def fileno(self) -> int:
        return int(self.conn.fileno())

    def poll(self, timeout: float = 0.0) -> list[Change]:
        """The changes that arrived (waiting at most ``timeout`` seconds for the first)."""
        out = []
        if timeout > 0:
            out += [parse(n.payload, n.pid) for n in self.conn.notifies(timeout=timeout, stop_after=1)]
        out += [parse(n.payload, n.pid) for n in self.conn.notifies(timeout=0)]
        return out

    def close(self) -> None:
        self.conn.close()
