"""Calls the tests make through the emulator, as the workflows make them."""

from __future__ import annotations

import time
from typing import Any

FINISHED = ("success", "failed")
RUN_DEADLINE_SECONDS = 600.0  # a safety net against a hung run, not a performance bound


def create_request(name: str, version: str) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
        "SourceBucketArn": "arn:aws:s3:::mwaa-bucket",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-0a", "subnet-0b"],
            "SecurityGroupIds": ["sg-0a"],
        },
        "AirflowVersion": version,
    }


def create_environment(client: Any, name: str, version: str) -> dict[str, Any]:
    """CreateEnvironment, then GetEnvironment until it leaves CREATING."""
    client.create_environment(**create_request(name, version))
    while True:
        env: dict[str, Any] = client.get_environment(Name=name)["Environment"]
        if env["Status"] != "CREATING":
            return env
        time.sleep(0.2)


def call(client: Any, name: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(Airflow status, Airflow body), whether MWAA answered success or RestApi*Exception."""
    kwargs: dict[str, Any] = {"Name": name, "Method": method, "Path": path}
    if body is not None:
        kwargs["Body"] = body
    try:
        answer = client.invoke_rest_api(**kwargs)
    except (
        client.exceptions.RestApiClientException,
        client.exceptions.RestApiServerException,
    ) as error:
        answer = error.response
    return answer["RestApiStatusCode"], answer["RestApiResponse"]


def wait_for_run(client: Any, name: str, dag_id: str, run_id: str) -> dict[str, Any]:
    """Poll the run like the workflows do until it finishes."""
    deadline = time.monotonic() + RUN_DEADLINE_SECONDS
    while True:
        status, run = call(client, name, "GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        if status in (502, 503, 504):  # a busy API server: the workflows poll again too
            assert time.monotonic() < deadline, f"{dag_id}/{run_id}: {run}"
            time.sleep(1)
            continue
        assert status == 200, run
        if run["state"] in FINISHED:
            return dict(run)
        assert time.monotonic() < deadline, f"{dag_id}/{run_id} still {run['state']}"
        time.sleep(1)


def task_states(client: Any, name: str, dag_id: str, run_id: str) -> dict[str, str]:
    status, body = call(client, name, "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    assert status == 200, body
    return {
        f"{ti['task_id']}[{ti['map_index']}]" if ti["map_index"] >= 0 else ti["task_id"]: ti[
            "state"
        ]
        for ti in body["task_instances"]
    }


def assert_the_run_gate_counts_running_runs(client: Any, name: str) -> None:
    """The run gate's busy check (``GET /dags/~/dagRuns?state=running``) on real Airflow,
    after every run ended: the state filter is honoured (finished runs are listed under
    their state, none as running)."""
    from mwaa_pause_resume.functions import aws, busy_check

    aws.reset_clients()  # the handlers' cached clients: this test's emulator endpoint
    finished = client.invoke_rest_api(
        Name=name,
        Method="GET",
        Path="/dags/~/dagRuns",
        QueryParameters={"state": "success", "limit": 1},
    )["RestApiResponse"]
    assert finished["total_entries"] >= 1 and len(finished["dag_runs"]) == 1
    assert busy_check.running_runs(name) == 0
