"""Every reader in atlas.io.READERS, fed random and mutated files: it returns a table with a
consistent report or raises InputError. Never another exception, never a hang, never unbounded
memory. New readers are covered as soon as they register a suffix."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from atlas.io import READERS, ImportReport, InputError
from atlas.model import EventTable

from .conftest import DERANDOMIZE, EXAMPLES, record, time_limit
from .strategies import file_bytes

SUFFIXES = sorted(READERS)


def check_result(result: object) -> None:
    assert isinstance(result, tuple) and len(result) == 2
    table, report = result
    assert isinstance(table, EventTable)
    assert isinstance(report, ImportReport)
    n = len(table)
    assert report.rows_loaded == n
    assert report.rows_loaded <= max(report.rows_read, n)
    for col in (table.lon, table.lat, table.date, table.ids):
        assert len(col) == n
    ok = ~np.isnan(table.lon)
    # Coordinates that are kept are real coordinates.
    assert np.all((table.lon[ok] >= -180) & (table.lon[ok] <= 180))
    assert np.all(np.isfinite(table.lat[ok]) & (table.lat[ok] >= -90) & (table.lat[ok] <= 90))
    assert len(set(table.ids.tolist())) == n, "event ids must be unique"
    for p in report.problems:
        assert p.where and p.what
    report.summary()


def run_reader(suffix: str, data: bytes, folder: Path) -> str:
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    with time_limit():
        try:
            result = READERS[suffix](path)
        except InputError as exc:
            assert str(exc), "an InputError must say what is wrong"
            return "InputError"
    check_result(result)
    return "table"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_reader_survives_random_and_mutated_files(suffix: str, memory_bound: None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="katlas-fuzz-"))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(data=file_bytes(suffix))
    def run(data: bytes) -> None:
        record(f"reader {suffix}", run_reader(suffix, data, folder))

    run()
