"""An emulated Airflow 2.10.3 environment end to end through boto3: a real metadata
database, Airflow's own webserver, scheduler, DAG processor and triggerer, triggered
runs executed by the scheduler's executor, InvokeRestApi within MWAA's limits."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from botocore.exceptions import ClientError

from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend
from mwaa_pause_resume.sandbox.history import SAMPLE_DAG_IDS
from tests.sandbox.airflow.sandbox_airflow_helpers import (
    assert_the_run_gate_counts_running_runs,
    call,
    create_environment,
    task_states,
    wait_for_run,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

ENV = "af2-env"


def test_airflow2_environment_lifecycle(mwaa: Any, airflow_backend: AirflowBackend) -> None:
    env = create_environment(mwaa, ENV, "2.10.3")
    assert env["Status"] == "AVAILABLE", env.get("LastUpdate")
    facts = airflow_backend.environment(ENV)
    assert (facts.version, facts.major) == ("2.10.3", 2)
    assert (facts.dags_folder / "mwaa_export_data.py").exists()

    # Parsed into the database, every DAG paused at creation like MWAA.
    status, body = call(mwaa, ENV, "GET", "/dags")
    assert status == 200
    paused = {d["dag_id"]: d["is_paused"] for d in body["dags"]}
    expected = {*SAMPLE_DAG_IDS, "mwaa_export_data", "mwaa_import_data"}
    assert paused == dict.fromkeys(expected, True)
    assert call(mwaa, ENV, "GET", "/dags/no_such_dag")[0] == 404

    # sample_etl's load task takes a slot of sample_pool: the real scheduler never
    # schedules a task of a pool that does not exist.
    assert call(mwaa, ENV, "POST", "/pools", {"name": "sample_pool", "slots": 2})[0] == 200
    # A run of a paused DAG is accepted and queued; it runs once the DAG is unpaused.
    status, run = call(
        mwaa,
        ENV,
        "POST",
        "/dags/sample_etl/dagRuns",
        {"dag_run_id": "etl-1", "conf": {"batch": "b-42"}},
    )
    assert status == 200, run
    assert (run["dag_run_id"], run["state"], run["conf"]) == ("etl-1", "queued", {"batch": "b-42"})
    status, dag = call(mwaa, ENV, "PATCH", "/dags/sample_etl", {"is_paused": False})
    assert (status, dag["is_paused"]) == (200, False)
    done = wait_for_run(mwaa, ENV, "sample_etl", "etl-1")
    assert (done["state"], done["conf"]) == ("success", {"batch": "b-42"})
    assert done["start_date"] and done["end_date"]
    assert task_states(mwaa, ENV, "sample_etl", "etl-1") == {
        "extract": "success",
        "transform[0]": "success",
        "transform[1]": "success",
        "transform[2]": "success",
        "load": "success",
    }
    # The rendered command ran: its last line is the task's XCom (the web server's own
    # API, past InvokeRestApi's 64 characters, as the Airflow UI reads it).
    xcom_path = "dags/sample_etl/dagRuns/etl-1/taskInstances/load/xcomEntries/return_value"
    status, xcom = facts.client().call("GET", xcom_path)
    assert (status, xcom["value"]) == (200, "batch=b-42 run=etl-1"), xcom
    # A retried trigger with the same run id.
    assert call(mwaa, ENV, "POST", "/dags/sample_etl/dagRuns", {"dag_run_id": "etl-1"})[0] == 409

    # A failing DAG: the run fails, the failed task is named.
    call(mwaa, ENV, "PATCH", "/dags/sample_failure", {"is_paused": False})
    status, _ = call(mwaa, ENV, "POST", "/dags/sample_failure/dagRuns", {"dag_run_id": "f-1"})
    assert status == 200
    assert wait_for_run(mwaa, ENV, "sample_failure", "f-1")["state"] == "failed"
    assert task_states(mwaa, ENV, "sample_failure", "f-1") == {
        "broken": "failed",
        "after_broken": "upstream_failed",
    }

    # InvokeRestApi's path is 1 to 64 characters: a longer one never reaches Airflow.
    long_path = "/dags/sample_etl/dagRuns/" + "r" * 40
    assert len(long_path) == 65
    with pytest.raises(ClientError) as refused:
        mwaa.invoke_rest_api(Name=ENV, Method="GET", Path=long_path)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "64" in refused.value.response["Error"]["Message"]
    assert call(mwaa, ENV, "GET", long_path[:64])[0] == 404  # Airflow's own answer
    assert_the_run_gate_counts_running_runs(mwaa, ENV)

    # Deleting the environment stops every process, frees its port, drops its database
    # and removes its home.
    processes = facts.processes
    assert processes is not None
    pids = [p.pid for p in processes.processes.values()]
    assert processes.rss_bytes() > 0
    mwaa.delete_environment(Name=ENV)
    assert mwaa.list_environments()["Environments"] == []
    conn = psycopg2.connect(airflow_backend.server.url())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (facts.db_name,))
            assert cur.fetchone() == (0,)
    finally:
        conn.close()
    assert not facts.home.exists()
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert processes.rss_bytes() == 0  # nothing left of the components' sessions
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", facts.port)) != 0
