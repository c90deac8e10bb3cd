"""Editing one stored event: a transaction that keeps the previous values and refuses lost updates.

Every event row carries a ``version``. An edit names the version it started from; the transaction
locks the row, and if someone else saved first (the version moved on, or the event was deleted) it
raises :class:`Conflict` with what is stored now and changes nothing: a colleague's work is never
silently overwritten. Otherwise it writes the new values, bumps the version, records who and when
on the row, keeps the changed fields' old and new values in ``katlas.events_history``, and tells
listening windows (``NOTIFY katlas_events``). The server enforces the roles: a read-only role's
save raises :class:`ReadOnly` with a message to show.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from atlas.model.table import CONFIDENCE_LEVELS

#: Channel of the live updates (atlas/db/live.py listens on it).
CHANNEL = "katlas_events"
#: Fields an analyst may change in the details panel: the grade, the place and its description.
#: ``lon``/``lat`` are the point; ``sources`` the child rows.
EDITABLE_COLUMNS: tuple[str, ...] = ("confidence", "location", "coord_basis", "notes", "title")


class EditError(Exception):
    """An edit the store did not take; ``str()`` is a message for the analyst."""


class ReadOnly(EditError):
    """The connected role may not write."""


@dataclass
class Conflict(EditError):
    """Someone changed (or deleted) the event since it was read: nothing was written."""

    event_id: str
    expected_version: int
    current: dict[str, Any] | None  # the stored event now (None: deleted)

    def __str__(self) -> str:
        if self.current is None:
            return f"Event {self.event_id} was deleted from the database by someone else; your change was not saved."
        who = self.current.get("written_by") or "someone"
        when = self.current.get("written_at")
        at = f" at {when:%Y-%m-%d %H:%M %Z}".rstrip() if when is not None else ""
        return (f"Event {self.event_id} was changed by {who}{at} (version {self.current['version']}, you started "
                f"from version {self.expected_version}). Your change was not saved: reload the event, "
                "then make your change again.")


@dataclass
class StoredEvent:
    """The editable part of one stored event and the version it was read at."""

    event_id: str
    version: int
    values: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)


_FIELDS = sql.SQL(", ").join(
    [sql.Identifier(c) for c in EDITABLE_COLUMNS]
    + [sql.SQL("ST_X(geom) AS lon"), sql.SQL("ST_Y(geom) AS lat"), sql.SQL("version"), sql.SQL("written_by"),
       sql.SQL("written_at")])


def _row(conn: Any, event_id: str, lock: bool) -> dict[str, Any] | None:
    q = sql.SQL("SELECT {} FROM katlas.events WHERE event_id = %s").format(_FIELDS)
    if lock:
        q += sql.SQL(" FOR UPDATE")
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(q, (event_id,)).fetchone()  # type: ignore[no-any-return]


def _sources(conn: Any, event_id: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT outlet, date, url, title FROM katlas.sources WHERE event_id = %s ORDER BY ord",
                        (event_id,)).fetchall()
    return [{k: v for k, v in zip(("outlet", "date", "url", "title"), r) if v is not None} for r in rows]


def load(conn: Any, event_id: str) -> StoredEvent:
    """The event as stored now, with its version (KeyError if there is none)."""
    with conn.transaction():  # a short one of its own: no transaction (or lock) left open
        row = _row(conn, event_id, lock=False)
        if row is None:
            raise KeyError(event_id)
        values = {k: row[k] for k in (*EDITABLE_COLUMNS, "lon", "lat")}
        return StoredEvent(event_id, int(row["version"]), values, _sources(conn, event_id))


def can_edit(conn: Any) -> bool:
    """Whether the connected role may update events (the server checks again on save)."""
    with conn.transaction():
        row = conn.execute("SELECT has_table_privilege('katlas.events', 'UPDATE')").fetchone()
    return bool(row and row[0])


def _check(changes: dict[str, Any]) -> None:
    unknown = set(changes) - {*EDITABLE_COLUMNS, "lon", "lat"}
    if unknown:
        raise EditError(f"these fields cannot be edited: {', '.join(sorted(unknown))}")
    if "confidence" in changes and changes["confidence"] not in (*CONFIDENCE_LEVELS, None, ""):
        raise EditError(f"the grade must be one of {', '.join(CONFIDENCE_LEVELS)}")
    if ("lon" in changes) != ("lat" in changes):
        raise EditError("a place needs both its longitude and its latitude")
    if "lon" in changes and changes["lon"] is not None:
        lon, lat = float(changes["lon"]), float(changes["lat"])
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise EditError("the place must be a longitude in [-180, 180] and a latitude in [-90, 90]")


def _json(v: Any) -> Any:
    return v if v is None or isinstance(v, (str, int, float, bool, list, dict)) else str(v)


def save(conn: Any, event_id: str, expected_version: int, changes: dict[str, Any],
         sources: list[dict[str, Any]] | None = None) -> int:
    """Write ``changes`` (and, if given, the new ``sources``) to the event; returns the new version.

    The save is a transaction of its own when the connection is idle (inside a caller's
    transaction it is a savepoint, and the row stays locked until the caller commits).
    Raises :class:`Conflict` when the stored version is not ``expected_version`` (nothing written),
    :class:`ReadOnly` when the role may not write, :class:`EditError` for a value the store refuses.
    """
    _check(changes)
    try:
        with conn.transaction():
            before = _row(conn, event_id, lock=True)  # held until the commit: one editor at a time
            if before is None or int(before["version"]) != int(expected_version):
                raise Conflict(event_id, int(expected_version), before)
            old: dict[str, Any] = {}
            new: dict[str, Any] = {}
            sets: list[sql.Composable] = []
            params: list[Any] = []
            for col in EDITABLE_COLUMNS:
                value = changes.get(col) or None  # "" is missing, as the store keeps it
                if col in changes and value != before[col]:
                    old[col], new[col] = before[col], value
                    sets.append(sql.SQL("{} = %s").format(sql.Identifier(col)))
                    params.append(value)
            if "lon" in changes and (changes["lon"], changes["lat"]) != (before["lon"], before["lat"]):
                old["lon"], old["lat"] = before["lon"], before["lat"]
                new["lon"], new["lat"] = changes["lon"], changes["lat"]
                if changes["lon"] is None:
                    sets.append(sql.SQL("geom = NULL"))
                else:
                    sets.append(sql.SQL("geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326)"))
                    params += [float(changes["lon"]), float(changes["lat"])]
            if sources is not None:
                was = _sources(conn, event_id)
                if was != sources:
                    old["sources"], new["sources"] = was, sources
            if not new:
                return int(before["version"])  # nothing changed: no new version
            sets += [sql.SQL("version = version + 1"), sql.SQL("written_by = current_user"),
                     sql.SQL("written_at = now()")]
            row = conn.execute(
                sql.SQL("UPDATE katlas.events SET {} WHERE event_id = %s AND version = %s RETURNING version").format(
                    sql.SQL(", ").join(sets)), [*params, event_id, int(expected_version)]).fetchone()
            version = int(row[0])
            if "sources" in new:
                conn.execute("DELETE FROM katlas.sources WHERE event_id = %s", (event_id,))
                with conn.cursor() as cur, cur.copy(
                        "COPY katlas.sources (event_id, ord, outlet, date, url, title) FROM STDIN") as copy:
                    for k, s in enumerate(sources or ()):
                        copy.write_row((event_id, k, s.get("outlet") or None, s.get("date") or None,
                                        s.get("url") or None, s.get("title") or None))
            conn.execute(
                "INSERT INTO katlas.events_history (event_id, version, old_values, new_values) "
                "VALUES (%s, %s, %s, %s)",
                (event_id, version - 1, json.dumps({k: _json(v) for k, v in old.items()}, ensure_ascii=False),
                 json.dumps({k: _json(v) for k, v in new.items()}, ensure_ascii=False)))
            conn.execute("SELECT pg_notify(%s, %s)",
                         (CHANNEL, json.dumps({"op": "edit", "event_id": event_id, "version": version})))
            return version
    except psycopg.errors.InsufficientPrivilege:
        raise ReadOnly("Your database role may only read the shared store: the change was not saved. "
                       "Ask an administrator to make you a member of katlas_edit.") from None
    except psycopg.errors.CheckViolation as exc:
        raise EditError(f"the database refused the value: {str(exc).splitlines()[0]}") from None


def history(conn: Any, event_id: str) -> list[dict[str, Any]]:
    """The event's past changes, oldest first: version before, who, when, old and new values."""
    with conn.transaction(), conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(
            "SELECT version, changed_by, changed_at, old_values, new_values FROM katlas.events_history "
            "WHERE event_id = %s ORDER BY history_id", (event_id,)).fetchall()
