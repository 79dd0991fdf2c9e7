"""Fault injection: failed creations, throttling, AWS errors, failing Airflow calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.mwaa import InMemoryAirflowBackend, MwaaBackend, MwaaServer

Request = Callable[..., dict[str, Any]]


def test_next_create_fails_with_mwaa_error(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.faults.fail_next_create("INCORRECT_CONFIGURATION", "subnets have no NAT route")
    client.create_environment(**make_request("env-a"))
    client.create_environment(**make_request("env-b"))

    failed = client.get_environment(Name="env-a")["Environment"]
    assert failed["Status"] == "CREATE_FAILED"
    assert failed["LastUpdate"]["Status"] == "FAILED"
    assert failed["LastUpdate"]["Error"] == {
        "ErrorCode": "INCORRECT_CONFIGURATION",
        "ErrorMessage": "subnets have no NAT route",
    }
    assert client.get_environment(Name="env-b")["Environment"]["Status"] == "AVAILABLE"
    client.delete_environment(Name="env-a")  # a failed environment can be deleted
    assert client.list_environments()["Environments"] == ["env-b"]


def test_backend_failure_makes_create_fail(
    client: Any,
    make_request: Request,
    airflow: InMemoryAirflowBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(name: str, request: Mapping[str, Any]) -> None:
        raise RuntimeError("airflow db migrate failed")

    monkeypatch.setattr(airflow, "on_create", broken)
    client.create_environment(**make_request())
    env = client.get_environment(Name="env-a")["Environment"]
    assert env["Status"] == "CREATE_FAILED"
    assert env["LastUpdate"]["Error"]["ErrorMessage"] == "airflow db migrate failed"


def test_throttled_calls_raise_throttling_then_succeed(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.faults.throttle("GetEnvironment", times=2)
    for _ in range(2):
        with pytest.raises(client.exceptions.ClientError) as caught:
            client.get_environment(Name="env-a")
        assert caught.value.response["Error"]["Code"] == "ThrottlingException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert client.get_environment(Name="env-a")["Environment"]["Status"] == "AVAILABLE"
    assert client.list_environments()["Environments"] == ["env-a"]  # other operations unaffected


def test_botocore_retries_the_throttling_error(
    server: MwaaServer, backend: MwaaBackend, make_request: Request
) -> None:
    """The error is recognised as throttling by botocore's retry handler (it retries)."""
    backend.seed(make_request())
    backend.faults.throttle("GetEnvironment", times=1)
    client = server.client(retries={"mode": "standard", "total_max_attempts": 2})
    response = client.get_environment(Name="env-a")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert backend.count("GetEnvironment") == 2


def test_injected_aws_error_uses_the_model_status(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.faults.fail_next("DeleteEnvironment", "InternalServerException", "boom")
    with pytest.raises(client.exceptions.InternalServerException) as caught:
        client.delete_environment(Name="env-a")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    client.delete_environment(Name="env-a")


def test_failing_rest_call_is_a_server_exception_with_airflow_status(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.faults.fail_next_invoke(
        503, {"detail": "scheduler down"}, method="POST", path_prefix="/dags/export_dag/dagRuns"
    )
    client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags/export_dag")  # not matched
    with pytest.raises(client.exceptions.RestApiServerException) as caught:
        client.invoke_rest_api(
            Name="env-a", Method="POST", Path="/dags/export_dag/dagRuns", Body={"conf": {}}
        )
    assert caught.value.response["RestApiStatusCode"] == 503
    assert caught.value.response["RestApiResponse"] == {"detail": "scheduler down"}
    answer = client.invoke_rest_api(
        Name="env-a", Method="POST", Path="/dags/export_dag/dagRuns", Body={"conf": {}}
    )
    assert answer["RestApiStatusCode"] == 200


def test_failing_rest_call_with_client_status(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.faults.fail_next_invoke(403, {"detail": "forbidden"}, times=2)
    for _ in range(2):
        with pytest.raises(client.exceptions.RestApiClientException) as caught:
            client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags")
        assert caught.value.response["RestApiStatusCode"] == 403
    assert (
        client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags")["RestApiStatusCode"] == 200
    )


def test_clear_disarms_every_fault(
    client: Any, backend: MwaaBackend, make_request: Request
) -> None:
    backend.seed(make_request())
    backend.faults.throttle("GetEnvironment")
    backend.faults.fail_next_invoke(500)
    backend.faults.clear()
    client.get_environment(Name="env-a")
    client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags")
