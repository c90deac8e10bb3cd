"""Hostile GeoPackages: a view that never ends, a zero-blob, a huge cell, a WAL-mode file. Each is
refused in one line, in bounded time and memory, and reading never writes beside the user's file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

import atlas.io.safety as safety
from atlas.io import read_events, write_events
from atlas.io.report import InputError

from ..cli.hostile import run_cli


@pytest.fixture()
def gpkg(tmp_path: Path, sample_file: Path) -> Path:
    table, _ = read_events(sample_file)
    out = tmp_path / "events.gpkg"
    write_events(table, out)
    return out


def _replace_layer_with_view(path: Path, select: str) -> None:
    con = sqlite3.connect(path)
    (layer,) = con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'").fetchone()
    cols = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")')]
    con.execute(f'ALTER TABLE "{layer}" RENAME TO real_rows')
    con.execute(f'CREATE VIEW "{layer}" AS {select.format(cols=", ".join(f"real_rows.{c}" for c in cols))}')
    con.commit()
    con.close()


def test_a_view_that_never_ends_is_interrupted(gpkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _replace_layer_with_view(gpkg, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                                   "SELECT {cols} FROM real_rows, r WHERE n < 0")
    monkeypatch.setattr(safety, "DEFAULT_SQLITE_LIMITS", safety.SqliteLimits(seconds=1.0))
    t0 = time.monotonic()
    with pytest.raises(InputError, match="took longer than 1 s"):
        read_events(gpkg)
    assert time.monotonic() - t0 < 20


def test_a_zero_blob_larger_than_a_cell_may_be_is_refused(gpkg: Path) -> None:
    _replace_layer_with_view(gpkg, "SELECT {cols}, zeroblob(2000000000) AS bomb FROM real_rows")
    r = run_cli("inspect", str(gpkg))
    assert r.returncode == 65, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "larger than the 64 MB" in lines[0], r.stderr


def test_reading_a_wal_geopackage_writes_nothing_beside_it(gpkg: Path) -> None:
    con = sqlite3.connect(gpkg)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    con.close()
    before = sorted(p.name for p in gpkg.parent.iterdir())
    table, _ = read_events(gpkg)
    assert len(table) > 0
    assert sorted(p.name for p in gpkg.parent.iterdir()) == before
    assert not Path(f"{gpkg}-wal").exists() and not Path(f"{gpkg}-shm").exists()
