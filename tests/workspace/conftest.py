"""Workspace tests leave no recovery files behind (a later run would take them for a crash)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_recovery_leftovers() -> Iterator[None]:
    yield
    from atlas.workspace import gui

    for ctl in list(gui.CONTROLLERS):
        try:
            ctl.discard_recovery()
        except RuntimeError:  # its window is already gone
            pass
