"""What the map asks the server for: individual points in a sparse view, counted cells in a dense one.

Above :data:`DENSITY_THRESHOLD` events in the view the server groups them with ``ST_SnapToGrid`` on
a grid whose step follows the zoom (about :data:`CELL_PIXELS` screen pixels per cell), so a view of
ten million events travels as a few thousand (cell, count) rows; below it the points themselves come
back. Counting stops at the threshold (``LIMIT`` in a subquery), so deciding costs little in a
sparse view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import sql

from atlas.model.filters import All, Filter

from .query import where

#: Above this many events in view the map gets cells, not points.
DENSITY_THRESHOLD = 20_000
#: The window's map (atlas/db/remote.py) draws events one by one up to this many in view: each
#: travels whole (the details show it when clicked), so fewer than the bench's bare points.
REMOTE_POINT_THRESHOLD = 5_000
#: The side of a cell on screen, in pixels, at any zoom.
CELL_PIXELS = 16
#: Cells of a store with more rows than this are counted on a block sample of about this many
#: rows (``TABLESAMPLE SYSTEM``), the counts scaled up: grouping ten million rows on every pan
#: takes seconds, a sample's cells show the same density in a fraction of it.
SAMPLE_ROWS = 100_000
#: A sample that keeps fewer rows than this (a selective filter) says too little: count exactly.
MIN_SAMPLED_ROWS = 2_000
#: The sample's seed (``REPEATABLE``): every view reads the same blocks, which then stay in the
#: server's cache (a new random 1 % of a 12 GB table on each pan read from disk took 1.6 s at 10M
#: rows, the same blocks again 0.12 s), and the counts do not flicker from one pan to the next.
SAMPLE_SEED = 16


def cell_size_deg(zoom: float, cell_pixels: int = CELL_PIXELS) -> float:
    """The grid step in degrees at a web-map ``zoom`` (256-pixel tiles, 360° at zoom 0)."""
    return 360.0 / (256.0 * 2.0 ** float(zoom)) * cell_pixels


@dataclass
class MapData:
    """The map's events for one view: ``kind`` 'points' (ids, lon, lat) or 'cells' (lon, lat, count)."""

    kind: str
    lon: np.ndarray
    lat: np.ndarray
    count: np.ndarray
    ids: np.ndarray
    cell_deg: float | None = None
    #: the share of the store the counts were estimated from (1.0: every row counted)
    sampled: float = 1.0
    #: the rows the server grouped (of the sample when sampled)
    raw_rows: int = 0

    @property
    def events(self) -> int:
        return int(self.count.sum())


def _view(flt: Filter, bbox: tuple[float, float, float, float]) -> tuple[sql.Composable, list[Any]]:
    cond, params = where(flt)
    x0, y0, x1, y1 = (float(v) for v in bbox)
    params = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), *params]  # the envelope comes first
    return sql.SQL("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND ({})").format(cond), params


def stored_rows_estimate(conn: Any) -> float:
    """The planner's estimate of the store's rows (no scan; -1 before the first ANALYZE)."""
    row = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'katlas.events'::regclass").fetchone()
    return float(row[0]) if row else -1.0


def cells(conn: Any, flt: Filter, bbox: tuple[float, float, float, float], cell_deg: float,
          sample_rows: int | None = None, exact_if_few: bool = True) -> MapData:
    """The events in ``bbox`` that pass ``flt``, counted per grid cell (a cell's point: its centre).

    With ``sample_rows``, a store of more rows than that is counted on a block sample of about
    that many rows and the counts scaled up (``sampled`` < 1), unless the sample keeps fewer
    than :data:`MIN_SAMPLED_ROWS` of them (then every row is counted, unless ``exact_if_few`` is
    False: the caller decides, from ``raw_rows``)."""
    if not cell_deg > 0:
        raise ValueError("the cell size must be positive")
    cond, params = _view(flt, bbox)
    share = 1.0
    if sample_rows is not None:
        stored = stored_rows_estimate(conn)
        if stored > sample_rows:
            share = sample_rows / stored
    source = sql.SQL("katlas.events")
    if share < 1.0:
        # A percentage computed here from two numbers, bound like every value.
        source = sql.SQL("katlas.events TABLESAMPLE SYSTEM (%s) REPEATABLE (%s)")
        params = [100.0 * share, SAMPLE_SEED, *params]
    query = sql.SQL(
        "SELECT ST_X(c), ST_Y(c), n FROM (SELECT ST_SnapToGrid(geom, %s) AS c, count(*) AS n "
        "FROM {} WHERE {} GROUP BY 1) g").format(source, cond)
    rows = conn.execute(query, [float(cell_deg), *params]).fetchall()
    arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
    raw = int(arr[:, 2].sum())
    if share < 1.0:
        if raw < MIN_SAMPLED_ROWS and exact_if_few:
            return cells(conn, flt, bbox, cell_deg)
        arr[:, 2] = np.maximum(1.0, np.round(arr[:, 2] / share))
    return MapData("cells", arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int64), np.empty(0, dtype=object), cell_deg,
                   share, raw)


def points(conn: Any, flt: Filter, bbox: tuple[float, float, float, float]) -> MapData:
    """The events in ``bbox`` that pass ``flt``, one by one."""
    cond, params = _view(flt, bbox)
    rows = conn.execute(sql.SQL("SELECT event_id, ST_X(geom), ST_Y(geom) FROM katlas.events WHERE {}").format(cond),
                        params).fetchall()
    ids = np.array([r[0] for r in rows], dtype=object)
    xy = np.array([r[1:] for r in rows], dtype=np.float64).reshape(-1, 2)
    return MapData("points", xy[:, 0], xy[:, 1], np.ones(len(rows), dtype=np.int64), ids)


def in_view_at_most(conn: Any, flt: Filter, bbox: tuple[float, float, float, float], limit: int) -> int:
    """How many events in ``bbox`` pass ``flt``, counting no further than ``limit + 1``."""
    cond, params = _view(flt, bbox)
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM katlas.events WHERE {} LIMIT %s) t").format(cond)
    return int(conn.execute(query, [*params, int(limit) + 1]).fetchone()[0])


def map_data(conn: Any, bbox: tuple[float, float, float, float], zoom: float, flt: Filter = All(),
             threshold: int = DENSITY_THRESHOLD) -> MapData:
    """Points when at most ``threshold`` events are in view, else cells sized for ``zoom``."""
    if in_view_at_most(conn, flt, bbox, threshold) <= threshold:
        return points(conn, flt, bbox)
    return cells(conn, flt, bbox, cell_size_deg(zoom))
