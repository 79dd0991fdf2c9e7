"""Airflow sample DAGs: hourly with catchup from months back (the scheduler's position).

One DAG per missed-runs policy (``mwaa_pause_resume.metadata.missed_runs``), chosen
by the DAG tag ``mwaa-pause-resume:missed_runs=<policy>``. The scheduler makes some
of their runs before the pause, still months behind; after the resume the sandbox
checks where each one starts again (``sandbox/position_checks.py``):

- ``sample_hourly_catchup`` (catchup): right after its last run before the pause;
- ``sample_hourly_latest`` (latest): only the newest complete interval;
- ``sample_hourly_skip`` (skip): no interval that fell inside the pause.

None starts over from ``start_date``, which a fresh database without a position would
do (a backfill flood). EmptyOperator tasks are never sent to the executor, so the
catch-up costs the scheduler only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, EmptyOperator

for policy in ("catchup", "latest", "skip"):
    with DAG(
        dag_id=f"sample_hourly_{policy}",
        schedule=timedelta(hours=1),
        start_date=datetime(2026, 6, 1),
        catchup=True,
        max_active_runs=4,
        tags=["sample", "scheduled", f"mwaa-pause-resume:missed_runs={policy}"],
    ):
        EmptyOperator(task_id="tick")
