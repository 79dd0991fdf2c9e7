"""A ready-by resume on the real state machines (moto, MWAA emulator, virtual time):
it learns its lead from its own resumes, over cycles whose creates take different times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.sandbox.mwaa.models import Delays
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import ENV, read_json, settings

MakeLocal = Callable[..., LocalWorkflows]
POLL = 300  # few polls per create: the test's time is spent in moto per state
READY_BY = {
    "cron": "cron(0 7 ? * MON-FRI *)",  # ready at 07:00 UTC on weekdays
    "timezone": "UTC",
    "default_lead_minutes": 45,
    "margin_minutes": 10,
    "max_lead_minutes": 120,  # so the schedule fires at 05:00
}


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def move_to(local: LocalWorkflows, when: float) -> None:
    local.clock.advance(when - local.clock())


def cycle(local: LocalWorkflows, day: str, create_minutes: int) -> dict[str, Any]:
    """Pause the evening before, then the scheduled resume of ``day`` (fires 05:00)."""
    local.mwaa.delays = Delays(create_seconds=create_minutes * 60)
    pause = local.run("pause", settings(poll_seconds=POLL))
    assert pause.status == "SUCCEEDED", pause.cause
    move_to(local, at(f"{day}T05:00:00"))
    fire = f"{day}T05:00:00Z"
    given = settings(poll_seconds=POLL, scheduled_time=fire, ready_by=READY_BY)
    resume = local.run("resume", given)
    assert resume.status == "SUCCEEDED", resume.cause
    assert resume.output["outcome"] == "resumed"
    timing: dict[str, Any] = {**resume.output["timing"], "pause": pause.output["timing"]}
    move_to(local, at(f"{day}T20:00:00"))  # the next evening's pause
    return timing


def test_a_ready_by_resume_learns_its_lead_over_three_cycles(make_local: MakeLocal) -> None:
    local = make_local()
    move_to(local, at("2027-02-28T20:00:00"))  # Sunday evening

    first = cycle(local, "2027-03-01", create_minutes=20)
    # No history yet: the default lead, 45 min before 07:00.
    assert first["lead_seconds"] == 45 * 60
    assert first["began_at"] == at("2027-03-01T06:15:00")
    assert first["ready_by_at"] == at("2027-03-01T07:00:00")
    assert not first["late"]
    assert 20 * 60 <= first["duration_seconds"] <= 20 * 60 + 4 * POLL  # create, import polls
    # Paused from the end of the pause (environment deleted) to the resume's start.
    assert first["paused_seconds"] == first["began_at"] - first["pause"]["ended_at"]

    second = cycle(local, "2027-03-02", create_minutes=40)  # slower than anything seen
    assert second["lead_seconds"] == first["duration_seconds"] + 10 * 60
    assert second["late"] and second["late_seconds"] > 0  # learned too short: reported late

    third = cycle(local, "2027-03-03", create_minutes=25)
    # The 90th percentile of the two measured resumes (the slow one), plus the margin.
    assert third["lead_seconds"] == second["duration_seconds"] + 10 * 60
    assert third["began_at"] == at("2027-03-03T07:00:00") - third["lead_seconds"]
    assert not third["late"]

    history = read_json(local, f"{ENV}/timing.json")
    assert [r["duration"] for r in history["resumes"]] == [
        first["duration_seconds"],
        second["duration_seconds"],
        third["duration_seconds"],
    ]
    assert [r["late"] for r in history["resumes"]] == [False, True, False]
