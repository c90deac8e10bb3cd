"""GDAL's ogrinfo as the second opinion on the files we write: one driver at a time.

Tests skip (saying why) only when ogrinfo is not installed or this GDAL build lacks the driver;
.ci/run installs gdal-bin, whose GDAL has KML, LIBKML and GPKG.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest

OGRINFO = shutil.which("ogrinfo")
#: The drivers that can read the same suffix: the other one is skipped to force the one wanted.
_RIVALS = {"KML": ["LIBKML"], "LIBKML": ["KML"], "GPKG": []}


@functools.cache
def _drivers() -> frozenset[str]:
    out = subprocess.run([str(OGRINFO), "--formats"], capture_output=True, text=True, timeout=60).stdout
    # Names may hold spaces ("ESRI Shapefile -vector- (rw+v): ...").
    return frozenset(m.group(1) for m in re.finditer(r"^\s*(\S.*?)\s+-(?:raster|vector|multidimensional|gnm)", out, re.MULTILINE))


def require(driver: str) -> None:
    """Skip the calling test when ogrinfo or this driver is absent, naming which."""
    if OGRINFO is None:
        pytest.skip("GDAL's ogrinfo is not installed (apt install gdal-bin)")
    if driver not in _drivers():
        pytest.skip(f"this GDAL's ogrinfo has no {driver} driver")


def ogrinfo(target: str | Path, driver: str, *args: str) -> str:
    """``ogrinfo -ro`` of ``target`` through ``driver`` only; fails on an error or another driver."""
    require(driver)
    skip = ",".join(_RIVALS.get(driver, []))
    cmd = [str(OGRINFO), "-ro", *(["--config", "GDAL_SKIP", skip] if skip else []), *args, str(target)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{cmd}: {r.stderr}"
    assert "ERROR" not in r.stderr and "Warning" not in r.stderr, r.stderr
    assert f"using driver `{driver}' successful" in r.stdout, r.stdout[:300]
    return r.stdout


def kmz_member(path: Path, driver: str) -> str:
    """How ``driver`` opens a KMZ: LIBKML reads the archive itself, the KML driver reads its
    ``doc.kml`` through GDAL's zip file system (it has no KMZ support of its own)."""
    return str(path) if driver == "LIBKML" else f"/vsizip/{path}/doc.kml"


def layer_block(out: str, layer: str) -> str:
    """The part of ``ogrinfo`` output about one layer."""
    m = re.search(rf"^Layer name: {re.escape(layer)}\n(.*?)(?=^Layer name: |\Z)", out, re.MULTILINE | re.DOTALL)
    assert m, f"no layer {layer!r} in:\n{out[:500]}"
    return m.group(1)


def ogr_edit(path: Path, sql: str) -> None:
    """Run an editing SQL statement on a GeoPackage through GDAL (whose SQL has the GeoPackage
    ST_* functions, so the file's triggers fire as they would in QGIS)."""
    require("GPKG")
    r = subprocess.run([str(OGRINFO), str(path), "-sql", sql], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ERROR" not in r.stderr, r.stderr
