"""Usage errors of ``sandbox`` end before any setup (exit 2, message + hint)."""

from __future__ import annotations

from typer.testing import CliRunner

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.cli.app import app


def test_unsupported_airflow_version_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--airflow-version", "2.9.2"])
    assert result.exit_code == 2
    assert "does not run Airflow 2.9.2" in result.output
    assert ", ".join(airflow_versions.SUPPORTED) in " ".join(result.output.split())


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    for option in (
        "--airflow-version",
        "--resume-version",
        "--worker-db-access",
        "--dags",
        "--settle",
        "--keep",
        "--json",
    ):
        assert option in result.output


def test_resume_version_older_or_unknown_is_a_usage_error() -> None:
    older = CliRunner().invoke(
        app, ["sandbox", "--airflow-version", "3.0.6", "--resume-version", "2.11.2"]
    )
    assert older.exit_code == 2
    assert "is older than --airflow-version 3.0.6" in " ".join(older.output.split())
    unknown = CliRunner().invoke(app, ["sandbox", "--resume-version", "2.9.2"])
    assert unknown.exit_code == 2
    assert "does not run Airflow 2.9.2" in unknown.output
