"""Migrated Airflow schemas kept on disk, so ``airflow db migrate`` runs once per machine
and version instead of once per sandbox run or test worker.

A dump (``pg_dump --format=custom``) is taken right after Airflow's own migration of an
empty database and restored with ``pg_restore`` into the next empty template database:
the same tables, constraints, sequences and seed rows, in a second or two instead of
the 20-60 s a migration takes. A dump is only used for the exact installation that
made it: its name carries a digest of the Airflow version, the virtualenv's install
record (Python and packages), the PostgreSQL binaries' major version and whether FAB's
tables are included. After a restore the alembic revision is checked against the
version's known head; anything else (missing tools, a failed restore, a different
revision) falls back to migrating, and the dump is replaced.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime, cache_root
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

LAYOUT = "schema-dump-1"  # bump when what goes into a dump changes


def dump_path(runtime: AirflowRuntime, server: LocalPostgres, *, with_fab: bool) -> Path:
    pg_major = server.bin_dir.parent.name if server.bin_dir.parent.name.isdigit() else "pg"
    facts = (LAYOUT, runtime.version, runtime.install_record, pg_major, str(with_fab))
    digest = hashlib.sha256("\n".join(facts).encode()).hexdigest()[:16]
    return cache_root() / "schemas" / f"airflow-{runtime.version}-{digest}.dump"


def _tool(server: LocalPostgres, name: str) -> str | None:
    path = server.bin_dir / name
    return str(path) if path.exists() else None


def save(server: LocalPostgres, database: str, path: Path) -> None:
    """Dump ``database`` to ``path`` (atomically: parallel test workers may race)."""
    pg_dump = _tool(server, "pg_dump")
    if pg_dump is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    os.close(handle)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", server.url(database)],
        capture_output=True,
        check=False,
    )
    if done.returncode == 0:
        os.replace(partial, path)
    else:
        Path(partial).unlink(missing_ok=True)


def restore(server: LocalPostgres, database: str, path: Path, version: str) -> bool:
    """Load the dump into the empty ``database``; True when it now holds the version's
    migrated schema (else the caller migrates it)."""
    pg_restore = _tool(server, "pg_restore")
    if pg_restore is None or not path.exists():
        return False
    done = subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={server.url(database)}", path],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return False
    found, head = _revision(server, database), airflow_versions.BY_VERSION[version].alembic_revision
    return found is not None and found == (head or found)


def _revision(server: LocalPostgres, database: str) -> str | None:
    import psycopg2

    try:
        conn = psycopg2.connect(server.url(database))
    except psycopg2.Error:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version_num FROM alembic_version")
            row = cur.fetchone()
        return str(row[0]) if row else None
    except psycopg2.Error:
        return None
    finally:
        conn.close()
