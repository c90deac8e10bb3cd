"""The areas-of-control dock in a workspace: which files it shows (with the dates given for undated
ones), the series on the map, clip, date, following, the change and chart settings. Read from and
written to the dock's widgets for now (issue 12 moves this state into the model)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from atlas.control.model import STATUSES
from atlas.control.reconstruction import RECONSTRUCTION
from atlas.control.regions import REGIONS

from .control_panel import ControlAreasPanel, _pydate, _qdate


def capture_control(target: object) -> dict[str, object] | None:
    """The dock's state for a workspace: the files (with the dates given for undated ones), the
    series on the map, clip, date, following, and the change settings."""
    panel = getattr(target, "control_panel", None)
    if not isinstance(panel, ControlAreasPanel):
        return None
    from atlas.workspace import sources as src
    from atlas.workspace.state import context

    ctx = context()
    files = []
    for path, given in panel.files:
        if path.resolve() == RECONSTRUCTION.resolve():
            files.append({"bundled": "control/" + path.name})
            continue
        if not path.is_file():
            ctx.notes.append(f"{path.name}: no longer on disk; left out of the workspace")
            continue
        entry = src.describe(path, ctx)
        if given is not None:
            entry["as_of"] = given.isoformat()
        files.append(entry)
    return {
        "files": files, "source": panel.source, "clip": panel.clip,
        "date": panel.date.isoformat() if panel.date else None, "follow": panel.follow.isChecked(),
        "change": {"from": _pydate(panel.from_edit.date()).isoformat(), "to": _pydate(panel.to_edit.date()).isoformat(),
                   "status": panel.change_status.currentData(), "on_map": panel.change_on_map.isChecked()},
        "chart": [s for s, cb in panel.chart_checks.items() if cb.isChecked()],
    }


def validate_control(data: object) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("files", []), list):
        raise ValueError("control areas: not an object with a list of files")
    if data.get("clip") not in (None, "", *REGIONS):
        raise ValueError(f"control areas: unknown clip region {data.get('clip')!r}")
    for key in ("date",):
        if data.get(key) is not None:
            dt.date.fromisoformat(str(data[key]))
    change = data.get("change") or {}
    if not isinstance(change, dict):
        raise ValueError("control areas: 'change' is not an object")
    for key in ("from", "to"):
        if change.get(key) is not None:
            dt.date.fromisoformat(str(change[key]))
    if change.get("status") not in (None, *STATUSES):
        raise ValueError(f"control areas: unknown status {change.get('status')!r}")


def restore_control(target: object, data: dict[str, object]) -> None:
    panel = getattr(target, "control_panel", None)
    if not isinstance(panel, ControlAreasPanel):
        return
    validate_control(data)
    from atlas.workspace import sources as src
    from atlas.workspace.state import context

    ctx = context()
    panel.clear()
    paths: list[Path] = []
    dates: dict[Path, dt.date] = {}
    for entry in data.get("files", []):  # type: ignore[union-attr]
        if not isinstance(entry, dict):
            continue
        if "bundled" in entry:
            p = RECONSTRUCTION.parent / Path(str(entry["bundled"])).name
            if not p.is_file():
                ctx.notes.append(f"{p.name}: the bundled reconstruction is missing")
                continue
        else:
            found = src.resolve(entry, ctx)
            if found is None:
                continue
            p = Path(found)
        if entry.get("as_of"):
            dates[p] = dt.date.fromisoformat(str(entry["as_of"]))
        paths.append(p)
    errors = panel.load_files(paths, dates) if paths else []
    ctx.notes.extend(errors)
    i = panel.clip_combo.findData(data.get("clip") or "")
    panel.clip_combo.setCurrentIndex(max(i, 0))
    if data.get("source"):
        j = panel.source_combo.findData(data["source"])
        if j >= 0:
            panel.source_combo.setCurrentIndex(j)
    chart = data.get("chart")
    if isinstance(chart, list):
        for s, cb in panel.chart_checks.items():
            cb.setChecked(s in chart)
    change = data.get("change") or {}
    if isinstance(change, dict):
        for key, edit in (("from", panel.from_edit), ("to", panel.to_edit)):
            if change.get(key):
                edit.setDate(_qdate(dt.date.fromisoformat(str(change[key]))))
        k = panel.change_status.findData(change.get("status") or "ukrainian")
        panel.change_status.setCurrentIndex(max(k, 0))
        panel.change_on_map.setChecked(bool(change.get("on_map")))
    if data.get("date"):
        panel.set_date(dt.date.fromisoformat(str(data["date"])))
    panel.follow.setChecked(bool(data.get("follow", True)))
    if panel.follow.isChecked():
        panel._on_time_window()


def register_control_section() -> None:
    from atlas.workspace.state import register_section

    # After the sources (10) and the time window: the dock follows the restored timeline.
    register_section("control_areas", capture_control, restore_control,  # type: ignore[arg-type]
                     validate=validate_control, order=70)
