"""Airflow sample DAG: daily without catchup; after a resume only the latest interval runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, EmptyOperator

with DAG(
    dag_id="sample_daily",
    schedule=timedelta(days=1),
    start_date=datetime(2026, 6, 1),
    catchup=False,
    tags=["sample", "scheduled"],
):
    EmptyOperator(task_id="tick")
