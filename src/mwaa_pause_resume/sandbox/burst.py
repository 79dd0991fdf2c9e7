"""A fleet's burst: many environments paused in the same minute, then resumed for the
same ready-by time, through the real state machines, under throttling.

Every environment is an emulated MWAA environment (:mod:`.mwaa`) running the scripted
export/import DAGs; every execution is the synthesized ASL run by moto with the real
handlers (:mod:`.sfn_local`), on one :class:`~.event_clock.EventClock`, so that calls made
at the same virtual instant meet the emulator's token buckets (:mod:`.mwaa.throttling`)
and Lambda's concurrency as in AWS. Used by ``bench/fleet_burst.py`` and the tests.

Each phase reports the environments that ended in success, those that failed (with the
error), the resumes that ended after their ready-by time, the virtual time from the fire
to the last execution's end, the real time the simulation took, and the retries: failed
attempts named in the execution histories, the emulator's throttled calls and Lambda's
refused invocations.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.sandbox.event_clock import EventClock
from mwaa_pause_resume.sandbox.mwaa import DagSpec, Delays, MwaaBackend, RunScript
from mwaa_pause_resume.sandbox.mwaa.throttling import REALISTIC, ThrottlePolicy
from mwaa_pause_resume.sandbox.scripted_airflow import ScriptedDagsAirflow
from mwaa_pause_resume.sandbox.sfn_local import ExecutionResult, LocalWorkflows
from mwaa_pause_resume.shared.dag_contract import EXPORT_DAG_ID, IMPORT_DAG_ID

BUCKET = "fleet-backups"
# Monday 2026-12-07 20:00 UTC: the pause fires; the resume fires next morning for 07:00.
PAUSE_AT = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
READY_BY = "cron(0 7 ? * * *)"
LEAD_CAP_MINUTES = 120
# Errors a Retry handles; each failed attempt with one of them was retried (or exhausted
# its attempts, which then shows as a failure).
RETRIED_ERRORS = frozenset(
    {
        "AwsThrottled",
        "AwsUnavailable",
        "Lambda.TooManyRequestsException",
        "Lambda.ServiceException",
        "DagNotParsedYet",
    }
)


@dataclass(frozen=True)
class BurstSettings:
    """One burst: ``environments`` paused at once, then resumed at once."""

    environments: int = 300
    poll_seconds: int = 60
    create_minutes: float = 25.0
    delete_minutes: float = 15.0
    throttling: ThrottlePolicy | None = REALISTIC
    lambda_concurrency: int | None = 1000  # the account's default quota
    lambda_seconds: float = 0.5  # virtual time each invocation holds its slot
    jitter: bool = True  # False: the same Retries without JitterStrategy (a baseline)
    seed: int = 17
    timeout_seconds: float = 3600.0  # real time allowed for each phase
    phases: tuple[str, ...] = ("pause", "resume")


@dataclass
class PhaseResult:
    """What one phase (every pause, or every resume) did."""

    workflow: str
    environments: int
    succeeded: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # env, error, cause
    late: list[str] = field(default_factory=list)
    virtual_seconds: float = 0.0
    real_seconds: float = 0.0
    retried: Counter[str] = field(default_factory=Counter)  # error name -> failed attempts
    mwaa_throttled: Counter[str] = field(default_factory=Counter)
    lambda_throttled: int = 0
    transitions: int = 0

    @property
    def retries(self) -> int:
        return sum(self.retried.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "environments": self.environments,
            "succeeded": self.succeeded,
            "failed": len(self.failures),
            "failures": [list(f) for f in self.failures[:20]],
            "late": len(self.late),
            "virtual_minutes": round(self.virtual_seconds / 60, 1),
            "real_seconds": round(self.real_seconds, 1),
            "retries": self.retries,
            "retried_by_error": dict(self.retried),
            "mwaa_throttled": dict(self.mwaa_throttled),
            "lambda_throttled": self.lambda_throttled,
            "transitions": self.transitions,
        }


def environment_name(index: int) -> str:
    return f"fleet-{index:04d}"


def environment_request(name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
        "SourceBucketArn": "arn:aws:s3:::mwaa-dags",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-0a", "subnet-0b"],
            "SecurityGroupIds": ["sg-0a"],
        },
        "AirflowVersion": "2.10.3",
        "EnvironmentClass": "mw1.small",
    }


def without_jitter(asl: dict[str, Any]) -> dict[str, Any]:
    """The definition with every Retry's JitterStrategy removed (the baseline)."""
    for state in asl.get("States", {}).values():
        for retrier in state.get("Retry") or []:
            retrier.pop("JitterStrategy", None)
    return asl


def run_burst(
    settings: BurstSettings,
    progress: Callable[[str], None] | None = None,
    on_phase: Callable[[PhaseResult], None] | None = None,
) -> list[PhaseResult]:
    """Pause every environment at :data:`PAUSE_AT`, then resume them all for
    :data:`READY_BY` the next morning; one :class:`PhaseResult` per phase."""
    import random

    random.seed(settings.seed)  # moto's FULL jitter draws from the module's generator
    say = progress or (lambda _: None)
    clock = EventClock(start=PAUSE_AT.timestamp())
    airflow = ScriptedDagsAirflow(
        [
            DagSpec(EXPORT_DAG_ID, run=RunScript(polls=2)),
            DagSpec(IMPORT_DAG_ID, run=RunScript(polls=2)),
            DagSpec("etl_daily", is_paused=False),
        ]
    )
    delays = Delays(
        create_seconds=settings.create_minutes * 60, delete_seconds=settings.delete_minutes * 60
    )
    names = [environment_name(i) for i in range(settings.environments)]
    local = LocalWorkflows(
        MwaaBackend(airflow, delays=delays),
        clock=clock,
        lambda_concurrency=settings.lambda_concurrency,
        lambda_seconds=settings.lambda_seconds,
        asl_transform=None if settings.jitter else without_jitter,
    )
    with local:
        local.create_bucket(BUCKET)
        for name in names:
            local.mwaa.seed(environment_request(name))
        if settings.throttling is not None:
            local.mwaa.faults.limit_rates(settings.throttling, clock, seed=settings.seed)
        results = []
        for workflow, fire in (("pause", PAUSE_AT), ("resume", _resume_fire())):
            if workflow not in settings.phases:
                continue
            clock.skip_to(fire.timestamp())
            say(f"{workflow}: starting {len(names)} executions at {fire:%Y-%m-%d %H:%M} UTC")
            results.append(_phase(local, clock, workflow, fire, names, settings))
            say(f"{workflow}: done in {results[-1].real_seconds:.0f} s")
            if on_phase is not None:
                on_phase(results[-1])
        return results


def _resume_fire() -> datetime:
    ready = (PAUSE_AT + timedelta(days=1)).replace(hour=7, minute=0)
    return ready - timedelta(minutes=LEAD_CAP_MINUTES)


def _execution_input(workflow: str, name: str, fire: datetime, poll: int) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "environment": name,
        "bucket": BUCKET,
        "poll_seconds": poll,
        "timeout_minutes": 180,
        "scheduled_time": fire.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "UTC",
    }
    if workflow == "resume":
        payload["ready_by"] = {
            "cron": READY_BY,
            "timezone": "UTC",
            "default_lead_minutes": 45,
            "margin_minutes": 10,
            "max_lead_minutes": LEAD_CAP_MINUTES,
        }
    return payload


def _phase(  # noqa: PLR0917 - one phase's whole context
    local: LocalWorkflows,
    clock: EventClock,
    workflow: str,
    fire: datetime,
    names: list[str],
    settings: BurstSettings,
) -> PhaseResult:
    throttle = local.mwaa.faults.rates
    throttled_before = Counter(throttle.throttled) if throttle else Counter()
    lambda_before = local.lambda_throttled
    began = time.monotonic()
    with clock.holding():  # every execution starts at the same virtual instant
        arns = {
            local.start_execution(
                workflow,
                _execution_input(workflow, name, fire, settings.poll_seconds),
                name=f"{workflow}-{name}",
            ): name
            for name in names
        }
    give_up = began + settings.timeout_seconds
    done = [local.wait(arn, timeout=max(1.0, give_up - time.monotonic())) for arn in arns]
    result = PhaseResult(workflow, len(names), real_seconds=time.monotonic() - began)
    for execution in done:
        _account(result, execution, arns[execution.arn])
    starts = [local.started_at[arn] for arn in arns]
    ends = [local.ended_at.get(arn, clock()) for arn in arns]
    result.virtual_seconds = max(ends) - min(starts)
    if throttle:
        result.mwaa_throttled = Counter(throttle.throttled) - throttled_before
    result.lambda_throttled = local.lambda_throttled - lambda_before
    return result


def _account(result: PhaseResult, execution: ExecutionResult, name: str) -> None:
    result.transitions += execution.transitions
    for event in execution.history:
        if event["type"] == "LambdaFunctionFailed":
            error = str(event.get("lambdaFunctionFailedEventDetails", {}).get("error", ""))
            if error in RETRIED_ERRORS:
                result.retried[error] += 1
    output = execution.output if isinstance(execution.output, dict) else {}
    wanted = {"pause": "paused", "resume": "resumed"}[result.workflow]
    if execution.status == "SUCCEEDED" and output.get("outcome") == wanted:
        result.succeeded += 1
    else:
        result.failures.append(
            (name, str(execution.error or output.get("outcome")), str(execution.cause or "")[:300])
        )
    timing = output.get("timing")
    if isinstance(timing, dict) and timing.get("late"):
        result.late.append(name)
