"""Pictures for ``main.py areas --chart/--map``: the dock's chart and the map layer, drawn headless.

They use the same code as the GUI (the dock's ControlAreasPanel for the chart, MapScene with the
ControlAreasLayer for the map), so what the CLI writes is what the window shows.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from atlas.control.model import STATUSES, ControlSeries, ControlSnapshot

from .common import CliError


def _app() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["main.py"])


def _events_model() -> object:
    from atlas.io import BUNDLED_EVENTS, read_events
    from atlas.model import AtlasModel

    table, _ = read_events(BUNDLED_EVENTS)
    return AtlasModel(table)


def draw_chart(paths: list[Path], snaps: list[ControlSnapshot], clip: str | None, out: str,
               size: tuple[int, int]) -> None:
    """The dock's chart (atlas.render.area_chart) with the dock's default choices, alone, at the
    requested size: the dataset's claims by kind of source, the computed areas of each loaded source,
    and the bundled reconstruction, when given, as its range."""
    app = _app()
    from atlas.control.chart_data import CHART_STATUSES_DEFAULT, chart_curves, group_by_source
    from atlas.control.claims import area_claims
    from atlas.control.reconstruction import SOURCE as MODEL_SOURCE
    from atlas.control.reconstruction import bundled_ranges
    from atlas.control.regions import region_geometry, region_label
    from atlas.render.area_chart import AreaChart

    groups = group_by_source(snaps)
    region = region_geometry(clip) if clip else None
    if region is not None:
        groups = {src: ControlSeries.of(s.clipped(region) for s in ser) for src, ser in groups.items()}
    model = _events_model()
    plot = AreaChart()
    ranges = {MODEL_SOURCE: bundled_ranges(clip)} if MODEL_SOURCE in groups else {}
    what = "claims and estimates by kind of source, dated when said"
    if groups:
        what += "; areas computed from the loaded maps" if set(groups) - set(ranges) else ""
        what += "; the reconstruction is a MODEL (its range)" if ranges else ""
    where = region_label(clip) if clip else "in Kursk oblast"
    plot.setTitle(f"Area held by Ukraine {where}: {what}", size="11pt", color="#222")
    curves = chart_curves(groups, CHART_STATUSES_DEFAULT, True)
    claims = area_claims(model.table)  # type: ignore[attr-defined]
    plot.show_curves(curves, lambda src: groups[src].approximate, claims, ranges)  # the axes size to the data
    plot.resize(size[0], max(300, int(size[0] * 0.5)))
    plot.show()
    for _ in range(3):
        app.processEvents()  # type: ignore[attr-defined]
    # Again at the final size, so the legend and the headroom are anchored as on screen.
    plot.show_curves(curves, lambda src: groups[src].approximate, claims, ranges)
    app.processEvents()  # type: ignore[attr-defined]
    if not plot.grab().save(out):
        raise CliError(f"{out}: could not write the picture")
    plot.close()


def draw_map(series: ControlSeries, region: BaseGeometry | None, clip: str | None, at: dt.date | None,
             change: tuple[dt.date, dt.date] | None, out: str, size: tuple[int, int]) -> None:
    _app()
    import shapely

    from atlas.render.compose import Decorations, render_picture
    from atlas.render.control_layer import add_control_layers
    from atlas.render.scene import MapScene
    from atlas.render.viewport import Viewport

    if not series:
        raise CliError("no snapshots to draw")
    model = _events_model()
    scene = MapScene(model)  # type: ignore[arg-type]
    layer, _legend = add_control_layers(scene)
    shown = ControlSeries.of(s.clipped(region) for s in series) if region is not None else series
    layer.set_series(shown)
    from atlas.model.session import ControlDisplay

    model.set_control(ControlDisplay(date=at or shown.dates[-1], follow=False))
    layer.sync_state(model)
    if change:
        layer.set_change(shown.change(change[0], change[1], "ukrainian"))
    # Frame what was held (Ukrainian, contested, grey) anywhere in the series, else the clip region.
    held = [s.geometry(st) for s in shown for st in STATUSES if st != "russian" and not s.geometry(st).is_empty]
    geom = shapely.union_all(held) if held else region
    if geom is None or geom.is_empty:
        from atlas.geo.projection import REGION

        lon1, lat1, lon2, lat2 = REGION
    else:
        lon1, lat1, lon2, lat2 = geom.bounds
    w, h = size
    vp = Viewport.fit_lonlat(lon1, lat1, lon2, lat2, w, h, margin=0.25)
    snap = layer.snapshot
    title = f"Areas of control, {snap.as_of}" if snap else "Areas of control"
    sub = (f"shown for {layer.date}; " if layer.date else "") + (f"clip: {clip}" if clip else "no clip")
    deco = Decorations(title=title, subtitle=sub, show_summary=False,
                       attribution="Control areas: " + (snap.source if snap else "") + " · basemap © OpenStreetMap contributors")
    img = render_picture(model, scene, vp, deco)  # type: ignore[arg-type]
    if not img.save(out):
        raise CliError(f"{out}: could not write the picture")
