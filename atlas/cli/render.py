"""``main.py render``: the map as the GUI draws it, into a briefing picture, headless.

PNG, SVG or PDF through :mod:`atlas.render.page` (the same page the GUI's Export picture writes);
``--each-day`` writes one picture per day (slides) and ``--animate`` a GIF over a playback range;
``--control`` draws the areas of control of a date or of a loaded snapshot file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Any

from .common import CliError, add_filter_options, filter_from_args, headless_app, load, parse_bbox, parse_date, parse_size
from .views import parse_scale
from .exit_status import EX_DATAERR

FOCUS_WIDTH_M = 60_000.0
FORMATS = ("png", "svg", "pdf")
MAX_FRAMES = 1000


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    p.add_argument("-o", "--output", metavar="OUT", help="picture to write (.png, .svg, .pdf); with --each-day a folder "
                   "or a name with {date} in it")
    add_filter_options(p)
    p.add_argument("--focus", metavar="EVENT_ID", help="highlight this event and centre the map on it")
    p.add_argument("--view", type=parse_bbox, metavar="LON1,LAT1,LON2,LAT2", help="the map extent (default: the shown events)")
    p.add_argument("--size", type=parse_size, metavar="WxH", help="picture size in pixels (default 1600x1000)")
    p.add_argument("--center", "--centre", metavar="LON,LAT|PLACE",
                   help="centre the map here (degrees, or a place name as Go to place knows it, in any spelling, e.g. Sudzha, Суджа, Khalino airfield)")
    p.add_argument("--scale", type=parse_scale, metavar="N",
                   help="map scale 1:N at the page's dpi (e.g. 50000 or 1:50000); needs --center, or centres on the fitted view")
    p.add_argument("--layout", metavar="OUT.json",
                   help="also write where every name, marker and decoration went, in page pixels (docs/layout.md)")
    g = p.add_argument_group("page")
    g.add_argument("--format", choices=FORMATS, help="png, svg or pdf (default: from the output's suffix)")
    g.add_argument("--dpi", type=float, default=96.0, help="resolution: text, lines and markers scale by dpi/96 (max 600)")
    g.add_argument("--paper", choices=("A4", "A3", "Letter"), help="page size instead of --size (PDF, SVG or PNG)")
    g.add_argument("--portrait", action="store_true", help="portrait paper (default landscape)")
    g.add_argument("--title", default="Kursk Atlas", metavar="TEXT", help="title printed on the picture")
    g.add_argument("--subtitle", default="", metavar="TEXT", help="subtitle under the title")
    g.add_argument("--date-stamp", metavar="TEXT", help="date line under the title (default: the shown events' dates)")
    g.add_argument("--legend", action=argparse.BooleanOptionalAction, default=True, help="legend of the shown event types")
    g.add_argument("--banner", default="", metavar="TEXT", help='handling banner at top and bottom, e.g. "UNCLASSIFIED // FOR TRAINING"')
    g.add_argument("--banner-colour", "--banner-color", default="#007a33", metavar="COLOUR", help="banner colour (#rrggbb or a name)")
    g.add_argument("--annotations", action="append", metavar="FILE", help="annotations to draw (.geojson or .kml; repeatable)")
    g.add_argument("--workspace", metavar="FILE", help="a .katlas workspace: its annotations, view and filter")
    g.add_argument("--control", action="append", metavar="DATE|FILE",
                   help="draw the areas of control: of a date (YYYY-MM-DD: the snapshot in force then, from the "
                        "bundled approximate reconstruction unless a FILE is given too) or of a loaded snapshot file "
                        "(DeepStateMap GeoJSON, GeoJSON with status + date, KML/KMZ: its latest snapshot unless a DATE "
                        "is given; the DATE also dates a file that carries none). Repeatable. Without a DATE the areas "
                        "follow the events' dates (--to, each day of --each-day and --animate)")
    g.add_argument("--layer", action="append", metavar="FILE[:KEY=VALUE,...]",
                   help="draw a vector file (GeoPackage, Shapefile or zip, GeoJSON, FlatGeobuf, KML/KMZ, GeoParquet) or "
                        "an OpenStreetMap extract (.osm.pbf: roads, railways, waterways, water, woods, landuse, places "
                        "inside the region) above the basemap, under the events. Options after a colon: layer=NAME "
                        "(one layer or theme), stroke=#rrggbb, width=PX, fill=#rrggbb|none, fill-opacity=0..1, "
                        "opacity=0..1, symbol=circle|square|triangle|diamond|cross, size=PX, label=FIELD, title=TEXT. "
                        "Repeatable, bottom first; the files are named in the attribution")
    s = p.add_argument_group("series")
    s.add_argument("--each-day", nargs=2, type=parse_date, metavar=("FROM", "TO"), help="one picture per day from FROM to TO")
    s.add_argument("--animate", metavar="OUT.gif", help="an animated GIF over the playback range (--each-day, else --from/--to, else all dates)")
    s.add_argument("--step", type=int, default=1, metavar="DAYS", help="days between frames of --animate (default 1)")
    s.add_argument("--window", type=int, default=0, metavar="DAYS", help="--animate shows the last DAYS days of events (default: all since the start)")
    s.add_argument("--frame-ms", type=int, default=400, metavar="MS", help="how long each GIF frame shows (default 400)")


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise CliError(f"{path}: unknown picture type {path.suffix or '(none)'} (use .png, .svg or .pdf, or --format)")
    return suffix


def _read_workspace(path: str) -> dict[str, Any]:
    """The annotations, view and filter of a .katlas file (through the workspace module)."""
    from atlas.workspace import WorkspaceError, read_workspace
    from atlas.workspace import values as wvalues

    out: dict[str, Any] = {}
    try:
        ws = read_workspace(path)
    except WorkspaceError as exc:  # its message names the file already
        raise CliError.from_input(exc) from None
    sec = ws.sections
    if isinstance(sec.get("annotations"), dict) and "value" in sec["annotations"]:
        out["annotations"] = tuple(wvalues.from_json(sec["annotations"]["value"]) or ())
    if isinstance(sec.get("view"), dict) and sec["view"].get("lonlat"):
        out["view"] = tuple(float(v) for v in sec["view"]["lonlat"])
    if isinstance(sec.get("file_layers"), dict):
        from atlas.model import AtlasModel
        from atlas.workspace.file_layers_section import restore_file_layers
        from atlas.workspace.state import Context, using

        holder = AtlasModel()
        ctx = Context(folder=ws.folder)
        with using(ctx):
            restore_file_layers(holder, sec["file_layers"])
        for note in ctx.notes:
            print(note)
        out["file_layers"] = holder.file_layers
    if sec.get("filter") is not None:
        try:
            from atlas.model.filter_json import filter_from_json

            out["filter"] = filter_from_json(sec["filter"])
        except (ImportError, ValueError):
            pass
    return out


def _control_series(values: list[str]) -> tuple[Any, dt.date | None]:
    """The areas of control that ``--control`` names: (series, fixed date or None to follow)."""
    from atlas.control.io import read_control
    from atlas.control.model import ControlSeries
    from atlas.io.report import InputError

    from .areas import BUNDLED_RECONSTRUCTION

    dates: list[dt.date] = []
    files: list[Path] = []
    for v in values:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
            try:
                dates.append(parse_date(v.strip()))
            except argparse.ArgumentTypeError as exc:
                raise CliError(f"--control: {exc}") from None
        else:
            files.append(Path(v))
    if len(dates) > 1:
        raise CliError(f"--control: give at most one date ({', '.join(map(str, dates))} given)")
    date = dates[0] if dates else None
    snaps = []
    for path in files or [BUNDLED_RECONSTRUCTION]:
        try:
            got, _report = read_control(path, as_of=date)
        except InputError as exc:
            hint = " (name its date: --control YYYY-MM-DD)" if type(exc).__name__ == "UndatedError" else ""
            raise CliError.from_input(exc, hint) from None
        snaps += got
    series = ControlSeries.of(snaps)
    if not series:
        raise CliError(f"--control: no areas of control in {', '.join(map(str, files))}", EX_DATAERR)
    if date is not None and series.at(date) is None:
        raise CliError(f"--control {date}: no snapshot on or before that date (the first is {series.dates[0]})",
                       EX_DATAERR)
    return series, date


def _days(a: dt.date, b: dt.date, step: int = 1) -> list[dt.date]:
    if a > b:
        raise CliError(f"the range {a} – {b} ends before it starts")
    n = (b - a).days // step + 1
    if n > MAX_FRAMES:
        raise CliError(f"{n} pictures is too many (at most {MAX_FRAMES}); use a shorter range or a larger --step")
    return [a + dt.timedelta(days=i * step) for i in range(n)]


def _as_date(d: Any) -> dt.date:
    return dt.date.fromisoformat(str(d)[:10])


def _day_path(out: Path, day: dt.date, fmt: str) -> Path:
    s = str(out)
    if "{date}" in s:
        return Path(s.replace("{date}", day.isoformat()))
    return out / f"kursk-atlas-{day.isoformat()}.{fmt}"


def _read_filtered(files: list[str], flt: Any) -> tuple[Any, int] | None:
    """One ACLED CSV read in blocks keeping only the rows the filter passes (atlas/io/csv_stream.py):
    a picture of 10M rows holds the events it draws, not the file. None when the picture needs
    the whole read (no filter, another file, a filter that changes between pictures)."""
    from atlas.io.csv_stream import NotStreamable, stream_csv
    from atlas.io.report import InputError
    from atlas.model import All, EventTable

    if isinstance(flt, All) or len(files) != 1 or Path(files[0]).suffix.lower() not in (".csv", ".tsv", ".txt") \
            or not Path(files[0]).is_file():
        return None
    parts: list[Any] = []

    def sink(table: Any, rows: Any) -> None:
        # Nothing kept: the stream hands over one row of the file that the filter refuses; it
        # stays in the table (hidden by the filter) so the picture credits the file's dataset.
        parts.append(table.take(rows) if len(rows) else table)

    try:
        report = stream_csv(files[0], flt, sink, restart=parts.clear)
    except NotStreamable:
        return None
    except InputError as exc:
        raise CliError.from_input(exc) from None
    table = EventTable.concat(parts) if parts else EventTable.empty()
    return table, report.rows_loaded


def _kept_model(table: Any, read_total: int) -> Any:
    from atlas.model import AtlasModel

    class KeptAtRead(AtlasModel):
        """The events a filter kept as the file was read: the page counts the file's events."""

        @property
        def event_total(self) -> int | None:
            return read_total

    return KeptAtRead(table)


def run(args: argparse.Namespace) -> int:
    if not args.output and not args.animate:
        raise CliError("the following arguments are required: -o/--output (or --animate OUT.gif)")
    if not (24 <= args.dpi <= 600):
        raise CliError(f"--dpi {args.dpi:g} is out of range (24–600)")
    out = Path(args.output) if args.output else None
    each_day = args.each_day
    if args.layout and (each_day or args.animate or out is None):
        raise CliError("--layout describes one picture: not with --each-day or --animate")
    if args.layout and not Path(args.layout).parent.exists():
        raise CliError(f"{Path(args.layout).parent}: no such folder")
    if out is not None:
        if each_day and "{date}" not in str(out):
            if out.exists() and not out.is_dir():
                raise CliError(f"{out}: with --each-day, -o must be a folder or a name with {{date}} in it")
            if not out.parent.exists():
                raise CliError(f"{out.parent}: no such folder")
            fmt = args.format or "png"
        else:
            fmt = _format_of(out, args.format)
            if not out.parent.exists():
                raise CliError(f"{out.parent}: no such folder")
    else:
        fmt = "png"
    if args.animate and not Path(args.animate).parent.exists():
        raise CliError(f"{Path(args.animate).parent}: no such folder")
    if args.animate and not args.animate.lower().endswith(".gif"):
        raise CliError(f"{args.animate}: --animate writes a .gif")

    flt = filter_from_args(args)
    kept = None if (each_day or args.animate or args.focus or args.workspace) else _read_filtered(args.files, flt)
    table, read_total = kept if kept is not None else (load(args.files)[0], None)
    control = _control_series(args.control) if args.control else None
    ws = _read_workspace(args.workspace) if args.workspace else {}
    headless_app()
    from .layer_option import file_layers

    layers = (*ws.get("file_layers", ()), *(file_layers(args.layer) if args.layer else ()))
    from atlas.io.annotations_io import read_annotations
    from atlas.io.report import InputError
    from atlas.model import AtlasModel, DateRange, replace_part
    from atlas.model.filters import All
    from atlas.render.page import ExportError, PageSpec, render_page, write_page
    from atlas.render.gif import write_gif
    from atlas.render.scene import MapScene

    from .views import view_for

    model = AtlasModel(table) if read_total is None else _kept_model(table, read_total)
    if layers:
        from atlas.model.session import new_layer_id

        unique: list[Any] = []
        for lyr in layers:  # a workspace's layer and a --layer may share an id
            unique.append(lyr if lyr.id not in {u.id for u in unique} else lyr.replace(id=new_layer_id(unique, lyr.id)))
        model.set_file_layers(unique)
    if isinstance(flt, All) and ws.get("filter") is not None:
        flt = ws["filter"]
    model.set_filter(flt)
    annotations = list(ws.get("annotations", ()))
    for path in args.annotations or []:
        try:
            items, report = read_annotations(path)
        except InputError as exc:
            raise CliError.from_input(exc) from None
        if report.problems:
            print(report.summary())
        annotations += items
    seen: set[str] = set()
    unique = []
    for a in annotations:  # the same file given twice must not fail on duplicate ids
        unique.append(a if a.id not in seen else a.duplicate())
        seen.add(unique[-1].id)
    model.set_annotations(tuple(unique))
    if args.focus:
        if table.index_of(args.focus) is None:
            raise CliError(f"unknown event id {args.focus!r}")
        model.set_current(args.focus)

    try:
        if args.paper:
            spec = PageSpec.for_paper(args.paper, not args.portrait, args.dpi)
        else:
            w, h = args.size or (1600, 1000)
            spec = PageSpec(width=w, height=h, dpi=args.dpi)
        spec = spec.with_(title=args.title, subtitle=args.subtitle, date_stamp=args.date_stamp, legend=args.legend,
                          banner=args.banner, banner_colour=args.banner_colour)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    scene = MapScene(model)
    if control is not None:
        from atlas.model.session import ControlDisplay
        from atlas.render.control_layer import add_control_layers

        series, control_date = control
        areas, _legend = add_control_layers(scene)
        areas.set_series(series)
        # A DATE holds for every picture; without one the areas follow the events' date range
        # (the page syncs the layer to the model's control date before drawing each picture).
        model.set_control(ControlDisplay(date=control_date, follow=control_date is None))
    view = args.view or ws.get("view")
    try:
        vp = view_for(model, spec.width, spec.height, view=view, focus=args.focus, ui_scale=spec.ui_scale,
                      center=args.center, scale=args.scale)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    base_filter = model.filter
    # The page's pixels are the paper's millimetres at --dpi already (PageSpec.for_paper); the SVG
    # and the PDF also state the paper's exact size (a PNG has only pixels and its dpi).
    paper = args.paper if fmt in ("pdf", "svg") else None

    def at_days(a: dt.date | None, b: dt.date | None) -> None:
        model.set_filter(replace_part(base_filter, DateRange, DateRange(a, b)))

    written = 0
    try:
        if out is not None and each_day:
            if "{date}" not in str(out):
                out.mkdir(exist_ok=True)
            for day in _days(each_day[0], each_day[1]):
                at_days(day, day)
                stamp = args.date_stamp or day.strftime("%A %d %B %Y")
                target = _day_path(out, day, fmt)
                write_page(target, fmt, spec.with_(date_stamp=stamp), scene, model, vp, paper, not args.portrait)
                written += 1
            print(f"wrote {written} pictures ({each_day[0]} – {each_day[1]}) to {out}")
        elif out is not None:
            info = write_page(out, fmt, spec, scene, model, vp, paper, not args.portrait)
            if args.layout and info.layout is not None:
                info.layout.write(args.layout)
                print(f"wrote {args.layout} ({len(info.layout.labels)} names, {len(info.layout.markers)} markers, "
                      f"{len(info.layout.decorations)} decorations)")
            print(f"wrote {out} ({spec.width}x{spec.height}, {len(model.visible_rows):,} of {model.event_total:,} events)")
        if args.animate:
            if each_day:
                start, end = each_day
            else:
                model.set_filter(base_filter)
                span = table.date_span(model.visible_rows)
                start = args.date_from or (_as_date(span[0]) if span else None)
                end = args.date_to or (_as_date(span[1]) if span else None)
                if start is None or end is None:
                    raise CliError("--animate: no dated events to play")
            # Frames go to the file as they are drawn: memory stays one frame, whatever the range.
            with write_gif(Path(args.animate), args.frame_ms) as gif:
                for day in _days(start, end, max(1, args.step)):
                    lo = day - dt.timedelta(days=args.window - 1) if args.window > 0 else start
                    at_days(lo, day)
                    stamp = args.date_stamp or f"{day.isoformat()}  ·  events {lo} – {day}"
                    img, _ = render_page(spec.with_(date_stamp=stamp), scene, model, vp)
                    gif.add(img)
            print(f"wrote {args.animate} ({gif.frames} frames, {start} – {end})")
    except ExportError as exc:
        raise CliError(str(exc)) from None
    return 0
