"""A throwaway PostgreSQL + PostGIS server: for the database tests and ``main.py bench --db scratch``.

``initdb`` into a temporary folder, ``pg_ctl start`` listening on a Unix socket in that folder only
(``listen_addresses=''``: no TCP port, so parallel runs and a server already on the machine never
collide). PostgreSQL refuses to run as root, so as root the server runs as the unprivileged
``nobody`` through ``runuser``. Durability is off (fsync, full-page writes): nothing here has to
survive a crash, and the bench measures the atlas's work, not the disk's flushes.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path


def pg_bindir() -> Path | None:
    """The newest installed server's bin folder (Debian keeps initdb off PATH)."""
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).resolve().parent / "pg_ctl").exists():
        return Path(on_path).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def postgis_installed(bindir: Path) -> bool:
    # Debian: /usr/lib/postgresql/15/bin → /usr/share/postgresql/15; a source build: ../share/…
    candidates = [Path("/usr/share/postgresql") / bindir.parent.name, bindir.parent / "share" / "postgresql",
                  bindir.parent / "share"]
    return any((c / "extension" / "postgis.control").exists() for c in candidates)


def missing_reason() -> str | None:
    """Why no scratch server can be started here (None: it can)."""
    bindir = pg_bindir()
    if bindir is None:
        return "PostgreSQL server programs (initdb, pg_ctl) are not installed: apt-get install postgresql postgis"
    if not postgis_installed(bindir):
        return f"PostGIS is not installed for the PostgreSQL in {bindir}: apt-get install postgis"
    return None


@dataclass
class ScratchServer:
    """A running throwaway cluster; :meth:`stop` removes it and its folder."""

    base: Path
    bindir: Path
    port: int = 5432
    superuser: str = "postgres"
    as_user: list[str] = field(default_factory=list)

    def conninfo(self, dbname: str, user: str | None = None) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(host=str(self.base), port=self.port, dbname=dbname, user=user or self.superuser)

    def create_database(self) -> str:
        """A fresh database with PostGIS; returns its conninfo (for the superuser)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'katlas_template'").fetchone():
                conn.execute("CREATE DATABASE katlas_template")
                with psycopg.connect(self.conninfo("katlas_template"), autocommit=True) as tpl:
                    tpl.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            # A file copy of a template that has PostGIS already: much cheaper than WAL-logging it anew.
            strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""  # 14 copies files anyway
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE katlas_template{strategy}')  # a hex name
        return self.conninfo(name)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        env.pop("PGDATA", None)
        return env

    def _run(self, *cmd: str) -> None:
        res = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, env=self._env(), cwd=self.base)
        if res.returncode != 0:
            log = self.base / "server.log"
            extra = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}\n{extra}")

    def start(self) -> None:
        data = self.base / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", self.superuser, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        # 50 connections: a closed window closes its store connections (it did not, and a session
        # of db tests once reached 40, "too many clients already"); tests/db passes at 40 now, and
        # 10 more are headroom for a test's windows open at once and their totals' workers.
        opts = (f"-c listen_addresses='' -c unix_socket_directories='{self.base}' -c port={self.port} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 "
                "-c shared_buffers=256MB")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.base / "server.log"), "-w",
                  "-t", "60", "-o", opts, "start")

    def kill(self) -> None:
        """Stop the server at once (as a crash or a lost network would): the folder stays."""
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m",
                        "immediate", "-w", "stop"], capture_output=True, env=self._env(), cwd=self.base)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.base, ignore_errors=True)


def start_scratch_server() -> ScratchServer:
    """Start a throwaway cluster (raises RuntimeError saying why when it cannot)."""
    reason = missing_reason()
    if reason:
        raise RuntimeError(reason)
    bindir = pg_bindir()
    assert bindir is not None
    base = Path(tempfile.mkdtemp(prefix="katlas-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb and postgres refuse root; the socket folder belongs to the user running them.
        nobody = pwd.getpwnam("nobody")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        as_user = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "nobody", "--"]
    server = ScratchServer(base=base, bindir=bindir, as_user=as_user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    return server
