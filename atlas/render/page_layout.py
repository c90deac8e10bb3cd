"""Where things went on a page, in page pixels: the placed names, the markers, the annotations and
the decorations (``render --layout OUT.json``; format in docs/layout.md).

A test reads it to check that no name covers another name, a marker or a decoration; a user can
post-process the picture with it (link names, crop around a marker, place an overlay)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas.io.atomic import atomic_path

from .label_obstacles import Box
from .viewport import Viewport

if TYPE_CHECKING:
    from atlas.model import AtlasModel

    from .scene import MapScene

LAYOUT_VERSION = 1


@dataclass
class PageLayout:
    """Boxes are (left, top, right, bottom) in page pixels, y down."""

    width: int = 0
    height: int = 0
    map_box: Box = (0.0, 0.0, 0.0, 0.0)
    #: what the map box shows: west, south, east, north in degrees (Web Mercator between them), so
    #: a reader can put a coordinate on the picture (a test puts the border there)
    map_lonlat: Box = (0.0, 0.0, 0.0, 0.0)
    #: (kind, text, boxes): kind is place, country, oblast or river; one box for straight text,
    #: a row of squares along a slanted river name.
    labels: list[tuple[str, str, tuple[Box, ...]]] = field(default_factory=list)
    #: (kind, id, box): kind "event" (id = event id), "aggregate" (a run of grid cells standing for
    #: the markers of a dense view; id ""), "selected" or "focus" (the selection's rings); for
    #: events at one spot "badge" (id = the count shown), and when spread "spread" (id = event id),
    #: "hub" and "spread_leg" (squares along the legs).
    markers: list[tuple[str, str, Box]] = field(default_factory=list)
    #: (annotation id, box): text plates, symbols, squares along lines.
    annotations: list[tuple[str, Box]] = field(default_factory=list)
    #: (kind, box): title, footer, legend, scale_bar, north_arrow, control_legend, inset, banner.
    decorations: list[tuple[str, Box]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def b(box: Box) -> list[float]:
            return [round(float(v), 2) for v in box]

        def bound(boxes: tuple[Box, ...]) -> Box:
            return (min(x[0] for x in boxes), min(x[1] for x in boxes), max(x[2] for x in boxes),
                    max(x[3] for x in boxes))

        return {
            "version": LAYOUT_VERSION,
            "units": "px",
            "size": [self.width, self.height],
            "map": b(self.map_box),
            "map_lonlat": [round(float(v), 7) for v in self.map_lonlat],
            "labels": [{"kind": k, "text": t, "box": b(bound(bs)), "boxes": [b(x) for x in bs]}
                       for k, t, bs in self.labels if bs],
            "markers": [{"kind": k, **({"event_id": i} if k in ("event", "spread") else
                                        {"count": i} if k == "badge" else {}), "box": b(x)}
                        for k, i, x in self.markers],
            "annotations": [{"id": i, "box": b(x)} for i, x in self.annotations],
            "decorations": [{"kind": k, "box": b(x)} for k, x in self.decorations],
        }

    def write(self, path: str | Path) -> None:
        text = json.dumps(self.as_dict(), ensure_ascii=False, indent=1)
        with atomic_path(path) as tmp:
            Path(tmp).write_text(text + "\n", encoding="utf-8")


def page_layout(scene: MapScene, model: AtlasModel, mvp: Viewport, ox: float, oy: float) -> PageLayout:
    """The names and obstacles of the map just drawn in ``mvp``, shifted by the map's offset on
    the page (``ox``, ``oy``). Decorations are added by the page."""

    def shift(box: Box) -> Box:
        return (box[0] + ox, box[1] + oy, box[2] + ox, box[3] + oy)

    out = PageLayout(map_box=(ox, oy, ox + mvp.width, oy + mvp.height), map_lonlat=mvp.lonlat_bounds())
    bm = scene.basemap
    if bm is not None:
        for lab in bm.layout.laid_out():
            layer = bm.places if lab.kind == "place" else bm.names
            if layer.visible and layer.opacity > 0:
                out.labels.append((lab.kind, lab.text, tuple(shift(x) for x in lab.boxes)))
    found = scene.label_obstacles(mvp)
    m = found.markers
    if m.exact:
        ids = model.table.ids
        out.markers += [("event", str(ids[r]), shift(x)) for r, x in zip(m.rows, m.boxes)]
    else:
        out.markers += [("aggregate", "", shift(x)) for x in m.grid.boxes()]
    out.markers += [(k, "", shift(x)) for k, x in found.selection]
    if found.selection_grid is not None and not any(k == "selected" for k, _ in found.selection):
        out.markers += [("selected", "", shift(x)) for x in found.selection_grid.boxes()]
    # Count badges and spread stacks (atlas.render.spiderfy) are markers, not annotations.
    stacks = scene.stacks
    if stacks.visible and stacks.opacity > 0:
        ids = model.table.ids
        out.markers += [(k, str(ids[i]) if k == "spread" else str(i), shift(x)) for k, i, x in stacks.layout_items(mvp)]
    stack_kinds = {k for k, _ in stacks.label_obstacles(mvp)} if stacks.visible else set()
    out.annotations = [(k.removeprefix("annotation:"), shift(x)) for k, x in found.annotations
                       if k not in stack_kinds]
    return out
