"""A user's DAG file that fails to import: the sandbox reports it and goes on."""

from __future__ import annotations

from datetime import datetime

import module_that_does_not_exist  # noqa: F401

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

with DAG(dag_id="user_broken", schedule=None, start_date=datetime(2025, 1, 1)):
    pass
