"""Publishing events to the store: COPY of CSV built by Arrow, block by block, then one INSERT … SELECT.

The rows travel as CSV that Arrow writes column by column (no Python loop per row) into a staging
table; one ``INSERT … ON CONFLICT`` then lets a re-push of an event update it in place and builds
the PostGIS point on the server. Each row records who wrote it, when and from which file; the
publish itself is a row of ``katlas.imports``.

:func:`push_blocks` takes the events as blocks (a COPY per block, all in one transaction), so a
file read block by block (:mod:`atlas.db.push_stream`, ``db push`` of an ACLED CSV) is published
in memory bounded by a few blocks, not the whole file; :func:`push` publishes a table in memory.

A large publish (into an empty store, or at least half the store's size) would spend most of its
time keeping the secondary indexes up to date row by row, so when the pushing role owns the table
they are dropped first and built once at the end, which is several times cheaper. Its foreign keys
(the events' publish, the sources' event) are dropped and added again inside the transaction too:
checked row by row they cost more server time than the COPY itself (4.4 s of 13.6 s at 1M rows),
checked once at the end a single join (0.6 s). The B-tree and
GiST indexes are rebuilt inside the transaction; the trigram (GIN) search index, the slowest by far,
is rebuilt after the commit with ``CREATE INDEX CONCURRENTLY`` so colleagues can read the new rows
meanwhile (a text filter scans without it until it is back). ``db migrate`` recreates any layout
index a publish interrupted between the two left missing.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg.pq import TransactionStatus

from atlas.model.table import CATEGORICAL_FIELDS, TEXT_FIELDS, EventTable

from . import changes, provenance

#: The event columns written as they are (the point and provenance are built separately).
PLAIN_COLUMNS: tuple[str, ...] = (
    "event_id", "event_date", "time_precision", "geo_precision", "coord_approximate",
    "fatalities", "claim_area_km2", *CATEGORICAL_FIELDS, *TEXT_FIELDS, "search_text",
)
#: Columns of the staging table, in the CSV's order.
STAGED_COLUMNS: tuple[str, ...] = (*PLAIN_COLUMNS, "lon", "lat")
#: Columns of a COPY straight into an empty store (written_by/written_at take their defaults).
DIRECT_COLUMNS: tuple[str, ...] = (*PLAIN_COLUMNS, "geom", "source_file", "import_id")
#: Rows per CSV block sent through COPY (bounds the transient CSV text in memory).
BLOCK_ROWS = 100_000
#: A block of a streamed publish goes out in pieces of this many rows, so the server takes one
#: piece while the next is built (one piece per block left the two waiting for each other).
PIECE_ROWS = 10_000
#: A publish of at least this share of the store's rows rebuilds the secondary indexes at the end.
BULK_SHARE = 0.5


class Restart:
    """What a block source yields when the blocks it gave so far are void and come again (a file
    with a repeated id is read twice, to name its copies as the whole read does:
    :func:`atlas.io.csv_stream.stream_csv`); :func:`push_blocks` then drops what it sent."""


RESTART = Restart()


@dataclass
class PushResult:
    """What a publish did and where its time went (seconds); ``import_id`` is its first file's."""

    import_id: int
    rows: int
    bulk: bool
    timings: dict[str, float] = field(default_factory=dict)
    #: Each file's publish row and events (one file: the same as ``import_id`` and ``rows``).
    files: list[FileResult] = field(default_factory=list)

    @property
    def committed_s(self) -> float:
        """From the start until the rows were committed (visible to everyone)."""
        return sum(v for k, v in self.timings.items() if k != "search_index")


def _floats(a: np.ndarray) -> Any:
    import pyarrow as pa

    a = np.asarray(a, dtype=np.float64)
    return pa.array(a, mask=~np.isfinite(a))


def _strings(values: Any) -> Any:
    """Text values as an Arrow string array, empty strings as NULL (the store's 'missing')."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values, type=pa.string(), from_pandas=True)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _points_ewkb(lon: np.ndarray, lat: np.ndarray) -> Any:
    """PostGIS points (SRID 4326) as hex EWKB, which COPY reads into a geometry column; NULL without a point."""
    import pyarrow as pa
    import shapely

    ok = np.isfinite(lon) & np.isfinite(lat)
    out = np.full(len(lon), None, dtype=object)
    if ok.any():
        pts = shapely.set_srid(shapely.points(lon[ok], lat[ok]), 4326)
        out[ok] = shapely.to_wkb(pts, hex=True, include_srid=True)
    return pa.array(out, type=pa.string())


def arrow_rows(table: EventTable, rows: slice, direct: tuple[str, int] | None = None) -> Any:
    """The staged columns of ``table[rows]`` as an Arrow table (array operations only).

    ``direct`` = (source file, import id): the columns of ``katlas.events`` itself instead
    (the point as EWKB and the provenance), for a COPY straight into an empty store."""
    import pyarrow as pa

    n = len(table)
    idx = np.arange(n)[rows]
    cols: dict[str, Any] = {
        "event_id": _strings(np.asarray([str(v) for v in table.ids[rows]], dtype=object)),
        "event_date": pa.array(table.date[rows].astype("datetime64[D]"), type=pa.date32(),
                               mask=np.isnat(table.date[rows])),
        "time_precision": pa.array(table.date_precision[rows].astype(np.int16)),
        "geo_precision": pa.array(table.geo_precision[rows].astype(np.int16)),
        "coord_approximate": pa.array(table.coord_approximate[rows].astype(bool)),
        "fatalities": _floats(table.fatalities[rows]),
        "claim_area_km2": _floats(table.claim_area_km2[rows]),
    }
    for name in CATEGORICAL_FIELDS:
        cat = table.categorical[name]
        codes = cat.codes[rows]
        lookup = pa.array(list(cat.categories) or [""], type=pa.string())
        taken = lookup.take(pa.array(np.where(codes < 0, 0, codes), mask=codes < 0))
        cols[name] = _strings(taken)
    for name in TEXT_FIELDS:
        cols[name] = _strings(table.text[name][rows])
    # Every searched field joined (the window's search column leaves the coded fields out).
    cols["search_text"] = table.search_text(int(idx[0]), int(idx[0]) + len(idx)) if len(idx) else pa.array([], pa.string())
    if direct is not None:
        cols["geom"] = _points_ewkb(np.asarray(table.lon[rows], np.float64), np.asarray(table.lat[rows], np.float64))
        cols["source_file"] = pa.array([direct[0]] * len(idx), type=pa.string())
        cols["import_id"] = pa.array(np.full(len(idx), direct[1], dtype=np.int64))
        return pa.table({c: cols[c] for c in DIRECT_COLUMNS})
    cols["lon"] = _floats(table.lon[rows])
    cols["lat"] = _floats(table.lat[rows])
    return pa.table({c: cols[c] for c in STAGED_COLUMNS})


def csv_blocks(table: EventTable, block_rows: int = BLOCK_ROWS, direct: tuple[str, int] | None = None) -> Any:
    """The staged rows as CSV bytes in PostgreSQL's CSV dialect, ``block_rows`` rows at a time.

    Arrow quotes every string and leaves NULL as an unquoted empty field: exactly COPY's CSV
    convention (a quoted "" is an empty string, an unquoted empty field is NULL)."""
    import pyarrow.csv as pacsv

    opts = pacsv.WriteOptions(include_header=False)
    for start in range(0, len(table), block_rows):
        buf = io.BytesIO()
        pacsv.write_csv(arrow_rows(table, slice(start, min(start + block_rows, len(table))), direct), buf, opts)
        yield buf.getvalue()


def source_blocks(table: EventTable, block_rows: int = BLOCK_ROWS) -> Any:
    """The rows of ``katlas.sources`` (event_id, ord, outlet, date, url, title) as CSV blocks
    (Arrow writes them; the one Python loop only flattens each event's tuple of sources)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    opts = pacsv.WriteOptions(include_header=False)
    for start in range(0, len(table), block_rows):
        stop = min(start + block_rows, len(table))
        cols: tuple[list[Any], ...] = ([], [], [], [], [], [])
        ids, ords, outlet, date, url, title = cols
        for event_id, srcs in zip(table.ids[start:stop].tolist(), table.sources[start:stop].tolist()):
            for k, src in enumerate(srcs or ()):
                ids.append(str(event_id))
                ords.append(k)
                outlet.append(src.get("outlet") or None)
                date.append(src.get("date") or None)
                url.append(src.get("url") or None)
                title.append(src.get("title") or None)
        if not ids:
            continue
        names = ("event_id", "ord", "outlet", "date", "url", "title")
        arrays = [pa.array(ids, pa.string()), pa.array(ords, pa.int16()),
                  *(pa.array([None if v is None else str(v) for v in c], pa.string()) for c in cols[2:])]
        buf = io.BytesIO()
        pacsv.write_csv(pa.table(dict(zip(names, arrays))), buf, opts)
        yield buf.getvalue()


def _send(cur: Any, statement: str, blocks: Iterable[bytes]) -> None:
    """One COPY of ``blocks``: a psycopg thread sends each block while the next one is built
    (Arrow and shapely release the GIL), so the client's conversion overlaps the server's work."""
    from psycopg.copy import QueuedLibpqWriter

    with cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for block in blocks:
            copy.write(block)


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def _secondary_indexes(conn: Any) -> list[tuple[str, str, str]]:
    """(name, access method, CREATE INDEX statement) of the events table's non-unique indexes."""
    rows = conn.execute(
        "SELECT c.relname, am.amname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
        "WHERE i.indrelid = 'katlas.events'::regclass AND NOT i.indisunique ORDER BY c.relname").fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def _foreign_keys(conn: Any) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys on the events and sources tables whose table
    this role owns (read from the catalogue; only the owner may drop and add them again)."""
    rows = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' "
        "AND c.conrelid IN ('katlas.events'::regclass, 'katlas.sources'::regclass) "
        "AND pg_has_role(t.relowner, 'USAGE') ORDER BY 1, 2").fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def _bulk(conn: Any, rows: int | None) -> bool:
    """Whether to rebuild the secondary indexes at the end: a large publish by the table's owner
    (``rows`` None: not known before the blocks are read; counted as large)."""
    owner = conn.execute(
        "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = 'katlas.events'::regclass").fetchone()
    if not (owner and owner[0]):
        return False  # only the owner may drop indexes; an editor's publish keeps them up to date
    if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM katlas.events)").fetchone()[0]:
        return True
    if rows is None:
        return True
    est = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'katlas.events'::regclass").fetchone()
    return rows >= BULK_SHARE * max(float(est[0]) if est else 0.0, 1.0)


def _sources_statement(table: str) -> str:
    return f"COPY {table} (event_id, ord, outlet, date, url, title) FROM STDIN (FORMAT csv)"


def _merge(cur: Any, source: str, import_id: int, lap: Callable[[str], None]) -> None:
    """The staged events into the store in one INSERT … ON CONFLICT (re-pushed events are
    replaced, their old sources removed), then the staged sources."""
    names = ", ".join(PLAIN_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*PLAIN_COLUMNS[1:], "geom", "written_by",
                                                        "written_at", "source_file", "import_id"))
    # A replaced event's version moves on, so an edit begun before this publish is a conflict.
    cur.execute(
        f"INSERT INTO katlas.events ({names}, geom, written_by, written_at, source_file, import_id) "
        f"SELECT {names}, CASE WHEN lon IS NULL OR lat IS NULL THEN NULL "
        "ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END, current_user, now(), %s, %s "
        f"FROM push_stage ON CONFLICT (event_id) DO UPDATE SET {updates}, version = katlas.events.version + 1",
        (source, import_id))
    lap("insert")
    cur.execute("DELETE FROM katlas.sources s USING push_stage p WHERE s.event_id = p.event_id")
    cur.execute("INSERT INTO katlas.sources (event_id, ord, outlet, date, url, title) "
                "SELECT event_id, ord, outlet, date, url, title FROM push_sources_stage")
    lap("sources")



class ReadWhole(Exception):
    """What a block source raises when its file turns out to need the whole read (a CSV layout
    whose dates need the whole column, ids the blocks cannot name as the whole read does): the
    publish drops what the file sent and publishes its :attr:`FileSource.whole` read instead."""


@dataclass
class FileSource:
    """One file of a publish: the name its rows are credited to, its events as blocks (or one
    table), about how many events it holds, and the whole read to fall back on when the blocks
    raise :class:`ReadWhole`. ``how`` says how it is read ("in blocks", "whole: why")."""

    source: str
    blocks: Iterable[EventTable | Restart]
    rows_hint: int | None = None
    whole: Callable[[], EventTable] | None = None
    how: str = "whole"


@dataclass
class FileResult:
    """What one file of a publish became: its publish row (``katlas.imports``) and events."""

    source: str
    import_id: int
    rows: int
    how: str


def push(conn: Any, table: EventTable, source_file: str | Path,
         progress: Callable[[str], None] | None = None) -> PushResult:
    """Publish ``table`` (read from ``source_file``) in one transaction.

    Events whose id is already in the store are replaced (with their sources); the row's
    provenance then names this publish. ``progress`` hears each phase as it starts.
    """
    return push_blocks(conn, [table], source_file, progress, rows_hint=len(table))


def push_blocks(conn: Any, blocks: Iterable[EventTable | Restart], source_file: str | Path,
                progress: Callable[[str], None] | None = None, rows_hint: int | None = None) -> PushResult:
    """Publish the events of ``blocks`` (read from ``source_file``) in one transaction: one file
    of :func:`push_files`."""
    return push_files(conn, [FileSource(str(source_file), blocks, rows_hint)], progress)


def push_files(conn: Any, files: Sequence[FileSource], progress: Callable[[str], None] | None = None) -> PushResult:
    """Publish the events of several files in one transaction: each file its own publish row
    (``katlas.imports``: the file, its checksum, who and when) and every event credited to the
    file it came from. Each block goes out as one COPY of its events and one of its sources, so
    only the block being sent is in memory.

    Whether the publish is large enough to rebuild the indexes at the end is decided before the
    first block from the files' ``rows_hint`` (None: as many as the store holds, so a publish into
    an empty store or into one of about its size rebuilds them). The time waiting for the next
    block is ``timings["read"]``. Events whose id is already in the store are replaced (with their
    sources); an id that an earlier file of the same publish had is replaced by the later file's.

    Into an empty store the first file's rows go straight into the tables; the others are staged
    and merged file by file. :data:`RESTART` among a file's blocks drops what that file sent
    before it (back to the file's savepoint). A block whose id an earlier block of the file had
    (the store's key refuses it while the source has not yet said it restarts) drops what the file
    sent too; its blocks are then skipped until the restart, and the refusal is raised if none
    comes. A source that raises :class:`ReadWhole` has what it sent dropped and its whole read
    published instead. Any other error leaves the store as it was: nothing of any file stays."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - t
        t = now

    hints = [f.rows_hint for f in files]
    rows_hint = None if any(h is None for h in hints) else sum(h or 0 for h in hints)
    deferred: list[str] = []
    results: list[FileResult] = []
    nested = conn.info.transaction_status != TransactionStatus.IDLE
    with conn.transaction(), conn.cursor() as cur:
        # Sorting and index builds of this publish may use more memory than a query (this session only).
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        bulk = _bulk(conn, rows_hint)
        empty = bool(cur.execute("SELECT NOT EXISTS (SELECT 1 FROM katlas.events)").fetchone()[0])
        indexes = _secondary_indexes(conn) if bulk else []
        for name, _am, _ddl in indexes:
            cur.execute(f'DROP INDEX katlas."{name}"')  # names read from the catalogue
        keys = _foreign_keys(conn) if bulk else []
        for rel, name, _definition in keys:  # checked once at the end instead of row by row
            cur.execute(f'ALTER TABLE {rel} DROP CONSTRAINT "{name}"')  # names read from the catalogue
        logged = bulk and changes.quiet_for_bulk(cur)  # one MANY change, not a row per event
        staged = False
        lap("prepare")
        for k, f in enumerate(files):
            # Nothing to replace: the first file into an empty store goes straight into the tables
            # (no staging copy, no second write); a store with rows, or a later file, is staged.
            direct = empty and k == 0
            if not direct and not staged:
                cur.execute("CREATE TEMP TABLE push_stage (LIKE katlas.events INCLUDING DEFAULTS, "
                            "lon double precision, lat double precision) ON COMMIT DROP")
                cur.execute("CREATE TEMP TABLE push_sources_stage (LIKE katlas.sources) ON COMMIT DROP")
                staged = True
            row = cur.execute(
                "INSERT INTO katlas.imports (source_file, file_sha256, rows_pushed) VALUES (%s, %s, %s) "
                "RETURNING import_id", (f.source, _sha256(Path(f.source)), f.rows_hint)).fetchone()
            import_id = int(row[0])
            lap("prepare")
            what = f"{f.rows_hint:,} events" if f.rows_hint is not None else "the events"
            say(f"sending {what} of {f.source}" if len(files) > 1 else f"sending {what}")
            rows, how = _send_file(cur, f, import_id, direct, say, lap)
            if not direct:
                _merge(cur, f.source, import_id, lap)
                cur.execute("TRUNCATE push_stage, push_sources_stage")
            if rows != f.rows_hint:
                cur.execute("UPDATE katlas.imports SET rows_pushed = %s WHERE import_id = %s", (rows, import_id))
            results.append(FileResult(f.source, import_id, rows, how))
        total = sum(r.rows for r in results)
        for rel, name, definition in keys:
            cur.execute(f'ALTER TABLE {rel} ADD CONSTRAINT "{name}" {definition}')
        if logged:
            changes.log_bulk(cur, total)
        lap("keys")
        # CONCURRENTLY needs the connection idle after our commit; inside a caller's transaction
        # (our block is then a savepoint) the search index is rebuilt here like the others.
        for _name, am, ddl in indexes:
            if am == "gin" and not nested:
                deferred.append(ddl)
                continue
            say("indexing")
            cur.execute(ddl)
        lap("indexes")
    lap("commit")
    if deferred:
        # After the commit, without blocking readers: CONCURRENTLY may not run in a transaction.
        say("rebuilding the search index")
        was = conn.autocommit
        conn.autocommit = True
        try:
            conn.execute("SET maintenance_work_mem = '256MB'")
            for ddl in deferred:
                conn.execute(ddl.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY IF NOT EXISTS ", 1))
            conn.execute("RESET maintenance_work_mem")
            conn.execute("ANALYZE katlas.events")
        finally:
            conn.autocommit = was
        lap("search_index")
    elif bulk:
        conn.execute("ANALYZE katlas.events")  # inside the caller's transaction when nested
        if not nested:
            conn.commit()
        lap("commit")
    first = results[0].import_id if results else 0
    return PushResult(first, sum(r.rows for r in results), bulk, timings, results)


def _send_file(cur: Any, f: FileSource, import_id: int, direct: bool, say: Callable[[str], None],
               lap: Callable[[str], None]) -> tuple[int, str]:
    """COPY one file's blocks (into the events table, or the staging tables); returns the rows
    sent and how the file was read. The file's savepoint is what a restart or a fall back to the
    whole read drops."""
    if direct:
        events_copy = f"COPY katlas.events ({', '.join(DIRECT_COLUMNS)}) FROM STDIN (FORMAT csv)"
        sources_copy = _sources_statement("katlas.sources")
    else:
        events_copy = f"COPY push_stage ({', '.join(STAGED_COLUMNS)}) FROM STDIN (FORMAT csv)"
        sources_copy = _sources_statement("push_sources_stage")
    cur.execute("SAVEPOINT push_file")
    rows = 0
    refused: Exception | None = None  # a repeated id: skip to the restart
    how = f.how
    it = iter(f.blocks)
    while True:
        try:
            block = next(it, None)
        except ReadWhole as why:
            if f.whole is None:
                raise
            cur.execute("ROLLBACK TO SAVEPOINT push_file")
            how = f"whole: {why}"
            say(f"{f.source}: read whole ({why})")
            it, rows, refused = iter([f.whole()]), 0, None
            continue
        lap("read")
        if block is None:
            break
        if isinstance(block, Restart):
            cur.execute("ROLLBACK TO SAVEPOINT push_file")
            rows, refused = 0, None
            say("an id repeats in the file: sending it again with the copies renamed")
            continue
        if refused is not None or not len(block):
            continue
        piece = BLOCK_ROWS if len(block) >= 4 * BLOCK_ROWS else PIECE_ROWS
        try:
            _send(cur, events_copy, csv_blocks(block, piece, direct=(f.source, import_id) if direct else None))
        except psycopg.errors.UniqueViolation as exc:
            cur.execute("ROLLBACK TO SAVEPOINT push_file")
            refused = exc
            continue
        lap("copy")
        _send(cur, sources_copy, source_blocks(block))
        provenance.record_credits(cur, import_id, block)  # ACLED, UCDP…: known from the file's columns
        lap("sources")
        rows += len(block)
        del block
    if refused is not None:
        raise refused
    cur.execute("RELEASE SAVEPOINT push_file")
    return rows, how
