"""Reports fixed for Airflow 3: a TaskGroup, the SSH provider, an Asset (fixture)."""

import pendulum
from airflow.providers.ssh.operators.ssh import SSHOperator
from airflow.sdk import DAG, Asset, TaskGroup

START = pendulum.datetime(2026, 1, 1, tz="UTC")
REPORT = Asset("s3://reports/daily.csv")

with DAG("reports", schedule=[REPORT], start_date=START) as dag, TaskGroup("section"):
    SSHOperator(task_id="render", ssh_conn_id="reports", command="render {{ ds }}")
