"""The headless command line: ``python main.py SUBCOMMAND ...`` (``atlas.launcher`` opens the GUI
for anything else). One module per subcommand in this package.

Exit status 0 on success; otherwise one line on stderr and a sysexits status (exit_status.py,
docs/reliability.md): 64 usage, 65 bad data, 66 missing input, 73 cannot create output, 74 I/O
error, 70 a bug. Never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence


from atlas.features import subcommands
from atlas.io.report import InputError

from .common import PROG, CliError, Parser
from .exit_status import EX_SOFTWARE, INTERRUPTED, OK, for_input_error, one_line

#: Subcommand → (module, help), contributed by the features of atlas/features.py; each module has
#: ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS: dict[str, tuple[str, str]] = subcommands()


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
        print(f"{PROG}: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.status
    except InputError as exc:  # a reader's refusal that no subcommand caught: still its own status
        print(f"{PROG}: error: {one_line(str(exc))}", file=sys.stderr)
        return for_input_error(exc)
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except Exception as exc:  # the last resort: one line, never a traceback
        print(f"{PROG}: internal error: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)
        return EX_SOFTWARE
