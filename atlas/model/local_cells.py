"""Counted cells of a local table: a store's stale copy drawn the way the store's live view is.

While the window shows a shared store, a dense view comes back from the server as counted cells
(``ST_SnapToGrid`` per zoom, atlas/db/cells.py) and sparse views as the events themselves. When
the server is gone the window shows the rows it read (or its local cache) as a local table; drawn
point by point, a dense view would look unlike the live one a moment before. :func:`dense_cells`
counts the visible rows in view on the same grid (cells centred on the multiples of the step, as
``ST_SnapToGrid`` snaps), above the same threshold, so the stale view keeps the live view's look,
and its counts are those of the rows held (which the window says).

Pure NumPy: tested without a display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .remote import MapCells, MapRequest
from .table import EventTable


@dataclass(frozen=True)
class LocalCells:
    """When a local table's view is drawn as cells: more than ``threshold`` visible events in
    view, on a grid of ``cell_size(zoom)`` degrees (the store's own rule, given by the caller)."""

    threshold: int
    cell_size: Callable[[float], float]


def in_view(table: EventTable, rows: npt.NDArray[np.intp], bbox: tuple[float, float, float, float]
            ) -> npt.NDArray[np.intp]:
    """The rows of ``rows`` with a point inside ``bbox`` (lon0, lat0, lon1, lat1, either order)."""
    x0, y0, x1, y1 = (float(v) for v in bbox)
    lon, lat = table.lon[rows], table.lat[rows]
    inside = (table.has_coords[rows] & (lon >= min(x0, x1)) & (lon <= max(x0, x1))
              & (lat >= min(y0, y1)) & (lat <= max(y0, y1)))
    return rows[inside]


def count_cells(table: EventTable, rows: npt.NDArray[np.intp], cell_deg: float) -> MapCells:
    """``rows`` counted per grid cell of ``cell_deg`` degrees (exact counts: ``sampled`` 1.0)."""
    ix = np.rint(table.lon[rows] / cell_deg).astype(np.int64)
    iy = np.rint(table.lat[rows] / cell_deg).astype(np.int64)
    # One integer per cell: the row of the grid times a width larger than any column index.
    span = int(ix.max() - ix.min()) + 1 if ix.size else 1
    keys, counts = np.unique((iy - (iy.min() if iy.size else 0)) * span + (ix - (ix.min() if ix.size else 0)),
                             return_counts=True)
    cx = keys % span + (ix.min() if ix.size else 0)
    cy = keys // span + (iy.min() if iy.size else 0)
    return MapCells(cx.astype(np.float64) * cell_deg, cy.astype(np.float64) * cell_deg,
                    counts.astype(np.int64), float(cell_deg), 1.0)


def dense_cells(table: EventTable, rows: npt.NDArray[np.intp], request: MapRequest,
                rule: LocalCells) -> MapCells | None:
    """The counted cells of the ``rows`` in ``request``'s view when they are more than the rule's
    threshold, else None (the map draws them one by one)."""
    shown = in_view(table, rows, request.bbox)
    if shown.size <= rule.threshold:
        return None
    return count_cells(table, shown, rule.cell_size(request.zoom))
