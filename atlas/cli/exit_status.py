"""Exit statuses of the command line, after BSD's sysexits.h, so scripts can tell a typo from a
damaged file from a full disk. The table is also in docs/reliability.md."""

from __future__ import annotations

from atlas.io.report import BAD_DATA, IO_FAILED, MISSING, InputError

OK = 0
#: a wrong option, argument or combination of them (argparse's own errors too)
EX_USAGE = 64
#: an input file is there but is not usable data (bad JSON, huge numbers, a hostile GeoPackage)
EX_DATAERR = 65
#: an input file is missing or is not a regular file (a folder, a device, a named pipe)
EX_NOINPUT = 66
#: a bug: the last resort, still one line and never a traceback
EX_SOFTWARE = 70
#: the output cannot be created (no such folder, no permission, disk full)
EX_CANTCREAT = 73
#: the system failed to read an input that is there
EX_IOERR = 74
#: interrupted with Ctrl-C (128 + SIGINT, as shells report it)
INTERRUPTED = 130

_BY_KIND = {MISSING: EX_NOINPUT, BAD_DATA: EX_DATAERR, IO_FAILED: EX_IOERR}


def for_input_error(exc: InputError) -> int:
    return _BY_KIND.get(getattr(exc, "kind", BAD_DATA), EX_DATAERR)


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: every message is one line
    even when a file name or a decoder's message carries a newline."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)
