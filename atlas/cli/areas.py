"""``main.py areas``: the geodesic area per control status of each snapshot, optionally clipped.

Without files it lists the dataset's dated area claims by kind of source (Ukrainian claims, Russian
claims, independent estimates) and ``--chart`` draws them; the bundled reconstruction is a model and
only used when asked for (``--reconstruction``), drawn on the chart as a range."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import CliError, parse_date, parse_size

BUNDLED_RECONSTRUCTION = Path(__file__).resolve().parents[2] / "data" / "control" / "reconstruction.geojson"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from atlas.control.regions import CLI_REGIONS

    p.add_argument("files", nargs="*", metavar="FILE",
                   help="control-area files: DeepStateMap GeoJSON, GeoJSON with status + date, KML/KMZ, GeoPackage "
                        "(none: the dataset's area claims only)")
    p.add_argument("--reconstruction", action="store_true",
                   help="also use the bundled MODEL of the Ukrainian-held area (an approximate reconstruction "
                        "from dated settlements, not a survey; the chart draws it as the range of its parameters)")
    p.add_argument("--clip", choices=CLI_REGIONS, help="only count the area inside this oblast or country")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--date", dest="as_of", type=parse_date, metavar="YYYY-MM-DD",
                   help="the snapshot date of files that carry none (otherwise such a file is an error)")
    g = p.add_argument_group("change, pictures (the GUI's chart and map, drawn headless) and export")
    g.add_argument("--chart", metavar="OUT.png", help="draw the area-over-time chart with the dataset's claims")
    g.add_argument("--map", metavar="OUT.png", help="draw the map with the snapshot in force on --at")
    g.add_argument("--at", type=parse_date, metavar="YYYY-MM-DD", help="the map's date (default: the last snapshot)")
    g.add_argument("--change", type=_date_pair, metavar="FROM,TO",
                   help="print the Ukrainian-held area gained and lost between two dates (and draw it on --map)")
    g.add_argument("--export", metavar="OUT.gpkg|OUT.geojson|OUT.kml|OUT.kmz",
                   help="write the series (and the --change) as GeoPackage, GeoJSON, KML or KMZ, clipped like the areas")
    g.add_argument("--size", type=parse_size, default=(1400, 1000), metavar="WxH", help="picture size (default 1400x1000)")


def _date_pair(text: str) -> tuple[object, object]:
    parts = text.replace(":", ",").split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r} is not FROM,TO (two YYYY-MM-DD dates)")
    return parse_date(parts[0].strip()), parse_date(parts[1].strip())


def run(args: argparse.Namespace) -> int:
    from atlas.control.io import read_control
    from atlas.control.model import STATUS_LABELS, STATUSES, ControlSeries, km2_to_sq_mi
    from atlas.control.regions import RegionError, region_geometry, region_label
    from atlas.io.report import InputError

    paths = [Path(f) for f in args.files] + ([BUNDLED_RECONSTRUCTION] if args.reconstruction else [])
    if not paths and (args.map or args.change or args.export):
        raise CliError("--map, --change and --export need areas: give control-area FILES or --reconstruction")
    snaps = []
    for path in paths:
        try:
            s, _report = read_control(path, as_of=args.as_of)
        except InputError as exc:
            hint = " (or pass --date YYYY-MM-DD)" if type(exc).__name__ == "UndatedError" else ""
            raise CliError.from_input(exc, hint) from None
        snaps += s
    try:
        region = region_geometry(args.clip) if args.clip else None
    except RegionError as exc:
        raise CliError(str(exc)) from None
    series = ControlSeries.of(snaps)
    rows = []
    for snap in series:
        km2 = snap.areas_km2(region)
        rows.append({
            "date": snap.as_of.isoformat(),
            "file": snap.label,
            "source": snap.source,
            "approximate": snap.approximate,
            "clip": args.clip,
            "areas_km2": {s: round(km2[s], 2) for s in STATUSES},
            "areas_sq_mi": {s: round(km2_to_sq_mi(km2[s]), 2) for s in STATUSES},
        })
    change = None
    if args.change:
        ch = series.change(args.change[0], args.change[1], "ukrainian", region)
        if ch is None:
            raise CliError(f"no snapshot on or before {args.change[0]} (the first is {series.dates[0]})")
        a, b = series.at(args.change[0]), series.at(args.change[1])
        change = {"status": "ukrainian", "from": str(args.change[0]), "to": str(args.change[1]),
                  "snapshot_from": a.as_of.isoformat() if a else None, "snapshot_to": b.as_of.isoformat() if b else None,
                  "gained_km2": round(ch.gained_km2, 2), "lost_km2": round(ch.lost_km2, 2), "net_km2": round(ch.net_km2, 2),
                  "gained_sq_mi": round(km2_to_sq_mi(ch.gained_km2), 2), "lost_sq_mi": round(km2_to_sq_mi(ch.lost_km2), 2)}
    for out in (args.chart, args.map):
        if out and (Path(out).suffix.lower() != ".png" or not Path(out).parent.exists()):
            raise CliError(f"{out}: give a .png file in an existing folder")
    if args.export:
        from atlas.control.export import ExportError, change_features, export, series_features

        layers = {"series": series_features(series, region, args.clip)}
        if args.change:
            layers["change"] = change_features(
                series.change(args.change[0], args.change[1], "ukrainian", region), args.clip)  # type: ignore[arg-type]
        try:
            msg = export(args.export, layers, {"name": "kursk_atlas_control_areas", "clip": args.clip or ""})
        except (ExportError, OSError) as exc:
            raise CliError(str(exc)) from None
        print(msg, file=sys.stderr if args.json else sys.stdout)
    if args.chart or args.map:
        from .areas_pictures import draw_chart, draw_map

        if args.chart:
            draw_chart(paths, snaps, args.clip, args.chart, args.size)
        if args.map:
            draw_map(series, region, args.clip, args.at, args.change, args.map, args.size)
    claims = _claims() if not paths else []
    if args.json:
        doc = {"clip": args.clip, "clip_label": region_label(args.clip), "method":
               "geodesic (WGS84 ellipsoid, pyproj.Geod)", "snapshots": rows}
        if change:
            doc["change"] = change
        if not paths:
            doc["claims"] = [_claim_json(c) for c in claims]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    if not paths:
        _print_claims(claims)
        for out in (args.chart,):
            if out:
                print(f"wrote {out}")
        return 0
    print(f"area of control, km² (geodesic), {region_label(args.clip)}")
    head = f"{'date':<10}  " + "  ".join(f"{STATUS_LABELS[s]:>15}" for s in STATUSES) + "  file"
    print(head)
    for r in rows:
        mark = "  ≈ MODEL: approximate reconstruction, not a survey" if r["approximate"] else ""
        print(f"{r['date']:<10}  " + "  ".join(f"{r['areas_km2'][s]:>15,.1f}" for s in STATUSES)
              + f"  {r['file']}{mark}")
    if change:
        print(f"Ukrainian-held {region_label(args.clip)}, {change['from']} → {change['to']} (snapshots "
              f"{change['snapshot_from']} → {change['snapshot_to']}): gained {change['gained_km2']:,.1f} km², "
              f"lost {change['lost_km2']:,.1f} km² ({change['lost_sq_mi']:,.1f} sq mi), net {change['net_km2']:+,.1f} km²")
    for out in (args.chart, args.map):
        if out:
            print(f"wrote {out}")
    return 0


def _claims() -> list:
    from atlas.control.claims import area_claims
    from atlas.io import BUNDLED_EVENTS, read_events

    table, _ = read_events(BUNDLED_EVENTS)
    return area_claims(table)


def _claim_json(c: object) -> dict[str, object]:
    return {"event_id": c.event_id, "date": c.date.isoformat(), "date_precision": c.date_precision,  # type: ignore[attr-defined]
            "km2": c.km2, "kind": c.kind, "source_kind": c.source_kind, "claimed_by": c.claimed_by,  # type: ignore[attr-defined]
            "label": c.label, "title": c.title, "sources": list(c.sources)}  # type: ignore[attr-defined]


def _print_claims(claims: list) -> None:
    from atlas.control.claims import SOURCE_KIND_LABELS

    print("area held by Ukraine in Kursk oblast, as claimed or estimated (km²), dated when said; "
          "no files given, so no areas are computed (--reconstruction adds the bundled model)")
    print(f"{'date':<10}  {'km²':>7}  {'kind of source':<22}  {'who':<26}  event")
    for c in claims:
        kind = SOURCE_KIND_LABELS[c.source_kind] + ("" if c.kind == "held" else ", change")
        approx = "~" if c.date_precision > 1 else " "
        print(f"{c.date.isoformat():<10}{approx} {c.km2:>7,.0f}  {kind:<22}  {c.label[:26]:<26}  {c.event_id}")
