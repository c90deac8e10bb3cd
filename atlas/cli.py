"""The command line: ``python main.py [FILE ...]`` opens the GUI; subcommands work headless.

Exit status 0 on success; 2 with one line on stderr for a usage error, a missing or unreadable
file, an unknown event id. Never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from atlas import APP_NAME, __version__

from .cli_common import PROG, CliError, Parser

#: Subcommand → module; each module has ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "render": ("atlas.cli_render", "draw the map as the GUI shows it into a picture, headless"),
    "inspect": ("atlas.cli_inspect", "what a file holds and what was wrong with it"),
    "convert": ("atlas.cli_convert", "write events to CSV, GeoJSON, KML, KMZ or GeoPackage (with the filters)"),
    "bench": ("atlas.bench", "time the hot paths against synthetic events"),
    "areas": ("atlas.cli_areas", "geodesic area per control status of each snapshot (km²)"),
}

USAGE = f"""usage: {PROG} [FILE ...]            open the atlas (no FILE: the bundled Kursk 2024-25 dataset)
       {PROG} SUBCOMMAND [...]      run a subcommand headless; {PROG} SUBCOMMAND --help for its options
"""


def _gui_parser() -> Parser:
    p = Parser(prog=PROG, description=f"{APP_NAME}: an offline atlas of the 2024-25 Kursk incursion.",
               usage=f"{PROG} [FILE ...] | {PROG} SUBCOMMAND ...",
               epilog="subcommands:\n" + "\n".join(f"  {k:<10} {v[1]}" for k, v in SUBCOMMANDS.items()),
               formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", metavar="FILE", help="event files to open (CSV/ACLED, GeoJSON, JSON, KML, KMZ, GeoPackage), or one WORKSPACE.katlas")
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
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
        raise CliError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            module_name, help_text = SUBCOMMANDS[argv[0]]
            module = importlib.import_module(module_name)
            parser = Parser(prog=f"{PROG} {argv[0]}", description=help_text)
            module.add_arguments(parser)
            args = parser.parse_args(argv[1:])
            return int(module.run(args) or 0)
        args = _gui_parser().parse_args(argv)
        from pathlib import Path

        for f in args.files:
            try:
                if not Path(f).is_file():
                    raise CliError(f"{f}: no such file" if not Path(f).exists() else f"{f}: is not a file")
            except (OSError, ValueError) as exc:  # a name too long, a NUL byte: still a usage error
                raise CliError(f"{f[:120]}: not a usable file name ({getattr(exc, 'strerror', None) or exc})") from None
        _check_workspace_args(args.files)
        from atlas.app import run_gui

        return run_gui(args.files, reset_settings=args.reset_settings)
    except CliError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last resort: one line, never a traceback
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
