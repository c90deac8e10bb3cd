"""Atomic saves: a process SIGKILLed in the middle of saving leaves the old file or the new one,
always complete and parseable, never a torn mix."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atlas.io.atomic import TEMP_PREFIX, atomic_write_bytes, stale_temp_files

ROOT = Path(__file__).resolve().parents[2]
ATOMIC = ROOT / "atlas" / "io" / "atomic.py"
KILLS = int(os.environ.get("KATLAS_KILLS", "200"))

# The child loads atomic.py on its own (no package import: it starts in ~20 ms) and saves
# generation after generation of a multi-megabyte document until it is killed.
CHILD = r"""
import hashlib, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec); spec.loader.exec_module(atomic)
target, gen, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
body = ("0123456789abcdef" * (size // 16 + 1))[:size].encode()
sha = hashlib.sha256(body).hexdigest().encode()
sys.stdout.write("ready\n"); sys.stdout.flush()
while True:
    # Cheap to prepare, slow to write: most of the child's time is spent inside the save.
    head = b'{"format": "kursk-atlas-workspace", "version": 1, "gen": %d, "sha": "%s", "body": "' % (gen, sha)
    atomic.atomic_write_bytes(target, head + body + b'"}')
    gen += 1
"""


def _check(path: Path) -> int:
    """The generation of a complete, self-consistent document at ``path`` (fails otherwise)."""
    doc = json.loads(path.read_bytes())
    assert doc["format"] == "kursk-atlas-workspace"
    assert hashlib.sha256(doc["body"].encode()).hexdigest() == doc["sha"], "torn document"
    return int(doc["gen"])


def kill_mid_save(folder: Path, iterations: int, size: int = 16 << 20, seed: int = 1,
                  want_mid_write: int = 0) -> dict[str, int]:
    """Run the kill loop; returns figures (kills, kills that left a temp file = mid-write).

    With ``want_mid_write``, keep killing (up to four times ``iterations``) until that many kills
    landed inside a save: how many do depends on the machine's load, not on the code under test."""
    rng = random.Random(seed)
    target = folder / "work.katlas"
    atomic_write_bytes(target, json.dumps({"format": "kursk-atlas-workspace", "version": 1, "gen": 0, "body": "0",
                                           "sha": hashlib.sha256(b"0").hexdigest()}).encode())
    assert _check(target) == 0
    last = 0
    mid_write = 0
    advanced = 0
    kills = 0
    while kills < iterations or (mid_write < want_mid_write and kills < 4 * iterations):
        kills += 1
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(ATOMIC), str(target), str(last + 1), str(size)],
                                 stdout=subprocess.PIPE)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.06))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        gen = _check(target)  # parses, complete, consistent
        assert gen >= last, "an older version came back"
        advanced += gen > last
        last = gen
        leftovers = stale_temp_files(folder)
        if leftovers:
            mid_write += 1
            for p in leftovers:
                p.unlink()
        assert {p.name for p in folder.iterdir()} == {"work.katlas"}
    return {"kills": kills, "mid_write": mid_write, "saves_completed": last, "kills_after_progress": advanced}


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_mid_save_never_tears_the_file(tmp_path: Path) -> None:
    figures = kill_mid_save(tmp_path, KILLS, want_mid_write=KILLS // 4)
    print("kill-mid-save figures:", figures)
    # The test means something only if many kills landed inside a save.
    assert figures["mid_write"] >= KILLS // 4, figures
    assert figures["saves_completed"] > 0


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "w.katlas"
    target.write_bytes(b"old")

    def boom(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "w.katlas"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    if os.name == "posix":
        assert (target.stat().st_mode & 0o777) == 0o640


def test_unwritable_folder_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "no" / "such" / "folder.katlas", b"x")
