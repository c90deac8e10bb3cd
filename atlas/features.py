"""The one list of the atlas's features, and what each contributes where.

A feature is named here once. The window builds the ``gui`` class of every entry (atlas/ui/feature.py
is the interface it implements: actions with icons and shortcuts, docks, map layers, import checks);
the command line offers every entry's ``cli`` subcommands; the workspace imports every entry's
``workspace`` module, which registers its state sections (atlas/workspace/state.py). Entries are
strings so that reading this list imports nothing: the command line must never import a widget
module (an import contract in make test), and a feature's GUI is loaded only by the window.

Adding a feature is one entry here and its own modules; MainWindow names no feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeatureEntry:
    name: str
    #: "module:Class" of its :class:`atlas.ui.feature.Feature`, built by the window in list order.
    gui: str | None = None
    #: subcommand → (module with add_arguments(parser) and run(args), one line of help)
    cli: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: modules that register the feature's workspace sections when imported
    workspace: tuple[str, ...] = ()


FEATURES: tuple[FeatureEntry, ...] = (
    FeatureEntry("events", cli={
        "inspect": ("atlas.cli.inspect", "what the files hold (the events that pass the filters) and what was wrong with them"),
        "convert": ("atlas.cli.convert", "write events to any format the atlas writes (CSV, GeoJSON, KML/KMZ, GeoPackage, FlatGeobuf, Shapefile, GeoParquet, XLSX, ODS), with the filters"),
    }, workspace=("atlas.workspace.sections",)),
    FeatureEntry("workflow", gui="atlas.ui.workflow:Workflow"),
    FeatureEntry("control", gui="atlas.ui.control_feature:ControlAreasFeature",
                 cli={"areas": ("atlas.cli.areas", "geodesic area per control status of each snapshot (km²)")},
                 workspace=("atlas.workspace.control_section",)),
    FeatureEntry("annotations", gui="atlas.ui.annotations_panel:AnnotationsFeature"),
    FeatureEntry("export", gui="atlas.ui.export_dialog:ExportFeature",
                 cli={"render": ("atlas.cli.render", "draw the map as the GUI shows it into a picture, headless")}),
    FeatureEntry("navigation", gui="atlas.ui.navigation:Navigation"),
    FeatureEntry("layers", gui="atlas.ui.layers_panel:LayersFeature",
                 workspace=("atlas.workspace.file_layers_section",)),
    FeatureEntry("import", gui="atlas.ui.import_dialogs:ImportFeature"),
    FeatureEntry("workspace", gui="atlas.workspace.gui:WorkspaceController"),
    FeatureEntry("welcome", gui="atlas.ui.welcome:WelcomeFeature"),
    FeatureEntry("database", gui="atlas.ui.database_feature:DatabaseFeature", cli={
        "db": ("atlas.cli.db", "the shared PostgreSQL/PostGIS store: init, migrate, push files, count"),
    }, workspace=("atlas.workspace.database_section",)),
    FeatureEntry("bench", cli={"bench": ("atlas.bench", "time the hot paths against synthetic events")}),
)


def feature_entry(name: str) -> FeatureEntry:
    return next(e for e in FEATURES if e.name == name)


def subcommands() -> dict[str, tuple[str, str]]:
    """Every feature's subcommands, in list order."""
    out: dict[str, tuple[str, str]] = {}
    for e in FEATURES:
        for name, spec in e.cli.items():
            if name in out:
                raise RuntimeError(f"two features offer the subcommand {name!r}")
            out[name] = spec
    return out


def workspace_modules() -> tuple[str, ...]:
    return tuple(m for e in FEATURES for m in e.workspace)
