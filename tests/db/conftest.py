"""A throwaway PostgreSQL + PostGIS server for the database tests.

One cluster per test session: ``initdb`` into a temporary folder, ``pg_ctl start`` listening on a
Unix socket in that folder only (``listen_addresses=''``: no TCP port, so parallel runs and a
server already on the machine never collide), ``CREATE EXTENSION postgis``, stopped at the end.
PostgreSQL refuses to run as root, so when the tests run as root (CI) the server runs as the
unprivileged ``nobody`` through ``runuser``. The tests skip, saying why, only when the programs are
not installed; ``.ci/run`` installs them (Debian ``postgresql`` and ``postgis``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _pg_bindir() -> Path | None:
    """The newest installed server's bin folder (Debian keeps initdb off PATH)."""
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).resolve().parent / "pg_ctl").exists():
        return Path(on_path).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _postgis_installed(bindir: Path) -> bool:
    # Debian: /usr/lib/postgresql/15/bin → /usr/share/postgresql/15; a source build: ../share/…
    candidates = [Path("/usr/share/postgresql") / bindir.parent.name, bindir.parent / "share" / "postgresql",
                  bindir.parent / "share"]
    return any((c / "extension" / "postgis.control").exists() for c in candidates)


@dataclass(frozen=True)
class PgServer:
    """Where the throwaway server listens; ``uri(db, user)`` names a database on it."""

    socket_dir: Path
    port: int
    superuser: str = "postgres"

    def conninfo(self, dbname: str, user: str | None = None) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(host=str(self.socket_dir), port=self.port, dbname=dbname,
                             user=user or self.superuser)

    def create_database(self) -> str:
        """A fresh database with PostGIS; returns its conninfo (for the superuser)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # a name we made: hex only
        info = self.conninfo(name)
        with psycopg.connect(info, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return info


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed: apt-get install postgresql postgis")
    if not _postgis_installed(bindir):
        pytest.skip(f"PostGIS is not installed for the PostgreSQL in {bindir}: apt-get install postgis")
    pytest.importorskip("psycopg", reason="the psycopg driver (a declared dependency) is not installed")
    base = Path(tempfile.mkdtemp(prefix="katlas-pg-"))
    data = base / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb and postgres refuse root; the socket folder belongs to the user running them.
        nobody = pwd.getpwnam("nobody")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        as_user = [runuser, "-u", "nobody", "--"]
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    env.pop("PGDATA", None)

    def run(*cmd: str) -> None:
        res = subprocess.run([*as_user, *cmd], capture_output=True, text=True, env=env, cwd=base)
        if res.returncode != 0:
            log = base / "server.log"
            extra = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}\n{extra}")

    port = 5432
    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8", "--no-sync")
    # No TCP at all; the socket lives in our folder. fsync off: a test cluster need not survive a crash.
    opts = (f"-c listen_addresses='' -c unix_socket_directories='{base}' -c port={port} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
        "-o", opts, "start")
    try:
        yield PgServer(socket_dir=base, port=port)
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, env=env, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture()
def pg_db(pg_server: PgServer) -> str:
    """A fresh database (PostGIS enabled) per test: its conninfo for the server's superuser."""
    return pg_server.create_database()
