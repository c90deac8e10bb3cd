"""``render --layer FILE[:KEY=VALUE,...]``: vector files drawn as extra basemap layers.

Every layer of the file is added (of an OSM extract, each theme with features inside the region),
each with its default style; the options after the colon pick one layer and change the style::

    --layer roads.gpkg
    --layer roads.gpkg:layer=roads,stroke=#c00000,width=2.5
    --layer kursk.osm.pbf:layer=water
    --layer villages.geojson:symbol=square,size=8,fill=#ffcc00,label=name
    --layer areas.fgb:fill=none,opacity=0.6

Keys: ``layer``, ``title``, ``stroke``, ``width``, ``fill`` (``#rrggbb`` or ``none``),
``fill-opacity``, ``opacity``, ``symbol`` (circle, square, triangle, diamond, cross), ``size``,
``label`` (an attribute whose values name the features).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .common import CliError

_KEYS = {"layer", "title", "stroke", "width", "fill", "fill-opacity", "opacity", "symbol", "size", "label"}
_FLOATS = {"width", "fill-opacity", "opacity", "size"}
_OPTIONS = re.compile(r"^(?:[a-z-]+=[^,]*)(?:,[a-z-]+=[^,]*)*$")


def split_layer_arg(text: str) -> tuple[str, dict[str, str]]:
    """(file, options) of one ``--layer`` value; the options follow the last colon when they
    look like ``key=value`` pairs (a colon in a file name is left alone otherwise)."""
    head, sep, tail = text.rpartition(":")
    if not sep or not _OPTIONS.match(tail):
        return text, {}
    opts: dict[str, str] = {}
    for pair in tail.split(","):
        key, _, value = pair.partition("=")
        if key not in _KEYS:
            raise CliError(f"--layer {text!r}: unknown option {key!r} (options: {', '.join(sorted(_KEYS))})")
        opts[key] = value
    return head, opts


def _style_changes(text: str, opts: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in opts.items():
        if key in ("layer", "title"):
            continue
        name = key.replace("-", "_")
        if key in _FLOATS:
            try:
                changes[name] = float(value)
            except ValueError:
                raise CliError(f"--layer {text!r}: {key}={value!r} is not a number") from None
        elif key == "fill" and value.lower() == "none":
            changes[name] = ""
        else:
            changes[name] = value
    return changes


def file_layers(values: list[str]) -> tuple[Any, ...]:
    """The FileLayers that the ``--layer`` values name, in order (bottom first), each read and
    checked now so that a bad file is a one-line error before anything is drawn."""
    from atlas.io.report import InputError
    from atlas.render.file_layer import layers_from_file

    from atlas.model.session import LayerStyle

    out: list[Any] = []
    for text in values:
        path_text, opts = split_layer_arg(text)
        path = Path(path_text)
        changes = _style_changes(text, opts)
        try:  # a bad option is a usage error, found before any file is read
            LayerStyle().replace(**changes)
        except (ValueError, TypeError) as exc:
            raise CliError(f"--layer {text!r}: {exc}") from None
        try:
            new, notes = layers_from_file(path, out, only=opts.get("layer"))
        except InputError as exc:
            raise CliError.from_input(exc) from None
        for n in notes:
            print(f"{path.name}: {n}")
        for i, spec in enumerate(new):
            try:
                style = spec.style.replace(**changes) if changes else spec.style
            except ValueError as exc:
                raise CliError(f"--layer {text!r}: {exc}") from None
            new[i] = spec.replace(style=style, title=opts.get("title", spec.title))
        out += new
    return tuple(out)
