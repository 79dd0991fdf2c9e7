"""``sandbox --override keep-awake|stay-paused``: an override shown on real Airflow.

keep-awake: create the environment, set the override, fire the pause as its schedule
would: the run is skipped and the environment stays AVAILABLE, untouched. stay-paused:
create, pause on demand (the real export), set the override, fire the resume as its
schedule would: skipped, and the environment stays absent. The skip happens in the run
gate, before any Airflow work; no history is made and nothing is compared.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mwaa_pause_resume.functions.overrides import Kind, Override, parameter_name
from mwaa_pause_resume.sandbox.parts import (
    ENVIRONMENT,
    create_environment,
    run_workflow,
    sandbox_parts,
)
from mwaa_pause_resume.sandbox.result import QuietReporter, Reporter, SandboxOptions

SKIPPED_WORKFLOW: dict[str, str] = {"keep-awake": "pause", "stay-paused": "resume"}
EXPECTED_STATE = {"keep-awake": "AVAILABLE", "stay-paused": "NOT_FOUND"}


@dataclass
class OverrideScenario:
    kind: str
    airflow_version: str
    steps: dict[str, Any] = field(default_factory=dict)
    override: dict[str, Any] | None = None
    outcome: str | None = None
    reason: str | None = None
    environment_state: str | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.outcome == "skipped"
            and self.environment_state == EXPECTED_STATE[self.kind]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.kind,
            "airflow_version": self.airflow_version,
            "passed": self.passed,
            "skipped_workflow": SKIPPED_WORKFLOW[self.kind],
            "outcome": self.outcome,
            "reason": self.reason,
            "environment_state": self.environment_state,
            "expected_state": EXPECTED_STATE[self.kind],
            "override": self.override,
            "steps": self.steps,
            "error": self.error,
            "seconds": round(self.seconds, 1),
        }


def _state(parts: Any) -> str:
    try:
        return str(parts.mwaa.get_environment(Name=ENVIRONMENT)["Environment"]["Status"])
    except parts.mwaa.exceptions.ResourceNotFoundException:
        return "NOT_FOUND"


def _set_override(parts: Any, kind: Kind) -> dict[str, Any]:
    """What ``keep-awake``/``stay-paused --for 1d`` writes, with moto's caller ARN."""
    now = datetime.now(UTC)
    caller = str(parts.local.client("sts").get_caller_identity()["Arn"])
    record = Override(kind, now + timedelta(days=1), caller, now)
    parts.local.client("ssm").put_parameter(
        Name=parameter_name(parts.local.deployment, ENVIRONMENT),
        Value=record.to_json(),
        Type="String",
        Overwrite=True,
    )
    loaded: dict[str, Any] = json.loads(record.to_json())
    return loaded


def run_override_scenario(
    options: SandboxOptions, kind: Kind, reporter: Reporter | None = None
) -> OverrideScenario:
    report = reporter or QuietReporter()
    result = OverrideScenario(kind, options.airflow_version)
    started = time.monotonic()
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="mwaa-pr-sandbox-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with sandbox_parts(options, work, report) as parts:
            report.phase(f"Creating environment {ENVIRONMENT} (Airflow {parts.version})")
            create_environment(parts.mwaa, ENVIRONMENT, parts.version)
            if kind == "stay-paused":
                pause = run_workflow(parts, "pause", report)  # on demand: never held back
                result.steps["pause"] = pause.to_json()
                if pause.status != "SUCCEEDED":
                    result.error = f"the pause before the scenario ended {pause.status}"
                    return result
            report.phase(f"Setting {kind} on {ENVIRONMENT} for a day (SSM parameter)")
            result.override = _set_override(parts, kind)
            workflow = SKIPPED_WORKFLOW[kind]
            fire = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            report.phase(f"Firing the {workflow} as its schedule would ({fire})")
            run = run_workflow(parts, workflow, report, scheduled_time=fire)
            result.steps[f"scheduled_{workflow}"] = run.to_json()
            output = run.output if isinstance(run.output, dict) else {}
            result.outcome, result.reason = output.get("outcome"), output.get("reason")
            if run.status != "SUCCEEDED":
                result.error = f"the scheduled {workflow} ended {run.status}: {run.cause}"
            result.environment_state = _state(parts)
    finally:
        result.seconds = time.monotonic() - started
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return result
