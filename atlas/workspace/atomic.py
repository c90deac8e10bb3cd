"""Atomic file replacement: a reader sees the old file or the new one, never a torn mix.

The recipe (POSIX; os.replace is also atomic on Windows within one volume):
write a temporary file in the SAME folder (a rename across file systems is a copy), flush and
fsync it so its bytes are on disk before the name points at them, ``os.replace`` it over the
target, then fsync the folder so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

#: Prefix of temporary files; leftovers from a killed save are recognisable and safe to delete.
TEMP_PREFIX = ".katlas-tmp-"


def _fsync_dir(folder: Path) -> None:
    # Windows cannot open a folder for fsync; there the rename is already durable enough.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically. On any error the old file is left untouched
    and the temporary file removed; the error propagates (``OSError``)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            # Keep the permissions the user gave the file.
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            with contextlib.suppress(OSError):
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def stale_temp_files(folder: str | Path) -> list[Path]:
    """Temporary files a killed save left behind in ``folder`` (the target itself is intact)."""
    return sorted(Path(folder).glob(f"{TEMP_PREFIX}*.part"))
