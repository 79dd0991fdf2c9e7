"""The daily ETL DAG fixed for Airflow 3 (upgrade-check fixture: nothing to find)."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def load(logical_date, **kwargs):
    print(kwargs["data_interval_end"], logical_date)


with DAG(
    "etl_daily",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    max_active_tasks=4,
    dagrun_timeout=timedelta(hours=1),
) as dag:
    extract = BashOperator(
        task_id="extract",
        bash_command="extract.sh {{ logical_date }} {{ dag_run.conf.get('day', ds) }}",
    )
    transform = PythonOperator(task_id="load", python_callable=load)
    extract >> transform
