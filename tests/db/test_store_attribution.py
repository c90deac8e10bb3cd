"""With a store open, the store is the events' source: the status bar, its tooltip and every export
(PNG footer, SVG as drawn by librsvg, PDF as read by pdftotext) name it (user, host, database,
table) and never its password, and nothing says "an unnamed file" (a real server)."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from atlas.db import schema
from atlas.db.connect import display_name
from atlas.model.attribution import attribution
from atlas.model.table import EventTable
from atlas.render.page import PageSpec, render_page, write_pdf, write_svg
from atlas.render.scene import MapScene
from atlas.render.viewport import Viewport

VIEW = Viewport.fit_lonlat(33.0, 50.0, 38.5, 52.8, 1600, 1000)
SECRET = "pa55-w0rd-never-shown"


def test_the_stores_name_has_user_host_database_table_and_no_password() -> None:
    name = display_name(f"postgresql://anna:{SECRET}@dbhost:5433/atlas")
    assert name == "PostgreSQL anna@dbhost:5433/atlas, table katlas.events"
    assert display_name("atlas") == "PostgreSQL service atlas, table katlas.events"
    assert SECRET not in display_name(f"host=/run/postgresql dbname=x user=u password={SECRET}")


def test_a_stores_events_of_no_dataset_are_credited_to_the_store_not_an_unnamed_file() -> None:
    t = EventTable.from_records([{"event_id": "a", "event_date": "2024-08-10", "title": "t", "dataset": ""}])
    assert "an unnamed file" in attribution(t)  # a file: still said (its name is unknown)
    line = attribution(t, store="PostgreSQL anna@dbhost/atlas, table katlas.events")
    assert line == "Events: shared store PostgreSQL anna@dbhost/atlas, table katlas.events"


@pytest.fixture()
def synthetic_with_password(pg_server, pg_db):
    """A store of synthetic events (no dataset) and a connection string that carries a password
    (the server on its socket ignores it: trust), to show it never reaches the screen or a file."""
    from atlas.bench import db_synthetic

    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        db_synthetic.fill(conn, 300, log=lambda *a, **k: None)
    params = conninfo_to_dict(pg_db)
    params["password"] = SECRET
    return make_conninfo(**params)


def _flat(text: str) -> str:
    return unicodedata.normalize("NFKC", " ".join(text.split()))


def test_the_window_and_every_export_name_the_store(window, synthetic_with_password, tmp_path: Path) -> None:
    target = synthetic_with_password
    feature = window.feature("database")
    assert feature.open_database(target) is None
    assert feature.wait_for_aggregates()
    name = display_name(target)
    assert SECRET not in name and "katlas.events" in name and name.startswith("PostgreSQL ")
    model = window.model
    assert model.store_name == name
    shown = window.attribution_label.full_text()
    assert name in shown and "unnamed" not in shown and SECRET not in shown
    assert name in window.attribution_label.toolTip() and SECRET not in window.attribution_label.toolTip()

    snap = model.snapshot()  # what an export draws from
    # PNG: the footer as drawn (render_page returns what it wrote on the page).
    _img, info = render_page(PageSpec(width=1600, height=1000), MapScene(snap, basemap=False), snap, VIEW)
    footer = " ".join(info.footer_lines)
    assert name in footer and "unnamed" not in footer and SECRET not in footer
    # The footer's counts are the server's, not the rows held.
    assert "300 of 300 events pass" in footer
    # SVG: text, and librsvg draws the page.
    svg = tmp_path / "store.svg"
    write_svg(svg, PageSpec(width=1600, height=1000), MapScene(snap, basemap=False), snap, VIEW)
    text = svg.read_text(encoding="utf-8")
    assert "katlas.events" in text and "unnamed" not in text and SECRET not in text
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert (librsvg2-bin) is not installed")
    subprocess.run(["rsvg-convert", "-o", str(tmp_path / "store-svg.png"), str(svg)], check=True, timeout=120)
    assert (tmp_path / "store-svg.png").stat().st_size > 10_000
    # PDF: pdftotext reads the store's name off the page.
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "store.pdf"
    write_pdf(pdf, PageSpec(width=1600, height=1000), MapScene(snap, basemap=False), snap, VIEW)
    got = _flat(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                               check=True, timeout=120).stdout)
    assert "shared store PostgreSQL" in got and "katlas.events" in got
    assert "unnamed" not in got and SECRET not in got


def test_the_store_stays_named_when_it_goes_offline_and_files_replace_it(window, synthetic_with_password) -> None:
    from atlas.io import BUNDLED_EVENTS, read_events

    feature = window.feature("database")
    assert feature.open_database(synthetic_with_password) is None
    name = display_name(synthetic_with_password)
    window.model.go_offline()  # the rows held are still the store's
    assert window.model.store_name == name and name in window.attribution_label.full_text()
    table, _ = read_events(BUNDLED_EVENTS)
    window.model.set_table(table, sources=[str(BUNDLED_EVENTS)])
    assert window.model.store_name == "" and "shared store" not in window.attribution_label.full_text()


def test_the_status_bar_names_user_host_and_database_in_few_letters(window, synthetic_with_password, qtbot) -> None:
    """The permanent label is user@host:port/database (not the key=value connection string, whose
    key order put the host and database past the end of a 1600 px status bar); all of it fits."""
    from atlas.db.connect import short_name

    params = conninfo_to_dict(synthetic_with_password)
    assert short_name(f"postgresql://anna:{SECRET}@dbhost:5433/atlas") == "anna@dbhost:5433/atlas"
    window.resize(1600, 1000)
    feature = window.feature("database")
    assert feature.open_database(synthetic_with_password) is None
    text = feature.status.text()
    assert text == f"Database: {params['user']}@{params['host']}:{params['port']}/{params['dbname']}"
    assert SECRET not in text and SECRET not in feature.status.toolTip()
    qtbot.waitUntil(lambda: feature.status.width() >= feature.status.sizeHint().width(), timeout=5000)  # whole
