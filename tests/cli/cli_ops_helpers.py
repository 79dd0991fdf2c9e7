"""Helpers of the operator command tests: the configuration, the environment, the
deployed stack's template, and a handle on the deployment (``Deployed``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.operations.session import Pacing
from mwaa_pause_resume.sandbox.mwaa import DagSpec, MwaaBackend, RunScript
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows

ENV = "dev-env"
BUCKET = "mwaa-backups"
STACK = "mwaa-pause-resume"
# --wait polls every 20 ms instead of every 2 s (the workflows run in moto, fast).
FAST = Pacing(poll_seconds=0.02)
EXPORT_DAG = "mwaa_export_data"
IMPORT_DAG = "mwaa_import_data"

CONFIG = f"""
[deployment]
stack_name = "{STACK}"
region = "us-east-1"

[[environments]]
name = "{ENV}"
source_bucket = "mwaa-dags"
execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec"
pause_schedule = "0 20 ? * MON-FRI *"
resume_schedule = "0 6 ? * MON-FRI *"
timezone = "Europe/Paris"
poll_frequency_seconds = 30
"""


def environment_request(name: str = ENV) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
        "SourceBucketArn": "arn:aws:s3:::mwaa-dags",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
        },
        "AirflowVersion": "2.10.3",
        "EnvironmentClass": "mw1.medium",
        "MinWorkers": 2,
        "MaxWorkers": 6,
        "Schedulers": 3,
        "WebserverAccessMode": "PRIVATE_ONLY",
        "Tags": {"team": "data"},
    }


DEFAULT_RUN = RunScript(polls=2)


def dag_specs(export: RunScript = DEFAULT_RUN, import_: RunScript = DEFAULT_RUN) -> list[DagSpec]:
    return [
        DagSpec(EXPORT_DAG, run=export, tasks=("pause_dags", "drain", "export")),
        DagSpec(IMPORT_DAG, run=import_, tasks=("import_snapshot",)),
        DagSpec("etl_daily", is_paused=False),
    ]


def stack_template(pause_arn: str, resume_arn: str) -> str:
    """The deployed stack's shape as far as the CLI sees it: the backup bucket and the
    outputs ``infra/stack.py`` declares (the state machines come from the harness)."""
    return json.dumps(
        {
            "Resources": {
                "BackupBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}}
            },
            "Outputs": {
                "BackupBucketName": {"Value": {"Ref": "BackupBucket"}},
                "PauseStateMachineArn": {"Value": pause_arn},
                "ResumeStateMachineArn": {"Value": resume_arn},
            },
        }
    )


@dataclass
class Deployed:
    local: LocalWorkflows
    config: Path
    runner: CliRunner
    # The poll interval, the follower's sleep and the ListExecutions page size the
    # commands use (passed as the CLI context's object).
    pacing: Pacing = field(default=FAST)

    def cli(self, *args: str, input: str | None = None) -> Result:
        """Run the CLI; ``input`` is what is typed on stdin (not a terminal)."""
        return self.runner.invoke(
            app, [*args, "--config", str(self.config)], input=input, obj=self.pacing
        )

    @property
    def mwaa(self) -> MwaaBackend:
        return self.local.mwaa

    def s3(self) -> Any:
        return self.local.client("s3")

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.s3().list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for item in answer.get("Contents") or [])

    def put_json(self, key: str, value: Any) -> None:
        self.s3().put_object(Bucket=BUCKET, Key=key, Body=json.dumps(value).encode())


MakeDeployed = Callable[..., "Deployed"]

# Steps of a pause, in the order the workflow runs them (labels of operations.progress).
STEP_ORDER_PAUSE = (
    "Check the environment and take the lock",
    "Save the environment's configuration",
    "Export the Airflow metadata",
    "Verify the snapshot",
    "Mark the snapshot complete",
    "Delete the environment",
    "Release the lock",
)


def assert_exit(result: Result, code: int) -> None:
    """The CLI itself chose ``code``. CliRunner reports an exception it swallowed as exit 1,
    with no traceback in the output: without this, a crash passes for a reported failure."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def positions(text: str, labels: Sequence[str]) -> list[int]:
    """Where each label first appears in ``text`` (AssertionError naming a missing one)."""
    found = []
    for label in labels:
        assert label in text, f"{label!r} not shown"
        found.append(text.index(label))
    return found
