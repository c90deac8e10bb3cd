"""The window as a client of the store: pages, pushed-down filters, server cells and totals,
incremental live updates, inline edits, the connection in the workspace (a real server)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from atlas.db import edit, query, schema
from atlas.model import AtlasModel, Categories, DateRange, Text
from atlas.model.facets import Facet
from atlas.model.remote import MapRequest

REGION = MapRequest((33.0, 50.0, 38.5, 52.8), 7.0)



def _list_order(conn, flt) -> list[str]:
    """Every event that passes ``flt`` in the list's order (day, undated last, id), read whole."""
    t = query.read(conn, flt)
    day = np.where(np.isnat(t.date), np.datetime64("9999-12-31"), t.date)
    keys = sorted(zip(day.tolist(), (str(i) for i in t.ids)))
    return [k[1] for k in keys]


def test_the_list_pages_through_the_server_as_it_scrolls(synthetic):
    from atlas.db.remote import PostgresEvents

    model = AtlasModel()
    store = PostgresEvents(synthetic, page_size=100)
    model.set_remote(store)
    assert len(model.list_rows) == 100 and model.resident.more
    assert len(model.table) < 1500  # nothing loaded whole
    flt = Categories("event_type", {"Battles", "Riots"}) & DateRange(dt.date(2024, 9, 1), dt.date(2025, 1, 31))
    model.set_filter(flt)
    while model.fetch_more():
        pass
    listed = [str(model.table.ids[r]) for r in model.list_rows]
    with psycopg.connect(synthetic) as conn:
        assert listed == _list_order(conn, flt)  # every page, in order, nothing twice
    assert not model.resident.more
    store.close()


def test_the_list_widget_fetches_pages_and_counts_come_from_the_server(window, synthetic, qtbot, monkeypatch):
    from atlas.db import cells

    monkeypatch.setattr(cells, "REMOTE_POINT_THRESHOLD", 300)  # 1,500 in view: the map gets cells
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    lst = window.event_list.table_model
    assert lst.rowCount() == 200 and lst.canFetchMore()
    assert len(window.model.table) == 200 and window.model.map_cells.events == 1500  # nothing loaded whole
    lst.fetchMore()
    assert lst.rowCount() == 400
    assert feature.wait_for_aggregates()
    assert window.event_list.count_label.text() == "1,500 of 1,500 events"
    flt = Text("sudzha") & Facet("side", {"Ukraine"})
    window.model.set_filter(flt)
    assert feature.wait_for_aggregates()
    with psycopg.connect(synthetic) as conn:
        expected = query.count(conn, flt)
        sides = {v: query.count(conn, Text("sudzha") & Categories("side", {v}))
                 for v in ("Russia", "Third party", "Ukraine")}
    assert window.event_list.count_label.text() == f"{expected:,} of 1,500 events"
    assert window.model.aggregates.facets["side"] == sides  # every term but the facet's own
    t = window.model.table
    assert all(t.value("side", r) == "Ukraine" for r in window.model.list_rows)
    # The timeline's bars are the server's counts per day.
    assert int(window.model.aggregates.day_count.sum()) == expected


def test_the_map_gets_cells_when_dense_and_the_events_when_sparse(synthetic):
    from atlas.db.remote import PostgresEvents

    model = AtlasModel()
    store = PostgresEvents(synthetic, point_threshold=200)
    model.set_map_request(REGION)
    model.set_remote(store)
    cells = model.map_cells
    assert cells is not None and model.map_rows.size == 0
    assert cells.events == 1500 and cells.sampled == 1.0  # a small store is counted exactly
    small = MapRequest((34.0, 51.0, 34.3, 51.15), 12.0)
    model.set_map_request(small)
    assert model.map_cells is None
    rows = model.map_rows
    with psycopg.connect(synthetic) as conn:
        inside = conn.execute("SELECT count(*) FROM katlas.events WHERE geom && "
                              "ST_MakeEnvelope(34.0, 51.0, 34.3, 51.15, 4326)").fetchone()[0]
    assert 0 < rows.size == inside <= 200
    lon, lat = model.table.lon[rows], model.table.lat[rows]
    assert ((lon >= 34.0) & (lon <= 34.3) & (lat >= 51.0) & (lat <= 51.15)).all()
    store.close()


def test_a_big_store_counts_cells_on_a_sample(synthetic):
    from atlas.db import cells

    with psycopg.connect(synthetic) as conn:
        conn.execute("ANALYZE katlas.events")
        exact = cells.cells(conn, Categories("event_type", {"Battles"}) | Text(""), REGION.bbox, 0.5)
        got = cells.cells(conn, Text(""), REGION.bbox, 0.5, sample_rows=1000)
        again = cells.cells(conn, Text(""), REGION.bbox, 0.5, sample_rows=1000, exact_if_few=False)
        twice = cells.cells(conn, Text(""), REGION.bbox, 0.5, sample_rows=1000, exact_if_few=False)
    # The same blocks each time (REPEATABLE): cached by the server, and no flicker between pans.
    assert again.count.tolist() == twice.count.tolist() and again.lon.tolist() == twice.lon.tolist()
    assert exact.sampled == 1.0
    # 1,000 of 1,500 rows is a sample: unless it kept too few rows, then it counted exactly.
    assert got.sampled < 1.0 or got.events == 1500
    assert abs(got.events - 1500) < 600


def test_a_colleagues_edit_refreshes_only_that_row_keeping_selection_list_and_view(window, synthetic, qtbot):
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    model = window.model
    window.event_list.table_model.fetchMore()
    rows = model.list_rows[[3, 250, 7]]
    eid = str(model.table.ids[rows[1]])
    model.select_rows(rows, current=int(rows[1]))
    qtbot.waitUntil(lambda: not window.canvas.animating, timeout=5000)
    selected, view, n_rows, listed = model.selection, window.canvas.vb.viewRange(), len(model.table), \
        model.list_rows.copy()
    shown = window.event_list.table_model.rowCount()  # (scrolling to the selection fetched more)
    with psycopg.connect(synthetic) as colleague:  # a second connection: another analyst
        seen = edit.load(colleague, eid)
        new = "disputed" if seen.values["confidence"] != "disputed" else "confirmed"
        edit.save(colleague, eid, seen.version, {"confidence": new, "location": "Колleague place"})
    qtbot.waitUntil(lambda: model.table.value("confidence", model.table.index_of(eid)) == new, timeout=10000)
    assert model.table.value("location", model.table.index_of(eid)) == "Колleague place"
    assert model.selection == selected and model.current_id == eid
    assert np.array_equal(model.list_rows, listed) and len(model.table) == n_rows  # in place, no reload
    assert window.canvas.vb.viewRange() == view
    assert window.event_list.table_model.rowCount() == shown >= 400  # the pages scrolled through stay


def test_inline_edit_saves_shows_a_conflict_and_is_disabled_for_a_read_only_role(
        window, synthetic, pg_server, qtbot):
    feature = window.feature("database")
    assert feature.open_database(synthetic) is None
    editor = feature.editor
    model = window.model
    eid = str(model.table.ids[model.list_rows[0]])
    model.set_current(eid)
    assert editor.isVisible() and editor.save_btn.isEnabled()
    editor.fields.grade.setCurrentText("confirmed")
    editor.fields.location.setText("Суджа, inline")
    assert editor.save() is None
    with psycopg.connect(synthetic) as conn:
        stored = edit.load(conn, eid)
    assert stored.values["confidence"] == "confirmed" and stored.values["location"] == "Суджа, inline"
    assert model.table.value("location", model.table.index_of(eid)) == "Суджа, inline"
    # A colleague saves first: ours is refused, shown in red, and the colleague's value stays.
    with psycopg.connect(synthetic) as colleague:
        edit.save(colleague, eid, stored.version, {"location": "colleague's"})
    editor.fields.location.setText("mine")
    error = editor.save()
    assert error and "not saved" in error and editor.message.text() == error
    assert "b00020" in editor.message.styleSheet()
    with psycopg.connect(synthetic) as conn:
        assert edit.load(conn, eid).values["location"] == "colleague's"
    # A read-only analyst sees the editor disabled, and says why.
    with psycopg.connect(synthetic, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE inline_ro LOGIN IN ROLE {schema.READ_ROLE}")
    dbname = psycopg.conninfo.conninfo_to_dict(synthetic)["dbname"]
    assert feature.open_database(pg_server.conninfo(dbname, user="inline_ro")) is None
    model.set_current(eid)
    assert editor.isVisible() and not editor.save_btn.isEnabled() and not editor.fields.grade.isEnabled()
    assert "may only read" in editor.message.text()


def test_the_workspace_stores_the_connection_without_its_password_and_reopens_it(
        window, synthetic, qtbot, tmp_path):
    from atlas.ui.main_window import MainWindow

    feature = window.feature("database")
    uri = psycopg.conninfo.make_conninfo(synthetic, password="s3cret-pw")
    assert feature.open_database(uri) is None
    model = window.model
    model.set_filter(Facet("event_type", {"Battles"}))
    eid = str(model.table.ids[model.list_rows[5]])
    model.set_current(eid)
    path = tmp_path / "db.katlas"
    assert window.feature("workspace").save_to(path)
    raw = path.read_bytes()
    assert b"s3cret" not in raw and b"password" not in raw
    assert psycopg.conninfo.conninfo_to_dict(synthetic)["dbname"].encode() in raw
    other = MainWindow(AtlasModel())
    qtbot.addWidget(other)
    assert other.feature("workspace").open(path, ask=False)
    assert other.model.remote is not None and "s3cret" not in other.model.remote.label
    assert other.model.filter == Facet("event_type", {"Battles"})
    assert other.model.current_id == eid  # read by id from the server
    assert other.feature("database").connection == other.model.remote.label
    # A workspace someone wrote a password into is refused on reading.
    from atlas.workspace.database_section import validate_database

    with pytest.raises(ValueError, match="password"):
        validate_database({"connection": uri})


def test_when_the_server_goes_away_the_rows_held_stay_filterable_and_read_only(
        window, qtbot, own_server, own_store):
    info = own_store(600)
    feature = window.feature("database")
    assert feature.open_database(info) is None
    model = window.model
    eid = str(model.table.ids[model.list_rows[0]])
    model.set_current(eid)
    held = len(model.table)
    own_server.kill()
    model.set_filter(Facet("event_type", {str(model.table.value("event_type", model.table.index_of(eid)))}))
    qtbot.waitUntil(lambda: feature.stale, timeout=10000)
    assert model.remote is None and len(model.table) == held  # what was read stays
    assert model.current_id == eid and model.visible_mask[model.table.index_of(eid)]
    assert "offline" in feature.status.text() and "stale" in feature.status.text()
    assert not feature.act_edit.isEnabled() and not feature.editor.save_btn.isEnabled()
    assert "offline" in feature.save_edit(eid, 1, {"confidence": "confirmed"}, None)[1]


def test_a_big_store_answers_a_dense_view_with_one_sampled_query_and_a_sparse_one_exactly(
        synthetic, monkeypatch):
    from atlas.db import cells
    from atlas.db.remote import PostgresEvents
    from atlas.model import All

    monkeypatch.setattr(cells, "SAMPLE_ROWS", 500)  # 1,500 rows count as a big store here
    monkeypatch.setattr(cells, "MIN_SAMPLED_ROWS", 50)
    with psycopg.connect(synthetic, autocommit=True) as conn:
        conn.execute("ANALYZE katlas.events")
    store = PostgresEvents(synthetic, point_threshold=200)
    dense = store.map_view(All(), REGION)
    assert dense.points is None and dense.cells.sampled < 1.0
    assert abs(dense.cells.events - 1500) < 750  # an estimate of the 1,500
    sparse = store.map_view(Categories("event_id", {"S1", "S2", "S3"}), REGION)  # the sample keeps ~1
    assert sparse.cells is None and sorted(str(i) for i in sparse.points.ids) == ["S1", "S2", "S3"]
    store.close()
