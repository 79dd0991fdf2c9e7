"""An emulated Airflow 3.0.6 environment through boto3: /api/v2 rules, real runs."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend
from tests.sandbox.airflow.sandbox_airflow_helpers import (
    assert_the_run_gate_counts_running_runs,
    call,
    create_environment,
    task_states,
    wait_for_run,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

ENV = "af3-env"


def test_airflow3_environment_runs_triggered_dags(
    mwaa: Any, airflow_backend: AirflowBackend
) -> None:
    env = create_environment(mwaa, ENV, "3.0.6")
    assert env["Status"] == "AVAILABLE", env.get("LastUpdate")
    assert airflow_backend.environment(ENV).major == 3
    status, body = call(mwaa, ENV, "GET", "/dags/sample_etl")
    assert (status, body["is_paused"], body["is_stale"]) == (200, True, False)
    # sample_etl's load task takes a slot of sample_pool: the real scheduler never
    # schedules a task of a pool that does not exist.
    pool = {"name": "sample_pool", "slots": 2, "include_deferred": False}
    assert call(mwaa, ENV, "POST", "/pools", pool)[0] in (200, 201)
    call(mwaa, ENV, "PATCH", "/dags/sample_etl", {"is_paused": False})

    # Airflow 3 requires logical_date (null allowed) and rejects unknown keys.
    status, body = call(
        mwaa,
        ENV,
        "POST",
        "/dags/sample_etl/dagRuns",
        {"dag_run_id": "x", "conf": {}, "execution_date": None},
    )
    assert status == 422
    assert {tuple(p["loc"]) for p in body["detail"]} == {
        ("body", "logical_date"),
        ("body", "execution_date"),
    }

    status, run = call(
        mwaa,
        ENV,
        "POST",
        "/dags/sample_etl/dagRuns",
        {"dag_run_id": "etl-3", "conf": {"batch": "v3"}, "logical_date": None},
    )
    assert status == 200, run
    assert (run["dag_run_id"], run["state"], run["triggered_by"]) == ("etl-3", "queued", "rest_api")
    done = wait_for_run(mwaa, ENV, "sample_etl", "etl-3")
    assert (done["state"], done["conf"], done["logical_date"]) == ("success", {"batch": "v3"}, None)
    assert set(task_states(mwaa, ENV, "sample_etl", "etl-3").values()) == {"success"}

    call(mwaa, ENV, "PATCH", "/dags/sample_failure", {"is_paused": False})
    status, _ = call(
        mwaa,
        ENV,
        "POST",
        "/dags/sample_failure/dagRuns",
        {"dag_run_id": "f-3", "logical_date": None},
    )
    assert status == 200
    assert wait_for_run(mwaa, ENV, "sample_failure", "f-3")["state"] == "failed"
    assert task_states(mwaa, ENV, "sample_failure", "f-3") == {
        "broken": "failed",
        "after_broken": "upstream_failed",
    }
    assert_the_run_gate_counts_running_runs(mwaa, ENV)
