"""The areas of control in a workspace: ``model.control`` (a ControlDisplay) as JSON. The files
are recorded like event sources (relative path, hash, size; the bundled reconstruction by name),
with the date the user gave for an undated file; the rest is the display: the series on the map,
clip, date, following, the change and the chart.

Only the model is read and written: the dock reads the files the restored state names itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from atlas.control.reconstruction import RECONSTRUCTION
from atlas.model.session import CLIP_REGIONS, CONTROL_STATUSES, ControlDisplay, ControlFile

from . import sources as src
from .state import context, model_of, register_section

def _bundled_dir() -> Path:
    """Where the bundled reconstruction lives (recorded by name, not by path)."""
    return RECONSTRUCTION.parent


def capture_control(target: Any) -> dict[str, Any] | None:
    c: ControlDisplay = model_of(target).control
    ctx = context()
    bundled = _bundled_dir().resolve()
    files: list[dict[str, Any]] = []
    for f in c.files:
        path = Path(f.path)
        if path.resolve().parent == bundled:
            files.append({"bundled": "control/" + path.name})
            continue
        if not path.is_file():
            ctx.notes.append(f"{path.name}: no longer on disk; left out of the workspace")
            continue
        entry = src.describe(path, ctx)
        if f.as_of is not None:
            entry["as_of"] = f.as_of.isoformat()
        files.append(entry)
    return {
        "files": files, "source": c.source, "clip": c.clip,
        "date": c.date.isoformat() if c.date else None, "follow": c.follow,
        "change": {"from": c.change_from.isoformat(), "to": c.change_to.isoformat(),
                   "status": c.change_status, "on_map": c.change_on_map},
        "chart": list(c.chart), "chart_sum": c.chart_sum, "chart_claims": c.chart_claims,
    }


def validate_control(data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("files", []), list):
        raise ValueError("control areas: not an object with a list of files")
    if data.get("clip") not in (None, *CLIP_REGIONS):
        raise ValueError(f"control areas: unknown clip region {data.get('clip')!r}")
    if data.get("date") is not None:
        dt.date.fromisoformat(str(data["date"]))
    if data.get("source") is not None and not isinstance(data["source"], str):
        raise ValueError("control areas: 'source' is not text")
    change = data.get("change") or {}
    if not isinstance(change, dict):
        raise ValueError("control areas: 'change' is not an object")
    for key in ("from", "to"):
        if change.get(key) is not None:
            dt.date.fromisoformat(str(change[key]))
    if change.get("status") not in (None, *CONTROL_STATUSES):
        raise ValueError(f"control areas: unknown status {change.get('status')!r}")
    chart = data.get("chart")
    if chart is not None and (not isinstance(chart, list) or any(s not in CONTROL_STATUSES for s in chart)):
        raise ValueError("control areas: 'chart' is not a list of statuses")
    for entry in data.get("files", []):
        if isinstance(entry, dict) and entry.get("as_of") is not None:
            dt.date.fromisoformat(str(entry["as_of"]))


def restore_control(target: Any, data: dict[str, Any]) -> None:
    validate_control(data)
    ctx = context()
    files: list[ControlFile] = []
    for entry in data.get("files", []):
        if not isinstance(entry, dict):
            continue
        if "bundled" in entry:
            p = _bundled_dir() / Path(str(entry["bundled"])).name
            if not p.is_file():
                ctx.notes.append(f"{p.name}: the bundled reconstruction is missing")
                continue
        else:
            found = src.resolve(entry, ctx)
            if found is None:
                continue
            p = Path(found)
        as_of = dt.date.fromisoformat(str(entry["as_of"])) if entry.get("as_of") else None
        files.append(ControlFile(str(p), as_of))
    change = data.get("change") or {}
    base = ControlDisplay()
    day = lambda v, d: dt.date.fromisoformat(str(v)) if v else d  # noqa: E731
    value = dataclasses.replace(
        base, files=tuple(files), source=data.get("source") or None, clip=data.get("clip") or "",
        date=day(data.get("date"), None), follow=bool(data.get("follow", True)),
        change_from=day(change.get("from"), base.change_from), change_to=day(change.get("to"), base.change_to),
        change_status=change.get("status") or base.change_status, change_on_map=bool(change.get("on_map")),
        chart=tuple(data["chart"]) if isinstance(data.get("chart"), list) else base.chart,
        chart_sum=bool(data.get("chart_sum", True)), chart_claims=bool(data.get("chart_claims", True)))
    model = model_of(target)
    model.set_control(value)
    # The dock drops files it could not read from the state; say which.
    kept = {f.path for f in model.control.files}
    for f in files:
        if f.path not in kept:
            ctx.notes.append(f"{Path(f.path).name}: could not be read; left off the map")


# After the sources (10) and the time window (60): following restores against the timeline.
register_section("control_areas", capture_control, restore_control, validate=validate_control, order=70)
