"""Airflow 2 / 3 import differences for the DAG files, resolved in one place."""

from __future__ import annotations

from airflow import __version__ as AIRFLOW_VERSION

AIRFLOW_MAJOR = int(AIRFLOW_VERSION.split(".")[0])


if AIRFLOW_MAJOR >= 3:
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
else:
    from airflow.models.dag import DAG
    from airflow.operators.python import PythonOperator

__all__ = ["AIRFLOW_MAJOR", "AIRFLOW_VERSION", "DAG", "PythonOperator"]
