"""``main.py inspect``: what files hold and what was wrong with them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .common import load


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def summary(files: list[str]) -> dict[str, Any]:
    table, reports = load(files)
    span = table.date_span()
    bbox = table.bbox()
    problems = []
    for r in reports:
        name = Path(r.path).name
        for pr in r.problems:
            problems.append({"where": f"{name} {pr.where}", "what": pr.what, "action": pr.action})
    return {
        "events": len(table),
        "with_coordinates": int(table.has_coords.sum()),
        "date_min": str(span[0]) if span else None,
        "date_max": str(span[1]) if span else None,
        "bbox": [round(v, 6) for v in bbox] if bbox else None,
        "types": dict(sorted(table.counts("event_type").items(), key=lambda kv: (-kv[1], kv[0]))),
        "problems": problems,
        "files": [r.as_dict() | {"problems": len(r.problems)} for r in reports],
    }


def run(args: argparse.Namespace) -> int:
    info = summary(args.files)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    print(f"{info['events']:,} events, {info['with_coordinates']:,} with coordinates")
    print(f"dates: {info['date_min']} .. {info['date_max']}")
    print(f"bbox:  {info['bbox']}")
    print("types:")
    for k, v in info["types"].items():
        print(f"  {v:>8,}  {k or '(none)'}")
    for f in info["files"]:
        print(f"{f['path']} ({f['format']}): {f['rows_loaded']:,} of {f['rows_read']:,} rows loaded, {f['problems']:,} problems")
        for note in f["notes"]:
            print(f"  note: {note}")
    for pr in info["problems"][:200]:
        print(f"  {pr['where']}: {pr['what']} ({pr['action']})")
    if len(info["problems"]) > 200:
        print(f"  … {len(info['problems']) - 200:,} more (use --json for all)")
    return 0
