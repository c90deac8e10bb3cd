"""The optional XYZ tile layer against a tile server the test starts on 127.0.0.1, an MBTiles
file, a disk cache that works offline, and a quiet fallback when the server is gone."""

from __future__ import annotations

import socket
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from atlas.render.compose import render_map
from atlas.render.scene import MapScene
from atlas.render.tiles import WORLD, TileLayer, TileSourceError, tile_bounds, tile_zoom, tiles_in_view
from atlas.render.viewport import Viewport

VIEW = Viewport.fit_lonlat(34.9, 51.0, 35.6, 51.4, 400, 300)


def png(colour: str) -> bytes:
    img = QImage(256, 256, QImage.Format.Format_RGB32)
    img.fill(QColor(colour))
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(ba)


class TileServer:
    """A tiny XYZ server: every tile is solid red; counts the requests it answers."""

    def __init__(self, qapp) -> None:
        data = png("#ff0000")
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                parts = self.path.strip("/").split("/")
                if len(parts) != 3 or not parts[2].endswith(".png"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(qapp):
    s = TileServer(qapp)
    yield s
    s.stop()


def tiles_only_scene(layer: TileLayer) -> MapScene:
    scene = MapScene(None, basemap=False)
    scene.graticule.visible = False
    scene.world.visible = False  # the world's land would cover the tiles (the window turns its fill off)
    scene.insert(layer, above="background")
    return scene


def centre_pixel(img: QImage) -> QColor:
    return QColor(img.pixel(img.width() // 2, img.height() // 2))


def test_tile_maths() -> None:
    assert tile_bounds(0, 0, 0) == pytest.approx((-WORLD / 2, -WORLD / 2, WORLD / 2, WORLD / 2))
    z = tile_zoom(VIEW)
    assert 8 <= z <= 12
    keys = tiles_in_view(VIEW, z)
    assert 1 <= len(keys) <= 16 and all(k[0] == z for k in keys)


def test_tiles_from_local_server_then_from_the_disk_cache(server, tmp_path: Path) -> None:
    layer = TileLayer(server.url, cache_dir=tmp_path)
    scene = tiles_only_scene(layer)
    assert layer.fetch_view(VIEW, timeout_s=10) > 0
    img = render_map(scene, VIEW)
    c = centre_pixel(img)
    assert (c.red(), c.green(), c.blue()) == (255, 0, 0)
    n_requests = len(server.hits)
    assert n_requests >= 1 and all(h.endswith(".png") for h in server.hits)
    layer.close()
    server.stop()
    # A new session with the server gone: the view comes from the disk cache, quietly.
    again = TileLayer(server.url, cache_dir=tmp_path)
    img2 = render_map(tiles_only_scene(again), VIEW)
    c2 = centre_pixel(img2)
    assert (c2.red(), c2.green(), c2.blue()) == (255, 0, 0)
    assert len(server.hits) == n_requests
    again.close()


def test_offline_fallback_is_quiet(qapp, tmp_path: Path) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens on this port now
    layer = TileLayer(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", cache_dir=tmp_path, timeout_s=1.0)
    scene = tiles_only_scene(layer)
    assert layer.fetch_view(VIEW, timeout_s=5) == 0
    img = render_map(scene, VIEW)  # draws the background only, raises nothing
    assert centre_pixel(img) == scene.background.colour
    assert layer.offline and "offline" in layer.status
    layer.close()


def test_mbtiles_file(qapp, tmp_path: Path) -> None:
    z = tile_zoom(VIEW)
    path = tmp_path / "t.mbtiles"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    blue = png("#0000ff")
    for _, x, y in tiles_in_view(VIEW, z):
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, blue))  # TMS rows
    con.commit()
    con.close()
    layer = TileLayer(str(path))
    c = centre_pixel(render_map(tiles_only_scene(layer), VIEW))
    assert (c.red(), c.green(), c.blue()) == (0, 0, 255)
    # Zoomed in one level further there are no tiles: the parent stands in, scaled.
    closer = Viewport.centered(*VIEW.center, VIEW.merc_per_px / 2, 400, 300)
    c2 = centre_pixel(render_map(tiles_only_scene(TileLayer(str(path))), closer))
    assert (c2.red(), c2.green(), c2.blue()) == (0, 0, 255)
    layer.close()


def test_bad_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TileSourceError):
        TileLayer("ftp://example.org/{z}/{x}/{y}.png")
    with pytest.raises(TileSourceError):
        TileLayer("http://127.0.0.1/tiles.png")
    with pytest.raises(TileSourceError):
        TileLayer(str(tmp_path / "missing.mbtiles"))
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not sqlite")
    with pytest.raises(TileSourceError):
        TileLayer(str(junk))
