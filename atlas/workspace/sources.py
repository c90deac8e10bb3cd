"""Source files in a workspace: relative paths plus a SHA-256 of the content, or the bytes embedded.

A source is found again by its path relative to the workspace, then by its original absolute path.
If neither holds the same bytes (moved, edited, replaced), the user is asked through the context's
``resolve_source``: a file is never silently swapped for another. Files with the same content found
near the workspace are offered as a suggestion, not used on their own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import zlib
from pathlib import Path
from typing import Any

from atlas.io import BUNDLED_EVENTS

from atlas.io.atomic import atomic_write_bytes
from .state import Context

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: The largest source that may be embedded in a workspace (the file is JSON; base64 grows it by 1/3).
MAX_EMBED_BYTES = 256 << 20
#: How many files near the workspace are hashed when looking for a moved source.
MAX_CANDIDATES = 200


def sha256_file(path: str | Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _rel(path: Path, folder: Path | None) -> str:
    if folder is None:
        return path.as_posix()
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return path.as_posix()


def describe(path: str | Path, ctx: Context) -> dict[str, Any]:
    """The workspace entry for a loaded source file."""
    p = Path(path).resolve()
    known = ctx.source_hashes.get(str(p))
    if known is None:
        sha, size = sha256_file(p)
    else:
        sha, size = known["sha256"], known["size"]
    if p == BUNDLED_EVENTS.resolve():
        return {"bundled": "events/" + p.name, "sha256": sha, "size": size}
    entry: dict[str, Any] = {"path": _rel(p, ctx.folder), "abs": str(p), "name": p.name, "sha256": sha, "size": size}
    if ctx.embed:
        raw = p.read_bytes()
        if len(raw) > MAX_EMBED_BYTES:
            ctx.notes.append(f"{p.name}: {len(raw) / 2**20:,.0f} MB is too large to embed; saved as a path")
        elif hashlib.sha256(raw).hexdigest() != sha:
            ctx.notes.append(f"{p.name}: changed on disk since it was loaded; saved as a path, not embedded")
        else:
            entry["encoding"] = "zlib+base64"
            entry["embedded"] = base64.b64encode(zlib.compress(raw, 6)).decode("ascii")
    return entry


def _usable_name(s: str) -> bool:
    if "\x00" in s or len(s) > 4096:
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_entry(e: Any, i: int) -> None:
    where = f"files[{i}]"
    if not isinstance(e, dict):
        raise ValueError(f"{where} is not an object")
    if not any(k in e for k in ("path", "bundled", "embedded")):
        raise ValueError(f"{where} has no 'path', 'bundled' or 'embedded'")
    for k in ("path", "abs", "name", "bundled", "embedded", "encoding"):
        if k in e and not isinstance(e[k], str):
            raise ValueError(f"{where}.{k} is not text")
    if "path" in e and not e["path"]:
        raise ValueError(f"{where}.path is empty")
    for k in ("path", "abs", "name", "bundled"):
        if k in e and not _usable_name(e[k]):
            raise ValueError(f"{where}.{k} is not a usable file name (NUL or unpaired surrogate)")
    if "sha256" in e and not (isinstance(e["sha256"], str) and _HEX64.match(e["sha256"])):
        raise ValueError(f"{where}.sha256 is not 64 hex digits")
    if "size" in e and (isinstance(e["size"], bool) or not isinstance(e["size"], int) or e["size"] < 0):
        raise ValueError(f"{where}.size is not a byte count")
    if "embedded" in e:
        if e.get("encoding") != "zlib+base64":
            raise ValueError(f"{where}: unknown embedding {str(e.get('encoding'))[:40]!r}")
        if "sha256" not in e:
            raise ValueError(f"{where}: an embedded source needs its sha256")
        if len(e["embedded"]) > MAX_EMBED_BYTES * 2:
            raise ValueError(f"{where}: embedded data too large")


def validate(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    files = data.get("files", [])
    if not isinstance(files, list):
        raise ValueError("'files' is not a list")
    for i, e in enumerate(files):
        validate_entry(e, i)


def _unembed(entry: dict[str, Any], ctx: Context) -> Path | None:
    """Bytes of an embedded source, checked against its hash, unpacked to a cache file."""
    name = Path(entry.get("name") or "embedded.geojson").name
    try:
        raw = zlib.decompressobj().decompress(base64.b64decode(entry["embedded"], validate=True), MAX_EMBED_BYTES + 1)
    except (binascii.Error, zlib.error, ValueError) as exc:
        ctx.notes.append(f"{name}: the embedded copy is damaged ({exc}); skipped")
        return None
    if len(raw) > MAX_EMBED_BYTES:
        ctx.notes.append(f"{name}: the embedded copy unpacks to more than {MAX_EMBED_BYTES >> 20} MB; skipped")
        return None
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        ctx.notes.append(f"{name}: the embedded copy does not match its hash (damaged); skipped")
        return None
    folder = ctx.embedded_dir or (ctx.folder or Path.cwd()) / ".katlas-embedded"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.\-]", "_", name)[-80:] or "source"
    out = folder / f"{entry['sha256'][:16]}-{safe}"
    if not out.exists() or sha256_file(out)[0] != entry["sha256"]:
        atomic_write_bytes(out, raw)
    return out


def _same(path: Path, entry: dict[str, Any]) -> bool:
    if "sha256" not in entry:  # a migrated version-0 entry: nothing to compare with
        return True
    try:
        if "size" in entry and path.stat().st_size != entry["size"]:
            return False
        return sha256_file(path)[0] == entry["sha256"]
    except OSError:
        return False


def find_by_hash(entry: dict[str, Any], folders: list[Path]) -> Path | None:
    """A file with the entry's exact content in one of ``folders`` (not recursive), if any."""
    if "sha256" not in entry:
        return None
    seen = 0
    for folder in folders:
        try:
            children = sorted(folder.iterdir())
        except (OSError, ValueError):
            continue
        for child in children:
            try:
                if not child.is_file() or ("size" in entry and child.stat().st_size != entry["size"]):
                    continue
            except (OSError, ValueError):
                continue
            seen += 1
            if seen > MAX_CANDIDATES:
                return None
            if _same(child, entry):
                return child
    return None


def resolve(entry: dict[str, Any], ctx: Context) -> Path | None:
    """The file to load for ``entry``: the same content where it was, else what the user chooses."""
    if "embedded" in entry:
        return _unembed(entry, ctx)
    if "bundled" in entry:
        candidates = [BUNDLED_EVENTS.parent / Path(entry["bundled"]).name]
    else:
        rel = Path(entry["path"])
        candidates = [rel] if rel.is_absolute() else ([ctx.folder / rel] if ctx.folder else []) + [Path.cwd() / rel]
        if entry.get("abs"):
            candidates.append(Path(entry["abs"]))
    changed: Path | None = None
    for c in candidates:
        try:
            is_file = c.is_file()
        except (OSError, ValueError):
            continue
        if is_file:
            if _same(c, entry):
                return c
            changed = changed or c
    label = entry.get("name") or entry.get("bundled") or entry.get("path")
    if changed is not None:
        choice = ctx.resolve_source(entry, "changed", changed)
        if choice is None:
            ctx.notes.append(f"{label}: changed since the workspace was saved; not loaded")
        return choice
    folders = [f for f in {ctx.folder, Path(entry["abs"]).parent if entry.get("abs") else None} if f is not None]
    found = find_by_hash(entry, sorted(folders))
    choice = ctx.resolve_source(entry, "missing", found)
    if choice is None:
        ctx.notes.append(f"{label}: not found" + (f" (the same content is at {found})" if found else "") + "; not loaded")
    return choice
