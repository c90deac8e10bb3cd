"""Every real-world file in ../shared/fixtures and corrupted variants of them (and of our own seed
files): each is read into a table with a report or refused with an InputError, and loading one
into a window with a saved workspace loses nothing (the events shown and the file on disk stay)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from atlas.io import READERS, InputError, read_events

from .conftest import FIXTURES_DIR, record, time_limit
from .strategies import seeds_for
from .test_fuzz_readers import check_result

#: ``make fuzz`` sets this: every variant of every fixture, however large.
ALL = bool(os.environ.get("KATLAS_BAD_FILES_ALL"))
SMALL = 400_000  # bytes; larger fixtures get their variants only in `make fuzz`


def fixture_files() -> list[Path]:
    if not FIXTURES_DIR.is_dir():
        return []
    return sorted(p for p in FIXTURES_DIR.rglob("*") if p.is_file())


def variants(name: str, raw: bytes, seed: int) -> list[tuple[str, bytes]]:
    """Damaged versions of a file: truncated, random bytes, re-encoded, a huge line, NULs."""
    rng = random.Random(seed)
    out = [
        ("truncated at half", raw[: len(raw) // 2]),
        ("truncated at a random byte", raw[: rng.randrange(max(len(raw), 1))]),
        ("first 100 bytes", raw[:100]),
        ("empty", b""),
        ("random bytes", rng.randbytes(min(len(raw), 64_000) or 16)),
        ("NUL bytes", raw[: len(raw) // 3] + b"\x00" * 512 + raw[len(raw) // 3:]),
        ("huge line", raw[: len(raw) // 2] + b"A" * (4 << 20) + raw[len(raw) // 2:]),
        ("bytes flipped", bytes(b ^ 0xFF if rng.random() < 0.01 else b for b in raw[:200_000])),
    ]
    try:
        text = raw.decode("utf-8")
        u16 = text.encode("utf-16")
        out += [("re-encoded UTF-16", u16), ("UTF-16 cut to an odd length", u16[: max(3, len(u16) // 2) | 1]),
                ("re-encoded Windows-1251", text.encode("cp1251", "replace")),
                ("re-encoded Latin-1", text.encode("latin-1", "replace"))]
    except UnicodeDecodeError:
        pass
    return out


def _read(path: Path) -> str:
    with time_limit(60):
        try:
            result = read_events(path)
        except InputError as exc:
            assert str(exc)
            return "InputError"
    check_result(result)
    return "table"


@pytest.mark.parametrize("path", fixture_files() or [None], ids=lambda p: p.name if p else "no-fixtures")
def test_fixture_files_read_or_refused(path: Path | None, tmp_path: Path) -> None:
    if path is None:
        pytest.skip("../shared/fixtures is absent")
    record("bad files: fixtures as-is", _read(path))
    raw = path.read_bytes()
    if len(raw) > SMALL and not ALL:
        return
    suffix = path.suffix if path.suffix.lower() in READERS else ".geojson"  # .md etc.: try as the most common
    for i, (what, data) in enumerate(variants(path.name, raw, seed=len(raw))):
        p = tmp_path / f"v{i}{suffix}"
        p.write_bytes(data)
        record("bad files: fixture variants", _read(p))
        p.unlink()


@pytest.mark.parametrize("suffix", sorted(READERS))
def test_own_seed_variants(suffix: str, tmp_path: Path) -> None:
    for s, raw in enumerate(seeds_for(suffix)):
        for i, (what, data) in enumerate(variants(f"seed{suffix}", raw, seed=s)):
            p = tmp_path / f"seed{s}-{i}{suffix}"
            p.write_bytes(data)
            record("bad files: own seed variants", _read(p))


def test_loading_bad_files_loses_nothing(qtbot, tmp_path: Path, sample_file: Path) -> None:
    """A window with events and a saved workspace; every bad file is dropped on it. What was shown
    stays shown unless a file really loaded, and the saved workspace never changes."""
    from atlas.ui.main_window import MainWindow
    from atlas.workspace import read_workspace

    win = MainWindow()
    qtbot.addWidget(win)
    win.show_load_problems = lambda errors, reports: None  # the report dialogs are tested elsewhere
    assert win.load_files([sample_file])
    ws = tmp_path / "safe.katlas"
    assert win.feature("workspace").save_to(ws)
    saved = ws.read_bytes()
    files: list[Path] = [p for p in fixture_files() if p.stat().st_size <= SMALL or ALL][:40]
    for suffix in sorted(READERS):
        for i, (what, data) in enumerate(variants("x", seeds_for(suffix)[0], seed=7)):
            p = tmp_path / "bad" / f"{i}{suffix}"
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(data)
            files.append(p)
    kept = replaced = 0
    for p in files:
        before = win.model.table
        ok = win.load_files([p])
        if ok:
            replaced += 1
            assert win.model.table is not before
            # Back to the known state for the next file.
            assert win.load_files([sample_file])
        else:
            kept += 1
            assert win.model.table is before, f"{p.name}: a failed load changed the shown events"
        record("bad files: dropped on a window", "loaded" if ok else "refused, events kept")
    assert ws.read_bytes() == saved
    assert read_workspace(ws).sections["sources"]["files"][0]["name"] == "sample.geojson"
    assert kept > 0
