"""Every facet of the filters dock counted by the server, as the model's facet index counts it.

A facet's counts are the events that pass every term of the filter but the facet's own, per value
(atlas/model/facets.py): single-valued facets (event type, sub-type, side, confidence, region,
district) per column, an actor per event naming it as actor 1 or 2 (an event naming one actor
twice counts once), an outlet per event citing it in its sources (once however often cited), and
"" for the events with no value. At millions of rows each count is a scan, so the facets that share
a condition (every facet without a term of its own, and the total) are counted by one
``GROUPING SETS`` query: one scan instead of one per facet. Column names come from a fixed list;
every value is bound (atlas/db/query.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import sql

from atlas.model.facets import Facet
from atlas.model.filters import All, Filter

from .query import where

#: Single-valued facets: the store's column of each.
COLUMN_FACETS: dict[str, str] = {
    "event_type": "event_type", "sub_event_type": "sub_event_type", "side": "side",
    "confidence": "confidence", "admin1": "admin1", "admin2": "admin2",
}
#: Facets of several values per event (atlas.model.facets.MULTI_VALUED).
MULTI_FACETS: tuple[str, ...] = ("actor", "outlet")
#: Every facet the server counts.
SERVER_FACETS: tuple[str, ...] = (*COLUMN_FACETS, *MULTI_FACETS)

# One row per (event, actor): actor 1, or actor 2 when there is no actor 1; then actor 2 when it
# adds one; "" when the event names none (the model's _actor_index, pair by pair).
_ACTORS = sql.SQL(
    "CROSS JOIN LATERAL (VALUES (coalesce(nullif(e.actor1, ''), nullif(e.actor2, ''), '')), "
    "(CASE WHEN nullif(e.actor1, '') IS NOT NULL AND nullif(e.actor2, '') IS NOT NULL "
    "AND e.actor2 <> e.actor1 THEN e.actor2 END)) AS facet(v)")
# One row per (event, distinct outlet it cites), or one "" row when it cites none.
_OUTLETS = sql.SQL(
    "CROSS JOIN LATERAL (SELECT coalesce(o.v, '') FROM (SELECT NULL::text) AS one "
    "LEFT JOIN (SELECT DISTINCT btrim(s.outlet) AS v FROM katlas.sources s "
    "WHERE s.event_id = e.event_id AND coalesce(btrim(s.outlet), '') <> '') AS o ON TRUE) AS facet(v)")


def without_facet(flt: Filter, field: str) -> Filter:
    """``flt`` without the top-level term of facet ``field`` (what that facet is counted under)."""
    return _drop(flt, lambda p: isinstance(p, Facet) and p.field == field)


def _drop(flt: Filter, kind: Callable[[Filter], bool]) -> Filter:
    out: Filter = All()
    for p in flt.parts():
        if not kind(p):
            out = p if isinstance(out, All) else out & p
    return out


def _own_term(flt: Filter, field: str) -> bool:
    return any(isinstance(p, Facet) and p.field == field for p in flt.parts())


def count_facets(conn: Any, flt: Filter, facets: Sequence[str],
                 provenance: dict[tuple[str, int | None], int] | None = None) -> tuple[int, dict[str, dict[str, int]]]:
    """How many events pass ``flt``, and each of ``facets``' counts under every term but its own
    (``{value: events}``, "" for none). Facets the store cannot count are left out. A
    ``provenance`` dict is filled, in the same scan, with the events that pass ``flt`` per
    (dataset, publish): where the view's events come from (atlas/db/provenance.py)."""
    counts: dict[str, dict[str, int]] = {}
    shared = [f for f in facets if f in COLUMN_FACETS and not _own_term(flt, f)]
    total, shared_counts = _grouped(conn, flt, shared, provenance)
    counts.update(shared_counts)
    for field in facets:
        if field in counts:
            continue
        under = without_facet(flt, field)
        if field in COLUMN_FACETS:
            counts[field] = _grouped(conn, under, [field])[1][field]
        elif field in MULTI_FACETS:
            counts[field] = count_multi(conn, flt, field)
    return total, {f: counts[f] for f in facets if f in counts}


def _grouped(conn: Any, flt: Filter, fields: Sequence[str],
             provenance: dict[tuple[str, int | None], int] | None = None) -> tuple[int, dict[str, dict[str, int]]]:
    """The events passing ``flt`` and their counts per value of each single-valued ``fields``
    (and per dataset and publish into ``provenance``), in one scan (``GROUPING SETS``: the empty
    set is the total)."""
    cond, params = where(flt)
    cols = [sql.Identifier(COLUMN_FACETS[f]) for f in fields]
    if not cols and provenance is None:
        n = conn.execute(sql.SQL("SELECT count(*) FROM katlas.events WHERE {}").format(cond), params).fetchone()[0]
        return int(n), {}
    sets = [sql.SQL("()"), *(sql.SQL("({})").format(c) for c in cols)]
    shown = [sql.SQL("GROUPING({c}), coalesce({c}, '')").format(c=c) for c in cols]
    if provenance is not None:
        sets.append(sql.SQL("(coalesce(dataset, ''), import_id)"))
        shown.append(sql.SQL("GROUPING(coalesce(dataset, ''), import_id), coalesce(dataset, ''), import_id"))
    rows = conn.execute(sql.SQL("SELECT {shown}, count(*) FROM katlas.events WHERE {w} GROUP BY GROUPING SETS ({s})")
                        .format(shown=sql.SQL(", ").join(shown), w=cond, s=sql.SQL(", ").join(sets)),
                        params).fetchall()
    total = 0
    out: dict[str, dict[str, int]] = {f: {} for f in fields}
    for row in rows:
        n = int(row[-1])
        if provenance is not None and row[2 * len(fields)] == 0:
            key = (str(row[2 * len(fields) + 1]), None if row[2 * len(fields) + 2] is None else int(row[2 * len(fields) + 2]))
            provenance[key] = provenance.get(key, 0) + n
            continue
        grouped = [i for i in range(len(fields)) if row[2 * i] == 0]
        if not grouped:
            total = n
            continue
        i = grouped[0]
        value = str(row[2 * i + 1])
        out[fields[i]][value] = out[fields[i]].get(value, 0) + n  # NULL and '' are both "none"
    return total, out


def count_multi(conn: Any, flt: Filter, field: str) -> dict[str, int]:
    """Counts of an actor or outlet facet under every term of ``flt`` but its own: events per
    value (each event once per value). Slower than a column's (a row per value of each event)."""
    cond, params = where(without_facet(flt, field))
    join = _ACTORS if field == "actor" else _OUTLETS
    rows = conn.execute(sql.SQL("SELECT facet.v, count(*) FROM katlas.events e {j} "
                                "WHERE facet.v IS NOT NULL AND {w} GROUP BY 1").format(j=join, w=cond),
                        params).fetchall()
    return {str(v): int(n) for v, n in rows}
