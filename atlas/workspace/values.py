"""Plain model values ↔ JSON, for state sections that other features add to the model (time window,
annotations, bookmarks, export settings) without writing a codec of their own.

Every non-JSON value becomes a one-member object tagged with ``$``: ``{"$date": "2024-08-06"}``,
``{"$tuple": [...]}``, ``{"$map": {...}}``, ``{"$set": [...]}``, ``{"$filter": {...}}``,
``{"$obj": "atlas.model.annotations:Annotation", "data": {...}}`` (a class with ``as_dict`` /
``from_dict``) or ``{"$obj": ..., "fields": {...}}`` (a dataclass). Decoding only ever builds
classes from the ``atlas`` package that are dataclasses or have ``from_dict``: a workspace is data,
never code (no pickle, no eval, no arbitrary import).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import importlib
import math
from typing import Any

import numpy as np

MAX_DEPTH = 64


class ValueJsonError(ValueError):
    """A value that cannot be written to, or read from, a workspace."""


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _find_class(name: Any) -> type:
    if not isinstance(name, str) or ":" not in name:
        raise ValueJsonError(f"{str(name)[:80]!r} is not a class reference")
    module_name, _, qual = name.partition(":")
    # Only our own package, only plain identifiers: a workspace cannot make us import anything else.
    if not (module_name == "atlas" or module_name.startswith("atlas.")) or not all(
        p.isidentifier() for p in module_name.split(".") + qual.split(".")
    ):
        raise ValueJsonError(f"{name[:80]!r} is not a Kursk Atlas value type")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError:
        raise ValueJsonError(f"{name[:80]!r}: no such module in this version") from None
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    if not isinstance(obj, type):
        raise ValueJsonError(f"{name[:80]!r}: no such type in this version")
    return obj


def to_json(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueJsonError("value nested too deeply")
    d = depth + 1
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return {"$enum": _class_name(type(value)), "name": value.name}
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            return {"$float": repr(x)}
        return x
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, np.datetime64):
        return {"$date": str(value.astype("datetime64[D]"))} if not np.isnat(value) else None
    if isinstance(value, list):
        return [to_json(v, d) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [to_json(v, d) for v in value]}
    if isinstance(value, (set, frozenset)):
        items = [to_json(v, d) for v in value]
        return {"$set": sorted(items, key=lambda x: repr(x))}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueJsonError("only maps with text keys can be saved")
        return {"$map": {k: to_json(v, d) for k, v in value.items()}}
    from atlas.model.filters import Filter

    if isinstance(value, Filter):
        from atlas.model.filter_json import filter_to_json

        return {"$filter": filter_to_json(value)}
    if hasattr(value, "as_dict") and hasattr(type(value), "from_dict"):
        return {"$obj": _class_name(type(value)), "data": to_json(value.as_dict(), d)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: to_json(getattr(value, f.name), d) for f in dataclasses.fields(value)}
        return {"$obj": _class_name(type(value)), "fields": fields}
    raise ValueJsonError(f"a {type(value).__name__} value has no JSON form")


def from_json(doc: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueJsonError("value nested too deeply")
    d = depth + 1
    if doc is None or isinstance(doc, (bool, int, float, str)):
        return doc
    if isinstance(doc, list):
        return [from_json(v, d) for v in doc]
    if not isinstance(doc, dict):
        raise ValueJsonError(f"unexpected {type(doc).__name__}")
    tags = [k for k in doc if k.startswith("$")]
    if len(tags) != 1:
        raise ValueJsonError("an object in a saved value needs exactly one '$' tag")
    tag = tags[0]
    x = doc[tag]
    try:
        if tag == "$date":
            return _dt.date.fromisoformat(x)
        if tag == "$datetime":
            return _dt.datetime.fromisoformat(x)
        if tag == "$float":
            if x not in ("nan", "inf", "-inf"):
                raise ValueJsonError(f"{x!r} is not a special float")
            return float(x)
    except (TypeError, ValueError) as exc:
        raise ValueJsonError(f"{tag}: {str(x)[:60]!r} is not valid ({exc})") from None
    if tag in ("$tuple", "$set"):
        if not isinstance(x, list):
            raise ValueJsonError(f"{tag} needs a list")
        items = [from_json(v, d) for v in x]
        if tag == "$tuple":
            return tuple(items)
        try:
            return frozenset(items)
        except TypeError:
            raise ValueJsonError("$set holds values that cannot be in a set") from None
    if tag == "$map":
        if not isinstance(x, dict):
            raise ValueJsonError("$map needs an object")
        return {k: from_json(v, d) for k, v in x.items()}
    if tag == "$filter":
        from atlas.model.filter_json import filter_from_json

        return filter_from_json(x)
    if tag == "$enum":
        cls = _find_class(x)
        if not issubclass(cls, enum.Enum):
            raise ValueJsonError(f"{x!r} is not an enumeration")
        name = doc.get("name")
        if not isinstance(name, str) or name not in cls.__members__:
            raise ValueJsonError(f"{x!r} has no member {str(name)[:60]!r}")
        return cls[name]
    if tag == "$obj":
        cls = _find_class(x)
        from_dict = getattr(cls, "from_dict", None)
        if "data" in doc and callable(from_dict):
            data = from_json(doc["data"], d)
            try:
                return from_dict(_plain(data))
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                raise ValueJsonError(f"{x}: {exc}") from None
        if "fields" in doc and dataclasses.is_dataclass(cls) and isinstance(doc["fields"], dict):
            names = {f.name for f in dataclasses.fields(cls)}
            kwargs = {k: from_json(v, d) for k, v in doc["fields"].items() if k in names}
            try:
                return cls(**kwargs)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                raise ValueJsonError(f"{x}: {exc}") from None
        raise ValueJsonError(f"{x!r} cannot be built from this data")
    raise ValueJsonError(f"unknown tag {tag[:40]!r}")


def _plain(v: Any) -> Any:
    """Decoded values back to plain JSON-ish containers (tuples → lists) for ``from_dict``."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, _dt.date):
        return v.isoformat()
    return v
