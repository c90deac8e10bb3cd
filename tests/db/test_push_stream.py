"""``db push`` of an ACLED CSV streams it (atlas/db/push_stream.py): the file's blocks are read on a
thread and each sent with COPY, so the store ends up with exactly the whole read's events, sources
and provenance, whether the store was empty (straight COPY) or held them already (staged, merged),
and a sender that gives up stops the reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest

from atlas.bench.io_cases import write_acled_csv
from atlas.cli import main as cli
from atlas.db import push, push_stream, schema
from atlas.io import read_events
from atlas.io import csv_stream


@pytest.fixture()
def small_blocks(monkeypatch):
    """Blocks of 300 events: a 2,000-row file crosses several."""
    monkeypatch.setattr(csv_stream, "BUILD_ROWS", 300)
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 64 << 10)


def _stored(info: str) -> dict[str, tuple]:
    with psycopg.connect(info) as conn:
        rows = conn.execute(
            "SELECT e.event_id, e.event_date::text, e.event_type, e.actor1, e.fatalities, ST_X(e.geom), ST_Y(e.geom), "
            "(SELECT count(*) FROM katlas.sources s WHERE s.event_id = e.event_id) FROM katlas.events e").fetchall()
    return {str(r[0]): tuple(r[1:]) for r in rows}


def test_a_streamed_push_stores_the_whole_reads_events(pg_db, tmp_path, small_blocks, monkeypatch, capsys):
    src = write_acled_csv(tmp_path / "acled.csv", 2000)
    whole, _ = read_events(src)
    assert push_stream.can_stream(src)
    assert abs(push_stream.estimate_rows(src) - 2000) < 50
    blocks = list(push_stream.CsvBlocks(src))
    assert len(blocks) >= 6 and sum(len(b) for b in blocks) == len(whole)

    sent: list[str] = []
    real_send = push._send
    monkeypatch.setattr(push, "_send", lambda cur, statement, data: (sent.append(statement), real_send(cur, statement, data)))
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(src)]) == 0
    out = capsys.readouterr().out
    assert f"pushed {len(whole):,} events" in out and "in blocks" in out
    # A COPY per block: events straight into the empty store, then that block's sources.
    events_copies = [s for s in sent if s.startswith("COPY katlas.events")]
    assert len(events_copies) == len(blocks) and len(sent) == 2 * len(blocks)
    stored = _stored(pg_db)
    assert set(stored) == set(map(str, whole.ids))
    for r in (0, 777, len(whole) - 1):
        rec = whole.record(r)
        got = stored[str(whole.ids[r])]
        assert got[0] == str(rec["event_date"]) and got[1] == rec["event_type"] and got[2] == rec["actor1"]
        assert got[3] == pytest.approx(float(whole.fatalities[r])) and got[4] == pytest.approx(float(whole.lon[r]))
        assert got[6] == len(whole.sources[r])
    with psycopg.connect(pg_db) as conn:
        imports = conn.execute("SELECT source_file, rows_pushed, file_sha256 IS NOT NULL FROM katlas.imports").fetchall()
        assert imports == [(str(src), len(whole), True)]
        # The indexes dropped for the bulk publish are back (the search index after the commit).
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'katlas' "
                                            "AND tablename = 'events'").fetchall()}
        assert len(names) >= 4

    # Pushed again into the store that holds it: staged block by block, merged once; nothing doubles.
    sent.clear()
    assert cli(["db", "push", pg_db, str(src)]) == 0
    assert [s for s in sent if s.startswith("COPY push_stage")] and not [s for s in sent if "katlas.events" in s]
    again = _stored(pg_db)
    assert again == stored
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT min(version), max(version) FROM katlas.events").fetchone() == (2, 2)
        assert conn.execute("SELECT count(*) FROM katlas.imports").fetchone()[0] == 2


def test_a_sender_that_gives_up_stops_the_reader(tmp_path, small_blocks):
    import threading

    src = write_acled_csv(tmp_path / "acled.csv", 2000)
    before = {t.name for t in threading.enumerate()}
    for k, block in enumerate(push_stream.CsvBlocks(src)):
        assert len(block)
        if k == 1:
            break  # the sender failed: the generator closes, the reader thread ends
    import gc

    gc.collect()
    assert "katlas-push-reader" not in {t.name for t in threading.enumerate()} - before


def test_a_failed_streamed_push_leaves_the_store_as_it_was(pg_db, tmp_path, small_blocks, monkeypatch):
    src = write_acled_csv(tmp_path / "acled.csv", 2000)
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        real = push.source_blocks
        calls = []

        def failing(table, *a, **k):
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("the network went away")
            return real(table, *a, **k)

        monkeypatch.setattr(push, "source_blocks", failing)
        with pytest.raises(RuntimeError):
            push.push_blocks(conn, push_stream.CsvBlocks(src), src, rows_hint=2000)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM katlas.imports").fetchone()[0] == 0
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'katlas' "
                                            "AND tablename = 'events'").fetchall()}
        assert len(names) >= 4  # the dropped indexes came back with the rollback


def test_files_the_block_reader_cannot_take_are_read_whole(pg_db, tmp_path, bundled, capsys):
    from atlas.cli.common import BUNDLED_EVENTS

    assert not push_stream.can_stream(BUNDLED_EVENTS)  # GeoJSON
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(BUNDLED_EVENTS)]) == 0
    out = capsys.readouterr().out
    assert f"pushed {len(bundled):,} events" in out and "in blocks" not in out


def test_a_restart_drops_what_was_sent_and_a_repeated_id_waits_for_it(pg_db, bundled):
    """A file with a repeated id is read twice (the copies then renamed): what the first read sent
    goes, whether the store's key refused a block (straight COPY into an empty store) or not."""
    first = bundled.take(np.arange(0, 30))
    again = bundled.take(np.arange(20, 40))  # ids 20-29 repeat
    second = bundled.take(np.arange(30, 50))
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
        got = push.push_blocks(conn, [first, again, second, push.RESTART, first, second], "twice.csv", rows_hint=50)
        assert got.rows == 50
        stored = {r[0] for r in conn.execute("SELECT event_id FROM katlas.events").fetchall()}
        assert stored == set(map(str, bundled.ids[:50]))
        assert conn.execute("SELECT rows_pushed FROM katlas.imports WHERE import_id = %s",
                            (got.import_id,)).fetchone()[0] == 50
        n_sources = sum(len(s) for s in bundled.sources[:50])
        assert conn.execute("SELECT count(*) FROM katlas.sources").fetchone()[0] == n_sources
        # Into a store that holds events (staged): the restart empties the staging tables.
        got = push.push_blocks(conn, [first, push.RESTART, first], "again.csv", rows_hint=30)
        assert got.rows == 30 and conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0] == 50
        assert conn.execute("SELECT count(*) FROM katlas.sources").fetchone()[0] == n_sources
        # A repeat without a restart is refused, and nothing of the publish stays.
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("DELETE FROM katlas.sources")
            conn.execute("DELETE FROM katlas.events")
            push.push_blocks(conn, [first, again], "bad.csv", rows_hint=50)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM katlas.events").fetchone()[0] == 50


def test_a_file_with_a_repeated_id_is_published_with_the_whole_reads_names(pg_db, tmp_path, small_blocks, capsys):
    """The reader reads such a file twice (the copies renamed "X#2" the second time); the publish
    drops what the first read sent, so the store holds the whole read's events, once each."""
    src = write_acled_csv(tmp_path / "acled.csv", 2000)
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(1500, lines[100])  # row 100's event again, in a later block
    src.write_text("".join(lines), encoding="utf-8")
    whole, _ = read_events(src)
    assert len(whole) == 2001 and any(str(i).endswith("#2") for i in whole.ids)
    with psycopg.connect(pg_db) as conn:
        schema.init(conn)
    assert cli(["db", "push", pg_db, str(src)]) == 0
    assert "pushed 2,001 events" in capsys.readouterr().out
    assert set(_stored(pg_db)) == set(map(str, whole.ids))
