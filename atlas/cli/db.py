"""``main.py db``: the shared PostgreSQL/PostGIS store (docs/database.md).

    db init DB            create the atlas's tables (and the katlas_read / katlas_edit roles)
    db migrate DB         bring the tables to this atlas's layout version
    db push DB [FILE ...] publish files (none: the bundled dataset) with COPY
    db count DB [filters] how many stored events pass the filters (evaluated by the server)

DB is a postgresql:// URI, key=value pairs or a service name from pg_service.conf; passwords come
from ~/.pgpass or the service file, never from the command line's arguments.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from .common import CliError, add_filter_options, filter_from_args, load
from .exit_status import EX_CANTCREAT, EX_IOERR

EX_NOPERM = 77  # sysexits: permission denied (a read-only role tried to write)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("init", "create the atlas's tables in an empty database"),
                       ("migrate", "bring the tables to this atlas's layout version")):
        a = sub.add_parser(name, help=text, description=text)
        a.add_argument("db", metavar="DB", help="postgresql:// URI or pg_service.conf service name")
    a = sub.add_parser("push", help="publish event files to the store (COPY; row-level provenance)")
    a.add_argument("db", metavar="DB", help="postgresql:// URI or pg_service.conf service name")
    a.add_argument("files", nargs="*", metavar="FILE", help="event files (none: the bundled dataset)")
    a = sub.add_parser("count", help="count the stored events that pass the filters")
    a.add_argument("db", metavar="DB", help="postgresql:// URI or pg_service.conf service name")
    add_filter_options(a)


def _connect(target: str) -> Any:
    import psycopg

    from atlas.db.connect import connect, without_secret

    try:
        return connect(target)
    except (psycopg.Error, ValueError) as exc:
        raise CliError(f"cannot connect to {without_secret(target) if '=' in target or '://' in target else target}: "
                       f"{exc}", EX_IOERR) from None


def _can_stream(path: str) -> bool:
    from atlas.db.push_stream import can_stream

    return can_stream(path)


def _push_streamed(conn: Any, path: Path) -> Any:
    """Publish ``path`` block by block (:mod:`atlas.db.push_stream`); None when the file turns out
    to need the whole read (what was sent is rolled back: the caller reads it whole)."""
    from atlas.db import push
    from atlas.db.push_stream import CsvBlocks, estimate_rows
    from atlas.io.csv_stream import NotStreamable
    from atlas.io.report import InputError

    try:
        return push.push_blocks(conn, CsvBlocks(path), str(path), rows_hint=estimate_rows(path))
    except NotStreamable:
        conn.rollback()
        return None
    except InputError as exc:
        raise CliError.from_input(exc) from None


def run(args: argparse.Namespace) -> int:
    import psycopg

    from atlas.db import push, query, schema

    flt = filter_from_args(args) if args.action == "count" else None
    files = list(getattr(args, "files", []) or [])
    table = None
    # One ACLED CSV is read block by block while it is sent (bounded memory at 10M rows); other
    # files, several files and the bundled dataset are read whole first.
    streamed = args.action == "push" and len(files) == 1 and _can_stream(files[0])
    if args.action == "push" and not streamed:
        t0 = time.perf_counter()
        table, reports = load(files)
        read_s = time.perf_counter() - t0
    with _connect(args.db) as conn:
        try:
            if args.action == "init":
                version = schema.init(conn)
                print(f"created the atlas's tables (layout version {version})")
            elif args.action == "migrate":
                before, after = schema.migrate(conn)
                print(f"layout version {before} → {after}" if before != after else f"already at version {after}")
            elif args.action == "push":
                if schema.current_version(conn) != schema.SCHEMA_VERSION:
                    raise CliError("the database has no current atlas layout: run `db init` or `db migrate` first",
                                   EX_CANTCREAT)
                conn.commit()  # the version check's read: the publish is a transaction of its own
                t1 = time.perf_counter()
                result = _push_streamed(conn, Path(files[0])) if streamed else None
                if result is not None:
                    how = f"read in blocks while sending, {result.timings.get('read', 0.0):.1f} s waiting for the reader"
                else:
                    if table is None:  # the file needed the whole read after all: what was sent is rolled back
                        t0 = time.perf_counter()
                        table, reports = load(files)
                        read_s = time.perf_counter() - t0
                        t1 = time.perf_counter()
                    source = ", ".join(r.path for r in reports) if files else "(bundled dataset)"
                    result = push.push(conn, table, source)
                    how = f"read {read_s:.1f} s"
                total = time.perf_counter() - t1
                search = result.timings.get("search_index")
                after = f"; search index rebuilt in {search:.1f} s more" if search is not None else ""
                print(f"pushed {result.rows:,} events as import {result.import_id} "
                      f"({how}; stored and committed in {result.committed_s:.1f} s{after}; "
                      f"{total:.1f} s in all)")
            else:
                assert flt is not None
                print(query.count(conn, flt))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CliError(f"the database refused: {str(exc).splitlines()[0]} "
                           "(a read-only role cannot write; see docs/database.md, Roles)", EX_NOPERM) from None
        except RuntimeError as exc:
            raise CliError(str(exc), EX_CANTCREAT) from None
        except psycopg.Error as exc:
            raise CliError(f"database error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                           EX_IOERR) from None
    return 0
