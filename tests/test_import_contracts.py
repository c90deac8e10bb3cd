"""The layer rules of docs/architecture.md hold: import-linter's contracts (pyproject.toml,
[tool.importlinter]) are kept. A new import across a layer fails here, in make test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    # Through the installed package's own entry (the venv's Python), from the project root so that
    # it reads this project's pyproject.toml and analyses this tree.
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    r = subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Contracts: 4 kept, 0 broken." in out and "ignored" not in out, out
