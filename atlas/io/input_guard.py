"""The one guard every reader passes before it opens a user's file.

A device or a pipe given as input (``/dev/zero``, ``/dev/urandom``, a named pipe) made the event,
annotation and workspace readers hang for ever or grow past 6 GB: they read "the whole file" of
something that has no end. Only regular files are read, and every read is bounded. The check is
made on the open file descriptor (``fstat``), so a name swapped for a pipe between a check and the
read is still refused, and the open itself never blocks (``O_NONBLOCK``: opening a pipe with no
writer would).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .report import IO_FAILED, MISSING, InputError


#: The most any reader takes in one piece (GeoJSON, KML, control areas) unless it says otherwise.
MAX_INPUT_BYTES = 1 << 30


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
        raise InputError(p, "no such file", MISSING) from None
    except (OSError, ValueError) as exc:  # too long a name, a NUL byte, no permission
        raise InputError(str(p)[:200], f"not a usable file ({getattr(exc, 'strerror', None) or exc})", MISSING) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(p, _kind(st.st_mode), MISSING)
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
        raise InputError(p, f"cannot be opened ({exc.strerror or exc})", IO_FAILED) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since the check
            raise InputError(p, _kind(os.fstat(fd).st_mode), MISSING)
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
        raise InputError(p, f"cannot be read ({exc.strerror or exc})", IO_FAILED) from None
    finally:
        os.close(fd)


#: Integers longer than this many digits are refused: Python's own limit (4,300) raised a bare
#: ValueError, and no coordinate, count or id in an events file needs more than a few dozen.
MAX_JSON_INT_DIGITS = 100


class _JsonRefused(Exception):
    pass


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise _JsonRefused(f"an integer of {len(text.lstrip('-')):,} digits (at most {MAX_JSON_INT_DIGITS} are read)")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 4 * MAX_JSON_INT_DIGITS:
        raise _JsonRefused(f"a number written with {len(text):,} characters")
    return float(text)


def _refuse_constant(name: str) -> float:
    raise _JsonRefused(f"{name}, which is not a JSON number")


def _mend_surrogates(text: str) -> str:
    # A lone surrogate ("\ud800" escaped in JSON) is no character: no writer (CSV, KML, SQLite)
    # can encode it, so it becomes U+FFFD here instead of a UnicodeEncodeError in a writer.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def has_lone_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= ch <= "\udfff" for ch in text)


def mend_text(doc: Any) -> Any:
    """``doc`` (parsed JSON) with every lone surrogate in its strings and keys made U+FFFD.
    Walked with a stack, not recursion, so the depth of the document does not matter."""
    if isinstance(doc, str):
        return _mend_surrogates(doc) if has_lone_surrogate(doc) else doc
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    if has_lone_surrogate(v):
                        node[i] = _mend_surrogates(v)
                elif isinstance(v, (list, dict)):
                    stack.append(v)
        elif isinstance(node, dict):
            for k in [k for k in node if isinstance(k, str) and has_lone_surrogate(k)]:
                node[_mend_surrogates(k)] = node.pop(k)
            for k, v in node.items():
                if isinstance(v, str):
                    if has_lone_surrogate(v):
                        node[k] = _mend_surrogates(v)
                elif isinstance(v, (list, dict)):
                    stack.append(v)
    return doc


def parse_json(text: str | bytes, path: str | Path | None = None, what: str = "JSON") -> Any:
    """Parse untrusted JSON: every failure is one :class:`InputError` (bad data), never a bare
    ValueError or RecursionError. Refused: integers longer than :data:`MAX_JSON_INT_DIGITS` digits,
    ``NaN``/``Infinity`` literals (not JSON; they turned into NaN coordinates), nesting deeper than
    the parser's recursion limit. Lone surrogates in strings are mended to U+FFFD."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"is not UTF-8 text (byte {exc.start}); {what} must be UTF-8") from None
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant)
    except _JsonRefused as exc:
        raise InputError(path, f"is not usable {what}: it holds {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"is not valid {what} ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(path, f"is {what} nested too deeply to read") from None
    except ValueError as exc:  # anything else the decoder refuses, in one line
        raise InputError(path, f"is not valid {what} ({str(exc)[:120]})") from None
    return mend_text(doc)
