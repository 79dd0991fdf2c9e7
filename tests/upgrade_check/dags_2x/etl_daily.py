"""A daily ETL DAG written for Airflow 2 (upgrade-check fixture: findings expected)."""

from datetime import timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python import PythonOperator
from airflow.utils.dates import days_ago


def load(execution_date, **kwargs):
    print(kwargs["next_ds"], execution_date)


with DAG(
    "etl_daily",
    schedule_interval="@daily",
    start_date=days_ago(1),
    concurrency=4,
) as dag:
    extract = BashOperator(task_id="extract", bash_command="extract.sh {{ execution_date }}")
    transform = PythonOperator(
        task_id="load",
        python_callable=load,
        provide_context=True,
        sla=timedelta(hours=1),
    )
    extract >> transform
