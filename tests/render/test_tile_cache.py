"""Raster tiles through QNetworkAccessManager and QNetworkDiskCache: HTTP cache semantics (fresh
tiles from the cache, stale ones revalidated with If-None-Match, no-store never kept), the cache's
size limit, and no request at all unless the user switched tiles on. Every server is on 127.0.0.1."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings
from PySide6.QtGui import QColor, QImage

from atlas.render import tiles
from atlas.render.compose import render_map
from atlas.render.scene import MapScene
from atlas.render.tiles import TileLayer
from atlas.render.viewport import Viewport

VIEW = Viewport.fit_lonlat(34.9, 51.0, 35.6, 51.4, 400, 300)


def png(colour: str, noise: int = 0) -> bytes:
    img = QImage(256, 256, QImage.Format.Format_RGB32)
    img.fill(QColor(colour))
    for i in range(noise):  # incompressible pixels make each tile a few kilobytes
        img.setPixel(i % 256, (i * 7) % 256, (i * 2654435761) & 0xFFFFFF)
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(ba)


class Server:
    """Green tiles with the given Cache-Control and an ETag; records each request's If-None-Match."""

    def __init__(self, cache_control: str, noise: int = 0) -> None:
        data = png("#00ff00", noise)
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                etag = '"tile-v1"'
                outer.requests.append((self.path, self.headers.get("If-None-Match")))
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Cache-Control", cache_control)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", cache_control)
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve(qapp):
    started: list[Server] = []

    def make(cache_control: str, noise: int = 0) -> Server:
        s = Server(cache_control, noise)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


def scene_of(layer: TileLayer) -> MapScene:
    scene = MapScene(None, basemap=False)
    scene.graticule.visible = False
    scene.world.set_fill(False)  # as the window does when tiles are on: the tiles show the land
    scene.insert(layer, above="background")
    return scene


def green_in_the_middle(layer: TileLayer) -> bool:
    img = render_map(scene_of(layer), VIEW)
    c = QColor(img.pixel(img.width() // 2, img.height() // 2))
    return (c.red(), c.green(), c.blue()) == (0, 255, 0)


def test_fresh_tiles_come_from_the_cache_without_a_request(serve, qtbot, tmp_path: Path) -> None:
    server = serve("max-age=86400")
    first = TileLayer(server.url, cache_dir=tmp_path)
    assert first.fetch_view(VIEW, timeout_s=10) > 0
    n = len(server.requests)
    assert n >= 1 and first.cache_size > 0
    first.close()
    again = TileLayer(server.url, cache_dir=tmp_path)
    assert green_in_the_middle(again)
    # Even asked explicitly, a fresh tile is answered by the cache: the server is not contacted.
    replies = again.request([tiles.tiles_in_view(VIEW, tiles.tile_zoom(VIEW))[0]])
    assert len(replies) == 1
    qtbot.waitUntil(lambda: not again._pending, timeout=10_000)  # answered (the reply is then deleted)
    assert len(server.requests) == n
    again.close()


def test_a_stale_tile_draws_and_is_revalidated(serve, qtbot, tmp_path: Path) -> None:
    server = serve("max-age=0, must-revalidate")
    first = TileLayer(server.url, cache_dir=tmp_path)
    first.fetch_view(VIEW, timeout_s=10)
    n = len(server.requests)
    first.close()
    qtbot.wait(1200)  # HTTP dates count seconds: let the cached copy age past its max-age of 0
    again = TileLayer(server.url, cache_dir=tmp_path)
    assert green_in_the_middle(again)  # drawn from the cache at once, though stale
    qtbot.waitUntil(lambda: len(server.requests) >= 2 * n, timeout=10_000)
    conditional = server.requests[n:]
    assert conditional and all(inm == '"tile-v1"' for _, inm in conditional)  # If-None-Match: answered 304
    qtbot.waitUntil(lambda: not again._pending, timeout=10_000)
    assert green_in_the_middle(again) and again.consecutive_failures == 0
    again.close()


def test_no_store_tiles_are_not_kept(serve, tmp_path: Path) -> None:
    server = serve("no-store")
    first = TileLayer(server.url, cache_dir=tmp_path)
    assert first.fetch_view(VIEW, timeout_s=10) > 0
    first.close()
    server.stop()
    again = TileLayer(server.url, cache_dir=tmp_path, timeout_s=1.0)
    assert not green_in_the_middle(again)  # nothing was cached
    again.close()


def test_the_disk_cache_keeps_to_its_size_limit(serve, tmp_path: Path) -> None:
    server = serve("max-age=86400", noise=3000)
    limit = 64 << 10
    layer = TileLayer(server.url, cache_dir=tmp_path, cache_bytes=limit)
    z = tiles.tile_zoom(VIEW) + 2
    keys = [(z, x, y) for x in range(2400, 2406) for y in range(1380, 1386)]
    for k in range(0, len(keys), 6):
        layer.request(keys[k:k + 6])
        layer.fetch_view(VIEW, timeout_s=10)
    tile_bytes = len(png("#00ff00", 3000))
    assert len(keys) * tile_bytes > 2 * limit  # far more was fetched than the cache may hold
    assert 0 < layer.cache_size <= limit
    layer.close()


def test_tiles_are_never_requested_unless_switched_on(serve, qtbot) -> None:
    from atlas.model import AtlasModel
    from atlas.ui.main_window import MainWindow

    server = serve("max-age=86400")
    settings = QSettings()
    settings.setValue("map/tiles_source", server.url)
    settings.setValue("map/tiles_on", "false")
    try:
        window = MainWindow(AtlasModel())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.wait(300)
        nav = window.feature("navigation")
        assert nav.tile_layer is None and not nav.act_tiles.isChecked()
        assert server.requests == []  # a source is remembered, but tiles are off: nothing is contacted
        nav.enable_tiles(server.url, save=False)
        window.canvas.item.update()
        qtbot.waitUntil(lambda: len(server.requests) > 0, timeout=10_000)
        assert all(path.endswith(".png") for path, _ in server.requests)
        nav.disable_tiles(save=False)
    finally:
        settings.remove("map/tiles_source")
        settings.remove("map/tiles_on")
