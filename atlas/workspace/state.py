"""The registry of workspace state sections.

Each piece of state a workspace keeps is a *section*: a key, ``capture(target) -> JSON-able`` (None
leaves the section out), ``restore(target, data)``, and an optional pure ``validate(data)`` that
raises ``ValueError`` for data it cannot restore. ``target`` is the :class:`AtlasModel`: a workspace
is the model's session state and nothing else (no widget is read or written). Reading event files
goes through :attr:`Context.load_events` (the window's loader, with its import report) when set.

Features add their own sections with :func:`register_section`; the built-in ones live in
``atlas/workspace/sections.py``. Sections restore in ``order`` (sources first: the rest refers to
the loaded events). A section that fails to capture or restore is logged and reported but never
stops the others: saving never loses the rest of the work. Sections a workspace holds but this
version has no provider for are written back unchanged.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    key: str
    capture: Callable[[Any], Any]
    restore: Callable[[Any, Any], None]
    validate: Callable[[Any], None] | None = None
    order: int = 100


SECTIONS: dict[str, Section] = {}


def register_section(
    key: str,
    capture: Callable[[Any], Any],
    restore: Callable[[Any, Any], None],
    *,
    validate: Callable[[Any], None] | None = None,
    order: int = 100,
) -> Section:
    """Add (or replace) the section ``key``. Returns it."""
    sec = Section(key, capture, restore, validate, order)
    SECTIONS[key] = sec
    return sec


def ordered_sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.key))


def model_of(target: Any) -> Any:
    """The AtlasModel of a window, or the target itself when it is a model."""
    return getattr(target, "model", target)


# ---------------------------------------------------------------------------- context
#: What a source needs to be resolved: the user's answer for a missing or changed file.
#: ``(entry, problem, found) -> Path | None`` where problem is "missing" or "changed" and found is
#: a candidate path (same content found elsewhere, or the changed file); None means skip the file.
SourceResolver = Callable[[dict[str, Any], str, "Path | None"], "Path | None"]


def _never_relink(entry: dict[str, Any], problem: str, found: Path | None) -> Path | None:
    return None


@dataclass
class Context:
    """Save/load parameters the sections read (set for the duration of a capture or restore)."""

    folder: Path | None = None  # the workspace's folder: source paths are relative to it
    embed: bool = False  # embed source bytes in the workspace
    resolve_source: SourceResolver = _never_relink
    #: path → {"sha256", "size"} recorded when the file was loaded (what the table really holds).
    source_hashes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: where embedded sources are unpacked to be read
    embedded_dir: Path | None = None
    notes: list[str] = field(default_factory=list)
    #: reads event files into the model (the window's loader); None reads them here
    load_events: Callable[[list[Path]], bool] | None = None
    #: opens a shared store in the window (its database feature: status, live updates, and the
    #: store's local cache when the server cannot be reached); returns an error or None.
    #: None connects here, without a cache to fall back on.
    open_store: Callable[[str], str | None] | None = None


_CTX: contextvars.ContextVar[Context] = contextvars.ContextVar("workspace_context")


def context() -> Context:
    try:
        return _CTX.get()
    except LookupError:
        return Context()


@contextmanager
def using(ctx: Context) -> Iterator[Context]:
    token = _CTX.set(ctx)
    try:
        yield ctx
    finally:
        _CTX.reset(token)


# ---------------------------------------------------------------------------- capture / restore / validate
def capture_all(target: Any, ctx: Context | None = None, preserved: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every section's state. ``preserved`` (sections with no provider here) are carried over."""
    ctx = ctx or context()
    out: dict[str, Any] = {}
    for key, data in (preserved or {}).items():
        if key not in SECTIONS:
            out[key] = data
    with using(ctx):
        for sec in ordered_sections():
            try:
                data = sec.capture(target)
                if data is None:
                    # Nothing here to save (a feature absent in this version): keep what the file had.
                    if preserved and sec.key in preserved:
                        out[sec.key] = preserved[sec.key]
                    continue
                json.dumps(data, allow_nan=False)  # fail here, per section, not in the writer
            except Exception as exc:  # one broken section must not lose the others
                log.exception("workspace section %r could not be saved", sec.key)
                ctx.notes.append(f"{sec.key}: not saved ({type(exc).__name__}: {exc})")
                if preserved and sec.key in preserved:
                    out[sec.key] = preserved[sec.key]
                continue
            out[sec.key] = data
    return out


def restore_all(target: Any, sections: dict[str, Any], ctx: Context | None = None) -> list[str]:
    """Restore every section present, in order. Returns notes on what could not be restored."""
    ctx = ctx or context()
    with using(ctx):
        for sec in ordered_sections():
            if sec.key not in sections:
                continue
            try:
                sec.restore(target, sections[sec.key])
            except Exception as exc:
                log.exception("workspace section %r could not be restored", sec.key)
                ctx.notes.append(f"{sec.key}: not restored ({type(exc).__name__}: {exc})")
    return ctx.notes


def unknown_sections(sections: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sections.items() if k not in SECTIONS}


def validate_sections(sections: dict[str, Any], where: str | Path | None) -> None:
    """Run every section's validator; the first failure becomes a WorkspaceError."""
    from .document import WorkspaceError

    for sec in ordered_sections():
        if sec.validate is None or sec.key not in sections:
            continue
        try:
            sec.validate(sections[sec.key])
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, AssertionError) as exc:
            raise WorkspaceError(where, f"section '{sec.key}' is damaged: {exc}") from None
        except RecursionError:
            raise WorkspaceError(where, f"section '{sec.key}' is nested too deeply") from None
