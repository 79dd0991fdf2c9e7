"""Airflow DAG ``mwaa_import_data``: restore a metadata snapshot after a resume.

One task: the engine restores the snapshot into this environment's database in
one transaction (a failure changes nothing) and the run's note carries the
result. Conf and result note: docs/dags.md. Triggered by the resume workflow.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mwaa_pause_resume.dags import tasks
from mwaa_pause_resume.dags.airflow_compat import DAG, PythonOperator
from mwaa_pause_resume.shared.dag_contract import IMPORT_DAG_ID

with DAG(
    dag_id=IMPORT_DAG_ID,
    description="mwaa-pause-resume: restore the metadata snapshot into this environment",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    default_args={"retries": 0},
    tags=["mwaa-pause-resume"],
):
    PythonOperator(task_id=tasks.IMPORT_TASK, python_callable=tasks.import_snapshot)
