"""``main.py render``: the map as the GUI draws it, into a picture, headless."""

from __future__ import annotations

import argparse
from pathlib import Path

from .cli_common import CliError, add_filter_options, filter_from_args, headless_app, load, parse_bbox, parse_size

FOCUS_WIDTH_M = 60_000.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png", help="picture to write (PNG)")
    add_filter_options(p)
    p.add_argument("--focus", metavar="EVENT_ID", help="highlight this event and centre the map on it")
    p.add_argument("--view", type=parse_bbox, metavar="LON1,LAT1,LON2,LAT2", help="the map extent (default: the shown events)")
    p.add_argument("--size", type=parse_size, default=(1600, 1000), metavar="WxH", help="picture size in pixels (default 1600x1000)")
    p.add_argument("--title", default="Kursk Atlas", metavar="TEXT", help="title printed on the picture")


def run(args: argparse.Namespace) -> int:
    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise CliError(f"{out}: only .png output is supported")
    if not out.parent.exists():
        raise CliError(f"{out.parent}: no such folder")
    table, _reports = load(args.files)
    flt = filter_from_args(args)
    headless_app()
    from atlas.model import AtlasModel
    from atlas.render.compose import Decorations, render_picture
    from atlas.render.scene import MapScene

    from .render_views import view_for

    model = AtlasModel(table)
    model.set_filter(flt)
    if args.focus:
        if table.index_of(args.focus) is None:
            raise CliError(f"unknown event id {args.focus!r}")
        model.set_current(args.focus)
    scene = MapScene(model)
    w, h = args.size
    vp = view_for(model, w, h, view=args.view, focus=args.focus)
    img = render_picture(model, scene, vp, Decorations(title=args.title))
    if not img.save(str(out)):
        raise CliError(f"{out}: could not write the picture")
    print(f"wrote {out} ({w}x{h}, {len(model.visible_rows):,} of {len(table):,} events)")
    return 0
