"""With a store open, the attribution credits every dataset the view's events come from (the
store's provenance of each row: the dataset and the publish that wrote it), not only the datasets
of the rows read so far: in the window's status bar and in a picture's footer (a real server)."""

from __future__ import annotations

import datetime as dt

import psycopg

from atlas.db import push, schema
from atlas.model import DateRange
from atlas.model.attribution import ACLED_CREDIT, CURATED_CREDIT
from atlas.model.table import EventTable
from atlas.render.page import PageSpec, render_page
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

VIEW = Viewport.fit_lonlat(33.0, 50.0, 38.5, 52.8, 1600, 1000)


def _acled(n: int, day: str) -> EventTable:
    """ACLED rows (recognised by ACLED's own columns) on a late day in Kyiv: neither on the list's first page
    nor in the map's first view."""
    recs = [{"event_id": f"UKR{i}", "event_date": day, "longitude": 30.52, "latitude": 50.45, "title": "acled",
             "event_type": "Battles", "dataset": "acled_ukraine", "inter1": "1", "iso": "643",
             "timestamp": "1722988800"} for i in range(n)]
    return EventTable.from_records(recs, extra_fields=["inter1", "iso", "timestamp"])


def _mine(n: int, day: str, dataset: str = "field_notes", lon: float = 30.53, lat: float = 50.46) -> EventTable:
    return EventTable.from_records([{"event_id": f"{dataset}{i}", "event_date": day, "longitude": lon, "latitude": lat,
                                     "title": "mine", "event_type": "Battles", "dataset": dataset}
                                    for i in range(n)])


def test_the_window_and_a_pictures_footer_credit_every_dataset_of_the_view(window, pg_db, bundled, tmp_path):
    from atlas.cli.common import BUNDLED_EVENTS

    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        push.push(conn, bundled, BUNDLED_EVENTS)
        # a page of events before all others: the list's first page is theirs and the bundled ones'
        push.push(conn, _mine(250, "2024-01-01", "early_notes", 35.2, 51.2), tmp_path / "early_notes.csv")
        push.push(conn, _acled(5, "2026-01-02"), tmp_path / "acled_ukraine.csv")
        push.push(conn, _mine(3, "2026-01-03"), tmp_path / "field_notes.geojson")
    feature = window.feature("database")
    assert feature.open_database(pg_db) is None
    model = window.model
    read = set(model.table.values("dataset").tolist())
    assert "acled_ukraine" not in read and "field_notes" not in read  # their rows were not read
    assert feature.wait_for_aggregates()
    shown = window.attribution_label.full_text()
    tip = window.attribution()  # the full line (the status bar's tooltip, as plain text)
    for credit in (ACLED_CREDIT, CURATED_CREDIT, "early_notes.csv, field_notes.geojson (published files)"):
        assert credit in tip, credit
    assert "ACLED" in shown and "field_notes.geojson" in shown
    snap = model.snapshot()
    _img, info = render_page(PageSpec(width=1600, height=1000), MapScene(snap, basemap=False), snap, VIEW)
    footer = " ".join(info.footer_lines)
    assert "ACLED" in footer and "Kursk Atlas curated dataset" in footer and "field_notes.geojson" in footer
    # A view without them (the campaign's dates only) credits what it shows, not the store's all.
    model.set_filter(DateRange(dt.date(2024, 8, 1), dt.date(2025, 12, 31)))
    assert feature.wait_for_aggregates()
    tip = window.attribution()  # the full line (the status bar's tooltip, as plain text)
    assert CURATED_CREDIT in tip and "ACLED" not in tip and "field_notes" not in tip
    snap = model.snapshot()
    _img, info = render_page(PageSpec(width=1600, height=1000), MapScene(snap, basemap=False), snap, VIEW)
    footer = " ".join(info.footer_lines)
    assert "ACLED" not in footer and "Kursk Atlas curated dataset" in footer


def test_publishes_record_the_credit_of_each_dataset(pg_db, bundled, tmp_path):
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        push.push(conn, EventTable.concat([bundled.take([0, 1]), _acled(2, "2024-09-01")]), tmp_path / "both.csv")
        credits = conn.execute("SELECT credits FROM katlas.imports").fetchone()[0]
    assert credits == {"kursk_2024_25": CURATED_CREDIT, "acled_ukraine": ACLED_CREDIT}
