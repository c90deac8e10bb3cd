"""The program's entry point (``main.py``, the ``kursk-atlas`` command): a subcommand runs headless
through :mod:`atlas.cli`; anything else opens the window through :mod:`atlas.app`.

The split keeps the CLI free of widget modules (an import contract checked in make test), while
one command still does both, as users expect.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from atlas import APP_NAME, __version__
from atlas.cli import SUBCOMMANDS
from atlas.cli import main as run_subcommand
from atlas.cli.common import PROG, CliError, Parser
from atlas.cli.exit_status import EX_NOINPUT, one_line
from atlas.io.report import shown_name


def _gui_parser() -> Parser:
    p = Parser(prog=PROG, description=f"{APP_NAME}: an offline atlas of the 2024-25 Kursk incursion.",
               usage=f"{PROG} [FILE ...] | {PROG} SUBCOMMAND ...",
               epilog="subcommands:\n" + "\n".join(f"  {k:<10} {v[1]}" for k, v in SUBCOMMANDS.items()),
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", metavar="FILE", help="event files to open (CSV/ACLED, GeoJSON, JSON, KML, KMZ, GeoPackage, FlatGeobuf, Shapefile, GeoParquet, XLSX, ODS; docs/formats.md), or one WORKSPACE.katlas")
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    p.add_argument("--db", metavar="URI", help="open the events of a PostgreSQL/PostGIS store (URI or "
                   "pg_service.conf service name; the password from ~/.pgpass), see docs/database.md")
    p.add_argument("--reset-settings", action="store_true", help="forget window layout and preferences before starting")
    return p


def _check_workspace_args(files: Sequence[str]) -> None:
    """A ``.katlas`` argument opens that workspace: on its own, and only if it can be read."""
    workspaces = [f for f in files if f.lower().endswith(".katlas")]
    if not workspaces:
        return
    if len(files) > 1:
        raise CliError("a workspace (.katlas) opens on its own: give one .katlas file and no other files")
    from atlas.workspace import WorkspaceError, read_workspace

    try:
        read_workspace(workspaces[0])
    except WorkspaceError as exc:
        raise CliError.from_input(exc) from None



def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return run_subcommand(argv)
    try:
        args = _gui_parser().parse_args(argv)
        for f in args.files:
            try:
                if not Path(f).is_file():
                    raise CliError(f"{shown_name(f)}: no such file" if not Path(f).exists() else f"{shown_name(f)}: is not a file",
                                   EX_NOINPUT)
            except (OSError, ValueError) as exc:  # a name too long, a NUL byte: still a usage error
                raise CliError(f"{shown_name(f[:120])}: not a usable file name ({getattr(exc, 'strerror', None) or exc})") from None
        _check_workspace_args(args.files)
        from atlas.app import run_gui

        # db only when given: the plain call stays the one scripts and tests stand in for.
        extra = {"db": args.db} if args.db else {}
        return run_gui(args.files, reset_settings=args.reset_settings, **extra)
    except CliError as exc:
        print(f"{PROG}: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
