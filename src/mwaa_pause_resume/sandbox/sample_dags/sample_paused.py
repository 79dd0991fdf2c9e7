"""Airflow sample DAG that the seed leaves paused, to check restored paused states."""

from __future__ import annotations

from datetime import datetime

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, BashOperator

with DAG(
    dag_id="sample_paused",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["sample"],
):
    BashOperator(task_id="noop", bash_command="true")
