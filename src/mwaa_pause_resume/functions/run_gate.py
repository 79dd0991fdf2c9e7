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

Input ``{"workflow", "input": <execution input>, "execution_name", "started_at",
"postponed_since": epoch seconds | absent}``. Output ``{"decision": "proceed"|"skip"|
"postpone", "reason", "wait_seconds", "postponed_since", "input"}``: the state machine
continues with ``input`` (proceed), ends with outcome ``skipped`` (skip) or waits
``wait_seconds`` and asks again (postpone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.functions import airflow_api, aws, clock, layout, overrides, settings
from mwaa_pause_resume.functions.environment_status import get_environment
from mwaa_pause_resume.functions.ownership import deployment_id
from mwaa_pause_resume.schedule.calendar import local_date, parse_skip_dates, skip_range_of

PROCEED, SKIP, POSTPONE = "proceed", "skip", "postpone"


@dataclass(frozen=True)
class Facts:
    """What the shell looked up for :func:`decide` (None: not looked up / not known)."""

    now: datetime
    override: overrides.Override | None = None
    calendar_state: str | None = None  # OPEN / CLOSED
    running_runs: int | None = None
    postponed_since: float | None = None


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
    busy = facts.running_runs or 0
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


def running_runs(environment: str) -> int | None:
    """DAG runs in state running across every DAG; None when the environment is not
    AVAILABLE (the workflow's Inspect state decides what to do then)."""
    found = get_environment(environment)
    if found is None or found.get("Status") != "AVAILABLE":
        return None
    answer = airflow_api.call(
        environment, "GET", "/dags/~/dagRuns", query={"state": "running", "limit": 1}
    )
    body = airflow_api.expect_ok(answer, environment, "list the running DAG runs")
    return int(body.get("total_entries") or 0) if isinstance(body, dict) else 0


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    workflow = str(event["workflow"])
    raw = event.get("input")
    stamp = layout.stamp(str(event["started_at"]), str(event["execution_name"]))
    ctx = settings.normalize(raw, workflow=workflow, stamp=stamp)
    now = datetime.fromtimestamp(clock.now(), UTC)
    since = event.get("postponed_since")
    facts = Facts(now, postponed_since=float(since) if since is not None else None)
    fire = _fire_time(ctx)
    if fire is not None:
        facts = Facts(
            now,
            override=overrides.read(ctx["environment"], deployment_id()),
            calendar_state=(
                calendar_state(ctx["change_calendar"], fire)
                if workflow == "resume" and ctx["change_calendar"]
                else None
            ),
            running_runs=(
                running_runs(ctx["environment"])
                if workflow == "pause" and ctx["when_busy"] != "drain"
                else None
            ),
            postponed_since=facts.postponed_since,
        )
    decision, reason, wait = decide(workflow, ctx, facts)
    return {
        "decision": decision,
        "reason": reason,
        "wait_seconds": wait,
        "postponed_since": facts.postponed_since or now.timestamp(),
        "input": raw,
    }
