"""An optional XYZ raster tile layer under the vector basemap (off by default).

Sources: a URL template (``https://host/{z}/{x}/{y}.png``; ``{s}`` is not supported) or a local
MBTiles file. Fetched tiles go to a disk cache and are read from there from then on, so a view seen
once stays available offline. Painting never waits for the network: the layer draws what is in
memory or on disk (or a coarser parent tile, scaled), and asks a small thread pool for the rest;
when a tile arrives ``on_tile`` is called (the canvas repaints). When the server cannot be reached
the layer quietly draws nothing more and says so in ``status`` — no dialogs, no exceptions.

The atlas is offline by design: this layer exists for users who have a tile server (often a local
one) and turn it on themselves (View ▸ Raster tiles…).
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from atlas.geo.projection import R
from atlas.io.atomic import atomic_write_bytes

from .layers import MapLayer
from .viewport import Viewport

TILE_PX = 256
WORLD = 2 * math.pi * R  # width of the EPSG:3857 world in metres
USER_AGENT = "KurskAtlas/0.1 (offline desktop atlas; tile layer enabled by the user)"


class TileSourceError(ValueError):
    """A tile source that cannot be used (bad template, unreadable MBTiles file)."""


def tile_zoom(vp: Viewport, max_zoom: int = 19) -> int:
    """The zoom whose tile pixels are closest to the view's pixels."""
    z = math.log2(WORLD / (TILE_PX * vp.merc_per_px))
    return max(0, min(max_zoom, int(round(z))))


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Mercator bounds (x0, y0, x1, y1) of an XYZ tile (y counted from the top)."""
    size = WORLD / (1 << z)
    x0 = -WORLD / 2 + x * size
    y1 = WORLD / 2 - y * size
    return x0, y1 - size, x0 + size, y1


def tiles_in_view(vp: Viewport, z: int) -> list[tuple[int, int, int]]:
    n = 1 << z
    size = WORLD / n
    tx0 = max(0, int(math.floor((vp.x0 + WORLD / 2) / size)))
    tx1 = min(n - 1, int(math.floor((vp.x1 + WORLD / 2) / size)))
    ty0 = max(0, int(math.floor((WORLD / 2 - vp.y1) / size)))
    ty1 = min(n - 1, int(math.floor((WORLD / 2 - vp.y0) / size)))
    return [(z, x, y) for y in range(ty0, ty1 + 1) for x in range(tx0, tx1 + 1)]


class MBTilesReader:
    """Tiles from a local MBTiles (SQLite) file; TMS rows are flipped to XYZ."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TileSourceError(f"{self.path}: no such MBTiles file")
        try:
            self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise TileSourceError(f"{self.path}: not an MBTiles file ({exc})") from exc
        self._lock = threading.Lock()

    def read(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            row = self._con.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        self._con.close()


class TileLayer(MapLayer):
    """XYZ raster tiles from a URL template or an MBTiles file, drawn under the vector basemap."""

    key, title = "tiles", "Raster tiles"

    def __init__(self, source: str, cache_dir: str | Path | None = None, on_tile: Callable[[], None] | None = None,
                 max_zoom: int = 19, timeout_s: float = 6.0, memory_tiles: int = 384) -> None:
        super().__init__()
        self.source = source.strip()
        self.max_zoom = max_zoom
        self.timeout_s = timeout_s
        self.on_tile = on_tile
        self.mbtiles: MBTilesReader | None = None
        self.url: str | None = None
        if self.source.lower().endswith(".mbtiles") and "://" not in self.source:
            self.mbtiles = MBTilesReader(self.source)
        else:
            if not self.source.startswith(("http://", "https://")) or not all(k in self.source for k in ("{z}", "{x}", "{y}")):
                raise TileSourceError(f"{self.source!r}: expected an http(s) URL with {{z}}, {{x}} and {{y}}, or a .mbtiles file")
            self.url = self.source
        digest = hashlib.sha1(self.source.encode("utf-8")).hexdigest()[:16]
        self.cache_dir = Path(cache_dir) / digest if cache_dir else None
        self._mem: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self._mem_limit = memory_tiles
        self._pending: set[tuple[int, int, int]] = set()
        self._failed: dict[tuple[int, int, int], float] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tiles") if self.url else None
        self.consecutive_failures = 0
        self.status = "ready"

    # ------------------------------------------------------------------ state
    @property
    def offline(self) -> bool:
        """True after repeated failures to reach the server (cached tiles still draw)."""
        return self.consecutive_failures >= 3

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self.mbtiles is not None:
            self.mbtiles.close()

    # ------------------------------------------------------------------ cache
    def _cache_path(self, z: int, x: int, y: int) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / str(z) / str(x) / f"{y}.tile"

    def _remember(self, key: tuple[int, int, int], img: QImage) -> None:
        with self._lock:
            self._mem[key] = img
            self._mem.move_to_end(key)
            while len(self._mem) > self._mem_limit:
                self._mem.popitem(last=False)

    def cached(self, z: int, x: int, y: int) -> QImage | None:
        """The tile from memory, the disk cache or the MBTiles file; never from the network."""
        key = (z, x, y)
        with self._lock:
            img = self._mem.get(key)
        if img is not None:
            return img
        data: bytes | None = None
        if self.mbtiles is not None:
            data = self.mbtiles.read(z, x, y)
        else:
            path = self._cache_path(z, x, y)
            if path is not None and path.is_file():
                try:
                    data = path.read_bytes()
                except OSError:
                    data = None
        if data:
            img = QImage.fromData(data)
            if not img.isNull():
                self._remember(key, img)
                return img
        return None

    # ------------------------------------------------------------------ network
    def _fetch(self, key: tuple[int, int, int]) -> bool:
        z, x, y = key
        assert self.url is not None
        url = self.url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
        ok = False
        try:
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310 - user's template
                data = resp.read(4 * 1024 * 1024)
            img = QImage.fromData(data)
            if not img.isNull():
                path = self._cache_path(z, x, y)
                if path is not None:
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        atomic_write_bytes(path, data)
                    except OSError:
                        pass  # a read-only cache still lets the tile show this session
                self._remember(key, img)
                ok = True
        except (urllib.error.URLError, OSError, ValueError):
            ok = False
        with self._lock:
            self._pending.discard(key)
            if ok:
                self.consecutive_failures = 0
                self._failed.pop(key, None)
                self.status = "online"
            else:
                self.consecutive_failures += 1
                self._failed[key] = time.monotonic()
                if self.offline:
                    self.status = "offline: showing cached tiles only"
        if ok:
            self.changed()
            if self.on_tile is not None:
                self.on_tile()
        return ok

    def request(self, keys: list[tuple[int, int, int]]) -> list[object]:
        """Ask for tiles not cached yet (non-blocking); returns the futures started."""
        if self._pool is None:
            return []
        now = time.monotonic()
        futures = []
        # Offline: retry a failed tile only after a while, and only a few at a time.
        backoff = 30.0 if self.offline else 5.0
        for key in keys:
            with self._lock:
                if key in self._pending or now - self._failed.get(key, -1e9) < backoff:
                    continue
                if self.offline and self._pending:
                    break
                self._pending.add(key)
            futures.append(self._pool.submit(self._fetch, key))
        return futures

    def fetch_view(self, vp: Viewport, timeout_s: float | None = None) -> int:
        """Fetch the view's missing tiles and wait for them (headless export); returns how many arrived."""
        z = tile_zoom(vp, self.max_zoom)
        missing = [k for k in tiles_in_view(vp, z) if self.cached(*k) is None]
        futs = self.request(missing)
        deadline = time.monotonic() + (timeout_s if timeout_s is not None else self.timeout_s + 1)
        got = 0
        for f in futs:
            try:
                got += bool(f.result(timeout=max(0.0, deadline - time.monotonic())))  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - a timeout or a failed fetch is not an error here
                pass
        return got

    # ------------------------------------------------------------------ drawing
    def draw(self, p: QPainter, vp: Viewport) -> None:
        z = tile_zoom(vp, self.max_zoom)
        missing: list[tuple[int, int, int]] = []
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for key in tiles_in_view(vp, z):
            img = self.cached(*key)
            if img is not None:
                self._draw_tile(p, vp, key, img, key)
                continue
            missing.append(key)
            # Meanwhile, a coarser tile already cached stands in, scaled up.
            zz, xx, yy = key
            for up in range(1, 4):
                if zz - up < 0:
                    break
                parent = (zz - up, xx >> up, yy >> up)
                pimg = self.cached(*parent)
                if pimg is not None:
                    self._draw_tile(p, vp, key, pimg, parent)
                    break
        if missing:
            self.request(missing)

    def _draw_tile(self, p: QPainter, vp: Viewport, key: tuple[int, int, int], img: QImage,
                   src_key: tuple[int, int, int]) -> None:
        x0, y0, x1, y1 = tile_bounds(*key)
        (px0, px1), (py1, py0) = vp.to_px([x0, x1], [y1, y0])
        target = QRectF(px0, py1, px1 - px0, py0 - py1)
        if src_key == key:
            p.drawImage(target, img)
            return
        # The part of the parent tile that covers this tile.
        dz = key[0] - src_key[0]
        n = 1 << dz
        w, h = img.width() / n, img.height() / n
        sx = (key[1] - (src_key[1] << dz)) * w
        sy = (key[2] - (src_key[2] << dz)) * h
        p.drawImage(target, img, QRectF(sx, sy, w, h))
