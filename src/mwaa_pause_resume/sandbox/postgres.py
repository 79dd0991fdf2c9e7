"""A throwaway PostgreSQL server built from the machine's PostgreSQL binaries.

``initdb`` + ``pg_ctl`` in a private directory, listening on 127.0.0.1 on a free
port with password authentication over TCP (trust only on its private socket),
fsync off (it holds test data only). As root
the server runs as the ``postgres`` user, because PostgreSQL refuses to run as
root.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from mwaa_pause_resume.errors import UserError

INSTALL_HINT = (
    "install the PostgreSQL server (Debian: apt-get install -y postgresql) or point "
    "MWAA_PR_PG_BIN at the directory holding initdb and pg_ctl"
)


def find_bin_dir() -> Path:
    """Directory holding ``initdb``/``pg_ctl``: $MWAA_PR_PG_BIN, Debian's layout, then PATH."""
    override = os.environ.get("MWAA_PR_PG_BIN")
    candidates: list[Path] = [Path(override)] if override else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted(
            (p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
        )
        candidates += [v / "bin" for v in reversed(versions)]
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for cand in candidates:
        if (cand / "initdb").exists() and (cand / "pg_ctl").exists():
            return cand
    raise UserError("no PostgreSQL server binaries (initdb, pg_ctl) found", hint=INSTALL_HINT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """One PostgreSQL cluster in ``data_dir``. Use as a context manager or call start/stop."""

    def __init__(self, base_dir: Path | None = None, port: int | None = None) -> None:
        self._as_root = os.geteuid() == 0
        # As root the server runs as ``postgres``, which cannot enter root's private
        # temp folders (pytest's are 0700): keep the cluster in a folder of its own.
        self._owns_dir = base_dir is None or self._as_root
        if self._owns_dir:
            base_dir = Path(tempfile.mkdtemp(prefix="mwaa-pr-pg-"))
        assert base_dir is not None
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "run"
        self.port = port or free_port()
        self.bin_dir = find_bin_dir()
        # TCP logins need this password (the socket stays trust, for the owner only): a
        # process that was not handed the database URL cannot open it, as an Airflow 3
        # task on MWAA cannot. Kept with the cluster so that a kept sandbox reconnects.
        self._password_file = self.base_dir / "password"

    # -- process control -------------------------------------------------------
    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    def _chown(self, path: Path) -> None:
        if self._as_root:
            shutil.chown(path, "postgres", "postgres")

    def start(self) -> LocalPostgres:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        self._chown(self.base_dir)
        self._chown(self.socket_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._password_file.write_text(secrets.token_urlsafe(18))
            self._chown(self._password_file)
            done = self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={self._password_file}",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
            )
            if done.returncode != 0:
                raise UserError(f"initdb failed: {done.stderr.strip()}", hint=INSTALL_HINT)
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        done = self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.base_dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        if done.returncode != 0:
            log = (self.base_dir / "server.log").read_text(errors="replace")[-2000:]
            raise UserError(
                f"PostgreSQL did not start on port {self.port}: {done.stderr.strip()}\n{log}",
                hint="is another server using the data directory? remove "
                f"{self.base_dir} and retry",
            )
        return self

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        if self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases -------------------------------------------------------------
    @property
    def password(self) -> str:
        return self._password_file.read_text().strip()

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        password = self.password if user == "postgres" else ""
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, sql: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.url())
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create_database(self, name: str, *, replace: bool = True) -> str:
        """Create (or re-create) database ``name``; return its URL."""
        if replace:
            self.drop_database(name)
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
