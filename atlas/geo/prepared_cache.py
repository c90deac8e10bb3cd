"""A disk cache of prepared basemap data, so that a start does not parse and cut it again.

The bundled basemap is read from GeoJSON, turned into shapely geometries and cut into grid cells
at every start (~0.3 s of the window's first paint). What that yields depends only on the data
files and on the code that prepares them, so it is kept under the user's cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``, then ``KurskAtlas/Kursk Atlas/basemap``: where Qt's
CacheLocation puts the app's other caches on Linux), in a file named by a hash of the data files'
names, sizes and bytes and of the preparing modules' source. A changed file or a changed module
gives a new name; nothing is ever served stale.

The format is NumPy's .npz read with ``allow_pickle=False`` (a cache file can hold nothing but
arrays): geometries as WKB (exact float64 coordinates) in one byte array with offsets, columns as
arrays, everything else as one JSON document. A cache that cannot be read or written is ignored:
the caller prepares the data afresh, as it would without a cache. No Qt here.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from atlas import APP_NAME, ORG_NAME

#: Bump to drop every cache file written by an older layout of this module.
FORMAT = 1
#: Set to a folder to move the cache (tests), or to an empty string to turn it off.
ENV_DIR = "KURSK_ATLAS_BASEMAP_CACHE"


@dataclass
class Prepared:
    """What one cache file holds: geometry arrays, plain arrays and a JSON-able document."""

    geoms: dict[str, np.ndarray] = field(default_factory=dict)  # object arrays of shapely geometries
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # numeric or bool arrays
    meta: dict[str, Any] = field(default_factory=dict)


def cache_dir() -> Path | None:
    """The folder of the basemap cache, or None when it is turned off."""
    env = os.environ.get(ENV_DIR)
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / ORG_NAME / APP_NAME / "basemap"


def cache_key(files: Iterable[Path], code: Iterable[Path], extra: str = "") -> str:
    """A hash of the data ``files`` (name, size, bytes), the ``code`` modules' source and ``extra``
    (what else the prepared result depends on, such as library versions)."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    if extra:
        h.update(f"{extra}\n".encode())
    for p in [*files, *code]:
        data = p.read_bytes()
        h.update(f"{p.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:32]


def _path(kind: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"{kind}-{key}.npz"


def write(kind: str, key: str, prepared: Prepared) -> None:
    """Store ``prepared`` under ``kind`` and ``key``; a folder that cannot be written is skipped."""
    path = _path(kind, key)
    if path is None:
        return
    out: dict[str, np.ndarray] = {}
    for name, geoms in prepared.geoms.items():
        wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
        out[f"g_{name}"] = np.frombuffer(b"".join(wkb), dtype=np.uint8) if len(wkb) else np.zeros(0, np.uint8)
        out[f"o_{name}"] = np.cumsum([0, *(len(w) for w in wkb)]).astype(np.int64)
    for name, arr in prepared.arrays.items():
        out[f"a_{name}"] = np.asarray(arr)
    out["meta"] = np.frombuffer(json.dumps(prepared.meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **out)
    # A unique temporary name in the same folder, then a rename: two windows starting at once
    # never read a half-written file (atlas.io.atomic is the full recipe; the model and this
    # package may not import atlas.io, and a lost cache file costs only a slower start).
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".basemap-", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except OSError:  # a read-only or full cache folder: start without a cache, as before
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def read(kind: str, key: str) -> Prepared | None:
    """What :func:`write` stored under ``kind`` and ``key``, or None if absent or unreadable."""
    path = _path(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            files = {name: z[name] for name in z.files}
        out = Prepared(meta=json.loads(files.pop("meta").tobytes().decode()))
        for name, arr in files.items():
            kind_, _, rest = name.partition("_")
            if kind_ == "a":
                out.arrays[rest] = arr
            elif kind_ == "g":
                off = files[f"o_{rest}"]
                blob = arr.tobytes()
                wkb = np.array([blob[off[i]:off[i + 1]] for i in range(len(off) - 1)], dtype=object)
                out.geoms[rest] = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
        return out
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, shapely.errors.GEOSException):
        return None  # torn or foreign file: prepare afresh (write() replaces it)

