"""Filters to JSON and back: pure functions over the immutable Filter values (no widgets).

Every Filter class has a schema tag (``{"type": "date_range", "start": "2024-08-06", ...}``).
:func:`filter_from_json` validates everything it reads and raises :class:`FilterJsonError` (a
``ValueError`` with a message that says where in the document and what is wrong) for unknown tags,
missing or mistyped members, impossible values and over-deep nesting: a workspace file is untrusted
input.

Filter classes added later are covered in two ways: register an explicit codec with
:func:`register_codec`, or, for a frozen dataclass whose fields are plain values (str, int, float,
bool, None, dates, sets of strings, nested filters), the generic codec derives the tag from the class
name (``TimeWindowFilter`` → ``time_window_filter``) and round-trips the fields.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import filters as F
from .table import CONFIDENCE_LEVELS

#: Nesting deeper than this is refused (a crafted file must not exhaust the stack).
MAX_DEPTH = 64
#: At most this many terms in one And/Or and values in one Categories.
MAX_ITEMS = 100_000
#: A Within polygon may have at most this many vertices in total.
MAX_VERTICES = 2_000_000


class FilterJsonError(ValueError):
    """A filter document that cannot be turned into a Filter; the message says where and why."""


Encoder = Callable[[Any, Callable[[F.Filter], dict[str, Any]]], dict[str, Any]]
Decoder = Callable[[Mapping[str, Any], str, Callable[[Any, str], F.Filter]], F.Filter]

_BY_CLASS: dict[type[F.Filter], tuple[str, Encoder]] = {}
_BY_TAG: dict[str, tuple[type[F.Filter], Decoder]] = {}


def register_codec(cls: type[F.Filter], tag: str, encode: Encoder, decode: Decoder) -> None:
    """Make ``cls`` serialisable under ``tag`` (``encode`` returns the members besides "type")."""
    _BY_CLASS[cls] = (tag, encode)
    _BY_TAG[tag] = (cls, decode)


def tag_of(cls: type[F.Filter]) -> str:
    if cls in _BY_CLASS:
        return _BY_CLASS[cls][0]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


# ---------------------------------------------------------------------------- readers of members
def _member(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise FilterJsonError(f"{where}: '{d.get('type')}' needs a '{key}' member")
    return d[key]


def _str(v: Any, where: str, *, max_len: int = 100_000) -> str:
    if not isinstance(v, str):
        raise FilterJsonError(f"{where}: expected text, found {_kind(v)}")
    if len(v) > max_len:
        raise FilterJsonError(f"{where}: text longer than {max_len:,} characters")
    return v


def _num(v: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FilterJsonError(f"{where}: expected a number, found {_kind(v)}")
    x = float(v)
    if not math.isfinite(x) or not lo <= x <= hi:
        raise FilterJsonError(f"{where}: {v!r} is outside {lo:g}..{hi:g}")
    return x


def _date(v: Any, where: str) -> _dt.date | None:
    if v is None:
        return None
    s = _str(v, where, max_len=10)
    try:
        return _dt.date.fromisoformat(s)
    except ValueError:
        raise FilterJsonError(f"{where}: {s!r} is not a date in YYYY-MM-DD form") from None


def _kind(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__
    )


# ---------------------------------------------------------------------------- the codecs
def _enc_terms(f: Any, enc: Callable[[F.Filter], dict[str, Any]]) -> dict[str, Any]:
    return {"terms": [enc(t) for t in f.terms]}


def _dec_terms(cls: type[F.Filter]) -> Decoder:
    def dec(d: Mapping[str, Any], where: str, sub: Callable[[Any, str], F.Filter]) -> F.Filter:
        terms = _member(d, "terms", where)
        if not isinstance(terms, list):
            raise FilterJsonError(f"{where}.terms: expected a list, found {_kind(terms)}")
        if len(terms) > MAX_ITEMS:
            raise FilterJsonError(f"{where}.terms: more than {MAX_ITEMS:,} terms")
        return cls(tuple(sub(t, f"{where}.terms[{i}]") for i, t in enumerate(terms)))  # type: ignore[call-arg]

    return dec


def _dec_not(d: Mapping[str, Any], where: str, sub: Callable[[Any, str], F.Filter]) -> F.Filter:
    return F.Not(sub(_member(d, "term", where), f"{where}.term"))


def _enc_dates(f: Any, _e: Any) -> dict[str, Any]:
    return {"start": f.start.isoformat() if f.start else None, "end": f.end.isoformat() if f.end else None}


def _dec_dates(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
    start, end = _date(d.get("start"), f"{where}.start"), _date(d.get("end"), f"{where}.end")
    if start and end and start > end:
        raise FilterJsonError(f"{where}: start {start} is after end {end}")
    return F.DateRange(start, end)


def _dec_categories(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
    field = _str(_member(d, "field", where), f"{where}.field", max_len=200)
    values = _member(d, "values", where)
    if not isinstance(values, list):
        raise FilterJsonError(f"{where}.values: expected a list, found {_kind(values)}")
    if len(values) > MAX_ITEMS:
        raise FilterJsonError(f"{where}.values: more than {MAX_ITEMS:,} values")
    return F.Categories(field, frozenset(_str(v, f"{where}.values[{i}]") for i, v in enumerate(values)))


def _enc_box(f: Any, _e: Any) -> dict[str, Any]:
    return {"lon1": f.lon1, "lat1": f.lat1, "lon2": f.lon2, "lat2": f.lat2}


def _dec_box(cls: type[F.BBox]) -> Decoder:
    def dec(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
        lon1, lon2 = (_num(_member(d, k, where), f"{where}.{k}", -180, 180) for k in ("lon1", "lon2"))
        lat1, lat2 = (_num(_member(d, k, where), f"{where}.{k}", -90, 90) for k in ("lat1", "lat2"))
        return cls(lon1, lat1, lon2, lat2)

    return dec


def _enc_within(f: Any, _e: Any) -> dict[str, Any]:
    import shapely

    # GeoJSON geometry: readable by any GIS, and no code is ever built from it.
    import json

    return {"geometry": json.loads(shapely.to_geojson(f.geometry)), "label": f.label}


def _polygon(d: Mapping[str, Any], where: str, allow_empty: bool = False) -> Any:
    import json

    import shapely
    from shapely.errors import GEOSException

    geom = _member(d, "geometry", where)
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        raise FilterJsonError(f"{where}.geometry: expected a GeoJSON Polygon or MultiPolygon")
    if allow_empty and geom.get("coordinates") in ([], [[]]):
        return shapely.Polygon()
    _check_rings(geom.get("coordinates"), f"{where}.geometry.coordinates", geom["type"])
    try:
        shape = shapely.from_geojson(json.dumps(geom))
    except (GEOSException, ValueError, TypeError) as exc:
        raise FilterJsonError(f"{where}.geometry: not a valid polygon ({exc})") from None
    if shape is None or shape.is_empty:
        raise FilterJsonError(f"{where}.geometry: the polygon is empty")
    return shape


def _dec_within(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
    label = _str(d.get("label", "in drawn area"), f"{where}.label", max_len=1000)
    return F.Within(_polygon(d, where), label)


def _check_rings(coords: Any, where: str, kind: str) -> None:
    """Structure and ranges of polygon coordinates, checked before GEOS sees them."""
    polys = coords if kind == "MultiPolygon" else [coords]
    if not isinstance(polys, list) or not polys:
        raise FilterJsonError(f"{where}: expected a non-empty list")
    total = 0
    for pi, rings in enumerate(polys):
        if not isinstance(rings, list) or not rings:
            raise FilterJsonError(f"{where}[{pi}]: a polygon needs at least one ring")
        for ri, ring in enumerate(rings):
            if not isinstance(ring, list) or len(ring) < 4:
                raise FilterJsonError(f"{where}[{pi}][{ri}]: a ring needs at least 4 positions")
            total += len(ring)
            if total > MAX_VERTICES:
                raise FilterJsonError(f"{where}: more than {MAX_VERTICES:,} vertices")
            for vi, pos in enumerate(ring):
                if not isinstance(pos, list) or len(pos) < 2:
                    raise FilterJsonError(f"{where}[{pi}][{ri}][{vi}]: a position is [lon, lat]")
                _num(pos[0], f"{where}[{pi}][{ri}][{vi}][0]", -180, 180)
                _num(pos[1], f"{where}[{pi}][{ri}][{vi}][1]", -90, 90)


def _dec_confidence(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
    level = _str(_member(d, "level", where), f"{where}.level", max_len=100)
    if level not in CONFIDENCE_LEVELS:
        raise FilterJsonError(f"{where}.level: {level!r} is not one of {', '.join(CONFIDENCE_LEVELS)}")
    return F.MinConfidence(level)


def _nothing(_f: Any, _e: Any) -> dict[str, Any]:
    return {}


register_codec(F.All, "all", _nothing, lambda d, w, s: F.All())
register_codec(F.And, "and", _enc_terms, _dec_terms(F.And))
register_codec(F.Or, "or", _enc_terms, _dec_terms(F.Or))
register_codec(F.Not, "not", lambda f, e: {"term": e(f.term)}, _dec_not)
register_codec(F.DateRange, "date_range", _enc_dates, _dec_dates)
register_codec(F.Categories, "categories", lambda f, e: {"field": f.field, "values": sorted(f.values)}, _dec_categories)
register_codec(F.Text, "text", lambda f, e: {"query": f.query}, lambda d, w, s: F.Text(_str(_member(d, "query", w), f"{w}.query")))
register_codec(F.BBox, "bbox", _enc_box, _dec_box(F.BBox))
register_codec(F.InView, "in_view", _enc_box, _dec_box(F.InView))
register_codec(F.Within, "within", _enc_within, _dec_within)
register_codec(F.MinConfidence, "min_confidence", lambda f, e: {"level": f.level}, _dec_confidence)
register_codec(F.HasCoordinates, "has_coordinates", _nothing, lambda d, w, s: F.HasCoordinates())


# Terms defined beside the model's facet indexes (the filter panel's own kinds).
def _register_facets() -> None:
    from . import facets as FC

    def enc_facet(f: Any, _e: Any) -> dict[str, Any]:
        return {"field": f.field, "values": sorted(f.values), "mode": f.mode}

    def dec_facet(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
        base = _dec_categories(d, where, _s)
        mode = _str(d.get("mode", "any"), f"{where}.mode", max_len=20)
        if mode not in FC.MODES:
            raise FilterJsonError(f"{where}.mode: {mode!r} is not one of {', '.join(FC.MODES)}")
        assert isinstance(base, F.Categories)
        return FC.Facet(base.field, base.values, mode)

    def enc_area(f: Any, e: Any) -> dict[str, Any]:
        return {**_enc_within(f, e), "outside": bool(f.outside)}

    def dec_area(d: Mapping[str, Any], where: str, _s: Any) -> F.Filter:
        label = _str(d.get("label", "in drawn area"), f"{where}.label", max_len=1000)
        outside = d.get("outside", False)
        if not isinstance(outside, bool):
            raise FilterJsonError(f"{where}.outside: expected true/false")
        return FC.Area(_polygon(d, where, allow_empty=True), label, outside)

    register_codec(FC.Facet, "facet", enc_facet, dec_facet)
    register_codec(FC.Area, "area", enc_area, dec_area)


try:
    _register_facets()
except ImportError:  # an older tree without facets.py
    pass


# ---------------------------------------------------------------------------- generic dataclass codec
def _filter_classes() -> dict[str, type[F.Filter]]:
    """Every Filter subclass defined so far, by its derived tag (for the generic codec)."""
    out: dict[str, type[F.Filter]] = {}
    stack = list(F.Filter.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("atlas.") and dataclasses.is_dataclass(cls):
            out.setdefault(tag_of(cls), cls)
    return out


def _enc_value(v: Any, enc: Callable[[F.Filter], dict[str, Any]], where: str) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise FilterJsonError(f"{where}: {v!r} cannot be written as JSON")
        return v
    if isinstance(v, F.Filter):
        return {"filter": enc(v)}
    if isinstance(v, _dt.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, _dt.date):
        return {"date": v.isoformat()}
    if isinstance(v, frozenset) and all(isinstance(x, str) for x in v):
        return {"set": sorted(v)}
    if isinstance(v, tuple):
        return {"tuple": [_enc_value(x, enc, where) for x in v]}
    raise FilterJsonError(f"{where}: a {type(v).__name__} value has no JSON form")


def _dec_value(v: Any, where: str, sub: Callable[[Any, str], F.Filter]) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "filter":
            return sub(x, f"{where}.filter")
        if k == "date":
            return _date(x, f"{where}.date")
        if k == "datetime":
            try:
                return _dt.datetime.fromisoformat(_str(x, where, max_len=40))
            except ValueError:
                raise FilterJsonError(f"{where}: {x!r} is not an ISO date-time") from None
        if k == "set" and isinstance(x, list):
            return frozenset(_str(s, f"{where}.set") for s in x[:MAX_ITEMS + 1])
        if k == "tuple" and isinstance(x, list) and len(x) <= MAX_ITEMS:
            return tuple(_dec_value(e, f"{where}[{i}]", sub) for i, e in enumerate(x))
    raise FilterJsonError(f"{where}: {_kind(v)} is not a filter field value")


def _enc_generic(f: F.Filter, enc: Callable[[F.Filter], dict[str, Any]]) -> dict[str, Any]:
    return {"fields": {fl.name: _enc_value(getattr(f, fl.name), enc, fl.name) for fl in dataclasses.fields(f)}}  # type: ignore[arg-type]


def _dec_generic(cls: type[F.Filter], d: Mapping[str, Any], where: str, sub: Callable[[Any, str], F.Filter]) -> F.Filter:
    fields = d.get("fields", {})
    if not isinstance(fields, dict):
        raise FilterJsonError(f"{where}.fields: expected an object")
    names = {fl.name for fl in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(fields) - names
    if unknown:
        raise FilterJsonError(f"{where}: '{tag_of(cls)}' has no field {sorted(unknown)[0]!r}")
    kwargs = {k: _dec_value(v, f"{where}.fields.{k}", sub) for k, v in fields.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise FilterJsonError(f"{where}: cannot make a '{tag_of(cls)}' filter ({exc})") from None


# ---------------------------------------------------------------------------- public API
def filter_to_json(flt: F.Filter) -> dict[str, Any]:
    """A JSON-able dict for ``flt``. Raises :class:`FilterJsonError` for a filter with no JSON form."""

    def enc(f: F.Filter) -> dict[str, Any]:
        cls = type(f)
        if cls in _BY_CLASS:
            tag, encode = _BY_CLASS[cls]
            return {"type": tag, **encode(f, enc)}
        if dataclasses.is_dataclass(f) and isinstance(f, F.Filter):
            return {"type": tag_of(cls), **_enc_generic(f, enc)}
        raise FilterJsonError(f"a {cls.__name__} filter has no JSON form")

    return enc(flt)


def filter_from_json(doc: Any, where: str = "filter") -> F.Filter:
    """The Filter a document describes. Raises :class:`FilterJsonError` for anything else."""

    def dec(d: Any, w: str, depth: int = 0) -> F.Filter:
        if depth > MAX_DEPTH:
            raise FilterJsonError(f"{w}: filters nested deeper than {MAX_DEPTH} levels")
        if not isinstance(d, dict):
            raise FilterJsonError(f"{w}: expected a filter object, found {_kind(d)}")
        tag = d.get("type")
        if not isinstance(tag, str):
            raise FilterJsonError(f"{w}: a filter needs a 'type' tag (text)")

        def sub(x: Any, ww: str) -> F.Filter:
            return dec(x, ww, depth + 1)

        if tag in _BY_TAG:
            _cls, decode = _BY_TAG[tag]
            return decode(d, w, sub)
        generic = _filter_classes()
        if tag in generic and generic[tag] not in _BY_CLASS:
            return _dec_generic(generic[tag], d, w, sub)
        known = ", ".join(sorted(set(_BY_TAG) | set(generic)))
        raise FilterJsonError(f"{w}: unknown filter type {tag[:80]!r} (known: {known})")

    try:
        return dec(doc, where)
    except RecursionError:
        raise FilterJsonError(f"{where}: nested too deeply") from None


def known_tags() -> list[str]:
    return sorted(set(_BY_TAG) | set(_filter_classes()))
