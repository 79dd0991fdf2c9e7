"""Every emulated operation through a real boto3 client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from mwaa_pause_resume.sandbox.mwaa import MwaaBackend, MwaaServer

Request = Callable[..., dict[str, Any]]


def test_create_then_get_returns_the_full_environment(client: Any, make_request: Request) -> None:
    request = make_request(
        Tags={"owner": "data"},
        LoggingConfiguration={"TaskLogs": {"Enabled": True, "LogLevel": "WARNING"}},
        AirflowConfigurationOptions={"core.parallelism": "8"},
    )
    arn = client.create_environment(**request)["Arn"]
    assert arn == "arn:aws:airflow:us-east-1:123456789012:environment/env-a"

    env = client.get_environment(Name="env-a")["Environment"]
    assert env["Status"] == "AVAILABLE"
    assert env["Arn"] == arn
    assert env["Tags"] == {"owner": "data"}
    assert env["AirflowConfigurationOptions"] == {"core.parallelism": "8"}
    assert env["StartupScriptS3Path"] == ""  # what MWAA answers when none is set
    task_logs = env["LoggingConfiguration"]["TaskLogs"]
    assert task_logs["LogLevel"] == "WARNING"
    assert task_logs["CloudWatchLogGroupArn"].endswith(":log-group:airflow-env-a-Task")
    assert "CloudWatchLogGroupArn" not in env["LoggingConfiguration"]["WorkerLogs"]
    assert env["CreatedAt"].year >= 2024  # parsed by botocore as a timestamp
    assert env["LastUpdate"]["Status"] == "SUCCESS"


def test_clients_configured_by_environment_variables_reach_the_emulator(
    server: MwaaServer, make_request: Request, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in server.client_environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("mwaa", region_name="us-east-1")

    client.create_environment(**make_request())
    assert client.list_environments()["Environments"] == ["env-a"]
    # InvokeRestApi has the `env.` host prefix; disabled, it reaches the same server.
    answer = client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags")
    assert answer["RestApiStatusCode"] == 200


def test_list_environments_paginates(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    for index in range(5):
        backend.seed(make_request(f"env-{index}"))
    first = client.list_environments(MaxResults=2)
    assert first["Environments"] == ["env-0", "env-1"]
    pages = client.get_paginator("list_environments").paginate(PaginationConfig={"PageSize": 2})
    names = [name for page in pages for name in page["Environments"]]
    assert names == [f"env-{i}" for i in range(5)]


def test_update_environment_changes_fields(client: Any, make_request: Request) -> None:
    client.create_environment(**make_request(MaxWorkers=5))
    client.update_environment(
        Name="env-a",
        MaxWorkers=7,
        LoggingConfiguration={"SchedulerLogs": {"Enabled": True, "LogLevel": "ERROR"}},
    )
    env = client.get_environment(Name="env-a")["Environment"]
    assert env["MaxWorkers"] == 7
    assert env["LoggingConfiguration"]["SchedulerLogs"]["LogLevel"] == "ERROR"
    assert env["Status"] == "AVAILABLE"


def test_delete_environment_then_not_found(client: Any, make_request: Request) -> None:
    client.create_environment(**make_request())
    client.delete_environment(Name="env-a")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_environment(Name="env-a")
    assert client.list_environments()["Environments"] == []


def test_tags_can_be_added_listed_and_removed(client: Any, make_request: Request) -> None:
    arn = client.create_environment(**make_request(Tags={"a": "1"}))["Arn"]
    client.tag_resource(ResourceArn=arn, Tags={"b": "2"})
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2"}
    client.untag_resource(ResourceArn=arn, tagKeys=["a"])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}
    assert client.get_environment(Name="env-a")["Environment"]["Tags"] == {"b": "2"}


def test_calls_are_recorded_for_assertions(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    client.create_environment(**make_request())
    client.get_environment(Name="env-a")
    client.get_environment(Name="env-a")
    assert backend.count("GetEnvironment") == 2
    operation, params = backend.calls[0]
    assert operation == "CreateEnvironment"
    assert params["Name"] == "env-a"
