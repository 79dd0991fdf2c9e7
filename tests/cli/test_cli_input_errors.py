"""Mistyped input is reported as such, before any AWS call: with no credentials at all,
the message names the typo (not the missing credentials) and the exit code is 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from mwaa_pause_resume.cli.app import app
from tests.cli.cli_ops_helpers import CONFIG, ENV

AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
)  # fmt: skip


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere, and a configuration in the working directory."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    (tmp_path / "mwaa-pause-resume.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def assert_user_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for needle in needles:
        assert needle in result.stderr
    assert "Traceback" not in result.output
    assert "credentials" not in result.stderr  # the typo is named, not a later symptom


@pytest.mark.parametrize(
    "command",
    [
        ["pause", "dev-en"],
        ["resume", "dev-en"],
        ["status", "dev-en", "--json"],
        ["snapshots", "list", "dev-en"],
        ["snapshots", "prune", "dev-en", "--keep", "2"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_unknown_environment_suggests_the_close_name(command: list[str]) -> None:
    result = run(*command)

    assert_user_error(result, "environment 'dev-en' is not in", f"did you mean '{ENV}'?")


def test_unknown_environment_without_a_close_name_lists_them() -> None:
    result = run("pause", "production")

    assert_user_error(result, f"(configured: {ENV})", "add an [[environments]] entry")
    assert "did you mean" not in result.stderr


@pytest.mark.parametrize("command", [["status"], ["pause", ENV], ["snapshots", "list", ENV]])
def test_mistyped_region_is_named(command: list[str]) -> None:
    result = run(*command, "--region", "us-east1")

    assert_user_error(result, "--region: 'us-east1' is not an AWS region", "us-east-1")


@pytest.mark.parametrize(
    "command",
    [["resume", ENV, "--snapshot", "../other/x"], ["snapshots", "show", ENV, "latest"]],
    ids=["resume --snapshot", "snapshots show"],
)
def test_malformed_snapshot_id_is_named(command: list[str]) -> None:
    result = run(*command)

    assert_user_error(result, "is not a snapshot id", f"snapshots list {ENV}")


def test_init_rejects_a_name_mwaa_would_refuse() -> None:
    result = run("init", "--from-environment", "my env!")

    assert_user_error(result, "--from-environment: 'my env!' is not a valid MWAA environment name")


def test_missing_credentials_are_one_line_and_a_hint() -> None:
    result = run("status", "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no AWS credentials found" in result.stderr
    assert "Hint:" in result.stderr
    assert "Traceback" not in result.output


COMMANDS_WITH_EXAMPLES = [
    ["plan"], ["validate"], ["init"], ["pause"], ["resume"], ["status"],
    ["snapshots", "list"], ["snapshots", "show"], ["snapshots", "prune"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS_WITH_EXAMPLES, ids=" ".join)
def test_help_shows_runnable_examples(command: list[str]) -> None:
    result = run(*command, "--help")

    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    examples = [
        line.strip() for line in result.stdout.splitlines() if line.strip().startswith("$ ")
    ]
    written = [line.strip() for line in _help_text(command).splitlines()]
    assert len(examples) >= 2
    for example in examples:  # for this command, and shown whole (not wrapped)
        assert example.startswith(f"$ mwaa-pause-resume {' '.join(command)}")
        assert example in written


def _help_text(command: list[str]) -> str:
    import typer

    found: Any = typer.main.get_command(app)
    for name in command:
        found = found.commands[name]
    help_text: str = found.help
    return help_text


def test_init_refuses_a_file_that_is_not_utf8_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[deployment]\nstack_name = "caf\xe9"\n'.encode("latin-1"))

    result = run("init", "--from-environment", ENV, "--config", str(path))

    assert_user_error(result, "is not UTF-8 text", "save it with UTF-8 encoding")
    assert path.read_bytes().endswith(b'"caf\xe9"\n')  # untouched


def test_init_into_a_missing_folder_is_refused_before_aws(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "mwaa-pause-resume.toml"

    result = run("init", "--from-environment", ENV, "--config", str(path))

    assert_user_error(result, "the folder", "does not exist", "create the folder first")
