"""MapScene: the ordered stack of layers that makes up the map, kept in step with an AtlasModel.

The canvas paints a MapScene and the exporter paints the same MapScene; only the viewport differs.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Callable, Iterable

from PySide6.QtGui import QPainter

from atlas.model import AtlasModel
from atlas.model.session import FileLayer, LayerState, LayerStack, MapStyle

from .basemap_layers import BasemapLayers, make_basemap_layers
from .label_obstacles import (
    Box,
    LabelObstacles,
    MarkerGrid,
    MarkerObstacles,
    event_marker_obstacles,
    selection_obstacles,
)

#: Called before each layer is drawn with (layer index, layer count); raises to stop the picture.
Interrupt = Callable[[int, int], None]
from .layers import BackgroundLayer, EventsLayer, GraticuleLayer, MapLayer, RegionFrameLayer, SelectionLayer
from .spiderfy import StacksLayer
from .world_layer import WorldLayer
from .themes import LIGHT, Theme, apply_theme, theme_named
from .viewport import Viewport


class MapScene:
    """Layers bottom to top. Other features insert their layers with :meth:`insert` (basemap below
    the graticule, control areas below the events, annotations above the selection)."""

    def __init__(self, model: AtlasModel | None = None, basemap: bool = True, theme: Theme | str = LIGHT) -> None:
        # The bundled vector basemap (atlas.render.basemap_layers): the map itself under the frame
        # and graticule, its names above the events. Without readable data the
        # region frame stands in for it; with it the frame stays available but hidden.
        self.basemap: BasemapLayers | None = make_basemap_layers() if basemap else None
        self.background: BackgroundLayer = BackgroundLayer(land=self.basemap is None)
        # The world's land and outlines (Natural Earth 1:50m) outside the regional basemap, for
        # views zoomed out beyond it; without a regional basemap, everywhere.
        self.world = WorldLayer(self.basemap.geo.basemap.context_bbox if self.basemap is not None else None)
        self.graticule = GraticuleLayer()
        self.frame = RegionFrameLayer()
        self.events = EventsLayer()
        #: Count badges on events at one spot, and such stacks spread out (atlas.render.spiderfy).
        self.stacks = StacksLayer(self.events)
        self.selection = SelectionLayer()
        self.selection.spread = self.stacks
        under = self.basemap.below_frame if self.basemap else []
        names = self.basemap.labels if self.basemap else []
        self.frame.visible = self.basemap is None
        # Names go above the events so uncertainty halos and density shading do not veil them;
        # they are placed clear of the event markers (LabelLayout.obstacles).
        self.layers: list[MapLayer] = [self.background, self.world, *under, self.frame, self.graticule, self.events,
                                       self.stacks, *names, self.selection]
        if self.basemap is not None:
            self.basemap.layout.obstacles = self
        #: Boxes the page's decorations will cover (title, legend, scale bar, ...), in the map's
        #: pixels: set by the page around its map drawing, so names keep out of them.
        self.label_reserved: tuple[tuple[str, Box], ...] = ()
        self._marker_cache: tuple[tuple[object, ...], MarkerObstacles] | None = None
        self.theme: Theme = LIGHT
        #: Each layer's visibility and opacity as its feature made it (what a layer the model's
        #: stack does not name shows), recorded the first time the stack is applied to it.
        self._defaults: dict[str, tuple[bool, float]] = {}
        #: A worker's progress report and cancel point (None on the screen): see :meth:`paint`.
        self.interrupt: Interrupt | None = None
        self.set_theme(theme)
        cyr = bool(self.basemap.options.cyrillic) if self.basemap is not None else False
        self._style = MapStyle(self.theme.name if self.theme.name in ("light", "dark") else "light", cyr)
        self.model = model
        # What the event layer was last built from: (table, visible rows) by identity. The model
        # replaces both arrays on every change, so identity tells whether the layer is stale.
        self._events_source: tuple[object, object] | None = None
        if model is not None:
            self.sync_events()
            self.sync_selection()

    # ------------------------------------------------------------------ layer stack
    def layer(self, key: str) -> MapLayer | None:
        return next((lyr for lyr in self.layers if lyr.key == key), None)

    def insert(self, layer: MapLayer, below: str | None = None, above: str | None = None) -> None:
        """Add ``layer`` just below the layer keyed ``below`` (or above ``above``; else on top)."""
        if self.layer(layer.key) is not None:
            raise ValueError(f"a layer keyed {layer.key!r} is already in the scene")
        keys = [lyr.key for lyr in self.layers]
        if below in keys:
            self.layers.insert(keys.index(below), layer)
        elif above in keys:
            self.layers.insert(keys.index(above) + 1, layer)
        else:
            self.layers.append(layer)

    def reorder(self, keys: Iterable[str]) -> None:
        order = {k: i for i, k in enumerate(keys)}
        self.layers.sort(key=lambda lyr: order.get(lyr.key, len(order)))

    def set_theme(self, theme: Theme | str) -> Theme:
        """Light or dark map (atlas.render.themes): basemap, background, graticule, frame follow."""
        if self.basemap is not None:
            self.basemap.options.theme = theme_named(theme) if isinstance(theme, str) else theme
        return apply_theme(self, theme)

    def snapshot(self) -> MapScene:
        """A copy of the layer stack as it is now, for drawing off the GUI thread: every layer is
        a copy (visibility, opacity, order and data as they are), so the user's next change to the
        live scene, or a page's own temporary changes to the copy, never reach the other. Heavy
        data (geometry, sprites, event arrays) is shared: layers replace it, they never edit it.
        The basemap gets its own layers and label layout, keeping clear of the copied events."""
        snap = copy.copy(self)
        fresh: dict[int, MapLayer] = {}
        if self.basemap is not None:
            bm = BasemapLayers(self.basemap.geo, dataclasses.replace(self.basemap.options))
            for old, new in zip(self.basemap.all(), bm.all(), strict=True):
                new.visible, new.opacity = old.visible, old.opacity
                fresh[id(old)] = new
            snap.basemap = bm
        for layer in self.layers:
            if id(layer) not in fresh:
                fresh[id(layer)] = copy.copy(layer)
        snap.layers = [fresh[id(layer)] for layer in self.layers]
        # A layer that draws from another (the areas' legend from the areas) must see the copy:
        # left on the live one, the legend named the live layer's date, not the picture's.
        for new in fresh.values():
            for name, value in list(vars(new).items()):
                if isinstance(value, MapLayer) and id(value) in fresh:
                    setattr(new, name, fresh[id(value)])
        for attr in ("background", "world", "graticule", "frame", "events", "stacks", "selection"):
            setattr(snap, attr, fresh[id(getattr(self, attr))])
        snap.stacks.events = snap.events
        snap.selection.spread = snap.stacks
        if snap.basemap is not None:
            snap.basemap.layout.obstacles = snap
        snap._marker_cache = None
        snap.interrupt = None
        snap._defaults = dict(self._defaults)
        return snap

    # ------------------------------------------------------------------ session state → layers
    def apply_layers(self, stack: LayerStack) -> bool:
        """Show, hide, fade and order the layers as the model's stack says; layers it does not
        name go back to their defaults. Returns whether anything changed."""
        changed = False
        for lyr in self.layers:
            if getattr(lyr, "own_state", False):
                continue  # a file layer: shown as model.file_layers says (sync_file_layers)
            default = self._defaults.setdefault(lyr.key, (bool(lyr.visible), float(lyr.opacity)))
            st = stack.get(lyr.key)
            visible, opacity = (st.visible, st.opacity) if st is not None else default
            if lyr.visible != visible or lyr.opacity != opacity:
                lyr.visible, lyr.opacity = visible, opacity
                changed = True
        keys = [lyr.key for lyr in self.layers]
        order = stack.merged_order(keys)
        if order != keys:
            self.reorder(order)
            changed = True
        return changed

    def layer_stack(self) -> LayerStack:
        """Every layer as drawn now, bottom to top: the full stack a panel edits and sends back."""
        return LayerStack(tuple(LayerState(lyr.key, bool(lyr.visible), float(lyr.opacity)) for lyr in self.layers
                                if not getattr(lyr, "own_state", False)))

    def apply_style(self, style: MapStyle) -> bool:
        """The model's theme and label script; returns whether anything changed."""
        if style == self._style:
            return False
        if style.theme != self._style.theme:
            self.set_theme(style.theme)
        if self.basemap is not None:
            self.basemap.set_cyrillic(style.cyrillic)
        if style.density != self._style.density:
            self.events.set_density_mode(style.density)
        self._style = style
        return True

    def sync_file_layers(self, specs: tuple[FileLayer, ...]) -> bool:
        """The model's file layers (atlas.render.file_layer) on the map: one layer each, in the
        model's order, together just below the region frame (above the bundled basemap, under the
        graticule, the areas of control and the events). Returns whether anything changed."""
        if not specs and f"{__package__}.file_layer" not in sys.modules:
            return False  # no file layer was ever made, so none is on the map (a start imports nothing)
        from .file_layer import FileMapLayer

        have = {lyr.key: lyr for lyr in self.layers if isinstance(lyr, FileMapLayer)}
        if not have and not specs:
            return False
        changed = False
        wanted: list[MapLayer] = []
        for spec in specs:
            lyr = have.get(spec.key)
            if lyr is None:
                lyr = FileMapLayer(spec)
                changed = True
            else:
                changed = lyr.set_spec(spec) or changed
            wanted.append(lyr)
        rest = [lyr for lyr in self.layers if not isinstance(lyr, FileMapLayer)]
        keys = [lyr.key for lyr in rest]
        at = keys.index("frame") if "frame" in keys else len(rest)
        new = rest[:at] + wanted + rest[at:]
        if [id(x) for x in new] != [id(x) for x in self.layers]:
            self.layers = new
            changed = True
        return changed

    def apply_state(self, model: AtlasModel) -> bool:
        """Everything of the model's session state that the scene draws (not the events)."""
        a = self.apply_style(model.style)
        f = self.sync_file_layers(model.file_layers)
        b = self.apply_layers(model.layers) or f
        for lyr in self.layers:
            # Layers that draw session state of their own (the control areas' date) read it here.
            sync = getattr(lyr, "sync_state", None)
            if sync is not None:
                before = lyr.version
                sync(model)
                b = b or lyr.version != before
        return a or b

    # ------------------------------------------------------------------ model sync
    def sync_events(self) -> None:
        if self.model is not None:
            # map_rows: the visible rows, or a remote store's points in view (atlas/model/remote.py);
            # the model's mask saves a pass when they are the visible rows
            rows = self.model.map_rows
            mask = self.model.visible_mask if rows is self.model.visible_rows else None
            self.events.set_events(self.model.table, rows, mask)
            self._events_source = (self.model.table, rows)

    def sync_to(self, model: AtlasModel) -> None:
        """Bring the event and selection layers up to date with ``model`` before a picture is drawn.

        A page drawn from a scene must show what the model holds at that moment, not what the
        scene last heard about: a series of frames changes the filter between pictures with no
        event loop running to deliver signals (``render --each-day`` drew every event in every
        frame). Rebuilding the events only when the rows changed keeps exports of the live canvas
        scene cheap."""
        if model is not self.model:
            self.model = model
            self._events_source = None
        if self._events_source is None or self._events_source[0] is not model.table \
                or self._events_source[1] is not model.map_rows:
            self.sync_events()
        self.sync_selection()
        self.apply_state(model)

    def sync_selection(self) -> None:
        if self.model is not None:
            self.selection.set_selection(self.model.table, self.model.selected_rows(), self.model.current_row())

    # ------------------------------------------------------------------ what names keep clear of
    def label_obstacles(self, vp: Viewport) -> LabelObstacles:
        """Everything drawn in ``vp`` that map names must not cover: the event markers (a raster
        of occupied cells, rebuilt only when the events or the view change), the selection rings
        and focus marker, the annotations, the decorations of the scene's own layers (scale bar,
        north arrow, areas-of-control legend) and the page's (:attr:`label_reserved`)."""
        ev = self.events
        mkey = (vp, ev.version, ev.visible and ev.opacity > 0, ev.showing_density, ev.marker_size)
        if self._marker_cache is None or self._marker_cache[0] != mkey:
            shown = ev if (ev.visible and ev.opacity > 0) else None
            self._marker_cache = (mkey, event_marker_obstacles(shown, vp))
        markers = self._marker_cache[1]
        sel = self.selection if (self.selection.visible and self.selection.opacity > 0) else None
        sel_boxes, sx, sy, reach = selection_obstacles(sel, vp)
        sel_grid = MarkerGrid.build(sx, sy, reach, vp.width, vp.height, markers.grid.cell) if sx.size else None
        annotations: list[tuple[str, Box]] = []
        decorations: list[tuple[str, Box]] = list(self.label_reserved)
        layer_key: list[object] = []
        for lyr in self.layers:
            if not lyr.visible or lyr.opacity <= 0:
                continue
            found = getattr(lyr, "label_obstacles", None)
            if callable(found):
                annotations.extend(found(vp))
                layer_key.append((lyr.key, lyr.version))
            reserved = getattr(lyr, "label_reserved", None)
            if callable(reserved):
                decorations.extend(reserved(vp))
        key = (mkey, self.selection.version if sel is not None else None, tuple(layer_key), tuple(decorations),
               tuple(sel_boxes[-1:]))
        return LabelObstacles(markers, sel_boxes, sel_grid, annotations, decorations, key)

    # ------------------------------------------------------------------ painting
    #: The layers of names: placed clear of the selection, so redrawn when it changes.
    LABEL_KEYS = ("names", "places")

    def _label_start(self) -> int:
        return min((i for i, lyr in enumerate(self.layers) if lyr.key in self.LABEL_KEYS), default=len(self.layers))

    def paint(self, p: QPainter, vp: Viewport, static: bool = True, dynamic: bool = True,
              part: str | None = None) -> None:
        """Draw the visible layers in order in pixel coordinates (the painter's transform must be
        the identity). ``static``/``dynamic`` let the canvas cache the slow, rarely-changing part;
        ``part`` splits the static layers in two: "base" (below the names) and "labels" (the names
        and what lies above them), so a new selection, which the names keep clear of, redraws the
        names without the map and events under them.

        With :attr:`interrupt` set (an export on a worker), it is called before each layer: it
        reports progress and raises to cancel between layers."""
        n = len(self.layers)
        start = self._label_start() if part is not None else 0
        # The degree labels keep out of the page's decorations (a legend cut them in half).
        self.graticule.avoid = tuple(b for _, b in self.label_reserved)
        for i, layer in enumerate(self.layers):
            if self.interrupt is not None:
                self.interrupt(i, n)
            if (part == "base" and i >= start) or (part == "labels" and i < start):
                continue
            if not layer.visible or layer.opacity <= 0:
                continue
            if (layer.dynamic and not dynamic) or (not layer.dynamic and not static):
                continue
            p.save()
            p.setOpacity(layer.opacity)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            layer.draw(p, vp)
            p.restore()

    def static_key(self, part: str | None = None, vp: Viewport | None = None) -> tuple[object, ...]:
        """What the cached static layers depend on (all of them, or one ``part`` of :meth:`paint`);
        the names also depend on the selection they keep clear of and, given the viewport, on
        where dynamic layers put their boxes (the areas-of-control legend grows with its date line)."""
        start = self._label_start() if part is not None else 0
        key = tuple((lyr.key, lyr.version, lyr.visible, lyr.opacity) for i, lyr in enumerate(self.layers)
                    if not lyr.dynamic and not (part == "base" and i >= start) and not (part == "labels" and i < start))
        if part != "base":
            key += (("selection", self.selection.version, self.selection.visible),)
            if vp is not None:
                for lyr in self.layers:
                    reserved = getattr(lyr, "label_reserved", None)
                    if lyr.dynamic and lyr.visible and lyr.opacity > 0 and callable(reserved):
                        key += (tuple(reserved(vp)),)
            # The names keep clear of what other layers report (a stack spread by a click).
            key += tuple((lyr.key, lyr.version, lyr.visible) for lyr in self.layers
                         if callable(getattr(lyr, "label_obstacles", None)))
        return key
