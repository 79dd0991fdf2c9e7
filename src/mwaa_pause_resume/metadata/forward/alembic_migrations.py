"""The target Airflow's own migrations, run in a scratch schema (imports Airflow lazily).

Used in-process by the import DAG (the environment's Airflow is the target) and, through
``python -m mwaa_pause_resume.metadata.forward.alembic_migrations``, by the tests and the
sandbox, which run it inside a target Airflow virtualenv. Every migration reaches the
database through alembic's connection (``op.get_bind()``), whose ``search_path`` is the
scratch schema only: the environment's own tables are never touched.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mwaa_pause_resume.metadata.catalog import quote


class AlembicMigrations:
    """``connect()`` opens a new psycopg2 connection to the target database."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect

    def lineage(self, revision: str) -> list[str]:
        from airflow.utils.db import _get_alembic_config
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(_get_alembic_config())
        out: list[str] = []
        current: str | None = revision
        while current and current not in out:
            try:
                found = script.get_revision(current)
            except Exception:  # a revision the chain does not have (e.g. before 3.0's start)
                found = None
            if found is None:
                break
            out.append(current)
            down = found.down_revision
            current = down if isinstance(down, str) else (down[0] if down else None)
        return out

    def upgrade(self, schema: str, revision: str) -> None:
        from airflow.utils.db import _get_alembic_config
        from alembic import command
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        def connect() -> Any:
            conn = self._connect()
            with conn.cursor() as cur:  # session-level: every migration's transaction
                cur.execute(f"SET search_path TO {quote(schema)}")
            conn.commit()
            return conn

        engine = create_engine("postgresql+psycopg2://", creator=connect, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                config = _get_alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if hasattr(connection, "commit"):  # SQLAlchemy 2 ("future") connections
                    connection.commit()
        finally:
            engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """``--url URL --lineage REV`` prints the lineage as JSON; ``--url URL --schema S
    --upgrade REV`` migrates the scratch schema."""
    import psycopg2

    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--lineage")
    parser.add_argument("--upgrade")
    args = parser.parse_args(argv)
    migrations = AlembicMigrations(lambda: psycopg2.connect(args.url))
    if args.lineage:
        print("RESULT " + json.dumps(migrations.lineage(args.lineage)))
    elif args.upgrade and args.schema:
        migrations.upgrade(args.schema, args.upgrade)
        print("RESULT " + json.dumps("ok"))
    else:
        parser.error("give --lineage REV, or --schema S and --upgrade REV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
