"""The ``.katlas`` workspace file: JSON with a format tag, a schema version and one member per
registered state section (docs/workspace.md). Pure: no Qt, no widgets.

Reading is defensive (the file is untrusted input): every failure is a :class:`WorkspaceError`
(an :class:`~atlas.io.report.InputError`) whose message names the file and the problem. A file from a
newer schema version is refused; an older one is migrated step by step through :data:`MIGRATIONS`.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas import __version__
from atlas.io.report import InputError

from atlas.io.atomic import atomic_write_bytes
from atlas.io.input_guard import read_input_bytes

FORMAT = "kursk-atlas-workspace"
#: The schema version this code writes. Bump it and add a migration when the layout changes.
VERSION = 1
SUFFIX = ".katlas"
#: Workspaces larger than this are refused (embedded sources make big files; 1 GiB is beyond sane).
MAX_BYTES = 1 << 30


class WorkspaceError(InputError):
    """A workspace file that cannot be opened; the message names the file and says why."""


def _v0_to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (the pre-release layout) kept everything flat:
    ``{"format", "version": 0, "files": [path, ...], "filter": {...}, "selection": [ids],
    "view": [lon1, lat1, lon2, lat2]}``. Version 1 groups state into ``sections``."""
    sections: dict[str, Any] = {}
    files = doc.get("files", [])
    if not isinstance(files, list):
        raise ValueError("'files' is not a list")
    sections["sources"] = {"embed": False, "files": [{"path": str(p)} for p in files]}
    if "filter" in doc:
        sections["filter"] = doc["filter"]
    sel = doc.get("selection")
    if sel is not None:
        if not isinstance(sel, list):
            raise ValueError("'selection' is not a list")
        sections["selection"] = {"ids": [str(s) for s in sel], "current": None}
    view = doc.get("view")
    if view is not None:
        if not (isinstance(view, list) and len(view) == 4):
            raise ValueError("'view' is not [lon1, lat1, lon2, lat2]")
        sections["view"] = {"lonlat": view}
    return {"format": FORMAT, "version": 1, "sections": sections}


#: version N → function turning a version-N document into a version-N+1 document.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}


@dataclass
class Workspace:
    """A parsed, migrated and validated workspace."""

    sections: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: The version the file was written in (smaller than VERSION when it was migrated).
    read_version: int = VERSION
    saved_at: str | None = None
    app_version: str | None = None

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    @property
    def migrated(self) -> bool:
        return self.read_version < VERSION


def migrate(doc: dict[str, Any], where: str | Path | None = None) -> tuple[dict[str, Any], int]:
    """Bring a document to :data:`VERSION`. Returns it with the version it started from."""
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise WorkspaceError(where, "has no integer 'version'; is it a Kursk Atlas workspace?")
    if version > VERSION:
        raise WorkspaceError(
            where,
            f"was saved by a newer Kursk Atlas (workspace version {version}); this version "
            f"({__version__}) reads workspace versions up to {VERSION}. Update Kursk Atlas to open it.",
        )
    if version < min(MIGRATIONS, default=VERSION):
        raise WorkspaceError(where, f"workspace version {version} is older than any this version can migrate")
    start = version
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise WorkspaceError(where, f"no migration from workspace version {version}")
        try:
            doc = step(doc)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise WorkspaceError(where, f"cannot migrate from workspace version {version}: {exc}") from None
        if doc.get("version") != version + 1:
            raise WorkspaceError(where, f"migration from version {version} produced version {doc.get('version')!r}")
        version += 1
    return doc, start


def parse_document(raw: bytes, where: str | Path | None = None) -> Workspace:
    """Bytes → :class:`Workspace` (format checked, migrated, every known section validated)."""
    from .state import validate_sections

    if len(raw) > MAX_BYTES:
        raise WorkspaceError(where, f"is {len(raw) / 2**20:,.0f} MB, more than the {MAX_BYTES / 2**20:,.0f} MB a workspace may have")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise WorkspaceError(where, f"is not UTF-8 text (byte {exc.start}); not a workspace file") from None
    except json.JSONDecodeError as exc:
        raise WorkspaceError(where, f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); damaged or not a workspace") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise WorkspaceError(where, f"is not a readable workspace ({str(exc)[:120]})") from None
    except RecursionError:
        raise WorkspaceError(where, "is nested too deeply to be a workspace") from None
    if not isinstance(doc, dict):
        raise WorkspaceError(where, "is JSON but not a workspace (the top level is not an object)")
    if doc.get("format") != FORMAT:
        raise WorkspaceError(where, f"is JSON but not a Kursk Atlas workspace (format is {str(doc.get('format'))[:60]!r}, expected {FORMAT!r})")
    doc, start = migrate(doc, where)
    sections = doc.get("sections", {})
    if not isinstance(sections, dict):
        raise WorkspaceError(where, "'sections' is not an object")
    validate_sections(sections, where)
    saved_at = doc.get("saved_at")
    app_version = doc.get("app_version")
    return Workspace(
        sections=sections,
        path=Path(where) if where is not None else None,
        read_version=start,
        saved_at=saved_at if isinstance(saved_at, str) else None,
        app_version=app_version if isinstance(app_version, str) else None,
    )


def read_workspace(path: str | Path) -> Workspace:
    path = Path(path)
    try:
        raw = read_input_bytes(path, MAX_BYTES, "workspace")
    except InputError as exc:  # missing, a folder, a device or pipe, too large: one clear message
        raise WorkspaceError(path, exc.what.replace("is a folder, not a file", "is a folder, not a workspace file"),
                             exc.kind) from None
    ws = parse_document(raw, path)
    ws.path = path.resolve()
    return ws


def dump_document(sections: dict[str, Any]) -> bytes:
    """The bytes of a workspace holding ``sections`` (UTF-8 JSON, stable key order)."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "app_version": __version__,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "sections": sections,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def write_workspace(path: str | Path, sections: dict[str, Any]) -> None:
    """Write atomically: the old file stays intact until the new one is complete on disk."""
    atomic_write_bytes(path, dump_document(sections))
