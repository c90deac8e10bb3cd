"""Basemap layers from files in a workspace: ``model.file_layers`` as JSON.

Each layer's file is recorded like an event source (relative path, absolute path, SHA-256, size:
atlas/workspace/sources.py) with the layer's id, the layer inside the file, its title, style and
visibility; the list's order is the drawing order (bottom first). A file that is missing or changed
when the workspace opens is handled as sources are (the user is asked; a skipped one is named in
the notes shown after opening); its layer is left off and every other part of the session opens.
Embedding applies to these files as to event files.

A new section, not a new workspace version: older versions keep it unread and write it back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from atlas.io.report import InputError
from atlas.io.vector_layers import list_layers
from atlas.model.session import SYMBOLS, FileLayer, LayerStyle

from . import sources as src
from .state import context, model_of, register_section

_STYLE_FIELDS = ("stroke", "width", "fill", "fill_opacity", "opacity", "symbol", "size", "label")
#: (path, mtime, size) → (sha256, size): a large OSM extract is hashed once, not on every save.
_HASHES: dict[tuple[str, int, int], tuple[str, int]] = {}


def _hash(path: Path) -> dict[str, Any]:
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _HASHES:
        _HASHES[key] = src.sha256_file(path)
    sha, size = _HASHES[key]
    return {"sha256": sha, "size": size}


def capture_file_layers(target: Any) -> dict[str, Any] | None:
    ctx = context()
    out: list[dict[str, Any]] = []
    for lyr in model_of(target).file_layers:
        path = Path(lyr.path).resolve()
        if not path.is_file():
            ctx.notes.append(f"{lyr.file_name}: no longer on disk; its map layer is left out of the workspace")
            continue
        ctx.source_hashes.setdefault(str(path), _hash(path))
        out.append({"id": lyr.id, "file": src.describe(path, ctx), "layer": lyr.layer, "title": lyr.title,
                    "visible": lyr.visible, "style": {k: getattr(lyr.style, k) for k in _STYLE_FIELDS}})
    return {"layers": out}


def _style(data: Any) -> LayerStyle:
    if not isinstance(data, dict):
        raise ValueError("a layer's style is not an object")
    unknown = set(data) - set(_STYLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown style members {sorted(unknown)}")
    return LayerStyle(**data)


def validate_file_layers(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("layers", []), list):
        raise ValueError("file layers: not an object with a list of layers")
    ids: set[str] = set()
    for i, entry in enumerate(data.get("layers", [])):
        if not isinstance(entry, dict):
            raise ValueError(f"file layer {i}: not an object")
        src.validate_entry(entry.get("file"), i)
        _style(entry.get("style", {}))
        FileLayer(str(entry.get("id")), "x", str(entry.get("layer", "")), str(entry.get("title", "")))
        if entry.get("id") in ids:
            raise ValueError(f"file layer id {entry.get('id')!r} appears twice")
        ids.add(entry["id"])
        if entry.get("style", {}).get("symbol", "circle") not in SYMBOLS:
            raise ValueError(f"file layer {i}: unknown symbol")


def restore_file_layers(target: Any, data: dict[str, Any]) -> None:
    validate_file_layers(data)
    ctx = context()
    layers: list[FileLayer] = []
    for entry in data.get("layers", []):
        found = src.resolve(entry["file"], ctx)
        if found is None:  # resolve() has said why in the notes
            ctx.notes.append(f"basemap layer {entry.get('title') or entry['file'].get('name') or entry['id']!r}: "
                             "its file is not available; the layer is left off the map")
            continue
        try:  # the guards and the file's layers (not its features: the map reads those)
            list_layers(found)
        except InputError as exc:
            ctx.notes.append(f"basemap layer {entry.get('title') or entry['file'].get('name') or entry['id']!r}: "
                             f"{exc}; the layer is left off the map")
            continue
        # Absolute and normalised ("ws/../data/roads.gpkg" is "data/roads.gpkg"), as the dock adds them.
        layers.append(FileLayer(str(entry["id"]), os.path.abspath(found), str(entry.get("layer", "")),
                                str(entry.get("title", "")), _style(entry.get("style", {})),
                                bool(entry.get("visible", True))))
    model_of(target).set_file_layers(layers)


# After the sources (10); before the layer stack (80) that orders every map layer.
register_section("file_layers", capture_file_layers, restore_file_layers, validate=validate_file_layers, order=72)
