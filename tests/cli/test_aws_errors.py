"""AWS errors end in one line saying what went wrong and a hint, never a traceback:
the mapping itself (real botocore exceptions), then the CLI against real failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    SSOTokenLoadError,
)
from typer.testing import CliRunner, Result

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.errors import OperationFailed, UserError
from mwaa_pause_resume.operations.aws_errors import explain
from tests.cli.cli_ops_helpers import CONFIG, ENV, MakeDeployed


def client_error(code: str, message: str = "nope", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "GetEnvironment",
    )


@pytest.mark.parametrize(
    ("exc", "says", "hint"),
    [
        (NoCredentialsError(), "no AWS credentials found", "aws configure"),
        (ProfileNotFound(profile="ghost"), "ghost", "list-profiles"),
        (SSOTokenLoadError(error_msg="expired"), "SSO session has expired", "aws sso login"),
        (NoRegionError(), "no AWS region is set", "--region"),
        (EndpointConnectionError(endpoint_url="https://x"), "unreachable", "network"),
        (
            client_error("AccessDeniedException", "not authorized", 403),
            "access denied",
            "--profile",
        ),
        (client_error("ExpiredTokenException"), "credentials have expired", "refresh"),
        (client_error("UnrecognizedClientException"), "does not accept", "clock"),
        (client_error("ThrottlingException", "Rate exceeded"), "throttling", "wait"),
        (client_error("ResourceNotFoundException"), "not found in eu-west-1", "region"),
    ],
)
def test_mapping(exc: Exception, says: str, hint: str) -> None:
    mapped = explain(exc, "read environment dev", region="eu-west-1")

    assert isinstance(mapped, UserError)
    assert mapped.message.startswith("Cannot read environment dev: ")
    assert says in mapped.message
    assert "\n" not in mapped.message
    assert mapped.hint and hint in mapped.hint


def test_server_errors_are_failures_and_long_messages_are_cut() -> None:
    mapped = explain(client_error("InternalServerException", "x" * 5000, 500), "list")

    assert isinstance(mapped, OperationFailed)
    assert len(mapped.message) < 400


def test_other_exceptions_are_not_mapped() -> None:
    assert explain(ValueError("bug"), "list") is None


def assert_one_line_with_hint(result: Result, says: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("Error: ") and says in lines[0]
    assert lines[1].startswith("Hint: ")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text(CONFIG)
    return path


def test_no_credentials(config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    result = CliRunner().invoke(app, ["status", "--config", str(config)])

    assert_one_line_with_hint(result, "no AWS credentials found")


def test_unknown_profile(config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    result = CliRunner().invoke(app, ["pause", ENV, "--profile", "ghost", "--config", str(config)])

    assert_one_line_with_hint(result, "ghost")


def test_endpoint_unreachable(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    result = CliRunner().invoke(app, ["snapshots", "list", ENV, "--config", str(config)])

    assert_one_line_with_hint(result, "endpoint is unreachable")


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("AccessDeniedException", "access denied (AccessDeniedException: User bob is not"),
        ("ExpiredTokenException", "the AWS credentials have expired"),
        ("ThrottlingException", "AWS is throttling the requests"),
    ],
)
def test_mwaa_refuses(
    make_deployed: MakeDeployed, monkeypatch: pytest.MonkeyPatch, code: str, says: str
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore would retry a throttled call
    deployed = make_deployed()
    deployed.mwaa.faults.fail_next(
        "GetEnvironment", code, "User bob is not authorized to perform airflow:GetEnvironment"
    )

    result = deployed.cli("status", ENV)

    assert_one_line_with_hint(result, f"Cannot read MWAA environment {ENV}: {says}")
