"""Errors as AWS sends them, parsed by botocore into the modelled exception classes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.mwaa import MwaaServer

Request = Callable[..., dict[str, Any]]


def raw_call(
    server: MwaaServer, method: str, path: str, body: bytes
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A request no validating SDK would send, as a hand-written caller might."""
    request = urllib.request.Request(
        server.endpoint_url + path,
        data=body,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_not_found_is_resource_not_found_with_404(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.get_environment(Name="missing")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "missing" in caught.value.response["Error"]["Message"]


def test_delete_of_missing_environment_is_not_found(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_environment(Name="missing")


def test_reserved_aws_tag_is_a_validation_error(client: Any, make_request: Request) -> None:
    request = make_request(Tags={"aws:cloudformation:stack-name": "stack", "owner": "me"})
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_environment(**request)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "aws:cloudformation:stack-name" in caught.value.response["Error"]["Message"]
    assert client.list_environments()["Environments"] == []


def test_existing_name_is_a_validation_error(client: Any, make_request: Request) -> None:
    client.create_environment(**make_request())
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_environment(**make_request())
    assert "already exists" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"ExecutionRoleArn": "not-a-role"}, "regular expression pattern"),
        ({"WebserverAccessMode": "OPEN"}, "enum value set"),
        ({"Schedulers": 9}, "less than or equal to 5"),
        ({"AirflowVersion": "1.10.12"}, "not supported"),
        ({"EnvironmentClass": "mw2.huge"}, "environment class"),
        ({"MinWorkers": 5, "MaxWorkers": 2}, "MinWorkers"),
        ({"Name": "9starts-with-digit"}, "regular expression pattern"),
    ],
)
def test_server_side_validation_refuses_what_the_sdk_lets_through(
    client: Any, make_request: Request, override: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_environment(**make_request(**override))
    assert fragment in caught.value.response["Error"]["Message"]


def test_sensitive_values_are_not_echoed(client: Any, make_request: Request) -> None:
    request = make_request(AirflowConfigurationOptions={"core.key": "secret\u00e9"})
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.create_environment(**request)
    message = caught.value.response["Error"]["Message"]
    assert "secret" not in message
    assert "***" in message


def test_wire_format_of_an_error(server: MwaaServer) -> None:
    status, headers, body = raw_call(server, "GET", "/environments/missing", b"")
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert body == {"message": "Environment missing not found"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"ExecutionRoleArn": "arn:aws:iam::123456789012:role/r"}', "ValidationException"),
        (b"{not json", "SerializationException"),
    ],
)
def test_malformed_or_incomplete_body_is_refused(
    server: MwaaServer, body: bytes, code: str
) -> None:
    status, headers, _ = raw_call(server, "PUT", "/environments/env-x", body)
    assert status == 400
    assert headers["x-amzn-ErrorType"] == code


def test_unknown_body_member_is_refused(server: MwaaServer, make_request: Request) -> None:
    request = make_request()
    del request["Name"]
    request["Arn"] = "arn:aws:airflow:us-east-1:123456789012:environment/env-x"
    status, headers, body = raw_call(
        server, "PUT", "/environments/env-x", json.dumps(request).encode()
    )
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    assert "Arn" in body["message"]


def test_unknown_route_is_404(server: MwaaServer) -> None:
    status, headers, _ = raw_call(server, "GET", "/nothing/here", b"")
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_invoke_rest_api_on_missing_environment_is_not_found(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke_rest_api(Name="missing", Method="GET", Path="/dags")


def test_invoke_rest_api_path_over_64_chars_is_refused(client: Any, make_request: Request) -> None:
    client.create_environment(**make_request())
    with pytest.raises(client.exceptions.ValidationException) as caught:
        client.invoke_rest_api(Name="env-a", Method="GET", Path="/dags/" + "d" * 60)
    assert "64" in caught.value.response["Error"]["Message"]
