"""Reports built from a SubDAG, a contrib operator and a Dataset (fixture)."""

import pendulum
from airflow import DAG
from airflow.contrib.operators.ssh_operator import SSHOperator
from airflow.datasets import Dataset
from airflow.operators.subdag import SubDagOperator

START = pendulum.datetime(2026, 1, 1, tz="UTC")
REPORT = Dataset("s3://reports/daily.csv")


def section(parent: str) -> DAG:
    with DAG(f"{parent}.section", schedule=None, start_date=START) as sub:
        SSHOperator(task_id="render", ssh_conn_id="reports", command="render {{ ds }}")
    return sub


with DAG("reports", schedule=[REPORT], start_date=START) as dag:
    SubDagOperator(task_id="section", subdag=section("reports"))
