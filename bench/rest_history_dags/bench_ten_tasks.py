"""Benchmark DAG: ten chained tasks (bench/rest_history_restore.py restores its history)."""

from __future__ import annotations

from datetime import datetime

try:
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:  # Airflow 2
    from airflow.operators.empty import EmptyOperator  # type: ignore[no-redef]

from airflow import DAG

with DAG(dag_id="bench_ten", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    previous = None
    for number in range(10):
        task = EmptyOperator(task_id=f"t{number}")
        if previous is not None:
            previous >> task
        previous = task
