"""The headless command line: ``python main.py SUBCOMMAND ...`` (``atlas.launcher`` opens the GUI
for anything else). One module per subcommand in this package.

Exit status 0 on success; 2 with one line on stderr for a usage error, a missing or unreadable
file, an unknown event id. Never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence


from .common import PROG, CliError, Parser

#: Subcommand → module; each module has ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "render": ("atlas.cli.render", "draw the map as the GUI shows it into a picture, headless"),
    "inspect": ("atlas.cli.inspect", "what a file holds and what was wrong with it"),
    "convert": ("atlas.cli.convert", "write events to CSV, GeoJSON, KML, KMZ or GeoPackage (with the filters)"),
    "bench": ("atlas.bench", "time the hot paths against synthetic events"),
    "areas": ("atlas.cli.areas", "geodesic area per control status of each snapshot (km²)"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``SUBCOMMAND [...]`` headless. (Opening the window is atlas.launcher's job: the CLI
    imports no widget module, an import contract checked in make test.)"""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0] not in SUBCOMMANDS:
            raise CliError(f"unknown subcommand {argv[0] if argv else '(none)'!r} (one of {', '.join(SUBCOMMANDS)})")
        module_name, help_text = SUBCOMMANDS[argv[0]]
        module = importlib.import_module(module_name)
        parser = Parser(prog=f"{PROG} {argv[0]}", description=help_text)
        module.add_arguments(parser)
        args = parser.parse_args(argv[1:])
        return int(module.run(args) or 0)
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
