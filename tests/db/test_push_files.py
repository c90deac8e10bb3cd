"""``db push`` of several files (atlas/db/push.py ``push_files``, atlas/db/push_stream.py): one
transaction, each file its own publish row with its rows credited to it; a file whose reader gives
blocks is streamed and stores exactly what its whole read stores; a file that cannot stream says so
and is read whole; a broken file anywhere rolls every file back and the error names it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest

from atlas.bench.io_cases import write_acled_csv
from atlas.cli import main as cli
from atlas.db import push, push_stream, schema
from atlas.io import csv_stream, read_events, write_events


@pytest.fixture()
def small_blocks(monkeypatch):
    """Blocks of 300 events: a 2,000-row file crosses several (CSV and GeoParquet)."""
    monkeypatch.setattr(csv_stream, "BUILD_ROWS", 300)
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(push_stream, "PARQUET_BLOCK_ROWS", 300)


def _parquet(path: Path, n: int, prefix: str) -> Path:
    """A GeoParquet file as the atlas writes it (dates typed as dates), of a synthetic ACLED CSV's events."""
    table, _ = read_events(_acled(path.with_suffix(".csv"), n, prefix))
    write_events(table, path)
    path.with_suffix(".csv").unlink()
    return path


def _acled(path: Path, n: int, prefix: str) -> Path:
    """A synthetic ACLED CSV whose ids start with ``prefix`` (files of one test do not share ids)."""
    src = write_acled_csv(path, n)
    src.write_text(src.read_text(encoding="utf-8").replace('"RUS1', f'"{prefix}1'), encoding="utf-8")
    return src


def _rows(info: str) -> dict[str, tuple]:
    """Every stored event with its provenance (file, publish's file, who) and its sources' count."""
    with psycopg.connect(info) as conn:
        rows = conn.execute(
            "SELECT e.event_id, e.event_date::text, e.event_type, e.actor1, e.notes, e.fatalities, ST_AsText(e.geom), "
            "e.search_text, e.source_file, i.source_file, e.written_by, i.pushed_by, "
            "(SELECT count(*) FROM katlas.sources s WHERE s.event_id = e.event_id) "
            "FROM katlas.events e JOIN katlas.imports i USING (import_id)").fetchall()
    return {str(r[0]): tuple(r[1:]) for r in rows}


def _imports(info: str) -> list[tuple]:
    with psycopg.connect(info) as conn:
        return conn.execute("SELECT source_file, rows_pushed, file_sha256 IS NOT NULL, pushed_by = current_user, "
                            "credits IS NOT NULL FROM katlas.imports ORDER BY import_id").fetchall()


def _counts(info: str) -> tuple[int, int, int]:
    with psycopg.connect(info) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM katlas.events), (SELECT count(*) FROM katlas.sources), "
                            "(SELECT count(*) FROM katlas.imports)").fetchone()


def test_several_files_in_one_transaction_each_credited(pg_db, tmp_path, small_blocks, bundled, capsys):
    a = _acled(tmp_path / "a.csv", 2000, "AAA")
    gj = tmp_path / "field.geojson"
    write_events(bundled, gj, np.arange(40))
    b = _acled(tmp_path / "b.csv", 700, "BBB")
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(a), str(gj), str(b)]) == 0
    out = capsys.readouterr().out
    # What became of each file, in order: the CSVs streamed, the GeoJSON read whole and saying why.
    assert "a.csv: 2,000 events as import 1 (read in blocks while sending)" in out
    assert "field.geojson: 40 events as import 2 (read whole (GeoJSON: its reader has no blocks))" in out
    assert "b.csv: 700 events as import 3 (read in blocks while sending)" in out
    assert "pushed 2,740 events as imports 1-3: 3 files, one transaction" in out
    assert _imports(pg_db) == [(str(a), 2000, True, True, True), (str(gj), 40, True, True, True),
                               (str(b), 700, True, True, True)]
    stored = _rows(pg_db)
    assert len(stored) == 2740
    for path in (a, gj, b):
        ids = set(map(str, read_events(path)[0].ids))
        # Every event of a file is credited to that file, on the row and through its publish.
        assert {eid for eid, r in stored.items() if r[7] == str(path) and r[8] == str(path)} == ids
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT count(DISTINCT written_at) FROM katlas.events").fetchone()[0] == 1  # one transaction
        # The indexes dropped for the bulk publish are back (the search index after the commit).
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'katlas' "
                                            "AND tablename = 'events'").fetchall()}
        assert {"events_search_trgm", "events_geom_gist", "events_keyset", "events_type"} <= names


def test_an_id_in_two_files_is_the_later_files(pg_db, tmp_path, bundled):
    """Into an empty store the first file goes straight in, the next is staged and merged: an id it
    repeats is replaced by the later file's row, credited to it, as two publishes in a row would."""
    first, second = bundled.take(np.arange(0, 30)), bundled.take(np.arange(20, 50))
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        got = push.push_files(conn, [push.FileSource("one.geojson", [first], 30),
                                     push.FileSource("two.geojson", [second], 30)])
        assert [(f.source, f.rows) for f in got.files] == [("one.geojson", 30), ("two.geojson", 30)]
        by = dict(conn.execute("SELECT event_id, source_file FROM katlas.events").fetchall())
        assert len(by) == 50
        assert {k for k, v in by.items() if v == "two.geojson"} == set(map(str, bundled.ids[20:50]))
        assert conn.execute("SELECT count(*) FROM katlas.sources").fetchone()[0] == sum(
            len(s) for s in bundled.sources[:50])


def test_streamed_and_whole_reads_store_the_same_rows_and_provenance(pg_server, tmp_path, small_blocks, monkeypatch,
                                                                     capsys):
    """The same two files pushed streamed into one store and read whole into another: the same
    events, values, points, search text, sources and provenance (file, publish, who)."""
    a = _acled(tmp_path / "a.csv", 2000, "AAA")
    pq = _parquet(tmp_path / "p.parquet", 1500, "PPP")
    b = _acled(tmp_path / "b.csv", 900, "BBB")
    streamed, whole = pg_server.create_database(), pg_server.create_database()
    for info in (streamed, whole):
        with psycopg.connect(info) as conn:
            schema.init(conn)
    blocks = list(push_stream.ParquetBlocks(pq))
    assert len(blocks) == 5 and sum(len(t) for t in blocks) == 1500
    assert cli(["db", "push", streamed, str(a), str(pq), str(b)]) == 0
    out = capsys.readouterr().out
    assert out.count("read in blocks while sending") == 3
    assert "p.parquet (GeoParquet 1.1.0): 1,500 of 1,500 rows loaded" in out
    monkeypatch.setattr(push_stream, "can_stream", lambda path: False)
    monkeypatch.setattr(push_stream.ParquetBlocks, "_why_whole", lambda self, names, types: "forced by the test")
    assert cli(["db", "push", whole, str(a), str(pq), str(b)]) == 0
    out = capsys.readouterr().out
    assert "read in blocks" not in out and out.count("read whole") == 3
    assert "p.parquet: 1,500 events as import 2 (read whole: forced by the test)" in out
    got, want = _rows(streamed), _rows(whole)
    assert len(got) == 4400 and got == want
    assert _imports(streamed) == _imports(whole)


def test_a_file_the_blocks_cannot_follow_is_read_whole_and_what_it_sent_dropped(pg_db, tmp_path, small_blocks,
                                                                                 capsys):
    """Text that is not UTF-8 after several blocks were sent: the file's blocks are dropped (back to
    its savepoint) and its whole read published instead; the file before it keeps its rows."""
    a = _acled(tmp_path / "a.csv", 600, "AAA")
    b = _acled(tmp_path / "b.csv", 2000, "BBB")
    raw = b.read_bytes()
    at = raw.index(b"BBB101500")
    b.write_bytes(raw[:at] + "Суджа".encode("cp1251") + raw[at:])  # a cp1251 word deep in the file
    whole_b, _ = read_events(b)
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "a.csv: 600 events as import 1 (read in blocks while sending)" in out
    assert f"b.csv: {len(whole_b):,} events as import 2 (read whole: the block reader cannot follow it" in out
    stored = _rows(pg_db)
    assert {k for k, r in stored.items() if r[7] == str(b)} == set(map(str, whole_b.ids))
    assert _counts(pg_db)[0] == 600 + len(whole_b)
    assert _imports(pg_db)[1][:2] == (str(b), len(whole_b))


def test_a_broken_file_in_the_middle_rolls_every_file_back(pg_db, tmp_path, small_blocks, bundled, capsys):
    a = _acled(tmp_path / "a.csv", 2000, "AAA")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature", "geometry": }\n]}\n',
                      encoding="utf-8")
    c = tmp_path / "c.geojson"
    write_events(bundled, c, np.arange(10))
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(a), str(broken), str(c)]) == 65  # bad data
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "broken.geojson" in err and "line 3" in err and "nothing was pushed" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "pushed" not in captured.out
    # The first file's streamed blocks went to the server; none stayed, nor any publish row.
    assert _counts(pg_db) == (0, 0, 0)
    with psycopg.connect(pg_db) as conn:
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'katlas' "
                                            "AND tablename = 'events'").fetchall()}
        assert {"events_search_trgm", "events_geom_gist", "events_keyset", "events_type"} <= names
        assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'katlas.events'::regclass "
                            "AND tgenabled = 'D'").fetchone()[0] == 0  # the change log is on
    # Into a store that holds events (staged): the same, and the store keeps what it had.
    assert cli(["db", "push", pg_db, str(c)]) == 0
    capsys.readouterr()
    before = _rows(pg_db)
    assert cli(["db", "push", pg_db, str(a), str(broken)]) == 65
    assert _rows(pg_db) == before and _counts(pg_db)[2] == 1


def test_geoparquet_blocks_fall_back_to_the_whole_read_where_ids_need_the_file(pg_db, tmp_path, small_blocks,
                                                                               capsys):
    """A GeoParquet whose ids repeat across blocks (found mid-way) or which has no id column (known
    from its columns) is read whole, and the output says why; the store holds the whole read's."""
    import pyarrow as pa
    import pyarrow.parquet as papq

    rep = _parquet(tmp_path / "rep.parquet", 1000, "RRR")
    tbl = papq.read_table(rep)
    ids = tbl.column("event_id").to_pylist()
    ids[900] = ids[10]  # the id of row 11 again in a later block
    papq.write_table(tbl.set_column(tbl.schema.get_field_index("event_id"), "event_id", pa.array(ids)), rep)
    noid = _parquet(tmp_path / "noid.parquet", 400, "NNN")
    tbl = papq.read_table(noid)
    papq.write_table(tbl.drop_columns(["event_id"]), noid)
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(rep), str(noid)]) == 0
    out = capsys.readouterr().out
    assert "rep.parquet: 1,000 events as import 1 (read whole: an id repeats (by row 1," in out
    assert "noid.parquet: 400 events as import 2 (read whole: no id column: the whole read numbers its events)" in out
    stored = _rows(pg_db)
    for path in (rep, noid):
        assert {k for k, r in stored.items() if r[7] == str(path)} == set(map(str, read_events(path)[0].ids))
    assert f"{ids[10]}#2" in stored
