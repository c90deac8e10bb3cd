"""Areas of control as values: a dated snapshot of polygons per status, and a series of them.

No Qt here. Areas are geodesic (``pyproj.Geod`` on the WGS84 ellipsoid), never planar degrees or
Mercator metres. Geometries are shapely, in WGS84 lon/lat.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

#: Status keys in display order, with the label users see.
STATUSES: tuple[str, ...] = ("ukrainian", "russian", "contested", "grey")
STATUS_LABELS: dict[str, str] = {
    "ukrainian": "Ukrainian-held",
    "russian": "Russian-held",
    "contested": "Contested",
    "grey": "Grey zone",
}
KM2_PER_SQ_MI = 2.589988110336
EMPTY: BaseGeometry = Polygon()


@lru_cache(maxsize=1)
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    """Only the polygon parts of ``geom`` (a clip can leave lines and points behind), made valid."""
    if geom is None or geom.is_empty:
        return EMPTY
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    if not parts:
        return EMPTY
    return shapely.union_all(parts)


def geodesic_area_km2(geom: BaseGeometry | None) -> float:
    """Area on the WGS84 ellipsoid in km². Polygons are oriented first (exterior counter-clockwise,
    holes clockwise), because ``Geod.geometry_area_perimeter`` signs each ring by its winding."""
    geom = polygonal(geom)
    if geom.is_empty:
        return 0.0
    parts = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    total = 0.0
    g = _geod()
    for p in parts:
        area, _perim = g.geometry_area_perimeter(orient(p, sign=1.0))
        total += abs(area)
    return total / 1e6


def km2_to_sq_mi(km2: float) -> float:
    return km2 / KM2_PER_SQ_MI


def to_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


#: What a model's range is called wherever it is drawn (map legend, page, exports).
MODEL_RANGE_TEXT = "Model (range of parameters), not a map"
#: The two parts of a model's range: held under every parameter choice, under at least one.
MODEL_RANGE_PARTS: dict[str, str] = {
    "inner": "held under every parameter choice",
    "outer": "held under at least one choice",
}


@dataclass(frozen=True)
class ModelEnvelope:
    """A model's area on one date as the envelope of its parameter choices: ``inner`` is what every
    choice gives (their intersection), ``outer`` what any choice gives (their union). A model drawn
    as one polygon reads as a map; drawn as this range it shows how much rests on the choices."""

    inner: BaseGeometry
    outer: BaseGeometry

    def clipped(self, region: BaseGeometry) -> ModelEnvelope:
        return ModelEnvelope(polygonal(shapely.intersection(self.inner, region)),
                             polygonal(shapely.intersection(self.outer, region)))

    @property
    def is_empty(self) -> bool:
        return self.outer.is_empty


@dataclass(frozen=True)
class ControlSnapshot:
    """Who held what on one date, as one (multi)polygon per status.

    ``approximate`` marks a reconstruction (not a survey): every view that shows the snapshot says so.
    ``envelope``, when a model gives it, is the range of the model's parameter choices for its
    Ukrainian-held area; views draw that range instead of the one central polygon.
    """

    as_of: dt.date
    polygons: Mapping[str, BaseGeometry]
    source: str = ""
    label: str = ""
    approximate: bool = False
    notes: tuple[str, ...] = ()
    #: status → (fill ``#rrggbb``, fill opacity 0-255, edge ``#rrggbb``) the file itself gave (a
    #: KML's PolyStyle/LineStyle); statuses missing here are drawn in the atlas's own colours.
    colours: Mapping[str, tuple[str, int, str]] = field(default_factory=dict)
    envelope: ModelEnvelope | None = None

    def __post_init__(self) -> None:
        unknown = set(self.polygons) - set(STATUSES)
        if unknown:
            raise ValueError(f"unknown control status {sorted(unknown)}; expected one of {STATUSES}")
        if set(self.colours) - set(STATUSES):
            raise ValueError(f"colours for unknown control status {sorted(set(self.colours) - set(STATUSES))}")

    def geometry(self, status: str) -> BaseGeometry:
        return self.polygons.get(status, EMPTY)

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(s for s in STATUSES if not self.geometry(s).is_empty)

    def clipped(self, region: BaseGeometry | None) -> ControlSnapshot:
        """The snapshot inside ``region`` (None: unchanged)."""
        if region is None:
            return self
        clipped = {s: polygonal(shapely.intersection(g, region)) for s, g in self.polygons.items()}
        env = self.envelope.clipped(region) if self.envelope is not None else None
        return replace(self, polygons=clipped, envelope=env)

    def areas_km2(self, region: BaseGeometry | None = None) -> dict[str, float]:
        """Geodesic area per status (every status present, 0.0 when empty), optionally clipped."""
        snap = self.clipped(region)
        return {s: geodesic_area_km2(snap.geometry(s)) for s in STATUSES}

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        geoms = [g for g in self.polygons.values() if not g.is_empty]
        if self.envelope is not None and not self.envelope.is_empty:
            geoms.append(self.envelope.outer)
        if not geoms:
            return None
        b = shapely.total_bounds(geoms)
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])


@dataclass(frozen=True)
class ControlChange:
    """What one status gained and lost between two snapshots."""

    status: str
    date_from: dt.date
    date_to: dt.date
    gained: BaseGeometry
    lost: BaseGeometry

    @property
    def gained_km2(self) -> float:
        return geodesic_area_km2(self.gained)

    @property
    def lost_km2(self) -> float:
        return geodesic_area_km2(self.lost)

    @property
    def net_km2(self) -> float:
        return self.gained_km2 - self.lost_km2


def change_between(a: ControlSnapshot, b: ControlSnapshot, status: str = "ukrainian",
                   region: BaseGeometry | None = None) -> ControlChange:
    """``status``'s gains (in ``b``, not in ``a``) and losses (in ``a``, not in ``b``), clipped."""
    if status not in STATUSES:
        raise ValueError(f"unknown control status {status!r}")
    ga = a.clipped(region).geometry(status)
    gb = b.clipped(region).geometry(status)
    gained = polygonal(shapely.difference(gb, ga)) if not gb.is_empty else EMPTY
    lost = polygonal(shapely.difference(ga, gb)) if not ga.is_empty else EMPTY
    return ControlChange(status, a.as_of, b.as_of, gained, lost)


@dataclass(frozen=True)
class ControlSeries:
    """Snapshots sorted by date (stable for equal dates: a later-added one wins in :meth:`at`)."""

    snapshots: tuple[ControlSnapshot, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.snapshots, key=lambda s: s.as_of))
        object.__setattr__(self, "snapshots", ordered)
        object.__setattr__(self, "_dates", [s.as_of for s in ordered])

    @classmethod
    def of(cls, snapshots: Iterable[ControlSnapshot]) -> ControlSeries:
        return cls(tuple(snapshots))

    def __len__(self) -> int:
        return len(self.snapshots)

    def __iter__(self) -> Iterator[ControlSnapshot]:
        return iter(self.snapshots)

    def __bool__(self) -> bool:
        return bool(self.snapshots)

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(self._dates)  # type: ignore[attr-defined]

    @property
    def span(self) -> tuple[dt.date, dt.date] | None:
        return (self.snapshots[0].as_of, self.snapshots[-1].as_of) if self.snapshots else None

    def at(self, date: dt.date | dt.datetime | str) -> ControlSnapshot | None:
        """The latest snapshot at or before ``date`` (None before the first)."""
        i = bisect_right(self._dates, to_date(date))  # type: ignore[attr-defined]
        return self.snapshots[i - 1] if i else None

    def merged(self, other: Iterable[ControlSnapshot]) -> ControlSeries:
        return ControlSeries(self.snapshots + tuple(other))

    @property
    def approximate(self) -> bool:
        return any(s.approximate for s in self.snapshots)

    def area_table(self, region: BaseGeometry | None = None) -> list[tuple[dt.date, dict[str, float]]]:
        """(date, km² per status) for every snapshot, clipped to ``region``."""
        return [(s.as_of, s.areas_km2(region)) for s in self.snapshots]

    def change(self, date_from: dt.date | str, date_to: dt.date | str, status: str = "ukrainian",
               region: BaseGeometry | None = None) -> ControlChange | None:
        """The change between the snapshots in force on two dates (None if either has none)."""
        a, b = self.at(date_from), self.at(date_to)
        if a is None or b is None:
            return None
        ch = change_between(a, b, status, region)
        return replace(ch, date_from=to_date(date_from), date_to=to_date(date_to))
