"""The local cache of a store (atlas/db/offline_cache.py): what the window read is written to the
user's cache folder without the password, bounded, and shown read-only and marked stale when the
same connection is opened while its server is down (a real throwaway server, stopped)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import psycopg
import pytest

from atlas.db import offline_cache
from atlas.model.remote import Aggregates, MapCells, MapRequest
from atlas.model.table import EventTable


def _events(n: int, prefix: str = "e") -> EventTable:
    return EventTable.from_records([{"event_id": f"{prefix}{i}", "event_date": "2024-08-10", "title": f"t{i}",
                                     "event_type": "Battles", "longitude": 35.0 + i * 1e-3, "latitude": 51.0}
                                    for i in range(n)])


def test_the_cache_round_trips_without_the_password(tmp_path, bundled):
    from atlas.model import All

    conn = "postgresql://anna:s3cret-pw@dbhost:5433/atlas"
    agg = Aggregates(All(), 120, 120, {"side": {"Ukraine": 70, "Russia": 50}})
    cells = MapCells(np.array([35.0]), np.array([51.0]), np.array([7]), 0.1, 0.5)
    folder = offline_cache.save(tmp_path, conn, bundled, aggregates=agg, filter_text="none",
                                map_request=MapRequest((33.0, 50.0, 38.5, 52.8), 7.0), cells=cells)
    for f in folder.iterdir():
        assert b"s3cret-pw" not in f.read_bytes()
    assert folder.name == offline_cache.cache_key("postgresql://anna@dbhost:5433/atlas")
    got = offline_cache.load(tmp_path, "postgresql://anna:other@dbhost:5433/atlas")  # the same store
    assert got is not None and "s3cret" not in got.connection
    assert list(map(str, got.table.ids)) == list(map(str, bundled.ids))
    assert got.table.record(5)["title"] == bundled.record(5)["title"]
    assert got.store_total == 120 and got.facets["side"] == {"Ukraine": 70, "Russia": 50}
    assert got.cells is not None and got.cells.count.tolist() == [7] and got.cells.sampled == 0.5
    assert got.map_request == MapRequest((33.0, 50.0, 38.5, 52.8), 7.0)
    assert got.read_at.tzinfo is not None and got.read_at <= dt.datetime.now(dt.timezone.utc)
    assert offline_cache.load(tmp_path, "postgresql://anna@otherhost/atlas") is None
    meta = json.loads((folder / offline_cache.META_FILE).read_text())
    assert meta["connection"] == "user=anna dbname=atlas host=dbhost port=5433"  # libpq key=value, no password


def test_the_cache_is_bounded(tmp_path):
    read = offline_cache.ReadRows(max_rows=50)
    read.add(_events(40, "a"))
    read.add(_events(40, "b"))  # the oldest reads go first
    assert len(read.table) == 50 and str(read.table.ids[0]) == "a30" and str(read.table.ids[-1]) == "b39"
    fresh = EventTable.from_records([{"event_id": "b39", "event_date": "2024-09-01", "title": "edited",
                                      "event_type": "Battles"}])
    read.add(fresh)  # a re-read event replaces its old values, in place
    assert len(read.table) == 50 and read.table.record(49)["title"] == "edited"

    first = offline_cache.save(tmp_path, "host=/a dbname=one", _events(2000, "x"))
    size = sum(f.stat().st_size for f in first.iterdir())
    second = offline_cache.save(tmp_path, "host=/a dbname=two", _events(2000, "y"), max_total_bytes=int(size * 1.5))
    assert second.exists() and not first.exists()  # the least recently written connection went


def test_a_store_opened_while_its_server_is_down_shows_its_cache_stale_and_read_only(
        window, bundled, qtbot, tmp_path, monkeypatch, own_server, own_store, another_window):
    from atlas.cli.common import BUNDLED_EVENTS
    from atlas.render.page import PageSpec, attribution_text
    from atlas.ui.database_feature import cache_root

    info = own_store()
    # A password in the connection (the trust server ignores it) must never reach the disk.
    target = info + " password=never-on-disk"
    feature = window.feature("database")
    assert feature.open_database(target) is None and not feature.stale
    assert feature.wait_for_aggregates()
    qtbot.waitUntil(lambda: not feature._cache_timer.isActive(), timeout=10000)  # written after a pause
    folder = cache_root() / offline_cache.cache_key(target)
    qtbot.waitUntil(lambda: (folder / offline_cache.META_FILE).exists(), timeout=10000)
    for f in folder.iterdir():
        assert b"never-on-disk" not in f.read_bytes()
    eid = str(window.model.table.ids[0])

    own_server.kill()  # the server is gone before the next start
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(info, connect_timeout=3).close()
    later = another_window()
    second = later.feature("database")
    assert second.open_database(target) is None  # opened, from the cache
    assert second.stale and second.store is None and later.model.remote is None
    assert len(later.model.table) == len(bundled)
    assert set(map(str, later.model.table.ids)) == set(map(str, bundled.ids))
    text = second.status.text()
    assert "unreachable" in text and "stale" in text and "read-only" in text and "cache" in text
    when = second.read_at.strftime("%Y-%m-%d %H:%M UTC")
    assert when in text and f"of {len(bundled):,} events" in text  # the store's size, as counted
    # The footer of a picture (and the window's credits) say the events are a stale copy.
    footer = attribution_text(PageSpec(), later.model)
    assert footer.startswith("Stale: events of the database") and when in footer and "never" not in footer
    assert "Stale:" in later.attribution()
    # Filters run on the cached rows like a file's.
    from atlas.model import Categories

    later.model.set_filter(Categories("side", {"Ukraine"}))
    assert 0 < later.model.visible_count < len(bundled)
    # Editing is refused.
    assert not second.act_edit.isEnabled()
    version, error = second.save_edit(eid, 1, {"confidence": "confirmed"}, None)
    assert version is None and "read-only" in error
    # File ▸ Export events… of the stale view: the file says it is a stale copy.
    from PySide6.QtWidgets import QFileDialog

    from atlas.io import read_events
    from atlas.io.stale_mark import STALE_FIELD
    from atlas.ui import import_dialogs

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "stale.geojson"), ""))
    out = import_dialogs.export_events_dialog(later, later.model)
    assert out == tmp_path / "stale.geojson"
    assert json.loads(out.read_text(encoding="utf-8"))["description"] == later.model.stale_note
    exported, _ = read_events(out)
    assert len(exported) == later.model.visible_count
    assert set(map(str, exported.values(STALE_FIELD, range(len(exported))))) == {later.model.stale_note}
    assert "marked stale" in later.statusBar().currentMessage()
    # Files replace the copy: the stale marks go.
    later.model.set_table(bundled, sources=[str(BUNDLED_EVENTS)])
    assert not second.stale and later.model.stale_note == "" and second.status.text() == ""


def test_a_store_without_a_cache_whose_server_is_down_is_refused(window):
    feature = window.feature("database")
    error = feature.open_database("host=/nonexistent-katlas-socket dbname=nothing connect_timeout=2")
    assert error is not None and error.startswith("cannot open the database")
    assert not feature.stale and window.model.stale_note == ""


def test_a_workspace_reopened_while_its_server_is_down_shows_the_cache_stale_and_keeps_its_state(
        window, qtbot, tmp_path, own_server, own_store, another_window):
    """The same fallback as a direct open, through File ▸ Open workspace: the store's cached
    events, read-only and marked stale, under the workspace's filter and selection; saved again
    while stale, the workspace still names the store."""
    from atlas.model import Categories
    from atlas.render.page import PageSpec, attribution_text
    from atlas.ui.database_feature import cache_root

    info = own_store()
    feature = window.feature("database")
    assert feature.open_database(info) is None and not feature.stale
    assert feature.wait_for_aggregates()
    model = window.model
    feature.write_cache(wait=True)  # the unfiltered first screen, as the debounce would write it
    model.set_filter(Categories("side", {"Ukraine"}))
    eid = str(model.table.ids[model.list_rows[3]])
    model.set_current(eid)
    path = tmp_path / "store.katlas"
    assert window.feature("workspace").save_to(path)
    feature.write_cache(wait=True)
    folder = cache_root() / offline_cache.cache_key(info)
    assert (folder / offline_cache.META_FILE).exists()
    cached_rows = len(offline_cache.load(cache_root(), info).table)

    own_server.kill()  # the server is stopped: the next connect is refused
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(info, connect_timeout=3).close()
    later = another_window()
    second = later.feature("database")
    workspace = later.feature("workspace")
    assert workspace.open(path, ask=False)
    assert second.stale and second.store is None and later.model.remote is None
    assert len(later.model.table) == cached_rows
    assert later.model.filter == Categories("side", {"Ukraine"})
    assert 0 < later.model.visible_count < cached_rows
    assert later.model.current_id == eid
    # The same marks as a direct open: the red status, the footer, the credits, editing refused.
    text = second.status.text()
    when = second.read_at.strftime("%Y-%m-%d %H:%M UTC")
    assert text.startswith("Database unreachable (stale, read-only):") and "local cache" in text and "stale, read-only" in text
    assert when in text and "b00020" in second.status.styleSheet()
    assert attribution_text(PageSpec(), later.model).startswith("Stale: events of the database")
    assert "Stale:" in later.attribution()
    assert not second.act_edit.isEnabled()
    assert second.save_edit(eid, 1, {"confidence": "confirmed"}, None)[0] is None
    # The notes the workspace opened with say why the events are a copy.
    assert any(n.startswith("database: Stale:") and "local cache" in n for n in workspace.last_notes)
    # Saved while stale (autosave too), the workspace still names the store, not files.
    again = tmp_path / "stale.katlas"
    assert workspace.save_to(again)
    doc = json.loads(again.read_text(encoding="utf-8"))
    sections = doc.get("sections", doc)
    assert sections["database"]["connection"] == second.connection
    assert sections["sources"]["files"] == []


def test_a_workspace_whose_server_is_down_and_never_cached_says_so(window, tmp_path, qtbot):
    """No cache to fall back on: the workspace opens without events and its notes say why."""
    path = tmp_path / "nothing.katlas"
    target = "host=/nonexistent-katlas-socket dbname=nothing connect_timeout=2"
    from atlas.workspace.document import write_workspace

    write_workspace(path, {"sources": {"embed": False, "files": []}, "database": {"connection": target}})
    workspace = window.feature("workspace")
    assert workspace.open(path, ask=False)
    assert window.model.remote is None and len(window.model.table) == 0
    assert not window.feature("database").stale and window.model.stale_note == ""
    assert any(n.startswith("database: not restored") and "cannot open the database" in n
               for n in workspace.last_notes)


def test_the_cached_view_counts_a_dense_view_in_cells_like_the_live_one_and_says_whose_counts(
        window, qtbot, monkeypatch, own_server, own_store, another_window):
    """Live, a dense view comes back from the server as counted cells; the cached view of the same
    store counts its cached rows on the same grid above the same threshold, and the count line,
    the filters dock and the picture's filter line say the counts are of the cached rows."""
    from atlas.db import cells
    from atlas.model import Categories
    from atlas.render.page import filter_line
    from atlas.ui.event_list import count_text

    monkeypatch.setattr(cells, "REMOTE_POINT_THRESHOLD", 150)  # 1,500 events make a dense view
    info = own_store(1500)
    window.resize(1200, 800)
    window.canvas.set_view_lonlat(33.0, 50.0, 38.5, 52.8)
    feature = window.feature("database")
    assert feature.open_database(info) is None
    model = window.model
    assert model.map_cells is not None and model.map_cells.events > 150  # live: the server's cells
    assert model.map_cells.cell_deg == pytest.approx(cells.cell_size_deg(model.map_request.zoom))
    while model.fetch_more():  # the list read to its end: every event is cached
        pass
    feature.write_cache(wait=True)

    own_server.kill()
    later = another_window()
    later.resize(1200, 800)
    later.canvas.set_view_lonlat(33.0, 50.0, 38.5, 52.8)
    second = later.feature("database")
    assert second.open_database(info) is None and second.stale
    got = later.model.map_cells
    assert got is not None and later.model.map_rows.size == 0  # cells, not 1,500 points
    assert got.cell_deg == cells.cell_size_deg(later.model.map_request.zoom)  # the live view's grid
    qtbot.waitUntil(lambda: second.cells_layer.cells is got, timeout=5000)  # drawn by the same layer
    held = len(later.model.table)
    assert held == 1500 and got.events <= held
    # Whose counts: the cached rows'.
    assert count_text(later.model) == f"{held:,} of {held:,} cached events"
    assert "cached events" in later.count_label.text()  # the status bar's count, refreshed
    note = later.feature("workflow").filters.counts_note
    assert not note.isHidden() and f"{held:,} cached events only" in note.text()
    line = filter_line(later.model, 0)
    assert "of 1,500 cached events pass" in line and "counted in cells on this map" in line
    # A filter: the cells count the cached rows that pass.
    later.model.set_filter(Categories("side", {"Ukraine"}))
    assert later.model.map_cells is not None and later.model.map_cells.events < got.events
    # Zoomed in on a few events: the events themselves, as live.
    later.canvas.set_view_lonlat(35.0, 51.0, 35.05, 51.03)
    second.send_map_request()
    assert later.model.map_cells is None and later.model.map_rows is later.model.visible_rows


def test_rows_replaced_just_before_the_cache_write_are_cached_with_their_new_values(window, synthetic, qtbot):
    """A colleague's change reaches the window, and within the write's debounce a filter replaces
    the table that held it: the cache gets the changed event's new values all the same."""
    from atlas.model import Categories
    from atlas.ui.database_feature import cache_root

    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    assert feature.wait_for_aggregates()
    feature.write_cache(wait=True)  # everything read so far, with the old values
    table = window.model.table
    eid = str(table.ids[int(window.model.list_rows[0])])
    kind = str(table.value("event_type", table.index_of(eid)))
    with psycopg.connect(synthetic) as conn:
        conn.execute("UPDATE katlas.events SET title = 'changed before the write' WHERE event_id = %s", (eid,))
    qtbot.waitUntil(lambda: window.model.table.index_of(eid) is not None and window.model.table.value(
        "title", window.model.table.index_of(eid)) == "changed before the write", timeout=10000)
    others = {str(v) for v in table.values("event_type")} - {kind}
    window.model.set_filter(Categories("event_type", others))  # the event leaves the table shown
    assert window.model.table.index_of(eid) is None
    assert feature._cache_timer.isActive()  # the debounced write has not happened yet
    feature.write_cache(wait=True)
    cached = offline_cache.load(cache_root(), feature.connection).table
    assert cached.value("title", cached.index_of(eid)) == "changed before the write"


def test_an_event_a_colleague_deleted_is_not_in_the_cache_written_after(window, synthetic, qtbot):
    """A colleague deletes an event the window holds; the change applies (the event leaves the
    list), the cache is written: the deleted event must not come back from the cache."""
    from atlas.ui.database_feature import cache_root

    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    assert feature.wait_for_aggregates()
    model = window.model
    eid = str(model.table.ids[int(model.list_rows[0])])
    feature.write_cache(wait=True)  # read and cached while it existed
    with psycopg.connect(synthetic) as conn:
        conn.execute("DELETE FROM katlas.events WHERE event_id = %s", (eid,))
    qtbot.waitUntil(lambda: eid not in {str(model.table.ids[int(r)]) for r in model.list_rows}, timeout=10000)
    feature.write_cache(wait=True)
    cached = offline_cache.load(cache_root(), feature.connection).table
    assert cached.index_of(eid) is None
