"""The one atomic writer: a reader sees the old file or the new one, never a torn mix.

Every save and export goes through here (workspaces, event and area exports, annotations,
pictures, the tile cache). The recipe (POSIX; ``os.replace`` is also atomic on Windows within
one volume): write a temporary file with a unique name in the SAME folder (a rename across file
systems is a copy, and a fixed ``.tmp`` name lets two saves trample each other), fsync it so its
bytes are on disk before the name points at them, give it the mode the user's file would get,
``os.replace`` it over the target, then fsync the folder so the rename itself survives a power cut.

The mode: a new file gets ``0o666 & ~umask`` like any file the user creates (``mkstemp`` makes
0600 files, which is how exports once ended up unreadable to colleagues); a replaced file keeps
its own permissions.

This module imports only the standard library: the kill test runs it in a bare child process.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

#: Prefix of temporary files; leftovers from a killed save are recognisable and safe to delete.
TEMP_PREFIX = ".katlas-tmp-"
TEMP_SUFFIX = ".part"

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux's
    /proc/self/status): exports run on worker threads, and ``os.umask`` can only be read by
    setting it, which races with other threads creating files."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    # Windows cannot open a folder for fsync; there the rename is already durable enough.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _target_mode(path: Path, mode: int | None) -> int:
    if mode is not None:
        return mode
    try:
        return path.stat().st_mode & 0o7777  # keep the permissions the user gave the file
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path: str | Path, mode: int | None = None) -> Iterator[Path]:
    """A fresh temporary path beside ``path`` for a writer that needs a file name (SQLite, Qt's
    PDF/SVG writers, Pillow). When the block ends without an error the file is synced, given
    its mode and renamed over ``path``; on any error the old file is left untouched, the
    temporary file removed and the error propagates."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, _target_mode(path, mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, mode) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def stale_temp_files(folder: str | Path) -> list[Path]:
    """Temporary files a killed save left behind in ``folder`` (the target itself is intact)."""
    return sorted(Path(folder).glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))
