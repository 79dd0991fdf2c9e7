"""What the engine needs from the target's Airflow to bring rows forward (a protocol).

The engine never imports Airflow; whoever runs the import hands it an object that knows
the target Airflow's migrations: :class:`~.alembic_migrations.AlembicMigrations` inside
the import DAG (the target's own package), a subprocess into a target Airflow
virtualenv in the tests and the sandbox.
"""

from __future__ import annotations

from typing import Protocol


class Migrations(Protocol):
    def lineage(self, revision: str) -> list[str]:
        """``revision`` and every revision before it in the target's migration chain,
        newest first (as far back as the chain goes); empty for an unknown revision."""

    def upgrade(self, schema: str, revision: str) -> None:
        """Run the target's migrations in ``schema`` (whose ``alembic_version`` says where
        it is) up to ``revision``; each migration commits on its own."""
