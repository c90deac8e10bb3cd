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


def run(args: argparse.Namespace) -> int:
    import psycopg

    from atlas.db import push, query, schema

    flt = filter_from_args(args) if args.action == "count" else None
    files = list(getattr(args, "files", []) or [])
    table = None
    if args.action == "push":
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
                assert table is not None
                if schema.current_version(conn) != schema.SCHEMA_VERSION:
                    raise CliError("the database has no current atlas layout: run `db init` or `db migrate` first",
                                   EX_CANTCREAT)
                source = ", ".join(r.path for r in reports) if files else "(bundled dataset)"
                conn.commit()  # the version check's read: the publish is a transaction of its own
                t1 = time.perf_counter()
                result = push.push(conn, table, source)
                total = time.perf_counter() - t1
                search = result.timings.get("search_index")
                after = f"; search index rebuilt in {search:.1f} s more" if search is not None else ""
                print(f"pushed {len(table):,} events as import {result.import_id} "
                      f"(read {read_s:.1f} s, stored and committed in {result.committed_s:.1f} s{after}; "
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
