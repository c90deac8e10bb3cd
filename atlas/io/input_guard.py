"""The one guard every reader passes before it opens a user's file.

A device or a pipe given as input (``/dev/zero``, ``/dev/urandom``, a named pipe) made the event,
annotation and workspace readers hang for ever or grow past 6 GB: they read "the whole file" of
something that has no end. Only regular files are read, and every read is bounded. The check is
made on the open file descriptor (``fstat``), so a name swapped for a pipe between a check and the
read is still refused, and the open itself never blocks (``O_NONBLOCK``: opening a pipe with no
writer would).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .report import InputError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a file: refused (the atlas reads only regular files)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file: refused (the atlas reads only regular files)"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file: refused (the atlas reads only regular files)"
    return "is not a regular file: refused"


def check_regular_file(path: str | Path) -> os.stat_result:
    """The file's stat if ``path`` names a regular file; :class:`InputError` otherwise (missing,
    a folder, a device, a pipe, a socket, an unusable name)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(p, "no such file") from None
    except (OSError, ValueError) as exc:  # too long a name, a NUL byte, no permission
        raise InputError(str(p)[:200], f"not a usable file ({getattr(exc, 'strerror', None) or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(p, _kind(st.st_mode))
    return st


def read_input_bytes(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; :class:`InputError` for anything
    else. At most ``max_bytes + 1`` bytes are ever read, whatever the file turns out to be."""
    p = Path(path)
    st = check_regular_file(p)
    if st.st_size > max_bytes:
        raise InputError(p, f"is {st.st_size / 2**20:,.1f} MB, more than the {max_bytes / 2**20:,.0f} MB a {what} may have")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(p, f"cannot be opened ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since the check
            raise InputError(p, _kind(os.fstat(fd).st_mode))
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise InputError(p, f"grew past the {max_bytes / 2**20:,.0f} MB a {what} may have while being read")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(p, f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
