"""An optional XYZ raster tile layer under the vector basemap (off by default).

Sources: a URL template (``https://host/{z}/{x}/{y}.png``; ``{s}`` is not supported) or a local
MBTiles file. Tiles are fetched with Qt's QNetworkAccessManager through a QNetworkDiskCache: HTTP
cache semantics (``Cache-Control``, ``Expires``, validation with ``ETag``/``Last-Modified``) and a
size limit (:data:`DEFAULT_CACHE_BYTES`, oldest entries dropped first). A tile once fetched draws
from the cache from then on, also offline; an expired one still draws and is revalidated in the
background. Painting never waits for the network: the layer draws what is in memory or in the cache
(or a coarser parent tile, scaled) and asks for the rest; when a tile arrives ``on_tile`` is called
(the canvas repaints). When the server cannot be reached the layer quietly draws nothing more and
says so in ``status`` — no dialogs, no exceptions.

The atlas is offline by design: no tile layer exists, and so nothing is ever contacted, until the
user turns one on (View ▸ Raster tiles…); requests go only to the template the user gave.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDateTime, QEventLoop, QRectF, QThread, QTimer, QUrl
from PySide6.QtGui import QImage, QPainter
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkDiskCache, QNetworkReply, QNetworkRequest

from atlas.geo.projection import R

from .layers import MapLayer
from .viewport import Viewport

TILE_PX = 256
WORLD = 2 * math.pi * R  # width of the EPSG:3857 world in metres
USER_AGENT = "KurskAtlas/0.1 (offline desktop atlas; tile layer enabled by the user)"
#: The disk cache's size limit; the oldest tiles are dropped beyond it (QNetworkDiskCache's expiry).
DEFAULT_CACHE_BYTES = 256 << 20
#: A tile larger than this is no tile.
MAX_TILE_BYTES = 4 << 20


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
    """XYZ raster tiles from a URL template or an MBTiles file, drawn under the vector basemap.

    The network side lives in the thread that created the layer (the GUI thread): requests are made
    only there; a draw from another thread (a background export) uses what is cached."""

    key, title = "tiles", "Raster tiles"

    def __init__(self, source: str, cache_dir: str | Path | None = None, on_tile: Callable[[], None] | None = None,
                 max_zoom: int = 19, timeout_s: float = 6.0, memory_tiles: int = 384,
                 cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
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
        self._pending: dict[tuple[int, int, int], QNetworkReply] = {}
        self._failed: dict[tuple[int, int, int], float] = {}
        self._revalidated: set[tuple[int, int, int]] = set()
        self._lock = threading.Lock()
        self._nam: QNetworkAccessManager | None = None
        self._cache: QNetworkDiskCache | None = None
        if self.url is not None:
            self._nam = QNetworkAccessManager()
            self._nam.setAutoDeleteReplies(True)
            if self.cache_dir is not None:
                self._cache = QNetworkDiskCache()
                self._cache.setCacheDirectory(str(self.cache_dir))
                self._cache.setMaximumCacheSize(int(cache_bytes))
                self._nam.setCache(self._cache)
        self.consecutive_failures = 0
        self.status = "ready"

    # ------------------------------------------------------------------ state
    @property
    def offline(self) -> bool:
        """True after repeated failures to reach the server (cached tiles still draw)."""
        return self.consecutive_failures >= 3

    @property
    def cache_size(self) -> int:
        """Bytes the disk cache holds now (0 without one)."""
        return int(self._cache.cacheSize()) if self._cache is not None else 0

    def close(self) -> None:
        for reply in list(self._pending.values()):
            reply.abort()
        self._pending.clear()
        if self._nam is not None:
            self._nam.deleteLater()
            self._nam = self._cache = None
        if self.mbtiles is not None:
            self.mbtiles.close()

    def _tile_url(self, z: int, x: int, y: int) -> QUrl:
        assert self.url is not None
        return QUrl(self.url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)))

    def _in_owner_thread(self) -> bool:
        return self._nam is not None and QThread.currentThread() is self._nam.thread()

    # ------------------------------------------------------------------ cache
    def _remember(self, key: tuple[int, int, int], img: QImage) -> None:
        with self._lock:
            self._mem[key] = img
            self._mem.move_to_end(key)
            while len(self._mem) > self._mem_limit:
                self._mem.popitem(last=False)

    def _from_disk_cache(self, key: tuple[int, int, int]) -> bytes | None:
        """A tile's bytes from the HTTP disk cache, fresh or not (drawing a stale tile beats drawing
        none; :meth:`draw` asks for its revalidation)."""
        if self._cache is None or not self._in_owner_thread():
            return None
        dev = self._cache.data(self._tile_url(*key))
        if dev is None:
            return None
        try:
            return bytes(dev.read(MAX_TILE_BYTES).data())
        finally:
            dev.close()

    def _expired(self, key: tuple[int, int, int]) -> bool:
        if self._cache is None or not self._in_owner_thread():
            return False
        meta = self._cache.metaData(self._tile_url(*key))
        exp = meta.expirationDate()
        return meta.isValid() and exp.isValid() and exp < QDateTime.currentDateTimeUtc()

    def cached(self, z: int, x: int, y: int) -> QImage | None:
        """The tile from memory, the disk cache or the MBTiles file; never from the network."""
        key = (z, x, y)
        with self._lock:
            img = self._mem.get(key)
        if img is not None:
            return img
        data = self.mbtiles.read(z, x, y) if self.mbtiles is not None else self._from_disk_cache(key)
        if data:
            img = QImage.fromData(data)
            if not img.isNull():
                self._remember(key, img)
                return img
        return None

    # ------------------------------------------------------------------ network
    def request(self, keys: list[tuple[int, int, int]], revalidate: bool = False) -> list[QNetworkReply]:
        """Ask for tiles (non-blocking; only in the layer's own thread); returns the replies started.
        ``revalidate``: tiles the cache holds but that expired (a conditional request)."""
        if self._nam is None or not self._in_owner_thread():
            return []
        now = time.monotonic()
        started = []
        # Offline: retry a failed tile only after a while, and only a few at a time.
        backoff = 30.0 if self.offline else 5.0
        for key in keys:
            if key in self._pending or now - self._failed.get(key, -1e9) < backoff:
                continue
            if self.offline and self._pending:
                break
            req = QNetworkRequest(self._tile_url(*key))
            req.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, USER_AGENT)
            req.setTransferTimeout(int(self.timeout_s * 1000))
            # PreferNetwork: a fresh cached copy is used as is, a stale one revalidated (HTTP caching).
            req.setAttribute(QNetworkRequest.Attribute.CacheLoadControlAttribute,
                             QNetworkRequest.CacheLoadControl.PreferNetwork)
            reply = self._nam.get(req)
            reply.setReadBufferSize(MAX_TILE_BYTES)
            self._pending[key] = reply
            if revalidate:
                self._revalidated.add(key)
            reply.finished.connect(lambda key=key, reply=reply: self._arrived(key, reply))
            started.append(reply)
        return started

    def _arrived(self, key: tuple[int, int, int], reply: QNetworkReply) -> None:
        self._pending.pop(key, None)
        ok = False
        if reply.error() == QNetworkReply.NetworkError.NoError:
            data = bytes(reply.read(MAX_TILE_BYTES).data())
            img = QImage.fromData(data)
            if not img.isNull():
                self._remember(key, img)
                ok = True
        if ok:
            self.consecutive_failures = 0
            self._failed.pop(key, None)
            self.status = "online"
            self.changed()
            if self.on_tile is not None:
                self.on_tile()
        else:
            self.consecutive_failures += 1
            self._failed[key] = time.monotonic()
            if self.offline:
                self.status = "offline: showing cached tiles only"

    def fetch_view(self, vp: Viewport, timeout_s: float | None = None) -> int:
        """Fetch the view's missing tiles and wait for them (an event loop runs meanwhile); returns
        how many arrived."""
        z = tile_zoom(vp, self.max_zoom)
        missing = [k for k in tiles_in_view(vp, z) if self.cached(*k) is None]
        replies = self.request(missing)
        if not replies:
            return 0
        loop = QEventLoop()
        left = [len(replies)]

        def one_done() -> None:
            left[0] -= 1
            if left[0] <= 0:
                loop.quit()

        for r in replies:
            r.finished.connect(one_done)
        QTimer.singleShot(int(1000 * (timeout_s if timeout_s is not None else self.timeout_s + 1)), loop.quit)
        if any(not r.isFinished() for r in replies):
            loop.exec()
        return sum(1 for k in missing if k in self._mem)

    # ------------------------------------------------------------------ drawing
    def draw(self, p: QPainter, vp: Viewport) -> None:
        z = tile_zoom(vp, self.max_zoom)
        missing: list[tuple[int, int, int]] = []
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for key in tiles_in_view(vp, z):
            img = self.cached(*key)
            if img is not None:
                self._draw_tile(p, vp, key, img, key)
                if key not in self._revalidated and self._expired(key):
                    self.request([key], revalidate=True)
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
