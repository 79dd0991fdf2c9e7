"""Regenerate the source schemas the engine ships (``metadata/forward/schemas``).

For every supported Airflow version but the newest, the schema its own
``airflow db migrate`` makes (the sandbox's migrated template database, dumped with
``pg_dump --schema-only``), normalised by :func:`metadata.forward.ddl.normalise`. Run
after adding an Airflow version to ``airflow_versions``::

    python -m mwaa_pause_resume.sandbox.forward_schemas
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from mwaa_pause_resume.airflow_versions import VERSIONS
from mwaa_pause_resume.metadata.forward import ddl
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres


def schema_ddl(server: LocalPostgres, dbs: MetadataDatabases, name: str) -> str:
    """The normalised schema of a freshly migrated database of ``dbs``' version."""
    url = dbs.create(name)
    try:
        done = subprocess.run(
            [str(server.bin_dir / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
             "--no-comments", "--schema=public", url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        server.drop_database(name)
    return ddl.normalise(done.stdout)


def main() -> int:
    newest = VERSIONS[-1].alembic_revision
    wanted = {v.alembic_revision: v.version for v in VERSIONS if v.alembic_revision != newest}
    server = LocalPostgres()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            for revision, version in wanted.items():
                dbs = MetadataDatabases(server, AirflowRuntime(version).ensure(), Path(home))
                text = schema_ddl(server, dbs, f"forward_{revision}")
                ddl.schema_file(revision).write_text(text, encoding="utf-8")
                print(f"{ddl.schema_file(revision)} (Airflow {version})")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
