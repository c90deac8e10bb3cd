"""The built-in workspace sections: sources, filter, selection, time window, annotations, map
layers, map style, view, bookmarks and export settings: each one a part of the model's state.

Each section is registered with :func:`atlas.workspace.state.register_section`; see that module.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from atlas.model.filter_json import FilterJsonError, filter_from_json, filter_to_json

from . import sources as src
from . import values
from .state import context, model_of, register_section

# ---------------------------------------------------------------------------- sources


def capture_sources(target: Any) -> Any:
    ctx = context()
    files = []
    for path in model_of(target).sources:
        p = Path(path)
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
    if paths and ctx.load_events is not None:
        loaded = bool(ctx.load_events(paths))
    elif paths:
        tables = []
        for p in paths:
            t, _r = read_events(p)
            tables.append(t)
        model.set_table(EventTable.concat(tables), sources=[str(p) for p in paths])
        loaded = True
    if not loaded:
        # Never leave the previous events under this workspace's filter and selection.
        model.set_table(EventTable.empty(), sources=())


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

    model_of(target).set_selection(Selection(frozenset(data.get("ids", [])), data.get("current")))


register_section("selection", capture_selection, restore_selection, validate=validate_selection, order=30)

# ---------------------------------------------------------------------------- map layers


def capture_layers(target: Any) -> Any:
    stack = model_of(target).layers
    return {
        "order": list(stack.keys),
        "layers": {st.key: {"visible": st.visible, "opacity": round(st.opacity, 4)} for st in stack.layers},
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
    from atlas.model.session import LayerStack, LayerState

    settings = data.get("layers", {})
    order = [k for k in data.get("order", []) if isinstance(k, str)]
    order += [k for k in settings if k not in order]
    states = []
    for key in dict.fromkeys(order):
        st = settings.get(key)
        if st is None:
            continue  # named in the order only: its place is kept by the next save's full stack
        states.append(LayerState(key, bool(st.get("visible", True)), float(st.get("opacity", 1.0))))
    model_of(target).set_layers(LayerStack(tuple(states)))


register_section("layers", capture_layers, restore_layers, validate=validate_layers, order=80)

# ---------------------------------------------------------------------------- view


def capture_view(target: Any) -> Any:
    view = model_of(target).view
    if view is None:
        return None
    return {"lonlat": [round(v, 7) for v in view.as_tuple()]}


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
    from atlas.model.session import MapView

    model_of(target).set_view(MapView(*(float(x) for x in data["lonlat"])))


register_section("view", capture_view, restore_view, validate=validate_view, order=90)

# ---------------------------------------------------------------------------- map style


def capture_style(target: Any) -> Any:
    st = model_of(target).style
    return {"theme": st.theme, "cyrillic": st.cyrillic, "density": st.density}


def validate_style(data: Any) -> None:
    from atlas.model.session import MapStyle

    if not isinstance(data, dict):
        raise ValueError("not an object")
    MapStyle(str(data.get("theme", "light")), bool(data.get("cyrillic", False)), str(data.get("density", "auto")))


def restore_style(target: Any, data: Any) -> None:
    from atlas.model.session import MapStyle

    model_of(target).set_style(MapStyle(str(data.get("theme", "light")), bool(data.get("cyrillic", False)),
                                        str(data.get("density", "auto"))))


register_section("style", capture_style, restore_style, validate=validate_style, order=75)

# The window's dock layout is no part of a workspace: it is the user's, kept in QSettings (older
# workspaces' "window" sections are carried over unread).

# ---------------------------------------------------------------------------- state other features add

#: section key, the model's attribute, its setter: values the model holds that values.py writes.
MODEL_VALUES: tuple[tuple[str, str, str], ...] = (
    ("time_window", "time_window", "set_time_window"),
    ("annotations", "annotations", "set_annotations"),
    ("export_settings", "export_settings", "set_export_settings"),
)


def _value_section(key: str, attr: str, setter: str) -> None:
    def capture(target: Any) -> Any:
        return {"value": values.to_json(getattr(model_of(target), attr))}

    def validate(data: Any) -> None:
        if not isinstance(data, dict) or "value" not in data:
            raise ValueError("expected an object with a 'value'")
        value = values.from_json(data["value"])
        # Validated must mean restorable: try the value on a throwaway model (QtCore only).
        from atlas.model import AtlasModel

        getattr(AtlasModel(), setter)(value)

    def restore(target: Any, data: Any) -> None:
        getattr(model_of(target), setter)(values.from_json(data["value"]))

    register_section(key, capture, restore, validate=validate, order=60)


for _key, _attr, _setter in MODEL_VALUES:
    _value_section(_key, _attr, _setter)


# ---------------------------------------------------------------------------- bookmarks

MAX_BOOKMARKS = 10_000


def capture_bookmarks(target: Any) -> Any:
    out = []
    for b in model_of(target).bookmarks:
        v = b.view
        out.append({"name": b.name, "lon1": v.lon1, "lat1": v.lat1, "lon2": v.lon2, "lat2": v.lat2})
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
    from atlas.model.session import Bookmark, MapView

    items = []
    for b in data["items"]:
        lon1, lon2 = sorted((float(b["lon1"]), float(b["lon2"])))
        lat1, lat2 = sorted((float(b["lat1"]), float(b["lat2"])))
        try:
            items.append(Bookmark(str(b["name"]), MapView(lon1, lat1, lon2, lat2)))
        except ValueError as exc:
            context().notes.append(f"bookmark {str(b.get('name'))[:40]!r} dropped: {exc}")
    model_of(target).set_bookmarks(items)


register_section("bookmarks", capture_bookmarks, restore_bookmarks, validate=validate_bookmarks, order=65)
