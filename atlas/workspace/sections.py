"""The built-in workspace sections: sources, filter, selection, layers, view, window docks, and the
model state other features add (time window, annotations, bookmarks, export settings) when present.

Each section is registered with :func:`atlas.workspace.state.register_section`; see that module.
"""

from __future__ import annotations

import base64
import binascii
import math
from pathlib import Path
from typing import Any

from atlas.model.filter_json import FilterJsonError, filter_from_json, filter_to_json

from . import sources as src
from . import values
from .state import context, model_of, register_section

# ---------------------------------------------------------------------------- sources


def capture_sources(target: Any) -> Any:
    reports = getattr(target, "reports", None)
    if reports is None:  # a bare model: it does not know where its events came from
        return None
    ctx = context()
    files = []
    for r in reports:
        p = Path(r.path)
        if not p.is_file():
            ctx.notes.append(f"{p.name}: no longer on disk; left out of the workspace")
            continue
        files.append(src.describe(p, ctx))
    return {"embed": ctx.embed, "files": files}


def restore_sources(target: Any, data: Any) -> None:
    from atlas.io import read_events
    from atlas.model import EventTable

    ctx = context()
    if data.get("embed"):
        ctx.embed = True
    paths = [p for p in (src.resolve(e, ctx) for e in data.get("files", [])) if p is not None]
    model = model_of(target)
    loaded = False
    if paths and hasattr(target, "load_files"):
        loaded = bool(target.load_files(paths))
    elif paths:
        tables = []
        for p in paths:
            t, _r = read_events(p)
            tables.append(t)
        model.set_table(EventTable.concat(tables))
        loaded = True
    if not loaded:
        # Never leave the previous events under this workspace's filter and selection.
        model.set_table(EventTable.empty())
        if hasattr(target, "reports"):
            target.reports = []


register_section("sources", capture_sources, restore_sources, validate=src.validate, order=10)

# ---------------------------------------------------------------------------- filter


def capture_filter(target: Any) -> Any:
    from atlas.model import And

    flt = model_of(target).filter
    try:
        return filter_to_json(flt)
    except FilterJsonError:
        # Keep every top-level term that can be written; say which could not.
        kept = []
        for part in flt.parts():
            try:
                kept.append(filter_to_json(part))
            except FilterJsonError as exc:
                context().notes.append(f"filter term “{part.describe()}” not saved ({exc})")
        return {"type": "and", "terms": kept} if len(kept) != 1 else kept[0] if kept else filter_to_json(And(()))


def restore_filter(target: Any, data: Any) -> None:
    from atlas.model import All, And

    model = model_of(target)
    flt = filter_from_json(data)
    try:
        flt.mask(model.table)
    except (KeyError, ValueError, TypeError, IndexError):
        # A term about a column these events lack (a source changed): keep the terms that work.
        kept = []
        for part in flt.parts():
            try:
                part.mask(model.table)
                kept.append(part)
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                context().notes.append(f"filter term “{part.describe()}” dropped: it does not apply to these events ({exc})")
        flt = And(tuple(kept)) if len(kept) > 1 else kept[0] if kept else All()
    model.set_filter(flt)


register_section("filter", capture_filter, restore_filter, validate=lambda d: filter_from_json(d), order=20)

# ---------------------------------------------------------------------------- selection

MAX_SELECTION = 5_000_000


def capture_selection(target: Any) -> Any:
    sel = model_of(target).selection
    return {"ids": sorted(sel.ids), "current": sel.current}


def validate_selection(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    ids = data.get("ids", [])
    if not isinstance(ids, list) or len(ids) > MAX_SELECTION or not all(isinstance(i, str) for i in ids):
        raise ValueError("'ids' is not a list of event ids")
    cur = data.get("current")
    if cur is not None and not isinstance(cur, str):
        raise ValueError("'current' is not an event id")


def restore_selection(target: Any, data: Any) -> None:
    from atlas.model import Selection

    canvas = getattr(target, "canvas", None)
    # Restoring a selection is not a request to fly to it: the saved view comes next.
    old = getattr(canvas, "_suppress_fly", None)
    if canvas is not None and old is not None:
        canvas._suppress_fly = True
    try:
        model_of(target).set_selection(Selection(frozenset(data.get("ids", [])), data.get("current")))
    finally:
        if canvas is not None and old is not None:
            canvas._suppress_fly = old


register_section("selection", capture_selection, restore_selection, validate=validate_selection, order=30)

# ---------------------------------------------------------------------------- map layers


def capture_layers(target: Any) -> Any:
    scene = getattr(getattr(target, "canvas", None), "scene_layers", None)
    if scene is None:
        return None
    return {
        "order": [lyr.key for lyr in scene.layers],
        "layers": {lyr.key: {"visible": bool(lyr.visible), "opacity": round(float(lyr.opacity), 4)} for lyr in scene.layers},
    }


def validate_layers(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    order = data.get("order", [])
    if not isinstance(order, list) or not all(isinstance(k, str) for k in order):
        raise ValueError("'order' is not a list of layer keys")
    layers = data.get("layers", {})
    if not isinstance(layers, dict):
        raise ValueError("'layers' is not an object")
    for key, s in layers.items():
        if not isinstance(s, dict):
            raise ValueError(f"layer {key[:40]!r} is not an object")
        if "visible" in s and not isinstance(s["visible"], bool):
            raise ValueError(f"layer {key[:40]!r}: 'visible' is not true/false")
        op = s.get("opacity", 1.0)
        if isinstance(op, bool) or not isinstance(op, (int, float)) or not 0.0 <= float(op) <= 1.0:
            raise ValueError(f"layer {key[:40]!r}: 'opacity' is not 0..1")


def restore_layers(target: Any, data: Any) -> None:
    canvas = getattr(target, "canvas", None)
    scene = getattr(canvas, "scene_layers", None)
    if scene is None:
        return
    for lyr in scene.layers:
        s = data.get("layers", {}).get(lyr.key)
        if s is None:
            continue  # a layer this workspace did not know keeps its defaults
        lyr.visible = bool(s.get("visible", lyr.visible))
        lyr.opacity = float(s.get("opacity", lyr.opacity))
    order = data.get("order")
    if order:
        scene.reorder(order)
    canvas.item.update()


register_section("layers", capture_layers, restore_layers, validate=validate_layers, order=80)

# ---------------------------------------------------------------------------- view


def capture_view(target: Any) -> Any:
    canvas = getattr(target, "canvas", None)
    if canvas is None:
        return None
    lon1, lat1, lon2, lat2 = canvas.map_viewport().lonlat_bounds()
    return {"lonlat": [round(v, 7) for v in (lon1, lat1, lon2, lat2)]}


def validate_view(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    v = data.get("lonlat")
    if not (isinstance(v, list) and len(v) == 4 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
        raise ValueError("'lonlat' is not [lon1, lat1, lon2, lat2]")
    lon1, lat1, lon2, lat2 = (float(x) for x in v)
    if not all(math.isfinite(x) for x in (lon1, lat1, lon2, lat2)):
        raise ValueError("'lonlat' holds NaN or infinity")
    if not (-180 <= lon1 < lon2 <= 180 and -85.06 <= lat1 < lat2 <= 85.06):
        raise ValueError(f"'lonlat' {v} is not a box inside -180..180, -85..85")


def restore_view(target: Any, data: Any) -> None:
    canvas = getattr(target, "canvas", None)
    if canvas is None:
        return
    anim = getattr(canvas, "_anim", None)
    if anim is not None:
        anim.stop()
    canvas.set_view_lonlat(*(float(x) for x in data["lonlat"]))


register_section("view", capture_view, restore_view, validate=validate_view, order=90)

# ---------------------------------------------------------------------------- window docks

MAX_STATE_BYTES = 1 << 20


def capture_window(target: Any) -> Any:
    if not hasattr(target, "saveState"):
        return None
    return {"dock_state": base64.b64encode(bytes(target.saveState().data())).decode("ascii")}


def _dock_bytes(data: Any) -> bytes:
    if not isinstance(data, dict) or not isinstance(data.get("dock_state"), str):
        raise ValueError("'dock_state' is not text")
    if len(data["dock_state"]) > MAX_STATE_BYTES:
        raise ValueError("'dock_state' is too large")
    try:
        return base64.b64decode(data["dock_state"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("'dock_state' is not base64") from None


def restore_window(target: Any, data: Any) -> None:
    from PySide6.QtCore import QByteArray

    if hasattr(target, "restoreState"):
        target.restoreState(QByteArray(_dock_bytes(data)))


register_section("window", capture_window, restore_window, validate=_dock_bytes, order=95)

# ---------------------------------------------------------------------------- state other features add

#: section key, attribute on the model (or window), setter name. Registered only when no feature
#: registered its own section under the key; captured only when the attribute exists.
OPTIONAL_STATE: tuple[tuple[str, str, str], ...] = (
    ("time_window", "time_window", "set_time_window"),
    ("annotations", "annotations", "set_annotations"),
    ("export_settings", "export_settings", "set_export_settings"),
)


def _holder(target: Any, attr: str) -> Any:
    model = model_of(target)
    if hasattr(type(model), attr) or hasattr(model, attr):
        return model
    if hasattr(target, attr):
        return target
    return None


def _optional_section(key: str, attr: str, setter: str) -> None:
    def capture(target: Any) -> Any:
        holder = _holder(target, attr)
        if holder is None:
            return None
        return {"value": values.to_json(getattr(holder, attr))}

    def validate(data: Any) -> None:
        if not isinstance(data, dict) or "value" not in data:
            raise ValueError("expected an object with a 'value'")
        value = values.from_json(data["value"])
        # Validated must mean restorable: try the value on a throwaway model (QtCore only).
        from atlas.model import AtlasModel

        probe = AtlasModel()
        fn = getattr(probe, setter, None)
        if fn is not None:
            fn(value)

    def restore(target: Any, data: Any) -> None:
        holder = _holder(target, attr)
        fn = getattr(holder, setter, None) if holder is not None else None
        if fn is None:
            context().notes.append(f"{key}: saved in the workspace, but this version cannot show it (kept when saving)")
            return
        fn(values.from_json(data["value"]))

    register_section(key, capture, restore, validate=validate, order=60)


for _key, _attr, _setter in OPTIONAL_STATE:
    _optional_section(_key, _attr, _setter)


# ---------------------------------------------------------------------------- bookmarks
# The navigation feature keeps them as ``window.bookmarks`` (a list of {name, lon1, lat1, lon2, lat2})
# and takes a whole new list through ``window.bookmark_store.replace``.

MAX_BOOKMARKS = 10_000


def capture_bookmarks(target: Any) -> Any:
    items = getattr(target, "bookmarks", None)
    if items is None:
        return None
    out = []
    for b in items:
        if isinstance(b, dict):
            out.append({k: b[k] for k in ("name", "lon1", "lat1", "lon2", "lat2") if k in b})
    return {"items": out}


def validate_bookmarks(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValueError("expected {'items': [...]}")
    if len(data["items"]) > MAX_BOOKMARKS:
        raise ValueError("too many bookmarks")
    for i, b in enumerate(data["items"]):
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            raise ValueError(f"bookmark {i} has no name")
        for k, lo, hi in (("lon1", -180, 180), ("lon2", -180, 180), ("lat1", -90, 90), ("lat2", -90, 90)):
            v = b.get(k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
                raise ValueError(f"bookmark {i}: {k} is not a coordinate")


def restore_bookmarks(target: Any, data: Any) -> None:
    store = getattr(target, "bookmark_store", None)
    if store is None or not hasattr(store, "replace"):
        context().notes.append("bookmarks: saved in the workspace, but this version has no bookmarks (kept when saving)")
        return
    store.replace([dict(b) for b in data["items"]])


register_section("bookmarks", capture_bookmarks, restore_bookmarks, validate=validate_bookmarks, order=65)
