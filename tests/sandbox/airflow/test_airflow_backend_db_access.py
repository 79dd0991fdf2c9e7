"""Airflow 3 tasks reach the metadata database only when the sandbox is told to let them
(MWAA 3.x gives its workers no database access): a user's task tries every way in.
(With ``worker_db_access`` the export DAG opens it: tests/e2e, the full-scope 3.x run.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend
from tests.sandbox.airflow.sandbox_airflow_helpers import call, create_environment, wait_for_run

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

PROBE_DAGS = Path(__file__).resolve().parent / "probe_dags"


@pytest.mark.parametrize("worker_db_access", [False])
def test_airflow3_task_opens_the_database_only_with_worker_db_access(
    mwaa: Any, airflow_backend: AirflowBackend, worker_db_access: bool
) -> None:
    airflow_backend.worker_db_access = worker_db_access
    airflow_backend.dag_sources.append(PROBE_DAGS)
    name = f"probe-{worker_db_access}".lower()
    assert create_environment(mwaa, name, airflow_versions.LATEST)["Status"] == "AVAILABLE"
    assert call(mwaa, name, "PATCH", "/dags/db_probe", {"is_paused": False})[0] == 200
    body = {"dag_run_id": "probe-1", "logical_date": None}
    assert call(mwaa, name, "POST", "/dags/db_probe/dagRuns", body)[0] == 200
    run = wait_for_run(mwaa, name, "db_probe", "probe-1")
    logs = airflow_backend.environment(name).task_logs("db_probe", "probe-1")
    if worker_db_access:
        assert run["state"] == "success", logs
        # The task's return value (past InvokeRestApi's 64 characters: the web server's own
        # API, as the Airflow UI reads it).
        path = "dags/db_probe/dagRuns/probe-1/taskInstances/probe/xcomEntries/return_value"
        status, xcom = airflow_backend.environment(name).client().call("GET", path)
        assert status == 200, xcom
        assert "connected through MWAA__DB__* variables" in str(xcom["value"])
    else:
        assert run["state"] == "failed", logs
        assert "no way into the metadata database" in logs
        assert "MWAA__DB__* variables: not set" in logs
        assert "airflow-db-not-allowed" in logs  # Airflow's own block of sql_alchemy_conn
        assert "the product's resolver finds a database: False" in logs
