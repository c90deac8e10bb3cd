"""``main.py db``: the shared PostgreSQL/PostGIS store (docs/database.md).

    db init DB            create the atlas's tables (and the katlas_read / katlas_edit roles)
    db migrate DB         bring the tables to this atlas's layout version
    db push DB [FILE ...] publish files (none: the bundled dataset) with COPY, in one transaction
    db count DB [filters] how many stored events pass the filters (evaluated by the server)

DB is a postgresql:// URI, key=value pairs or a service name from pg_service.conf; passwords come
from ~/.pgpass or the service file, never from the command line's arguments.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from .common import CliError, add_filter_options, filter_from_args
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


def _push(conn: Any, files: list[str]) -> int:
    """Publish the files (none: the bundled dataset) in one transaction, each streamed when its
    reader gives blocks, else read whole when its turn comes; prints what became of each."""
    from atlas.db import push
    from atlas.db.push_stream import FileInput
    from atlas.io import BUNDLED_EVENTS
    from atlas.io.report import InputError

    inputs = [FileInput(f) for f in files] if files else [FileInput(BUNDLED_EVENTS)]
    t0 = time.perf_counter()
    try:
        result = push.push_files(conn, [i.source() for i in inputs])
    except InputError as exc:
        raise CliError.from_input(exc, "; nothing was pushed (the publish was rolled back)") from None
    total = time.perf_counter() - t0
    for inp, done in zip(inputs, result.files, strict=True):
        read = "read in blocks while sending" if done.how.startswith("in blocks") else f"read {done.how}"
        print(f"{inp.path.name}: {done.rows:,} events as import {done.import_id} ({read})")
        if inp.report is not None:
            print(f"  {inp.report.summary()}")
    search = result.timings.get("search_index")
    after = f"; search index rebuilt in {search:.1f} s more" if search is not None else ""
    waiting = result.timings.get("read", 0.0)
    ids = f"import {result.import_id}"
    if len(result.files) > 1:
        ids = f"imports {result.import_id}-{result.files[-1].import_id}: {len(result.files)} files, one transaction"
    print(f"pushed {result.rows:,} events as {ids} ({waiting:.1f} s reading or waiting for the reader; "
          f"stored and committed in {result.committed_s:.1f} s{after}; {total:.1f} s in all)")
    return 0


def run(args: argparse.Namespace) -> int:
    import psycopg

    from atlas.db import query, schema

    flt = filter_from_args(args) if args.action == "count" else None
    files = list(getattr(args, "files", []) or [])
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
                _push(conn, files)
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
