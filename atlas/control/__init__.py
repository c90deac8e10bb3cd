"""Areas of control over time: snapshots, series, geodesic areas, changes, imports and exports.

The model parts (model, regions, io, export, claims, reconstruction) import no Qt widgets.
"""

from .model import (
    KM2_PER_SQ_MI,
    STATUS_LABELS,
    STATUSES,
    ControlChange,
    ControlSeries,
    ControlSnapshot,
    change_between,
    geodesic_area_km2,
    km2_to_sq_mi,
)

__all__ = [
    "KM2_PER_SQ_MI", "STATUSES", "STATUS_LABELS", "ControlChange", "ControlSeries", "ControlSnapshot",
    "change_between", "geodesic_area_km2", "km2_to_sq_mi",
]
