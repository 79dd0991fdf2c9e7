"""Airflow 2 / 3 import differences for the sample DAGs, resolved once."""

from __future__ import annotations

from airflow import __version__ as AIRFLOW_VERSION

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3


if AIRFLOW_3:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.providers.standard.triggers.file import FileTrigger
    from airflow.providers.standard.triggers.temporal import DateTimeTrigger
    from airflow.sdk import DAG, BaseOperator
else:
    from airflow.models import DAG, BaseOperator
    from airflow.operators.bash import BashOperator
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import PythonOperator
    from airflow.triggers.file import FileTrigger
    from airflow.triggers.temporal import DateTimeTrigger

__all__ = [
    "AIRFLOW_3",
    "DAG",
    "BaseOperator",
    "BashOperator",
    "DateTimeTrigger",
    "EmptyOperator",
    "FileTrigger",
    "PythonOperator",
]
