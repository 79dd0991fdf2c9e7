"""Airflow DAG ``mwaa_export_data``: snapshot this environment's metadata before a pause.

pause_dags -> drain -> export; restore_paused_states runs only if a step failed
(puts every DAG's paused state back, then fails the run). On success the DAGs
stay paused: the environment is about to be deleted. Conf and result note:
docs/dags.md. Triggered by the pause workflow through the REST API.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mwaa_pause_resume.dags import tasks
from mwaa_pause_resume.dags.airflow_compat import DAG, PythonOperator
from mwaa_pause_resume.shared.dag_contract import EXPORT_DAG_ID

with DAG(
    dag_id=EXPORT_DAG_ID,
    description="mwaa-pause-resume: pause DAGs, drain, export the metadata snapshot",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    default_args={"retries": 0},
    tags=["mwaa-pause-resume"],
):
    pause = PythonOperator(task_id=tasks.PAUSE_TASK, python_callable=tasks.pause_dags)
    drain = PythonOperator(task_id=tasks.DRAIN_TASK, python_callable=tasks.drain)
    export = PythonOperator(task_id=tasks.EXPORT_TASK, python_callable=tasks.export)
    cleanup = PythonOperator(
        task_id=tasks.RESTORE_PAUSED_TASK,
        python_callable=tasks.restore_paused,
        trigger_rule="one_failed",
    )
    pause >> drain >> export
    [pause, drain, export] >> cleanup
