"""What ``status`` shows for one environment, assembled from AWS answers (pure):
GetEnvironment, the workflows' executions, the latest snapshot and the schedules.

The last resume comes with its restore summary
(:mod:`mwaa_pause_resume.metadata.restore_summary`): the compact one the import run's
note carried into the execution's output, or the full ``import-report.json`` when the
caller read it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.environment_request import summary as environment_summary
from mwaa_pause_resume.metadata.restore_summary import (
    RestoreSummary,
    SummaryInvalid,
    summary_of_note,
)
from mwaa_pause_resume.operations.deployment import Action, input_environment, input_snapshot
from mwaa_pause_resume.operations.progress import cause_message
from mwaa_pause_resume.parsing import loads_json
from mwaa_pause_resume.schedule.fire_times import next_fire_times

PAUSED = "PAUSED"  # no environment: deleted by a pause (or never created)


@dataclass(frozen=True)
class ExecutionRecord:
    """One pause or resume execution, from DescribeExecution."""

    action: Action
    arn: str
    name: str
    environment: str | None
    status: str
    started: datetime
    stopped: datetime | None
    outcome: str | None
    snapshot_id: str | None
    error: str | None
    restore: RestoreSummary | None = None  # a resume's, from the import run's note
    reason: str | None = None  # why the run gates skipped it (outcome "skipped")

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    def duration_seconds(self, now: datetime) -> float:
        return ((self.stopped or now) - self.started).total_seconds()

    def to_dict(self, now: datetime) -> dict[str, Any]:
        skipped = {"reason": self.reason} if self.reason else {}
        return {
            **skipped,
            "action": self.action,
            "execution_arn": self.arn,
            "status": self.status,
            "started": self.started.isoformat(),
            "stopped": self.stopped.isoformat() if self.stopped else None,
            "duration_seconds": round(self.duration_seconds(now)),
            "outcome": self.outcome,
            "snapshot_id": self.snapshot_id,
            "error": self.error,
            "restore": self.restore.to_json() if self.restore is not None else None,
        }


def record_from(action: Action, described: Mapping[str, Any]) -> ExecutionRecord:
    """An :class:`ExecutionRecord` from a DescribeExecution answer."""
    output: Any = None
    try:
        output = loads_json(described.get("output") or "null")
    except ValueError:
        output = None
    output = output if isinstance(output, dict) else {}
    error = None
    if described.get("status") not in ("RUNNING", "SUCCEEDED"):
        cause = cause_message(described.get("cause"))
        error = cause or described.get("error") or None
    raw_input = described.get("input")
    return ExecutionRecord(
        action=action,
        arn=str(described.get("executionArn")),
        name=str(described.get("name") or ""),
        environment=input_environment(raw_input),
        status=str(described.get("status")),
        started=described["startDate"],
        stopped=described.get("stopDate"),
        outcome=output.get("outcome"),
        snapshot_id=output.get("snapshot_id") or input_snapshot(raw_input),
        error=error,
        restore=summary_of_note(output.get("import")),
        reason=str(output["reason"]) if output.get("reason") else None,
    )


def last_finished(records: Iterable[ExecutionRecord], action: Action) -> ExecutionRecord | None:
    finished = [r for r in records if r.action == action and not r.running]
    return max(finished, key=lambda r: r.started) if finished else None


def with_report(record: ExecutionRecord, report: Any) -> ExecutionRecord:
    """``record`` with the restore summary of its ``import-report.json`` (every held DAG
    with its reason and action) instead of the note's compact one; unchanged when the
    report is missing or unreadable."""
    if report is None:
        return record
    try:
        summary = RestoreSummary.from_json(report)
    except (SummaryInvalid, ValueError):
        return record
    return dataclasses.replace(record, restore=summary)


def environment_state(environment: Mapping[str, Any] | None) -> str:
    return PAUSED if environment is None else str(environment.get("Status") or "UNKNOWN")


def next_times(env: EnvironmentConfig, now: datetime) -> dict[str, str | None]:
    out: dict[str, str | None] = {"timezone": env.timezone}
    for action, cron in (("pause", env.pause_schedule), ("resume", env.resume_schedule)):
        fires = next_fire_times(cron, env.timezone, now, 1)
        out[action] = fires[0].isoformat() if fires else None
    if env.resume_ready_by:  # the resume above fires the lead cap before this
        fires = next_fire_times(env.resume_ready_by, env.timezone, now, 1)
        out["ready_by"] = fires[0].isoformat() if fires else None
    return out


def environment_status(
    env: EnvironmentConfig,
    environment: Mapping[str, Any] | None,
    records: Iterable[ExecutionRecord],
    latest_snapshot: Mapping[str, Any] | None,
    now: datetime,
    *,
    deployed: bool = True,
    warnings: Iterable[str] = (),
    resume_report: Any = None,
) -> dict[str, Any]:
    """The status of one environment as a JSON-ready dict (``status --json``).

    ``resume_report``: the ``import-report.json`` of the last resume's snapshot, if read
    (see :func:`with_report`)."""
    mine = [r for r in records if r.environment == env.name]
    last_pause, last_resume = last_finished(mine, "pause"), last_finished(mine, "resume")
    if last_resume is not None:
        last_resume = with_report(last_resume, resume_report)
    return {
        "environment": env.name,
        "state": environment_state(environment),
        "details": environment_summary(environment) if environment is not None else None,
        "deployed": deployed,
        "running": [r.to_dict(now) for r in sorted(mine, key=lambda r: r.started) if r.running],
        "last_pause": last_pause.to_dict(now) if last_pause else None,
        "last_resume": last_resume.to_dict(now) if last_resume else None,
        "next": next_times(env, now),
        "latest_snapshot": dict(latest_snapshot) if latest_snapshot else None,
        "warnings": list(warnings),
    }


def duration_text(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
