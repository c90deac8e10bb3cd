"""KMZ readers are bounded in inflated size and in time, whatever the archive's headers say."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from atlas.io.report import InputError
from atlas.io.safety import KMZ_LIMITS, ZipLimits, kml_from_kmz, read_zip_member

from ..cli.hostile import run_cli


def _kmz(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", os.urandom(size // 2).hex())  # incompressible: no ratio check can catch it
    return path


def test_inflating_stops_at_the_time_limit(tmp_path: Path) -> None:
    kmz = _kmz(tmp_path / "slow.kmz", 4 << 20)
    with pytest.raises(InputError, match="took more than 0 s to unpack"):
        read_zip_member(kmz, "doc.kml", ZipLimits(max_seconds=0.0))


def test_a_kmz_over_its_ceiling_is_refused_before_inflating(tmp_path: Path) -> None:
    kmz = _kmz(tmp_path / "big.kmz", 3 << 20)
    with pytest.raises(InputError, match="unpacks to"):
        kml_from_kmz(kmz, ZipLimits(max_member_bytes=2 << 20))
    assert KMZ_LIMITS.max_total_bytes <= 256 << 20 and KMZ_LIMITS.max_seconds <= 30


def test_areas_refuses_a_kmz_of_random_bytes_in_one_line(tmp_path: Path) -> None:
    kmz = _kmz(tmp_path / "areas_20240820.kmz", 1 << 20)
    r = run_cli("areas", str(kmz))
    assert r.returncode == 65, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
