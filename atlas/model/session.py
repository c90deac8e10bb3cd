"""The session state beyond events, filter and selection, as immutable values.

Everything a user changes and a workspace restores lives in the :class:`~atlas.model.AtlasModel`
as one of these values (one signal per kind of change). Widgets show them and send new values;
they keep no copy of their own. The map's scene applies the layer stack before each picture, the
control-areas feature reads :class:`ControlDisplay`, the export dialog reads and writes
:class:`ExportSettings`. A workspace is these values written as JSON (atlas/workspace), nothing more.

All values are plain data (str, float, bool, date, tuples): hashable, comparable, cheap to copy
into a snapshot for a worker thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field


# ---------------------------------------------------------------------------- map layers
@dataclass(frozen=True)
class LayerState:
    """How one map layer is shown: by its key (``"events"``, ``"basemap.rivers"``, …)."""

    key: str
    visible: bool = True
    opacity: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError("a layer needs a key")
        op = float(self.opacity)
        if not math.isfinite(op) or not 0.0 <= op <= 1.0:
            raise ValueError(f"layer {self.key!r}: opacity {self.opacity!r} is not within 0..1")
        object.__setattr__(self, "opacity", op)
        object.__setattr__(self, "visible", bool(self.visible))


@dataclass(frozen=True)
class LayerStack:
    """The map's layers bottom to top with their visibility and opacity.

    Empty means "every layer as its feature made it". A stack need not name every layer: layers it
    does not name keep their defaults and their place relative to their neighbours (see
    :meth:`merged_order`), so a workspace saved before a feature existed still opens."""

    layers: tuple[LayerState, ...] = ()

    def __post_init__(self) -> None:
        keys = [s.key for s in self.layers]
        if len(set(keys)) != len(keys):
            raise ValueError("a layer key appears twice in the layer stack")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.layers)

    def get(self, key: str) -> LayerState | None:
        return next((s for s in self.layers if s.key == key), None)

    def with_layer(self, key: str, *, visible: bool | None = None, opacity: float | None = None) -> LayerStack:
        """This stack with ``key`` shown/hidden or its opacity changed (appended on top if absent)."""
        old = self.get(key) or LayerState(key)
        new = LayerState(key, old.visible if visible is None else visible, old.opacity if opacity is None else opacity)
        if self.get(key) is None:
            return LayerStack((*self.layers, new))
        return LayerStack(tuple(new if s.key == key else s for s in self.layers))

    def reordered(self, keys_bottom_to_top: Iterable[str]) -> LayerStack:
        """The same layers in the given order (keys not in this stack are added with defaults)."""
        out = [self.get(k) or LayerState(k) for k in dict.fromkeys(keys_bottom_to_top)]
        named = {s.key for s in out}
        return LayerStack((*out, *(s for s in self.layers if s.key not in named)))

    def merged_order(self, present: Iterable[str]) -> list[str]:
        """The drawing order of the ``present`` layers under this stack: the stack's keys in its
        order, each layer it does not name kept just above the layer that preceded it before."""
        present = list(present)
        ordered = [k for k in self.keys if k in present]
        for i, key in enumerate(present):
            if key in ordered:
                continue
            prev = next((present[j] for j in range(i - 1, -1, -1) if present[j] in ordered), None)
            ordered.insert(ordered.index(prev) + 1 if prev is not None else 0, key)
        return ordered


# ---------------------------------------------------------------------------- areas of control
@dataclass(frozen=True)
class ControlFile:
    """A control-area file on the map: its path, and the date the user gave when the file has none."""

    path: str
    as_of: dt.date | None = None


CHART_DEFAULT: tuple[str, ...] = ("ukrainian", "contested", "grey")
CONTROL_STATUSES: tuple[str, ...] = ("ukrainian", "russian", "contested", "grey")
CLIP_REGIONS: tuple[str, ...] = ("", "kursk", "sumy", "belgorod", "bryansk", "russia", "ukraine")


@dataclass(frozen=True)
class ControlDisplay:
    """What the areas-of-control feature shows: its files, the series on the map, the date (or
    following the timeline's window), clip region, the change between two dates, and the chart."""

    files: tuple[ControlFile, ...] = ()
    source: str | None = None
    clip: str = ""
    date: dt.date | None = None
    follow: bool = True
    change_from: dt.date = dt.date(2024, 8, 20)
    change_to: dt.date = dt.date(2025, 3, 11)
    change_status: str = "ukrainian"
    change_on_map: bool = False
    chart: tuple[str, ...] = CHART_DEFAULT
    chart_sum: bool = True
    chart_claims: bool = True

    def __post_init__(self) -> None:
        if self.clip not in CLIP_REGIONS:
            raise ValueError(f"unknown clip region {self.clip!r}")
        if self.change_status not in CONTROL_STATUSES:
            raise ValueError(f"unknown control status {self.change_status!r}")
        bad = [s for s in self.chart if s not in CONTROL_STATUSES]
        if bad:
            raise ValueError(f"unknown control status {bad[0]!r} in the chart")

    def shown_date(self, time_window: tuple[dt.date, dt.date] | None) -> dt.date | None:
        """The date the map draws: the end of the timeline's window when following it."""
        if self.follow and time_window is not None:
            return time_window[1]
        return self.date


# ---------------------------------------------------------------------------- the view and bookmarks
@dataclass(frozen=True)
class MapView:
    """The box of the map the user asked for, in degrees (the canvas fits it to its shape)."""

    lon1: float
    lat1: float
    lon2: float
    lat2: float

    def __post_init__(self) -> None:
        vals = (self.lon1, self.lat1, self.lon2, self.lat2)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in vals):
            raise ValueError(f"view {vals} holds a non-number")
        if not (-180 <= self.lon1 < self.lon2 <= 180 and -85.06 <= self.lat1 < self.lat2 <= 85.06):
            raise ValueError(f"view {vals} is not a box inside -180..180, -85..85")
        for name in ("lon1", "lat1", "lon2", "lat2"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.lon1, self.lat1, self.lon2, self.lat2)

    def close_to(self, other: MapView | None, tol: float = 1e-7) -> bool:
        return other is not None and all(abs(a - b) <= tol for a, b in zip(self.as_tuple(), other.as_tuple()))


@dataclass(frozen=True)
class Bookmark:
    """A named map view."""

    name: str
    view: MapView

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a bookmark needs a name")


DEFAULT_BOOKMARKS: tuple[Bookmark, ...] = (
    Bookmark("Sudzha", MapView(35.10, 51.11, 35.44, 51.27)),
    Bookmark("Korenevo", MapView(34.75, 51.33, 35.07, 51.49)),
    Bookmark("Glushkovo–Tetkino (Seym)", MapView(34.15, 51.20, 34.80, 51.46)),
    Bookmark("Kursk NPP at Kurchatov", MapView(35.50, 51.62, 35.75, 51.72)),
    Bookmark("Sumy", MapView(34.65, 50.85, 34.95, 50.99)),
)


# ---------------------------------------------------------------------------- export settings
EXPORT_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ExportSettings:
    """The export dialog's choices: format, size (a named preset, a paper, or custom pixels), the
    page's texts and which decorations it draws. The dialog shows these and writes them back."""

    format: str = "png"
    preset: str = "1920×1080 (HD)"
    width: int = 1920
    height: int = 1080
    dpi: int = 96
    landscape: bool = True
    title: str = "Kursk Atlas"
    subtitle: str = ""
    date_stamp: str = ""
    banner: str = ""
    banner_colour: str = "#007a33"
    legend: bool = True
    scale_bar: bool = True
    north_arrow: bool = True
    inset: bool = True
    filter_line: bool = True
    sources: bool = True

    def __post_init__(self) -> None:
        if self.format not in EXPORT_FORMATS:
            raise ValueError(f"unknown picture format {self.format!r}")
        for name in ("width", "height"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 16 <= v <= 20000:
                raise ValueError(f"export {name} {v!r} is not 16..20000 pixels")
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, int) or not 24 <= self.dpi <= 2400:
            raise ValueError(f"export dpi {self.dpi!r} is not 24..2400")
        c = self.banner_colour
        if not (isinstance(c, str) and len(c) == 7 and c[0] == "#" and all(ch in "0123456789abcdefABCDEF" for ch in c[1:])):
            raise ValueError(f"banner colour {c!r} is not #rrggbb")

    DECORATIONS = ("legend", "scale_bar", "north_arrow", "inset", "filter_line", "sources")

    def replace(self, **changes: object) -> ExportSettings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- map style
THEMES: tuple[str, ...] = ("light", "dark")
DENSITY_MODES: tuple[str, ...] = ("auto", "points", "density")


@dataclass(frozen=True)
class MapStyle:
    """How the map looks: the theme, the script of place names, and how events are drawn."""

    theme: str = "light"
    cyrillic: bool = False
    #: events as points, as density shading, or "auto" (density when crowded)
    density: str = "auto"

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ValueError(f"unknown map theme {self.theme!r}")
        if self.density not in DENSITY_MODES:
            raise ValueError(f"unknown density mode {self.density!r}")
        object.__setattr__(self, "cyrillic", bool(self.cyrillic))


# ---------------------------------------------------------------------------- basemap layers from files
#: Point symbols a file layer may draw.
SYMBOLS: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "cross")


def _hex_colour(value: object, what: str, empty: bool = False) -> str:
    if empty and value == "":
        return ""
    if not (isinstance(value, str) and len(value) == 7 and value[0] == "#"
            and all(ch in "0123456789abcdefABCDEF" for ch in value[1:])):
        raise ValueError(f"{what} {value!r} is not #rrggbb" + (" or empty" if empty else ""))
    return value.lower()


def _number(value: object, what: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise ValueError(f"{what} {value!r} is not within {lo:g}..{hi:g}")
    return float(value)


@dataclass(frozen=True)
class LayerStyle:
    """How a file layer is drawn. Widths and sizes are pixels at 96 dpi (they scale with the
    picture's dpi like every other line of the map); ``fill`` "" draws polygons unfilled."""

    stroke: str = "#555555"
    width: float = 1.0
    fill: str = ""
    fill_opacity: float = 0.35
    opacity: float = 1.0
    symbol: str = "circle"
    size: float = 6.0
    #: the attribute whose value names each feature on the map ("" = no names)
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "stroke", _hex_colour(self.stroke, "stroke colour"))
        object.__setattr__(self, "fill", _hex_colour(self.fill, "fill colour", empty=True))
        object.__setattr__(self, "width", _number(self.width, "line width", 0.0, 20.0))
        object.__setattr__(self, "fill_opacity", _number(self.fill_opacity, "fill opacity", 0.0, 1.0))
        object.__setattr__(self, "opacity", _number(self.opacity, "opacity", 0.0, 1.0))
        object.__setattr__(self, "size", _number(self.size, "symbol size", 1.0, 40.0))
        if self.symbol not in SYMBOLS:
            raise ValueError(f"unknown point symbol {self.symbol!r} (one of {', '.join(SYMBOLS)})")
        if not isinstance(self.label, str) or len(self.label) > 200:
            raise ValueError("a label field is the name of an attribute")

    def replace(self, **changes: object) -> LayerStyle:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FileLayer:
    """A vector file (or one layer of it; of an OSM extract, one theme such as roads) drawn as an
    extra basemap layer: above the bundled basemap, under the events. ``id`` is unique in the
    session and names the map layer (``file.<id>``)."""

    id: str
    path: str
    #: the layer inside the file ("" = its first); for an OSM extract a theme (atlas.io.osm_themes)
    layer: str = ""
    title: str = ""
    style: LayerStyle = field(default_factory=LayerStyle)
    visible: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or len(self.id) > 200 or any(c in self.id for c in "\n\r\t"):
            raise ValueError(f"file layer id {self.id!r} is not a short name")
        if not isinstance(self.path, str) or not self.path or "\x00" in self.path:
            raise ValueError("a file layer needs the path of its file")
        if not isinstance(self.layer, str) or not isinstance(self.title, str):
            raise ValueError(f"file layer {self.id!r}: layer and title are text")
        if not isinstance(self.style, LayerStyle):
            raise ValueError(f"file layer {self.id!r}: style is not a LayerStyle")
        object.__setattr__(self, "visible", bool(self.visible))

    @property
    def key(self) -> str:
        """The map layer's key (the scene's, a workspace's)."""
        return f"file.{self.id}"

    @property
    def file_name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        # A layer named as its file (GeoJSON's, a one-layer GeoPackage's) is not named twice.
        stem = self.file_name.split(".", 1)[0]
        if not self.layer or self.layer.lower() == stem.lower():
            return self.file_name
        return f"{self.file_name} — {self.layer}"

    def replace(self, **changes: object) -> FileLayer:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


FileLayers = tuple[FileLayer, ...]


def check_file_layers(layers: Iterable[FileLayer]) -> FileLayers:
    """The layers as a tuple, bottom to top; refuses anything but FileLayers and repeated ids."""
    out = tuple(layers)
    if not all(isinstance(x, FileLayer) for x in out):
        raise TypeError("file layers are FileLayer values")
    ids = [x.id for x in out]
    if len(set(ids)) != len(ids):
        raise ValueError("a file layer id appears twice")
    return out


def new_layer_id(layers: Iterable[FileLayer], stem: str) -> str:
    """An id for a new layer from ``stem`` (a file's name, a theme) not taken in ``layers``."""
    base = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem)[:60].strip("-.") or "layer"
    taken = {x.id for x in layers}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def replace_layer(layers: FileLayers, layer_id: str, **changes: object) -> FileLayers:
    """``layers`` with the one named ``layer_id`` changed (style, visibility, title)."""
    return tuple(x.replace(**changes) if x.id == layer_id else x for x in layers)


def remove_layer(layers: FileLayers, layer_id: str) -> FileLayers:
    return tuple(x for x in layers if x.id != layer_id)


def move_layer(layers: FileLayers, layer_id: str, step: int) -> FileLayers:
    """``layers`` with one moved ``step`` places up (towards the top, drawn later) or down."""
    items = list(layers)
    i = next((k for k, x in enumerate(items) if x.id == layer_id), None)
    if i is None:
        return layers
    j = max(0, min(len(items) - 1, i + step))
    items.insert(j, items.pop(i))
    return tuple(items)


# ---------------------------------------------------------------------------- the whole
@dataclass(frozen=True)
class ViewState:
    """The parts of the session that are neither events, filter nor selection, in one value
    (what :meth:`AtlasModel.view_state` returns and :meth:`AtlasModel.set_view_state` takes)."""

    layers: LayerStack = field(default_factory=LayerStack)
    control: ControlDisplay = field(default_factory=ControlDisplay)
    view: MapView | None = None
    bookmarks: tuple[Bookmark, ...] = DEFAULT_BOOKMARKS
    export: ExportSettings = field(default_factory=ExportSettings)
    style: MapStyle = field(default_factory=lambda: MapStyle())
    #: vector files drawn as extra basemap layers, bottom to top
    file_layers: FileLayers = ()
