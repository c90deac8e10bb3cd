"""``main.py areas``: the geodesic area per control status of each snapshot, optionally clipped."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .cli_common import CliError, parse_date

BUNDLED_RECONSTRUCTION = Path(__file__).resolve().parents[1] / "data" / "control" / "reconstruction.geojson"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from atlas.control.regions import CLI_REGIONS

    p.add_argument("files", nargs="*", metavar="FILE",
                   help="control-area files: DeepStateMap GeoJSON, GeoJSON with status + date, KML/KMZ "
                        "(none: the bundled approximate reconstruction of the Ukrainian-held area)")
    p.add_argument("--clip", choices=CLI_REGIONS, help="only count the area inside this oblast or country")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--date", dest="as_of", type=parse_date, metavar="YYYY-MM-DD",
                   help="the snapshot date of files that carry none (otherwise such a file is an error)")


def run(args: argparse.Namespace) -> int:
    from atlas.control.io import read_control
    from atlas.control.model import STATUS_LABELS, STATUSES, ControlSeries, km2_to_sq_mi
    from atlas.control.regions import RegionError, region_geometry, region_label
    from atlas.io.report import InputError

    paths = [Path(f) for f in args.files] or [BUNDLED_RECONSTRUCTION]
    snaps = []
    for path in paths:
        try:
            s, _report = read_control(path, as_of=args.as_of)
        except InputError as exc:
            hint = " (or pass --date YYYY-MM-DD)" if type(exc).__name__ == "UndatedError" else ""
            raise CliError(f"{exc}{hint}") from None
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
    if args.json:
        print(json.dumps({"clip": args.clip, "clip_label": region_label(args.clip), "method":
                          "geodesic (WGS84 ellipsoid, pyproj.Geod)", "snapshots": rows},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"area of control, km² (geodesic), {region_label(args.clip)}")
    head = f"{'date':<10}  " + "  ".join(f"{STATUS_LABELS[s]:>15}" for s in STATUSES) + "  file"
    print(head)
    for r in rows:
        mark = "  ≈ approximate reconstruction" if r["approximate"] else ""
        print(f"{r['date']:<10}  " + "  ".join(f"{r['areas_km2'][s]:>15,.1f}" for s in STATUSES)
              + f"  {r['file']}{mark}")
    return 0
