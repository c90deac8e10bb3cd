"""What the areas-of-control feature has read: the series per source, read from the files the
session's :class:`~atlas.model.session.ControlDisplay` names, with the clipped series and areas
kept for the region chosen. Plain data and file reading, no widget: the dock shows it, a test or
a script uses it directly.

Files are read in the order the state lists them; the state is the truth. When it names files
this store has not read (a workspace opened), :meth:`sync` reads them; when it drops or reorders
files, the store starts over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from atlas.io.report import ImportReport, InputError
from atlas.model.session import ControlFile

from .io import UndatedError, read_control
from .model import ControlSeries, ControlSnapshot
from .regions import region_geometry

#: ``ask(path) -> date | None``: the date an undated file shows (None: skip the file).
AskDate = Callable[[Path], "dt.date | None"]


class LoadedControl:
    def __init__(self) -> None:
        #: source label → its series (files of one source make one series; each is a chart line)
        self.groups: dict[str, ControlSeries] = {}
        self.reports: list[ImportReport] = []
        #: the files read into :attr:`groups`, as the state names them
        self.files: tuple[ControlFile, ...] = ()
        self._clipped: dict[tuple[str, str], ControlSeries] = {}
        self._areas: dict[tuple[int, str], dict[str, float]] = {}

    def clear(self) -> None:
        self.groups.clear()
        self.reports.clear()
        self.files = ()
        self._clipped.clear()
        self._areas.clear()  # keyed by id(): ids of dropped snapshots get reused

    def read(self, paths: Sequence[str | Path], dates: dict[Path, dt.date] | None = None,
             ask: AskDate | None = None) -> tuple[list[ControlSnapshot], list[ControlFile], list[str]]:
        """Read files (an undated one takes its date from ``dates``, else ``ask``; none: skipped).
        Returns the snapshots, the files as the state will name them, and one message per file
        that could not be read. Adds nothing: see :meth:`add`."""
        errors: list[str] = []
        snaps: list[ControlSnapshot] = []
        read: list[ControlFile] = []
        for path in paths:
            p = Path(path)
            given = (dates or {}).get(p)
            try:
                try:
                    s, report = read_control(p)
                    given = None
                except UndatedError:
                    day = given or (ask(p) if ask is not None else None)
                    if day is None:
                        errors.append(f"{p.name}: skipped (no date given)")
                        continue
                    s, report = read_control(p, as_of=day)
                    given = day
            except InputError as exc:
                errors.append(str(exc))
                continue
            except Exception as exc:  # a reader bug must not take the app down
                errors.append(f"{p}: unexpected error ({type(exc).__name__}: {exc})")
                continue
            snaps += s
            self.reports.append(report)
            read.append(ControlFile(str(p), given))
        return snaps, read, errors

    def add(self, snaps: list[ControlSnapshot], files: Sequence[ControlFile]) -> None:
        for snap in snaps:
            src = snap.source or snap.label
            self.groups[src] = self.groups.get(src, ControlSeries()).merged([snap])
        self.files = (*self.files, *files)
        self._clipped.clear()
        self._areas.clear()

    def sync(self, want: tuple[ControlFile, ...]) -> list[str]:
        """Make what is read match ``want`` (the state's files). Returns the read errors; files
        that failed are missing from :attr:`files` afterwards (the caller drops them from the state)."""
        if want == self.files:
            return []
        if want[:len(self.files)] != self.files:
            self.clear()
        todo = want[len(self.files):]
        snaps, read, errors = self.read([f.path for f in todo], {Path(f.path): f.as_of for f in todo if f.as_of})
        self.add(snaps, read)
        return errors

    def series(self, source: str | None, clip: str = "") -> ControlSeries:
        """The series of ``source``, clipped to the region ``clip`` ("" for none)."""
        if source is None or source not in self.groups:
            return ControlSeries()
        key = (source, clip)
        if key not in self._clipped:
            region = region_geometry(clip) if clip else None
            base = self.groups[source]
            self._clipped[key] = base if region is None else ControlSeries.of(s.clipped(region) for s in base)
        return self._clipped[key]

    def areas(self, snap: ControlSnapshot, clip: str = "") -> dict[str, float]:
        """Geodesic km² per status of a (clipped) snapshot, kept."""
        key = (id(snap), clip)
        if key not in self._areas:
            self._areas[key] = snap.areas_km2()
        return self._areas[key]
