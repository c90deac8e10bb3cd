"""A series picture shows what its own filter passes: each frame of ``render --each-day`` and
``--animate`` is pixel for pixel the picture that ``render --from/--to`` draws for the same days
and view (they once drew every event in every frame while the footer said "0 of 107 pass")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ..conftest import ROOT

VIEW = "34.6,51.0,35.9,51.6"  # the Sudzha–Korenevo salient: most events of August 2024
SIZE = "480x320"
COMMON = ("--view", VIEW, "--size", SIZE, "--date-stamp", "frame", "--no-legend")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "main.py", "render", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, env=env)


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.int16)


def test_each_day_frames_equal_single_day_renders(tmp_path: Path) -> None:
    days = ("2024-08-06", "2024-08-07", "2024-08-08")
    r = run("-o", str(tmp_path / "{date}.png"), "--each-day", days[0], days[-1], *COMMON)
    assert r.returncode == 0, r.stderr
    frames = {d: pixels(tmp_path / f"{d}.png") for d in days}
    for d in days:
        single = tmp_path / f"single-{d}.png"
        r = run("-o", str(single), "--from", d, "--to", d, *COMMON)
        assert r.returncode == 0, r.stderr
        assert np.array_equal(frames[d], pixels(single)), f"the --each-day frame of {d} differs from render --from {d} --to {d}"
    # Different days show different events: the frames are not all the same picture.
    assert not np.array_equal(frames[days[0]], frames[days[2]])


def test_animate_frames_equal_their_window_renders(tmp_path: Path) -> None:
    gif = tmp_path / "play.gif"
    r = run("--animate", str(gif), "--from", "2024-08-06", "--to", "2024-08-16", "--step", "5", "--window", "3", *COMMON)
    assert r.returncode == 0, r.stderr
    with Image.open(gif) as im:
        assert im.n_frames == 3
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")).astype(np.int16))
    for frame, day in zip(frames, ("2024-08-06", "2024-08-11", "2024-08-16"), strict=True):
        lo = (np.datetime64(day) - np.timedelta64(2, "D")).astype(str)
        single = tmp_path / f"window-{day}.png"
        r = run("-o", str(single), "--from", lo, "--to", day, *COMMON)
        assert r.returncode == 0, r.stderr
        ref = pixels(single)
        # The GIF holds 255 colours per frame: compare within the palette's rounding, and require
        # that almost every pixel matches (an extra or missing event marker breaks this).
        close = np.abs(frame - ref).max(axis=2) <= 24
        assert close.mean() > 0.995, f"frame of {day}: {100 * (1 - close.mean()):.2f}% of pixels differ"
