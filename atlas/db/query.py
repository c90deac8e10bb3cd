"""Reading the store back into an EventTable, with the atlas's filter evaluated by the server.

:func:`where` turns an :mod:`atlas.model.filters` value into SQL: column names come from this
module's fixed list (``sql.Identifier``), and every value a user typed or picked (dates, categories,
search words, boxes, drawn areas) is a bound parameter sent apart from the statement, never
formatted into it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from psycopg import sql

from atlas.model.filters import (
    All, And, BBox, Categories, DateRange, Filter, HasCoordinates, MinConfidence, Not, Or, Text, Within,
)
from atlas.model.facets import Area, Facet
from atlas.model.place_aliases import alternatives
from atlas.model.table import CATEGORICAL_FIELDS, CONFIDENCE_LEVELS, TEXT_FIELDS, EventTable

#: Columns a Categories filter may name (the store's text columns).
_CATEGORY_COLUMNS = frozenset({"event_id", *CATEGORICAL_FIELDS, *TEXT_FIELDS})


def where(flt: Filter) -> tuple[sql.Composable, list[Any]]:
    """The filter as an SQL condition with ``%s`` placeholders, and the values bound to them."""
    params: list[Any] = []
    return _where(flt, params), params


def _bind(params: list[Any], value: Any) -> sql.Composable:
    """A placeholder for ``value``, which travels to the server as a bound parameter."""
    params.append(value)
    return sql.Placeholder()


def _where(flt: Filter, params: list[Any]) -> sql.Composable:
    if isinstance(flt, All):
        return sql.SQL("TRUE")
    if isinstance(flt, And):
        if not flt.terms:
            return sql.SQL("TRUE")
        return sql.SQL("(") + sql.SQL(" AND ").join(_where(t, params) for t in flt.terms) + sql.SQL(")")
    if isinstance(flt, Or):
        if not flt.terms:
            return sql.SQL("FALSE")
        return sql.SQL("(") + sql.SQL(" OR ").join(_where(t, params) for t in flt.terms) + sql.SQL(")")
    if isinstance(flt, Not):
        # SQL's NULL would make NOT(unknown) unknown; the model's masks are two-valued.
        return sql.SQL("NOT coalesce(") + _where(flt.term, params) + sql.SQL(", FALSE)")
    if isinstance(flt, DateRange):
        # The day as the keyset index orders it (undated = infinity, never in a range), so a date
        # range is a range scan of events_keyset: [start, end + 1 day).
        lo = _day(flt.start).isoformat() if flt.start is not None else "-infinity"
        hi = (_day(flt.end) + dt.timedelta(days=1)).isoformat() if flt.end is not None else "infinity"
        return sql.SQL("(coalesce(event_date, 'infinity'::date) >= {}::date "
                       "AND coalesce(event_date, 'infinity'::date) < {}::date)").format(
            _bind(params, lo), _bind(params, hi))
    if isinstance(flt, MinConfidence):
        if flt.level not in CONFIDENCE_LEVELS:
            raise ValueError(f"unknown confidence level {flt.level!r}; use one of {', '.join(CONFIDENCE_LEVELS)}")
        allowed = list(CONFIDENCE_LEVELS[: CONFIDENCE_LEVELS.index(flt.level) + 1])
        return sql.SQL("confidence = ANY({})").format(_bind(params, allowed))
    if isinstance(flt, Categories):
        values = sorted(str(v).strip() for v in flt.values)
        if flt.field not in _CATEGORY_COLUMNS:
            # A field the store does not have: every value is missing, as in Categories.mask.
            return sql.SQL("TRUE") if "" in values else sql.SQL("FALSE")
        return sql.SQL("coalesce({}, '') = ANY({})").format(sql.Identifier(flt.field), _bind(params, values))
    if isinstance(flt, Text):
        terms = flt.query.lower().split()
        if not terms:
            return sql.SQL("TRUE")
        conds = []
        for term in terms:
            # LIKE '%word%' so the trigram index can answer; the word's own %, _ and \ are escaped
            # in the bound value, so no character a user types acts as a wildcard.
            alts = [sql.SQL("search_text LIKE {}").format(_bind(params, "%" + _like_escape(a) + "%"))
                    for a in alternatives(term)]
            conds.append(sql.SQL("(") + sql.SQL(" OR ").join(alts) + sql.SQL(")"))
        return sql.SQL("(") + sql.SQL(" AND ").join(conds) + sql.SQL(")")
    if isinstance(flt, BBox):  # also InView
        x0, x1 = sorted((float(flt.lon1), float(flt.lon2)))
        y0, y1 = sorted((float(flt.lat1), float(flt.lat2)))
        return sql.SQL("geom && ST_MakeEnvelope({}, {}, {}, {}, 4326)").format(
            _bind(params, x0), _bind(params, y0), _bind(params, x1), _bind(params, y1))
    if isinstance(flt, Facet):
        return _facet(flt, params)
    if isinstance(flt, Area):  # the drawn area, maybe flipped to its outside
        import shapely

        inside = sql.SQL("ST_Intersects(geom, ST_GeomFromWKB({}, 4326))").format(
            _bind(params, shapely.to_wkb(flt.geometry)))
        return sql.SQL("NOT coalesce(") + inside + sql.SQL(", FALSE)") if flt.outside else inside
    if isinstance(flt, Within):
        import shapely

        return sql.SQL("ST_Intersects(geom, ST_GeomFromWKB({}, 4326))").format(
            _bind(params, shapely.to_wkb(flt.geometry)))
    if isinstance(flt, HasCoordinates):
        return sql.SQL("geom IS NOT NULL")
    raise TypeError(f"no SQL for the filter {type(flt).__name__}")


def _facet_value(field: str, value: str, params: list[Any]) -> sql.Composable:
    """Events whose facet ``field`` has ``value`` ("" = no value at all), as the model's index."""
    if field == "actor":
        if value == "":
            return sql.SQL("(coalesce(actor1, '') = '' AND coalesce(actor2, '') = '')")
        return sql.SQL("(actor1 = {v} OR actor2 = {w})").format(v=_bind(params, value), w=_bind(params, value))
    if field == "outlet":
        if value == "":
            return sql.SQL("event_id NOT IN (SELECT s.event_id FROM katlas.sources s "
                           "WHERE coalesce(s.outlet, '') <> '')")
        return sql.SQL("event_id IN (SELECT s.event_id FROM katlas.sources s WHERE s.outlet = {})").format(
            _bind(params, value))
    if field not in _CATEGORY_COLUMNS:
        return sql.SQL("TRUE") if value == "" else sql.SQL("FALSE")
    return sql.SQL("coalesce({}, '') = {}").format(sql.Identifier(field), _bind(params, value))


def _facet(flt: Facet, params: list[Any]) -> sql.Composable:
    values = sorted(flt.values)
    if not values:
        return sql.SQL("FALSE") if flt.mode != "all" else sql.SQL("TRUE")
    if flt.mode == "all":
        return sql.SQL("(") + sql.SQL(" AND ").join(_facet_value(flt.field, v, params) for v in values) + sql.SQL(")")
    anyof = sql.SQL("(") + sql.SQL(" OR ").join(_facet_value(flt.field, v, params) for v in values) + sql.SQL(")")
    return sql.SQL("NOT coalesce(") + anyof + sql.SQL(", FALSE)") if flt.mode == "none" else anyof


def _like_escape(word: str) -> str:
    """``word`` matched literally by LIKE (whose default escape character is the backslash)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day(d: Any) -> dt.date:
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"not a date: {d!r}")


_SELECT = sql.SQL(
    "SELECT e.event_id, e.event_date, e.time_precision, e.geo_precision, e.coord_approximate, "
    "e.fatalities, e.claim_area_km2, ST_X(e.geom), ST_Y(e.geom), {cats}, {texts}, "
    "(SELECT coalesce(json_agg(json_build_object('outlet', s.outlet, 'date', s.date, 'url', s.url, "
    "'title', s.title) ORDER BY s.ord), '[]') FROM katlas.sources s WHERE s.event_id = e.event_id) "
    "FROM katlas.events e WHERE ({where})"
)
#: The list's order and the keyset pager's key: the day (undated events last), then the id. The
#: expression matches the index ``events_keyset`` so a page is an index range scan.
ORDER_KEY = sql.SQL("coalesce(e.event_date, 'infinity'::date), e.event_id")


def count(conn: Any, flt: Filter = All()) -> int:
    cond, params = where(flt)
    row = conn.execute(sql.SQL("SELECT count(*) FROM katlas.events WHERE {}").format(cond), params).fetchone()
    return int(row[0])


def select(flt: Filter, tail: sql.Composable = sql.SQL(" ORDER BY e.event_id"),
           tail_params: tuple[Any, ...] = ()) -> tuple[sql.Composed, list[Any]]:
    """The statement reading the events that pass ``flt`` (then ``tail``: order, keyset, limit)."""
    cats = sql.SQL(", ").join(sql.SQL("e.") + sql.Identifier(c) for c in CATEGORICAL_FIELDS)
    texts = sql.SQL(", ").join(sql.SQL("e.") + sql.Identifier(c) for c in TEXT_FIELDS)
    cond, params = where(flt)
    return _SELECT.format(cats=cats, texts=texts, where=cond) + tail, [*params, *tail_params]


def read(conn: Any, flt: Filter = All()) -> EventTable:
    """The events that pass ``flt``, filtered by the server, as an EventTable (ordered by id)."""
    query, params = select(flt)
    with conn.cursor() as cur:
        cur.execute(query, params)
        return rows_to_table(cur.fetchall())


def rows_to_table(rows: list[tuple[Any, ...]]) -> EventTable:
    """Rows of :func:`select` as an EventTable (in their order)."""
    n = len(rows)
    cols = list(zip(*rows)) if rows else [()] * (9 + len(CATEGORICAL_FIELDS) + len(TEXT_FIELDS) + 1)

    def floats(k: int) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in cols[k]], dtype=np.float64)

    columns: dict[str, Any] = {
        "event_id": np.array(cols[0], dtype=object),
        "event_date": np.array([np.datetime64(v, "D") if v else np.datetime64("NaT") for v in cols[1]],
                               dtype="datetime64[D]"),
        "time_precision": np.array(cols[2], dtype=np.int8),
        "geo_precision": np.array(cols[3], dtype=np.int8),
        "coord_approximate": np.array(cols[4], dtype=bool),
        "fatalities": floats(5),
        "claim_area_km2": floats(6),
        "longitude": floats(7),
        "latitude": floats(8),
    }
    k = 9
    for name in (*CATEGORICAL_FIELDS, *TEXT_FIELDS):
        columns[name] = ["" if v is None else v for v in cols[k]]
        k += 1
    columns["sources"] = [tuple({kk: vv for kk, vv in s.items() if vv is not None} for s in srcs)
                          for srcs in cols[k]]
    return EventTable.from_columns(n, columns)
