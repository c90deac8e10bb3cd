"""Polygons in an events file, read as areas of control.

An analyst's KML often mixes points (events) with polygons (who holds what). The events reader
counts the polygon placemarks (``ImportReport.area_placemarks``); the window then reads the same
file with the control-area reader (atlas/control/io.py: status from the style id, name or a
``status`` field; the file's PolyStyle colours kept) and adds it to the session's control files,
so the Areas-of-control dock and layer show it like any control file. Plain data, no widget.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from atlas.io.report import ImportReport, InputError

from .io import UndatedError, read_control
from .model import ControlSnapshot

#: Event files whose polygons can be areas of control.
AREA_SUFFIXES = (".kml", ".kmz")


@dataclass(frozen=True)
class AreasFound:
    """What the polygons of one events file gave: snapshots on the map, or why not."""

    path: Path
    snapshots: tuple[ControlSnapshot, ...] = ()
    #: the date given to a file that names none (the latest event date in it); None: the file's own
    as_of: dt.date | None = None
    error: str = ""
    #: polygons read (the control reader's loaded rows: one per polygon of the file)
    count: int = 0

    @property
    def coloured(self) -> bool:
        return any(s.colours for s in self.snapshots)

    @property
    def source(self) -> str | None:
        return (self.snapshots[-1].source or self.snapshots[-1].label) if self.snapshots else None


def has_areas(report: ImportReport) -> bool:
    return report.area_placemarks > 0 and Path(report.path).suffix.lower() in AREA_SUFFIXES


def read_areas(path: str | Path, latest_event: dt.date | None = None) -> AreasFound:
    """The file's polygons as control snapshots. A file with no date of its own (no TimeStamp,
    none in its name) shows the situation of its latest event, when it has dated events."""
    p = Path(path)
    try:
        try:
            snaps, report = read_control(p)
            return AreasFound(p, tuple(snaps), count=report.rows_loaded)
        except UndatedError:
            if latest_event is None:
                return AreasFound(p, error="its areas carry no date (no TimeStamp, none in the file name) and "
                                           "no event in it is dated: open it through File ▸ Areas of control "
                                           "to give one")
            snaps, report = read_control(p, as_of=latest_event)
            return AreasFound(p, tuple(snaps), as_of=latest_event, count=report.rows_loaded)
    except InputError as exc:
        return AreasFound(p, error=exc.what)


def areas_note(found: AreasFound) -> str:
    """The import report's line about the areas."""
    if found.error:
        return f"areas not imported: {found.error}"
    n = found.count
    text = f"{n:,} area{'s' if n != 1 else ''} imported as areas of control"
    if found.coloured:
        text += " (colours from the file)"
    if found.as_of is not None:
        text += f", dated {found.as_of.isoformat()} (the latest event: the file gives no date)"
    return text + "; shown in the Areas of control dock"
