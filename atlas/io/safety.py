"""Guards for untrusted archives and XML, shared by every reader that opens them.

- :func:`check_zip` / :func:`read_zip_member`: KMZ and other zip files are checked before anything
  is unpacked: member count, path traversal (absolute names, ``..``, drive letters), symbolic
  links, encryption, total unpacked size and the compression ratio (a "zip bomb" packs gigabytes
  into kilobytes). Reading a member stops at its size limit even when the header lies.
- :func:`safe_xml_parse`: XML with a DOCTYPE or an ENTITY declaration is refused before anything is
  expanded (no "billion laughs", no external entities reaching files or the network), in whatever
  encoding the document is written (the check runs inside the parser, so UTF-16 cannot hide it).

Every refusal is an :class:`~atlas.io.report.InputError` naming the file and the reason.
"""

from __future__ import annotations

import sqlite3
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

from .report import InputError


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 10_000
    #: total unpacked size of all members
    max_total_bytes: int = 1 << 30
    #: one member's unpacked size
    max_member_bytes: int = 512 << 20
    #: unpacked / packed size above which a member counts as a bomb (text compresses ~10×)
    max_ratio: float = 200.0
    #: members smaller than this are never judged by their ratio (tiny files compress oddly)
    ratio_floor_bytes: int = 1 << 20
    #: wall time one member may take to inflate (a stream built to evade the ratio check took 83 s)
    max_seconds: float = 60.0


DEFAULT_ZIP_LIMITS = ZipLimits()
#: A KMZ holds one KML document and its icons: a smaller ceiling than any zip, so that inflating
#: and then parsing its KML stays well under a gigabyte (an evasive KMZ once took 1.1 GB).
KMZ_LIMITS = ZipLimits(max_total_bytes=256 << 20, max_member_bytes=128 << 20, max_seconds=30.0)
#: XML documents larger than this are refused before parsing.
MAX_XML_BYTES = 512 << 20
#: Elements nested deeper than this are refused while parsing: KML folders 5,000 deep made every
#: reader that walks the tree recursively fail with RecursionError. Real KML nests a dozen levels.
MAX_XML_DEPTH = 256


def _unsafe_name(name: str) -> str | None:
    if not name or "\x00" in name:
        return "an empty or NUL name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "a path that climbs out of the archive ('..')"
    return None


def check_zip(path: str | Path, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> list[zipfile.ZipInfo]:
    """The archive's members after every check passed; :class:`InputError` otherwise."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError(path, f"is not a valid zip archive ({exc})") from None
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise InputError(path, f"cannot open the zip archive ({exc})") from None
    if len(infos) > limits.max_members:
        raise InputError(path, f"zip archive has {len(infos):,} members, more than the {limits.max_members:,} allowed")
    total = 0
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise InputError(path, f"zip member {info.filename[:100]!r} has {why}; refused")
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise InputError(path, f"zip member {info.filename[:100]!r} is a symbolic link; refused")
        if info.flag_bits & 0x1:
            raise InputError(path, f"zip member {info.filename[:100]!r} is encrypted")
        if info.file_size > limits.max_member_bytes:
            raise InputError(path, f"zip member {info.filename[:100]!r} unpacks to {info.file_size / 2**20:,.0f} MB, "
                                   f"more than {limits.max_member_bytes / 2**20:,.0f} MB")
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise InputError(path, f"zip member {info.filename[:100]!r} expands {info.file_size / max(info.compress_size, 1):,.0f}× "
                                   "(a compression bomb?); refused")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise InputError(path, f"zip archive unpacks to more than {limits.max_total_bytes / 2**20:,.0f} MB; refused")
    return infos


def read_zip_member(path: str | Path, name: str, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> bytes:
    """One member's bytes, read in chunks and cut off at the limit (a lying header cannot blow up)."""
    path = Path(path)
    check_zip(path, limits)
    deadline = time.monotonic() + limits.max_seconds
    try:
        with zipfile.ZipFile(path) as zf, zf.open(name) as fh:
            chunks, size = [], 0
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                if size > limits.max_member_bytes:
                    raise InputError(path, f"zip member {name[:100]!r} unpacks to more than {limits.max_member_bytes / 2**20:,.0f} MB")
                if time.monotonic() > deadline:
                    raise InputError(path, f"zip member {name[:100]!r} took more than {limits.max_seconds:g} s to unpack; refused")
                chunks.append(chunk)
            return b"".join(chunks)
    except KeyError:
        raise InputError(path, f"zip archive has no member {name[:100]!r}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise InputError(path, f"zip member {name[:100]!r} cannot be unpacked ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # zlib.error and friends: a damaged stream is an input problem
        if type(exc).__name__ == "error":
            raise InputError(path, f"zip member {name[:100]!r} is damaged ({exc})") from None
        raise


def kml_from_kmz(path: str | Path, limits: ZipLimits = KMZ_LIMITS) -> bytes:
    """The main KML document of a KMZ (``doc.kml``, else the first ``.kml`` at any depth)."""
    infos = check_zip(path, limits)
    names = [i.filename for i in infos if i.filename.lower().endswith(".kml") and not i.is_dir()]
    if not names:
        raise InputError(path, "KMZ archive holds no .kml document")
    main = "doc.kml" if "doc.kml" in names else names[0]
    return read_zip_member(path, main, limits)


class _Refused(Exception):
    pass


class _TooDeep(Exception):
    pass


def safe_xml_parse(data: bytes, path: str | Path | None = None, max_bytes: int = MAX_XML_BYTES) -> ET.Element:
    """Parse XML into an ElementTree element (``{namespace}tag`` names, as ``ET.fromstring``).

    Refused with :class:`InputError`: a DOCTYPE, any ENTITY declaration, external references,
    documents larger than ``max_bytes`` and anything that is not well-formed XML.
    """
    if len(data) > max_bytes:
        raise InputError(path, f"XML document of {len(data) / 2**20:,.0f} MB is larger than the {max_bytes / 2**20:,.0f} MB allowed")
    builder = ET.TreeBuilder()
    p = expat.ParserCreate(namespace_separator="}")
    p.buffer_text = True
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(what: str) -> Any:
        def handler(*_args: Any) -> None:
            raise _Refused(what)

        return handler

    p.StartDoctypeDeclHandler = refuse("a DOCTYPE declaration")
    p.EntityDeclHandler = refuse("an ENTITY declaration")
    p.UnparsedEntityDeclHandler = refuse("an unparsed ENTITY declaration")
    p.ExternalEntityRefHandler = refuse("an external entity reference")

    def name(n: str) -> str:
        return "{" + n if "}" in n else n

    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _TooDeep()
        builder.start(name(tag), {name(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(name(tag))

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = builder.data
    try:
        p.Parse(data, True)
        root = builder.close()
    except _TooDeep:
        raise InputError(path, f"XML nested more than {MAX_XML_DEPTH} elements deep; refused") from None
    except _Refused as exc:
        raise InputError(path, f"XML with a DOCTYPE or ENTITY declaration is refused (found {exc}; entity expansion is unsafe)") from None
    except expat.ExpatError as exc:
        raise InputError(path, f"is not well-formed XML ({expat.errors.messages.get(exc.code, exc)} at line {exc.lineno}, column {exc.offset})") from None
    except LookupError as exc:  # an encoding Python does not know ("encoding=\"T\"")
        raise InputError(path, f"XML in an unknown encoding ({exc})") from None
    except (ValueError, AssertionError, IndexError) as exc:  # TreeBuilder on a document with no root
        raise InputError(path, f"is not a usable XML document ({exc})") from None
    except RecursionError:
        raise InputError(path, "XML nested too deeply") from None
    return root


@dataclass(frozen=True)
class SqliteLimits:
    #: wall time every statement together may take (a view over a recursive CTE runs for ever)
    seconds: float = 60.0
    #: the largest text or blob a cell may hold (zeroblob(2e9) in a view, a 1 GB text cell)
    max_cell_bytes: int = 64 << 20


DEFAULT_SQLITE_LIMITS = SqliteLimits()


class SqliteBudget:
    """The time left to a connection opened by :func:`open_sqlite_input`; ``spent`` tells a
    reader that an ``interrupted`` error was the time limit, not damage."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.spent = False

    def check(self) -> int:
        if time.monotonic() > self.deadline:
            self.spent = True
            return 1  # non-zero: SQLite interrupts the running statement
        return 0


def open_sqlite_input(path: str | Path,
                      limits: SqliteLimits | None = None) -> tuple[sqlite3.Connection, SqliteBudget]:
    """A user's SQLite file (GeoPackage) opened so that reading it cannot hurt: read-only and
    immutable (no lock, no journal: a WAL-mode file gets no ``-wal``/``-shm`` beside it, nothing is
    ever written next to an input), cells over ``max_cell_bytes`` refused by SQLite itself, and every
    statement interrupted once ``seconds`` are spent (SQLite's progress handler)."""
    path = Path(path)
    limits = limits or DEFAULT_SQLITE_LIMITS
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except (sqlite3.Error, ValueError) as exc:
        raise InputError(path, f"cannot open the database ({exc})") from None
    con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_cell_bytes)
    budget = SqliteBudget(limits.seconds)
    con.set_progress_handler(budget.check, 10_000)
    return con, budget
