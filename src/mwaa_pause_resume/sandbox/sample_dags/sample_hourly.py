"""Airflow sample DAG: hourly with catchup from months back (the scheduler's position).

The sandbox lets the scheduler make some of its runs before the pause; after the
resume it reports the logical dates the scheduler creates next: right after the
last restored run when history came back, from ``start_date`` again when it did
not (a backfill flood). EmptyOperator tasks are never sent to the executor, so the
catch-up costs the scheduler only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, EmptyOperator

with DAG(
    dag_id="sample_hourly_catchup",
    schedule=timedelta(hours=1),
    start_date=datetime(2026, 6, 1),
    catchup=True,
    max_active_runs=4,
    tags=["sample", "scheduled"],
):
    EmptyOperator(task_id="tick")
