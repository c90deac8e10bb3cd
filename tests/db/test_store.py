"""The shared store against a real PostgreSQL/PostGIS server (the throwaway one of conftest.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest
import shapely

from atlas.cli import main as cli
from atlas.cli.common import BUNDLED_EVENTS, load
from atlas.db import push, query, schema
from atlas.model.filters import (
    All, BBox, Categories, DateRange, Filter, HasCoordinates, InView, MinConfidence, Text, Within,
)


def _ids(table, flt: Filter) -> list[str]:
    return sorted(str(i) for i in table.ids[flt.mask(table)])


def test_init_creates_the_versioned_layout_with_a_gist_index(pg_db):
    with psycopg.connect(pg_db) as conn:
        assert schema.current_version(conn) == 0
        assert schema.init(conn) == schema.SCHEMA_VERSION
        assert schema.current_version(conn) == schema.SCHEMA_VERSION
        idx = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'katlas' "
                           "AND indexname = 'events_geom_gist'").fetchone()
        assert idx and "USING gist (geom)" in idx[0]
        geom_type = conn.execute("SELECT type, srid FROM geometry_columns WHERE f_table_schema = 'katlas' "
                                 "AND f_table_name = 'events'").fetchone()
        assert geom_type == ("POINT", 4326)
        with pytest.raises(RuntimeError, match="already"):
            schema.init(conn)
        assert schema.migrate(conn) == (schema.SCHEMA_VERSION, schema.SCHEMA_VERSION)


def test_push_round_trips_the_bundled_dataset_with_provenance(store, bundled):
    with psycopg.connect(store) as conn:
        back = query.read(conn)
        prov = conn.execute("SELECT DISTINCT written_by, source_file, import_id IS NOT NULL, "
                            "written_at > now() - interval '1 hour' FROM katlas.events").fetchall()
        n_sources = conn.execute("SELECT count(*) FROM katlas.sources").fetchone()[0]
    assert len(back) == len(bundled) > 50
    assert prov == [("postgres", str(BUNDLED_EVENTS), True, True)]
    order = np.argsort(bundled.ids.astype(str))
    assert list(back.ids) == list(bundled.ids[order])
    np.testing.assert_array_equal(back.date, bundled.date[order])
    np.testing.assert_allclose(back.lon, bundled.lon[order], equal_nan=True)
    np.testing.assert_allclose(back.lat, bundled.lat[order], equal_nan=True)
    for field in ("event_type", "side", "confidence", "actor1", "title", "notes", "location"):
        assert list(back.values(field)) == list(bundled.values(field, order)), field
    assert n_sources == sum(len(s) for s in bundled.sources)
    assert [list(s) for s in back.sources] == [[dict(x) for x in s] for s in bundled.sources[order]]


def test_a_second_push_of_the_same_events_replaces_them(store, bundled):
    with psycopg.connect(store) as conn:
        second = push.push(conn, bundled, "again.geojson")
        assert query.count(conn) == len(bundled)
        assert conn.execute("SELECT DISTINCT import_id, source_file FROM katlas.events").fetchall() == \
            [(second.import_id, "again.geojson")]
        assert conn.execute("SELECT count(*) FROM katlas.sources").fetchone()[0] == \
            sum(len(s) for s in bundled.sources)


def _index_names(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'katlas' "
                                       "AND tablename = 'events'").fetchall()}


def test_a_large_publish_rebuilds_the_indexes_once_and_a_small_one_keeps_them(pg_db, bundled):
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        first = push.push(conn, bundled, "first.geojson")
        assert first.bulk and "search_index" in first.timings  # into an empty store
        assert set(schema.LAYOUT_INDEXES) <= _index_names(conn)
        valid = conn.execute("SELECT bool_and(indisvalid) FROM pg_index "
                             "WHERE indrelid = 'katlas.events'::regclass").fetchone()[0]
        assert valid
        # Its foreign keys were dropped for the load and are back, checked.
        keys = conn.execute("SELECT conrelid::regclass::text, convalidated FROM pg_constraint WHERE contype = 'f' "
                            "AND connamespace = 'katlas'::regnamespace ORDER BY 1").fetchall()
        assert ("katlas.events", True) in keys and ("katlas.sources", True) in keys
        with pytest.raises(psycopg.errors.ForeignKeyViolation), conn.transaction():
            conn.execute("INSERT INTO katlas.sources (event_id, ord, outlet) VALUES ('no-such-event', 0, 'x')")
        small = push.push(conn, bundled.take(np.arange(5)), "small.geojson")
        assert not small.bulk and "search_index" not in small.timings
        assert set(schema.LAYOUT_INDEXES) <= _index_names(conn)
        # A publish interrupted after its commit leaves the search index missing: migrate restores it.
        conn.execute("DROP INDEX katlas.events_search_trgm")
        conn.commit()
        assert schema.migrate(conn) == (schema.SCHEMA_VERSION, schema.SCHEMA_VERSION)
        assert set(schema.LAYOUT_INDEXES) <= _index_names(conn)
        assert query.count(conn, Text("sudzha")) == int(Text("sudzha").mask(bundled).sum())


def test_awkward_text_survives_the_csv_copy(pg_db):
    from atlas.model import EventTable

    awkward = ['a "quoted", comma', "line\nbreak\r\nand\ttab", "", "Суджа — «ёлка»", "back\\slash \\N", ",", '"']
    records = [{"event_id": f"q{i}", "event_date": "2024-08-10", "title": t, "notes": t, "location": t,
                "longitude": 35.0 + i / 100, "latitude": 51.0, "event_type": t or "Battles",
                "sources": [{"outlet": t or "x", "url": f"https://e.org/{i}", **({"title": t} if t else {})},
                            {"outlet": "y"}]}
               for i, t in enumerate(awkward)]
    records.append({"event_id": "no-point", "title": "nowhere", "event_type": "Battles"})
    table = EventTable.from_records(records)
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        push.push(conn, table, "awkward.csv")
        back = query.read(conn)
    order = np.argsort(table.ids.astype(str))
    assert list(back.ids) == list(table.ids[order])
    for field in ("title", "notes", "location", "event_type"):
        assert list(back.values(field)) == list(table.values(field, order)), field
    np.testing.assert_array_equal(back.date, table.date[order])
    np.testing.assert_allclose(back.lon, table.lon[order], equal_nan=True)
    assert [list(s) for s in back.sources] == [[dict(x) for x in s] for s in table.sources[order]]


FILTERS: list[Filter] = [
    All(),
    DateRange(dt.date(2024, 8, 6), dt.date(2024, 8, 31)),
    DateRange(None, dt.date(2024, 9, 1)),
    Categories("event_type", {"Battles", "Strategic developments"}),
    Categories("side", "Ukraine"),
    Categories("actor2", {""}),
    Categories("no_such_field", {""}),
    MinConfidence("reported"),
    Text("sudzha"),
    Text("Суджа"),  # a place's other spelling, as in the search box
    Text("kursk ukrainian"),
    BBox(35.0, 51.0, 35.6, 51.4),
    InView(34.0, 50.5, 36.0, 52.0),
    HasCoordinates(),
    Within(shapely.Polygon([(34.8, 51.0), (35.6, 51.0), (35.6, 51.6), (34.8, 51.0)])),
    Categories("side", "Russia") | MinConfidence("confirmed"),
    ~Categories("event_type", "Battles") & DateRange(dt.date(2024, 8, 1), None),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: type(f).__name__ + ":" + f.describe())
def test_the_server_keeps_exactly_the_events_the_model_keeps(store, bundled, flt):
    with psycopg.connect(store) as conn:
        got = sorted(str(i) for i in query.read(conn, flt).ids)
        assert query.count(conn, flt) == len(got)
    assert got == _ids(bundled, flt)


def test_filters_reach_the_server_as_bound_parameters():
    cond, params = query.where(Text("x'; DROP TABLE katlas.events; --") & Categories("side", {"a'b"})
                               & DateRange(dt.date(2024, 8, 6), None) & BBox(1, 2, 3, 4))
    text = cond.as_string(None)
    assert "DROP" not in text and "a'b" not in text and "2024" not in text
    assert text.count("%s") == len(params) == 5 + 1 + 2 + 4  # five search words, a side, two days, a box


INJECTIONS = [
    "'; DROP TABLE katlas.events; --",
    "x' OR '1'='1",
    "\\'; DELETE FROM katlas.sources; --",
    "%' OR 1=1 --",
    "Суджа'); TRUNCATE katlas.events CASCADE; --",
    "$$; DROP SCHEMA katlas CASCADE; $$",
    "_%\\",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_sql_injection_in_every_filter_field_is_just_a_value(store, bundled, evil):
    tries: list[Filter] = [Text(evil), Text("sudzha " + evil), MinConfidence("confirmed")]
    tries += [Categories(f, {evil}) for f in ("event_type", "sub_event_type", "side", "confidence", "actor1",
                                               "actor2", "admin1", "location", "event_id", "dataset")]
    tries += [Categories(f, {evil, "Ukraine"}) for f in ("side",)]
    with psycopg.connect(store) as conn:
        for flt in tries:
            assert sorted(str(i) for i in query.read(conn, flt).ids) == _ids(bundled, flt), flt
        # A hostile field name is never an identifier: it is "a field the store does not have".
        assert query.count(conn, Categories('side" = side OR "1', {evil})) == 0
        with pytest.raises(ValueError):
            query.where(MinConfidence(evil))
        assert query.count(conn) == len(bundled)
        assert conn.execute("SELECT count(*) FROM katlas.sources").fetchone()[0] == \
            sum(len(s) for s in bundled.sources)


def test_a_read_only_role_reads_but_cannot_write(store, pg_server, bundled, capsys):
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE analyst_ro LOGIN IN ROLE {schema.READ_ROLE}")
        conn.execute(f"CREATE ROLE analyst_rw LOGIN IN ROLE {schema.EDIT_ROLE}")
    dbname = psycopg.conninfo.conninfo_to_dict(store)["dbname"]
    ro = pg_server.conninfo(dbname, user="analyst_ro")
    rw = pg_server.conninfo(dbname, user="analyst_rw")
    with psycopg.connect(ro) as conn:
        assert query.count(conn, Categories("side", "Ukraine")) == int(Categories("side", "Ukraine").mask(bundled).sum())
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            push.push(conn, bundled.take(np.arange(3)), "ro.geojson")
        conn.rollback()
        for statement in ("UPDATE katlas.events SET confidence = 'confirmed'",
                          "DELETE FROM katlas.sources", "DROP TABLE katlas.events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
    assert cli(["db", "push", ro]) == 77
    assert "read-only" in capsys.readouterr().err
    with psycopg.connect(rw) as conn:
        push.push(conn, bundled.take(np.arange(3)), "rw.geojson")
        assert conn.execute("SELECT count(*) FROM katlas.events WHERE written_by = 'analyst_rw' "
                            "AND source_file = 'rw.geojson'").fetchone()[0] == 3


def test_the_command_line_inits_pushes_and_counts(pg_db, bundled, capsys):
    assert cli(["db", "init", pg_db]) == 0
    assert cli(["db", "migrate", pg_db]) == 0
    assert cli(["db", "push", pg_db]) == 0
    assert f"pushed {len(bundled):,} events" in capsys.readouterr().out
    assert cli(["db", "count", pg_db, "--side", "Ukraine", "--from", "2024-08-06", "--to", "2024-08-20"]) == 0
    want = (Categories("side", "Ukraine") & DateRange(dt.date(2024, 8, 6), dt.date(2024, 8, 20))).mask(bundled).sum()
    assert capsys.readouterr().out.strip() == str(want)
    assert cli(["db", "init", pg_db]) != 0  # already there: one line, no traceback
    assert "already" in capsys.readouterr().err
