"""``plan`` (offline) names the Airflow version a resume creates when airflow_version is
configured, and points to ``status`` for the comparison with the snapshot (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app

CONFIG = """
[defaults]
timezone = "Europe/Paris"
source_bucket = "my-mwaa-bucket"
execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec"
pause_schedule = "0 20 ? * MON-FRI *"
resume_schedule = "0 6 ? * MON-FRI *"

[[environments]]
name = "dev"
airflow_version = "3.0.6"

[[environments]]
name = "test"
"""


def test_plan_names_the_version_the_resume_creates(tmp_path: Path) -> None:
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text(CONFIG, encoding="utf-8")
    runner = CliRunner()

    human = runner.invoke(app, ["plan", "--config", str(path)])
    document = json.loads(runner.invoke(app, ["plan", "--config", str(path), "--json"]).stdout)

    assert human.exit_code == 0, human.output
    assert "resume creates Airflow 3.0.6 (airflow_version)" in human.stdout
    assert "mwaa-pause-resume status dev" in human.stdout
    assert human.stdout.count("resume creates Airflow") == 1  # not for "test"
    versions = [e["resume_airflow_version"] for e in document["environments"]]
    assert versions == ["3.0.6", None]
