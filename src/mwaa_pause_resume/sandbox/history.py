"""Fill an Airflow metadata database with real history in one process (tests).

The sandbox makes its history through a running environment's REST API and scheduler
(:mod:`.live_history`). Tests that need a seeded database without running Airflow's
components use this faster in-process seed instead. The work happens inside the
Airflow virtualenv (``sample_dags/seed_runner.py``):
``dag.test()`` runs (success, failure, retry, mapped tasks, XComs, rendered
fields), a task left deferred on a trigger, encrypted variables, connections
with secrets, a custom pool, a paused DAG, notes and audit log entries. This
module starts it and summarises the result by counting rows per table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime

SAMPLE_DAGS_DIR = Path(__file__).resolve().parent / "sample_dags"
SEED_MODULE = "mwaa_pause_resume.sandbox.sample_dags.seed_runner"
SAMPLE_DAG_IDS = (
    "sample_etl",
    "sample_retry",
    "sample_failure",
    "sample_deferred",
    "sample_paused",
    "sample_waiting",
    "sample_hourly_catchup",
    "sample_hourly_latest",
    "sample_hourly_skip",
    "sample_daily",
)
PAUSED_DAG_ID = "sample_paused"
DEFERRED_DAG_ID = "sample_deferred"


@dataclass(frozen=True)
class HistorySummary:
    """What the seed made: run ids and final states per DAG, row counts per table."""

    airflow_version: str
    runs: dict[str, list[str]]
    run_states: dict[str, list[str]]
    table_rows: dict[str, int] = field(default_factory=dict)

    @property
    def deferred_run(self) -> tuple[str, str]:
        return DEFERRED_DAG_ID, self.runs[DEFERRED_DAG_ID][0]


def count_rows(db_url: str) -> dict[str, int]:
    """Exact row count of every table in the public schema."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
            names = [row[0] for row in cur.fetchall()]
            counts: dict[str, int] = {}
            for name in names:
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name)))
                row = cur.fetchone()
                counts[name] = int(row[0]) if row else 0
        return counts
    finally:
        conn.close()


def seed_history(
    runtime: AirflowRuntime, db_url: str, fernet_key: str, home: Path
) -> HistorySummary:
    """Run the sample DAGs against the migrated database ``db_url`` (Fernet key ``fernet_key``).

    ``home`` becomes AIRFLOW_HOME; the DAGs folder is :data:`SAMPLE_DAGS_DIR`. Run it
    once per database: a second run adds more history and fails on duplicate
    variables/connections.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = runtime.environ(db_url, fernet_key, home, dags_folder=SAMPLE_DAGS_DIR)
    done = runtime.run(["-m", SEED_MODULE], env)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"the seed printed no summary:\n{done.stdout[-3000:]}")
    result = json.loads(lines[-1])
    return HistorySummary(
        airflow_version=str(result["airflow_version"]),
        runs={k: list(v) for k, v in result["runs"].items()},
        run_states={k: list(v) for k, v in result["states"].items()},
        table_rows=count_rows(db_url),
    )
