"""Devices and pipes given as input are refused at once with one clear line, by every reader:
they once made the event, annotation and workspace readers hang or grow past 6 GB."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atlas.io import read_events
from atlas.io.annotations_io import read_annotations
from atlas.io.input_guard import read_input_bytes
from atlas.io.report import InputError
from atlas.workspace import WorkspaceError, read_workspace

from ..conftest import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


@pytest.fixture()
def fifo(tmp_path: Path) -> Path:
    p = tmp_path / "events.geojson"  # a pipe with a reader's favourite suffix
    os.mkfifo(p)
    return p


READERS: list[tuple[str, Callable[[Path], Any], type[Exception]]] = [
    ("events", read_events, InputError),
    ("annotations", read_annotations, InputError),
    ("workspace", read_workspace, WorkspaceError),
]


@pytest.mark.parametrize(("name", "read", "error"), READERS, ids=[r[0] for r in READERS])
def test_a_named_pipe_is_refused(fifo: Path, name: str, read: Callable[[Path], Any], error: type[Exception]) -> None:
    with pytest.raises(error, match="named pipe"):
        read(fifo)


@pytest.mark.parametrize(("name", "read", "error"), READERS, ids=[r[0] for r in READERS])
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused(device: str, name: str, read: Callable[[Path], Any], error: type[Exception]) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} is absent")
    with pytest.raises(error) as info:
        read(Path(device))
    assert "\n" not in str(info.value) and device in str(info.value)


def test_reads_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b"0," * 600_000 + b"0]")
    with pytest.raises(InputError, match="more than"):
        read_input_bytes(big, 1 << 20)
    assert read_input_bytes(big, 2 << 20) == big.read_bytes()


def _limit_memory() -> None:  # a regression fails with MemoryError instead of eating the machine
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


@pytest.mark.parametrize("argv", [
    ["inspect", "/dev/zero"],
    ["convert", "/dev/urandom", "-o", "{tmp}/out.csv"],
    ["inspect", "{fifo}"],
    ["render", "-o", "{tmp}/x.png", "--annotations", "{fifo}"],
    ["render", "-o", "{tmp}/x.png", "--workspace", "/dev/urandom"],
])
def test_the_cli_refuses_in_one_line(tmp_path: Path, fifo: Path, argv: list[str]) -> None:
    args = [a.format(tmp=tmp_path, fifo=fifo) for a in argv]
    r = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), preexec_fn=_limit_memory)
    assert r.returncode == 66, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused" in lines[0] and "Traceback" not in r.stderr, r.stderr
