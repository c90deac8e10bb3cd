"""Render one view to PNG, SVG and PDF and compare what other programs draw from the SVG
(rsvg-convert, QtSvg) and the PDF (pdftoppm) with our PNG, pixel by pixel (atlas.render.pixel_compare).

    python tools/compare_formats.py [FILE ...] [--out FOLDER] [--view LON1,LAT1,LON2,LAT2]
                                    [--size WxH] [--dpi DPI] [--title TEXT] [--banner TEXT]
                                    [--control DATE|FILE]

Writes page.png/.svg/.pdf, each program's picture, a diff picture per pair (red = different) and
report.json into the folder (default out/compare-formats); exits 1 when a pair is over tolerance.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from atlas.cli.common import headless_app, load, parse_bbox, parse_size  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="compare_formats", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    ap.add_argument("--out", default="out/compare-formats", metavar="FOLDER")
    ap.add_argument("--view", type=parse_bbox, metavar="LON1,LAT1,LON2,LAT2", help="map extent (default: the events)")
    ap.add_argument("--size", type=parse_size, default=(1200, 800), metavar="WxH")
    ap.add_argument("--dpi", type=float, default=96.0)
    ap.add_argument("--title", default="Kursk Atlas")
    ap.add_argument("--banner", default="")
    ap.add_argument("--control", action="append", metavar="DATE|FILE", help="areas of control, as render --control")
    ap.add_argument("--mean-abs", type=float, help="tolerance: mean |diff| in levels")
    ap.add_argument("--levels", type=int, help="tolerance: a pixel differs above this many levels")
    ap.add_argument("--share", type=float, help="tolerance: share of differing pixels (0-1)")
    args = ap.parse_args(argv)

    table, _ = load(args.files)
    headless_app()
    from dataclasses import replace

    from atlas.cli.views import view_for
    from atlas.model import AtlasModel
    from atlas.render.page import PageSpec
    from atlas.render.pixel_compare import Tolerance, check_formats
    from atlas.render.scene import MapScene

    model = AtlasModel(table)
    w, h = args.size
    spec = PageSpec(width=w, height=h, dpi=args.dpi, title=args.title, banner=args.banner)
    vp = view_for(model, w, h, view=args.view, ui_scale=spec.ui_scale)
    tol = Tolerance()
    for name in ("mean_abs", "levels", "share"):
        if getattr(args, name) is not None:
            tol = replace(tol, **{name: getattr(args, name)})
    scene = MapScene(model)
    if args.control:
        from atlas.cli.render import _control_series
        from atlas.model.session import ControlDisplay
        from atlas.render.control_layer import add_control_layers

        series, date = _control_series(args.control)
        areas, _legend = add_control_layers(scene)
        areas.set_series(series)
        model.set_control(ControlDisplay(date=date, follow=date is None))
    result = check_formats(args.out, spec, scene, model, vp, tol)
    print(result.report())
    print(f"pictures and diffs in {result.folder}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
