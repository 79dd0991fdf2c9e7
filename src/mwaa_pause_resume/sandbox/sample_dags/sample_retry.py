"""Airflow sample DAG: a task that fails on its first try and succeeds on the retry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, PythonOperator


def flaky(**context: Any) -> str:
    if context["ti"].try_number < 2:
        raise RuntimeError("first try fails on purpose")
    return "succeeded on retry"


with DAG(
    dag_id="sample_retry",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["sample"],
):
    PythonOperator(
        task_id="flaky", python_callable=flaky, retries=2, retry_delay=timedelta(seconds=0)
    )
