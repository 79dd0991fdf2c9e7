"""The deployed workflows as the CLI finds them, and the input it starts them with (pure).

The CLI finds the state machines and the backup bucket in the outputs of the
deployment's CloudFormation stack (``[deployment] stack_name``): the names are
the CDK app's ``CfnOutput`` ids (``infra/stack.py``). Outputs rather than a naming
convention because the CDK app lets CloudFormation name the state machines and
the bucket; the stack name is the one name the user chose.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.names import OUTPUT_BUCKET, OUTPUT_KEY, OUTPUT_PAUSE, OUTPUT_RESUME
from mwaa_pause_resume.infra.schedule_input import execution_input
from mwaa_pause_resume.parsing import loads_json

Action = Literal["pause", "resume"]
ACTIONS: tuple[Action, ...] = ("pause", "resume")

REQUIRED_OUTPUTS = (OUTPUT_BUCKET, OUTPUT_PAUSE, OUTPUT_RESUME)
# Step Functions execution names: 1-80 characters.
MAX_EXECUTION_NAME = 80


@dataclass(frozen=True)
class Deployment:
    """What the CLI needs from the deployed stack."""

    stack_name: str
    bucket: str
    pause_arn: str
    resume_arn: str
    kms_key_arn: str | None = None

    def state_machine(self, action: Action) -> str:
        return self.pause_arn if action == "pause" else self.resume_arn


def from_outputs(stack_name: str, outputs: Iterable[Mapping[str, Any]]) -> Deployment:
    """A :class:`Deployment` from DescribeStacks' ``Outputs``; UserError if some are missing."""
    values = {str(o.get("OutputKey")): str(o.get("OutputValue")) for o in outputs}
    missing = [key for key in REQUIRED_OUTPUTS if not values.get(key)]
    if missing:
        raise UserError(
            f"Stack {stack_name} has no output {', '.join(missing)}: it was not deployed by "
            "this version of mwaa-pause-resume, or its deployment did not finish.",
            hint="run `mwaa-pause-resume deploy`, or fix [deployment] stack_name",
        )
    return Deployment(
        stack_name=stack_name,
        bucket=values[OUTPUT_BUCKET],
        pause_arn=values[OUTPUT_PAUSE],
        resume_arn=values[OUTPUT_RESUME],
        kms_key_arn=values.get(OUTPUT_KEY) or None,
    )


def start_input(
    env: EnvironmentConfig,
    action: Action,
    deployment: Deployment,
    snapshot_id: str | None = None,
) -> dict[str, Any]:
    """The input the schedules send (``infra.schedule_input``), plus the chosen snapshot."""
    payload = execution_input(env, action, deployment.bucket, deployment.kms_key_arn)
    if snapshot_id is not None:
        payload["snapshot_id"] = snapshot_id
    return payload


def execution_name(env_name: str, action: Action, now: datetime, tag: str | None = None) -> str:
    """``cli-pause-dev-20261125T170200Z-1a2b``: says who started it and when.

    The random tag keeps two starts within one second apart: Step Functions refuses a
    name it has seen in the last 90 days (ExecutionAlreadyExists), and a retry right
    after a quick failure is exactly when that happens.
    """
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    tail = f"-{stamp}-{tag if tag is not None else secrets.token_hex(2)}"
    head = f"cli-{action}-"
    return f"{head}{env_name[: MAX_EXECUTION_NAME - len(head) - len(tail)]}{tail}"


def input_environment(raw_input: str | None) -> str | None:
    """The environment an execution is for, from its input JSON (None if unreadable)."""
    try:
        value = loads_json(raw_input or "")
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("environment"), str):
        return str(value["environment"])
    return None


def input_snapshot(raw_input: str | None) -> str | None:
    """The snapshot a resume execution was asked for (None: the latest)."""
    try:
        value = loads_json(raw_input or "")
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("snapshot_id"), str):
        return str(value["snapshot_id"])
    return None
