"""Icons from resources/ (installed as ``atlas.resources``), read through importlib.resources so
that a checkout and an installed wheel find them alike."""

from __future__ import annotations

import tempfile
from functools import cache
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QAction, QIcon, QKeySequence

_PACKAGE = "atlas.resources"


def icon_names() -> list[str]:
    """Every icon the resources hold, by name (the SVG's file name without .svg)."""
    folder = resources.files(_PACKAGE) / "icons"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".svg"))


#: The icons' dark grey ink, and what it becomes on the dark theme's dark toolbars.
INK, DARK_INK = "#37474f", "#cfd8dc"


@cache
def _dark_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="kursk-atlas-icons-"))


@cache
def icon(name: str, dark: bool = False) -> QIcon:
    """The icon called ``name`` (with light ink for the dark theme when ``dark``); an unknown name
    is a programming error (KeyError), so a typo fails in the tests instead of a blank button."""
    ref = resources.files(_PACKAGE) / "icons" / f"{name}.svg"
    if not ref.is_file():
        raise KeyError(f"no icon {name!r} in resources/icons")
    if dark:
        # QIcon reads an SVG lazily from a file: the recoloured copy lives for the session.
        path = _dark_folder() / f"{name}.svg"
        path.write_text(ref.read_text(encoding="utf-8").replace(INK, DARK_INK), encoding="utf-8")
        ico = QIcon(str(path))
    else:
        with resources.as_file(ref) as p:
            ico = QIcon(str(p))
    if ico.isNull():
        raise KeyError(f"icon {name!r} could not be read")
    return ico


@cache
def app_icon() -> QIcon:
    """The window icon: the SVG plus the rendered PNG sizes (small sizes drawn for their size)."""
    ico = QIcon()
    app = resources.files(_PACKAGE) / "app"
    for size in (16, 24, 32, 48, 64, 128, 256):
        with resources.as_file(app / f"kursk-atlas-{size}.png") as path:
            ico.addFile(str(path))
    with resources.as_file(app / "kursk-atlas.svg") as path:
        ico.addFile(str(path))
    return ico


def tooltip_with_shortcut(text: str, action: QAction) -> str:
    """``text (Ctrl+E)``: every tooltip names the action's shortcut, as the user will type it."""
    keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
    return f"{text} ({', '.join(keys)})" if keys else text


#: The icon of each action, by its menu text. One table so the whole set can be seen and kept
#: consistent; tests/ui/test_icons.py fails when an action named here disappears or is renamed.
ACTION_ICONS: dict[str, str] = {
    "&Open events…": "open", "&Add events…": "add-events", "Export &events…": "export-events",
    "&Export picture…": "export-picture", "Copy &picture": "copy-picture", "&Quit": "quit",
    "&Find events": "find", "&Clear selection": "clear-selection",
    "Show &all events": "zoom-events", "Show every event, outliers &included": "zoom-events",
    "Show the &region": "zoom-region", "Zoom &in": "zoom-in", "Zoom &out": "zoom-out",
    "&Keyboard shortcuts": "shortcuts", "&About Kursk Atlas": "about",
    "Clear all filters": "filter-clear",
    "Only events in the map view": "in-view", "Filter by rectangle": "filter-rectangle",
    "Filter by lasso": "filter-lasso", "Clear drawn area": "clear-selection",
    "Play / pause timeline": "play", "Timeline: one day forward": "next", "Timeline: one day back": "previous",
    "Open areas of &control…": "control-areas", "Export areas of control…": "control-export",
    "Previous control snapshot": "previous", "Next control snapshot": "next",
    "&Undo": "undo", "&Redo": "redo",
    "Select &events (default tool)": "select", "&Select and edit annotations": "annotate-edit",
    "&Text label": "annotate-text", "&Callout": "annotate-callout", "&Arrow": "annotate-arrow",
    "C&urved arrow (axis of advance)": "annotate-curved-arrow", "&Front line": "annotate-frontline",
    "&Polygon (with area)": "annotate-polygon", "&Marker": "annotate-marker",
    "Free-&hand line": "annotate-freehand", "Distance &ring": "annotate-ring",
    "&Edit annotation…": "annotate-edit-item", "&Delete annotation": "delete",
    "D&uplicate annotation": "duplicate", "&Import annotations…": "import-annotations",
    "E&xport annotations…": "export-annotations",
    "&Dark theme": "dark-map", "Place names in C&yrillic": "cyrillic", "Raster &tiles under the map…": "tiles",
    "&Go to place…": "goto-place", "&Bookmarks": "bookmarks", "&Add bookmark…": "bookmark-add",
    "&Measure distance": "measure-distance", "Measure a&rea": "measure-area", "&Stop measuring": "stop-measure",
    "Resolve &duplicate ids (keep newest)": "dedupe",
    "&New workspace": "workspace-new", "Open &workspace…": "workspace-open", "&Save workspace": "workspace-save",
    "Save workspace &as…": "workspace-save-as",
    # the docks' show/hide actions
    "Timeline": "timeline", "Details": "details", "Legend": "legend", "Events": "events", "Layers": "layers",
    "Filters": "filters", "Sources": "sources", "Annotations": "annotate-edit", "Areas of control": "control-areas",
    "Go to place": "goto-place", "Bookmarks": "bookmarks",
}


def decorate_actions(actions: list[QAction], dark: bool = False) -> None:
    """Give every action its icon (ACTION_ICONS, inked for the theme) and a tooltip that names its
    shortcut. Called again when the theme changes: icons set here follow it, others stay."""
    for act in actions:
        name = ACTION_ICONS.get(act.text())
        ours = act.property("atlas_icon_dark")
        if name is not None and (act.icon().isNull() or (ours is not None and bool(ours) != dark)):
            act.setIcon(icon(name, dark))
            act.setProperty("atlas_icon_dark", dark)
        base = act.property("atlas_tip")
        if base is None:  # remember the plain tip once, so a second pass does not repeat the keys
            base = act.toolTip() or act.text().replace("&", "")
            act.setProperty("atlas_tip", base)
        act.setToolTip(tooltip_with_shortcut(str(base), act))
