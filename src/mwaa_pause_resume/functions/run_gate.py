"""First state of both workflows: should this scheduled run happen now?

Checked before Begin (no lock, nothing written), for runs a schedule started (their input
has ``scheduled_time``); a run started on demand (``pause``/``resume`` from the CLI) is an
explicit request and always proceeds. In order:

- an operator override (:mod:`.overrides`): ``keep-awake`` skips pauses, ``stay-paused``
  skips resumes, until its time;
- resume: ``skip_dates`` (the fire's local date in ``timezone``) and ``change_calendar``
  (``ssm:GetCalendarState`` at the fire's time: CLOSED skips);
- pause: ``when_busy`` with DAG runs running (Airflow's REST API, any version):
  ``skip``; ``postpone`` (check again every ``postpone_interval_minutes``, at most
  ``max_postpone_minutes``, then drain); ``drain`` proceeds.

The REST call is not made here: it is :mod:`.busy_check`'s, a function of its own that
joins ``[deployment] lambda_subnet_ids`` like the other InvokeRestApi callers, while this
one calls SSM and MWAA's control plane, which a VPC without a NAT route cannot reach.
This one answers ``check_busy`` when the environment is AVAILABLE and ``when_busy`` asks.

Input ``{"workflow", "input": <execution input>, "execution_name", "started_at",
"postponed_since": epoch seconds | absent}``. Output ``{"decision": "proceed"|"skip"|
"postpone"|"check_busy", "reason", "wait_seconds", "postponed_since", "input"}``: the
state machine continues with ``input`` (proceed), ends with outcome ``skipped`` (skip),
waits ``wait_seconds`` and asks again (postpone) or asks :mod:`.busy_check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.functions import aws, clock, layout, overrides, settings, spoke_session
from mwaa_pause_resume.functions.environment_status import get_environment
from mwaa_pause_resume.functions.ownership import deployment_id
from mwaa_pause_resume.schedule.calendar import local_date, parse_skip_dates, skip_range_of

PROCEED, SKIP, POSTPONE, CHECK_BUSY = "proceed", "skip", "postpone", "check_busy"


@dataclass(frozen=True)
class Facts:
    """What the shell looked up for :func:`decide` (None: not looked up / not known)."""

    now: datetime
    override: overrides.Override | None = None
    calendar_state: str | None = None  # OPEN / CLOSED
    running_runs: int | None = None
    postponed_since: float | None = None
    available: bool = False  # the environment is AVAILABLE (looked up for when_busy only)


def _fire_time(ctx: dict[str, Any]) -> datetime | None:
    raw = ctx.get("scheduled_time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def decide(workflow: str, ctx: dict[str, Any], facts: Facts) -> tuple[str, str, int]:
    """(decision, reason, wait seconds) for a run with settings ``ctx`` (pure)."""
    fire = _fire_time(ctx)
    if fire is None:
        return PROCEED, "started on demand: overrides and calendars apply to scheduled runs", 0
    override = facts.override
    if override is not None and override.skips == workflow and override.active(facts.now):
        return SKIP, f"override {override.describe()}", 0
    if workflow == "resume":
        day = local_date(fire, ctx["timezone"])
        held = skip_range_of(day, parse_skip_dates(ctx["skip_dates"]))
        if held is not None:
            return SKIP, f"{day.isoformat()} is a skip date ({held.text()}, {ctx['timezone']})", 0
        if facts.calendar_state == "CLOSED":
            return SKIP, f"change calendar {ctx['change_calendar']} is CLOSED", 0
        return PROCEED, "no override, skip date or closed calendar", 0
    if facts.running_runs is None:
        if ctx["when_busy"] != "drain" and facts.available:
            return CHECK_BUSY, "checking for running DAG runs", 0
        return PROCEED, "when_busy = drain, or the environment is not AVAILABLE", 0
    busy = facts.running_runs
    if ctx["when_busy"] == "drain" or busy == 0:
        return PROCEED, "not busy" if busy == 0 else f"{busy} DAG run(s) running: draining", 0
    runs = f"{busy} DAG run{'s' if busy != 1 else ''} running"
    if ctx["when_busy"] == SKIP:
        return SKIP, f"{runs} (when_busy = skip)", 0
    interval = int(ctx["postpone_interval_minutes"]) * 60
    since = facts.postponed_since if facts.postponed_since is not None else facts.now.timestamp()
    waited = facts.now.timestamp() - since
    if waited + interval > int(ctx["max_postpone_minutes"]) * 60:
        return PROCEED, f"{runs} after postponing {round(waited / 60)} min: draining", 0
    return POSTPONE, f"{runs}: checking again in {interval // 60} min", interval


def calendar_state(name: str, at: datetime) -> str:
    """OPEN or CLOSED: the SSM Change Calendar's state at ``at``."""
    try:
        answer = aws.client("ssm").get_calendar_state(CalendarNames=[name], AtTime=at.isoformat())
    except Exception as exc:
        raise aws.translate(exc, f"GetCalendarState {name}") from exc
    return str(answer["State"])


def available(environment: str) -> bool:
    """Whether the environment is AVAILABLE: only then can its DAG runs be counted (when
    it is not, the workflow's Inspect state decides what to do)."""
    found = get_environment(environment)
    return found is not None and found.get("Status") == "AVAILABLE"


@dataclass(frozen=True)
class GateEvent:
    """A gate state's input (both gate functions take the same), read and checked."""

    workflow: str
    raw: Any  # the execution input, handed on unchanged
    ctx: dict[str, Any]
    now: datetime
    postponed_since: float | None

    @classmethod
    def read(cls, event: dict[str, Any]) -> GateEvent:
        workflow = str(event["workflow"])
        raw = event.get("input")
        stamp = layout.stamp(str(event["started_at"]), str(event["execution_name"]))
        since = event.get("postponed_since")
        return cls(
            workflow,
            raw,
            settings.normalize(raw, workflow=workflow, stamp=stamp),
            datetime.fromtimestamp(clock.now(), UTC),
            float(since) if since is not None else None,
        )

    def answer(self, decision: str, reason: str, wait_seconds: int) -> dict[str, Any]:
        return {
            "decision": decision,
            "reason": reason,
            "wait_seconds": wait_seconds,
            "postponed_since": self.postponed_since or self.now.timestamp(),
            "input": self.raw,
        }


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    gate = GateEvent.read(event)
    workflow, ctx = gate.workflow, gate.ctx
    facts = Facts(gate.now, postponed_since=gate.postponed_since)
    fire = _fire_time(ctx)
    if fire is not None:
        facts = Facts(
            gate.now,
            override=overrides.read(ctx["environment"], deployment_id()),
            calendar_state=(
                calendar_state(ctx["change_calendar"], fire)
                if workflow == "resume" and ctx["change_calendar"]
                else None
            ),
            available=(
                workflow == "pause"
                and ctx["when_busy"] != "drain"
                and available(ctx["environment"])
            ),
            postponed_since=gate.postponed_since,
        )
    return gate.answer(*decide(workflow, ctx, facts))
