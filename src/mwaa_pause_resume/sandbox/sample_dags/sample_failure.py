"""Airflow sample DAG: a failing run (one failed task, one upstream_failed)."""

from __future__ import annotations

from datetime import datetime

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, PythonOperator


def broken() -> None:
    raise ValueError("sample failure, on purpose")


def never() -> None:  # pragma: no cover - upstream fails
    return None


with DAG(
    dag_id="sample_failure",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["sample"],
):
    PythonOperator(task_id="broken", python_callable=broken) >> PythonOperator(
        task_id="after_broken", python_callable=never
    )
