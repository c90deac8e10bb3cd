"""Annotations: immutable value objects drawn on the map, stored in lon/lat (WGS84 degrees).

An annotation never holds pixels: it scales with the map because every view (the canvas, the
export) projects its points through its own viewport. Edits replace an annotation with a new
value; the model applies them through :class:`AnnotationCommand` (a do/undo pair that the UI wraps
in a QUndoCommand), so every change can be undone.

Measurements (polygon area, line length, ring radius) are geodesic on the WGS84 ellipsoid
(``pyproj.Geod``), never Mercator metres.
"""

from __future__ import annotations

import datetime as _dt
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from atlas.geo.projection import geod

#: Kinds of annotation and the number of points each needs (min, max; None = unbounded).
KINDS: dict[str, tuple[int, int | None]] = {
    "text": (1, 1),  # the label's anchor point
    "callout": (2, 2),  # [point referred to, label position]
    "arrow": (2, None),  # tail ... head; curved arrows pass smoothly through every point
    "frontline": (2, None),  # a line with teeth on its left side (the side it faces)
    "polygon": (3, None),  # ring, not closed (the first point is not repeated)
    "marker": (1, 1),
    "freehand": (2, None),
    "ring": (1, 1),  # centre; the radius is ``radius_km``
}
KIND_TITLES = {
    "text": "Text label", "callout": "Callout", "arrow": "Arrow", "frontline": "Front line",
    "polygon": "Polygon", "marker": "Marker", "freehand": "Free-hand line", "ring": "Distance ring",
}
#: The small marker symbol set (drawn by the render layer).
MARKER_SYMBOLS = ("circle", "square", "triangle", "diamond", "star", "cross", "flag")
LINE_KINDS = frozenset({"arrow", "frontline", "freehand"})

SQ_MI_PER_KM2 = 0.386102158542446


class AnnotationError(ValueError):
    """An annotation value that cannot be drawn (bad kind, too few points, coordinates out of range)."""


@dataclass(frozen=True)
class AnnotationStyle:
    """How an annotation is drawn. Sizes are screen pixels at 96 dpi (exports scale them by dpi/96)."""

    colour: str = "#c0392b"
    width: float = 2.5
    font_size: float = 14.0
    fill_opacity: float = 0.15

    def __post_init__(self) -> None:
        c = self.colour
        if not (isinstance(c, str) and c.startswith("#") and len(c) in (7, 9)
                and all(ch in "0123456789abcdefABCDEF" for ch in c[1:])):
            raise AnnotationError(f"colour must be #rrggbb, got {c!r}")
        for name, lo, hi in (("width", 0.1, 50.0), ("font_size", 4.0, 200.0), ("fill_opacity", 0.0, 1.0)):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not (lo <= float(v) <= hi):
                raise AnnotationError(f"{name} must be between {lo:g} and {hi:g}, got {v!r}")

    def as_dict(self) -> dict[str, Any]:
        return {"colour": self.colour, "width": self.width, "font_size": self.font_size,
                "fill_opacity": self.fill_opacity}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AnnotationStyle:
        base = cls()
        return cls(
            colour=str(d.get("colour", d.get("color", base.colour))),
            width=float(d.get("width", base.width)),
            font_size=float(d.get("font_size", base.font_size)),
            fill_opacity=float(d.get("fill_opacity", base.fill_opacity)),
        )


def new_id() -> str:
    return "A-" + uuid.uuid4().hex[:10]


Point = tuple[float, float]


@dataclass(frozen=True)
class Annotation:
    """One annotation. ``points`` are (lon, lat) pairs; see :data:`KINDS` for what they mean.

    ``date_from``/``date_to`` (inclusive, either open) let it follow the timeline: it is drawn only
    while the shown date range overlaps its own. ``approximate`` marks geometry no source gives
    exactly (the legend and the label say so).
    """

    kind: str
    points: tuple[Point, ...]
    text: str = ""
    style: AnnotationStyle = field(default_factory=AnnotationStyle)
    id: str = field(default_factory=new_id)
    curved: bool = False  # arrows
    symbol: str = "circle"  # markers
    radius_km: float = 0.0  # rings
    show_area: bool = False  # polygons: label with the geodesic area
    approximate: bool = False
    date_from: _dt.date | None = None
    date_to: _dt.date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise AnnotationError(f"unknown annotation kind {self.kind!r}; known: {', '.join(KINDS)}")
        try:
            pts = tuple((float(p[0]), float(p[1])) for p in self.points)
        except (TypeError, ValueError, IndexError) as exc:
            raise AnnotationError(f"points must be (lon, lat) pairs: {exc}") from None
        object.__setattr__(self, "points", pts)
        lo, hi = KINDS[self.kind]
        if len(pts) < lo or (hi is not None and len(pts) > hi):
            want = f"{lo}" if lo == hi else f"at least {lo}" if hi is None else f"{lo}–{hi}"
            raise AnnotationError(f"a {self.kind} needs {want} point(s), got {len(pts)}")
        for lon, lat in pts:
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -85.06 <= lat <= 85.06):
                raise AnnotationError(f"coordinate out of range: lon {lon}, lat {lat}")
        if self.kind == "ring" and not (0 < self.radius_km <= 5000):
            raise AnnotationError(f"a ring needs a radius between 0 and 5000 km, got {self.radius_km}")
        if self.kind == "marker" and self.symbol not in MARKER_SYMBOLS:
            raise AnnotationError(f"unknown marker symbol {self.symbol!r}; known: {', '.join(MARKER_SYMBOLS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise AnnotationError(f"date range ends ({self.date_to}) before it starts ({self.date_from})")
        if not isinstance(self.style, AnnotationStyle):
            raise AnnotationError("style must be an AnnotationStyle")

    # ------------------------------------------------------------------ edits (new values)
    def moved(self, dlon: float, dlat: float) -> Annotation:
        return replace(self, points=tuple((lon + dlon, _clamp_lat(lat + dlat)) for lon, lat in self.points))

    def with_point(self, index: int, lon: float, lat: float) -> Annotation:
        pts = list(self.points)
        pts[index] = (lon, _clamp_lat(lat))
        return replace(self, points=tuple(pts))

    def with_(self, **changes: Any) -> Annotation:
        return replace(self, **changes)

    def duplicate(self, offset: Point = (0.0, 0.0)) -> Annotation:
        return replace(self.moved(*offset), id=new_id())

    # ------------------------------------------------------------------ measures
    def area_km2(self) -> float:
        """Geodesic area of a polygon (km²); 0 for other kinds."""
        if self.kind != "polygon":
            return 0.0
        lons, lats = zip(*self.points)
        area, _perim = geod().polygon_area_perimeter(lons, lats)
        return abs(area) / 1e6

    def length_km(self) -> float:
        """Geodesic length of a line (km); a ring's circumference; 0 for points."""
        if self.kind == "ring":
            return 2 * math.pi * self.radius_km
        if len(self.points) < 2:
            return 0.0
        lons, lats = zip(*self.points)
        return float(geod().line_length(lons, lats)) / 1e3

    def area_label(self) -> str:
        a = self.area_km2()
        return f"{a:,.1f} km² ({a * SQ_MI_PER_KM2:,.1f} sq mi)"

    def visible_between(self, start: _dt.date | None, end: _dt.date | None) -> bool:
        """Whether the annotation's date range overlaps [start, end] (None = open)."""
        if self.date_from is not None and end is not None and self.date_from > end:
            return False
        if self.date_to is not None and start is not None and self.date_to < start:
            return False
        return True

    def describe(self) -> str:
        base = KIND_TITLES[self.kind]
        extra = ""
        if self.kind == "ring":
            extra = f" {self.radius_km:g} km"
        elif self.kind == "polygon":
            extra = f" {self.area_km2():,.1f} km²"
        elif self.kind in LINE_KINDS:
            extra = f" {self.length_km():,.1f} km"
        label = f"{base}{extra}"
        return f"{label}: {self.text}" if self.text else label

    # ------------------------------------------------------------------ plain data
    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "points": [list(p) for p in self.points],
                             "text": self.text, "style": self.style.as_dict()}
        if self.kind == "arrow":
            d["curved"] = self.curved
        if self.kind == "marker":
            d["symbol"] = self.symbol
        if self.kind == "ring":
            d["radius_km"] = self.radius_km
        if self.kind == "polygon":
            d["show_area"] = self.show_area
        if self.approximate:
            d["approximate"] = True
        if self.date_from:
            d["date_from"] = self.date_from.isoformat()
        if self.date_to:
            d["date_to"] = self.date_to.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Annotation:
        """Build from :meth:`as_dict` output; raises AnnotationError saying what is wrong."""
        if not isinstance(d, Mapping):
            raise AnnotationError("an annotation must be an object")
        try:
            style = AnnotationStyle.from_dict(d.get("style") or {})
            kw: dict[str, Any] = {
                "kind": str(d.get("kind", "")),
                "points": tuple(tuple(p) for p in d.get("points") or ()),
                "text": str(d.get("text") or ""),
                "style": style,
                "curved": bool(d.get("curved", False)),
                "symbol": str(d.get("symbol") or "circle"),
                "radius_km": float(d.get("radius_km") or 0.0),
                "show_area": bool(d.get("show_area", False)),
                "approximate": bool(d.get("approximate", False)),
                "date_from": _parse_date(d.get("date_from")),
                "date_to": _parse_date(d.get("date_to")),
            }
        except (TypeError, ValueError) as exc:
            if isinstance(exc, AnnotationError):
                raise
            raise AnnotationError(str(exc)) from None
        if d.get("id"):
            kw["id"] = str(d["id"])
        return cls(**kw)


def _clamp_lat(lat: float) -> float:
    return max(-85.0, min(85.0, lat))


def _parse_date(v: object) -> _dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, _dt.date):
        return v
    try:
        return _dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        raise AnnotationError(f"not a date (YYYY-MM-DD): {v!r}") from None


# ---------------------------------------------------------------------------- commands
Annotations = tuple[Annotation, ...]


@dataclass(frozen=True)
class AnnotationCommand:
    """An undoable change: the collection before and after (annotations are immutable, so the two
    tuples share every untouched annotation). ``redo``/``undo`` take the model to apply them to."""

    text: str
    before: Annotations
    after: Annotations

    def redo(self, model: Any) -> None:
        model.set_annotations(self.after)

    def undo(self, model: Any) -> None:
        model.set_annotations(self.before)

    @property
    def is_noop(self) -> bool:
        return self.before == self.after


def _index(items: Annotations, ann_id: str) -> int:
    for i, a in enumerate(items):
        if a.id == ann_id:
            return i
    raise KeyError(f"no annotation with id {ann_id!r}")


def cmd_add(items: Annotations, new: Iterable[Annotation], text: str | None = None) -> AnnotationCommand:
    new = tuple(new)
    ids = {a.id for a in items}
    for a in new:
        if a.id in ids:
            raise AnnotationError(f"an annotation with id {a.id!r} already exists")
        ids.add(a.id)
    if text is None:
        text = f"Add {KIND_TITLES[new[0].kind].lower()}" if len(new) == 1 else f"Add {len(new)} annotations"
    return AnnotationCommand(text, items, items + new)


def cmd_remove(items: Annotations, ids: Iterable[str]) -> AnnotationCommand:
    gone = set(ids)
    after = tuple(a for a in items if a.id not in gone)
    n = len(items) - len(after)
    return AnnotationCommand("Delete annotation" if n == 1 else f"Delete {n} annotations", items, after)


def cmd_update(items: Annotations, new: Annotation, text: str = "Edit annotation") -> AnnotationCommand:
    i = _index(items, new.id)
    return AnnotationCommand(text, items, items[:i] + (new,) + items[i + 1:])


def cmd_move(items: Annotations, ids: Sequence[str], dlon: float, dlat: float) -> AnnotationCommand:
    moving = set(ids)
    after = tuple(a.moved(dlon, dlat) if a.id in moving else a for a in items)
    return AnnotationCommand("Move annotation" if len(moving) == 1 else "Move annotations", items, after)


def cmd_duplicate(items: Annotations, ids: Sequence[str], offset: Point = (0.02, -0.01)) -> tuple[AnnotationCommand, list[str]]:
    wanted = set(ids)
    copies = tuple(a.duplicate(offset) for a in items if a.id in wanted)
    return AnnotationCommand("Duplicate annotation", items, items + copies), [c.id for c in copies]


def cmd_replace_all(items: Annotations, new: Iterable[Annotation], text: str = "Replace annotations") -> AnnotationCommand:
    return AnnotationCommand(text, items, tuple(new))
