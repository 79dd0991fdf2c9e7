"""Airflow sample DAG: successful runs with XComs, a mapped task, a pool, rendered fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mwaa_pause_resume.sandbox.sample_dags.compat import DAG, BashOperator, PythonOperator

# Values that break naive CSV/COPY handling end up in XComs and rendered fields.
AWKWARD = 'comma, "quote", pipe | back\\slash\nnewline \u00e9\u4e2d\U0001f600'


def extract(**context: Any) -> dict[str, Any]:
    return {
        "rows": [1, 2, 3],
        "note": AWKWARD,
        "empty": "",
        "none": None,
        "conf": context["params"].get("batch", "default"),
    }


def transform(value: int) -> int:
    return value * 10


with DAG(
    dag_id="sample_etl",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["sample"],
    params={"batch": "default"},
):
    first = PythonOperator(task_id="extract", python_callable=extract)
    mapped = PythonOperator.partial(task_id="transform", python_callable=transform).expand(
        op_args=[[1], [2], [3]]
    )
    load = BashOperator(
        task_id="load",
        pool="sample_pool",
        bash_command="echo 'batch={{ params.batch }} run={{ run_id }}'",
    )
    first >> mapped >> load
