"""A user's own DAG for ``sandbox --dags``: plain Airflow imports, as users write them."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator

with DAG(dag_id="user_report", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    BashOperator(task_id="build_report", bash_command="echo report for {{ run_id }}")
