"""Skip dates (schedule.calendar) and the run gate's decisions (functions.run_gate.decide):
pure, no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from mwaa_pause_resume.functions import overrides, settings
from mwaa_pause_resume.functions.run_gate import Facts, decide
from mwaa_pause_resume.schedule.calendar import (
    CalendarError,
    parse_skip_date,
    skipped_instants,
)

NOW = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)


def ctx(**values: Any) -> dict[str, Any]:
    raw = {"environment": "dev", "bucket": "backups", "scheduled_time": "2026-12-24T18:00:00Z"}
    return settings.normalize({**raw, **values}, workflow="pause", stamp="20261224T180000Z-abcd")


def test_ranges_are_inclusive_and_reversed_ranges_are_refused() -> None:
    december = parse_skip_date(" 2026-12-24..2026-12-26 ")
    assert date(2026, 12, 24) in december and date(2026, 12, 26) in december
    assert date(2026, 12, 27) not in december
    with pytest.raises(CalendarError, match="ends before it starts") as caught:
        parse_skip_date("2026-12-26..2026-12-24")
    assert caught.value.fix == "write the earlier date first: 2026-12-24..2026-12-26"
    for bad in ("2026-02-30", "20261224", "tomorrow", "2026-12-24..", "2026-W52-4"):
        with pytest.raises(CalendarError):
            parse_skip_date(bad)


def test_skipped_instants_use_the_local_date() -> None:
    ranges = (parse_skip_date("2026-12-25"),)
    instants = [
        datetime(2026, 12, 24, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 25, 23, 30, tzinfo=UTC),
    ]
    assert skipped_instants(instants, ranges, "Europe/Berlin") == instants[:1]
    assert skipped_instants(instants, ranges, "UTC") == instants[1:]


def test_overrides_skip_only_their_workflow_and_only_until_their_time() -> None:
    keep = overrides.Override("keep-awake", NOW + timedelta(hours=1), "arn:x", NOW)
    assert decide("pause", ctx(), Facts(NOW, override=keep))[0] == "skip"
    assert decide("resume", ctx(), Facts(NOW, override=keep))[0] == "proceed"
    assert decide("pause", ctx(), Facts(NOW + timedelta(hours=1), override=keep))[0] == "proceed"
    # On demand (no scheduled_time): an explicit request, never held back.
    manual = ctx(scheduled_time=None)
    assert decide("pause", manual, Facts(NOW, override=keep))[0] == "proceed"


def test_stored_overrides_round_trip_and_junk_is_ignored() -> None:
    keep = overrides.Override("stay-paused", NOW + timedelta(days=2), "arn:aws:sts::1:x", NOW)
    assert overrides.from_json(keep.to_json()) == keep
    for junk in ("", "{}", '{"kind": "nap", "until": "2026-12-25T00:00:00Z"}', "[1]"):
        assert overrides.from_json(junk) is None


def test_skip_dates_and_calendars_hold_resumes_not_pauses() -> None:
    on_holiday = ctx(skip_dates=["2026-12-24"], change_calendar="holidays")
    assert decide("resume", on_holiday, Facts(NOW))[0] == "skip"
    assert decide("pause", on_holiday, Facts(NOW))[0] == "proceed"
    free = ctx(change_calendar="holidays")
    assert decide("resume", free, Facts(NOW, calendar_state="OPEN"))[0] == "proceed"
    assert decide("resume", free, Facts(NOW, calendar_state="CLOSED"))[0] == "skip"


def test_when_busy_postpones_within_its_limit_then_drains() -> None:
    busy = ctx(when_busy="postpone", max_postpone_minutes=25, postpone_interval_minutes=10)
    start = NOW.timestamp()
    assert decide("pause", busy, Facts(NOW, running_runs=2)) == (
        "postpone",
        "2 DAG runs running: checking again in 10 min",
        600,
    )
    later = Facts(NOW + timedelta(minutes=10), running_runs=2, postponed_since=start)
    assert decide("pause", busy, later)[0] == "postpone"
    last = Facts(NOW + timedelta(minutes=20), running_runs=2, postponed_since=start)
    assert decide("pause", busy, last)[:2] == (
        "proceed",
        "2 DAG runs running after postponing 20 min: draining",
    )
    assert decide("pause", busy, Facts(NOW, running_runs=0))[0] == "proceed"
    assert decide("pause", busy, Facts(NOW, running_runs=None))[0] == "proceed"  # not AVAILABLE
    # AVAILABLE, not counted yet: functions.busy_check counts (it may sit in the VPC).
    assert decide("pause", busy, Facts(NOW, available=True))[0] == "check_busy"
    drain = ctx(when_busy="drain")
    assert decide("pause", drain, Facts(NOW, available=True))[0] == "proceed"


def test_the_execution_input_refuses_bad_gate_settings() -> None:
    from mwaa_pause_resume.functions.errors import InvalidInput

    for bad in (
        {"skip_dates": ["2026-12-26..2026-12-24"]},
        {"skip_dates": "2026-12-24"},
        {"when_busy": "wait"},
        {"timezone": "Mars/Olympus"},
        {"max_postpone_minutes": 0},
        {"when_busy": "postpone", "max_postpone_minutes": 600, "timeout_minutes": 1000},
    ):
        with pytest.raises(InvalidInput):
            ctx(**bad)


def test_a_skipped_run_is_notified_on_its_own_route_with_its_reason() -> None:
    import json

    from mwaa_pause_resume.functions import notification

    reason = "2026-12-25 is a skip date (2026-12-25, UTC)"
    event = {
        "detail": {
            "executionArn": "arn:aws:states:eu-west-1:1:execution:ResumeWorkflow-x:r-1",
            "stateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:ResumeWorkflow-x",
            "status": "SUCCEEDED",
            "input": json.dumps({"environment": "dev", "bucket": "backups"}),
            "output": json.dumps({"outcome": "skipped", "environment": "dev", "reason": reason}),
        }
    }
    text = notification.format_notification(event)
    assert text["subject"] == "MWAA resume of dev: SKIPPED"
    assert text["route"] == "dev/SKIPPED"
    assert f"Reason:      {reason}" in text["message"]


def test_plan_lists_the_resumes_skip_dates_will_skip() -> None:
    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.operations.plan import plan_environment
    from mwaa_pause_resume.operations.prices import bundled_prices

    env = EnvironmentConfig(
        name="dev",
        source_bucket="my-mwaa-bucket",
        execution_role_arn="arn:aws:iam::123456789012:role/mwaa-exec",
        pause_schedule="0 20 ? * MON-FRI *",
        resume_schedule="0 6 ? * MON-FRI *",
        timezone="Europe/Berlin",
        skip_dates=("2026-12-24..2026-12-28", "2027-05-01", "2025-01-01"),
    )
    plan = plan_environment(env, datetime(2026, 12, 1, tzinfo=UTC), 3, bundled_prices())
    # Weekdays only: Dec 24, 25, 28 (Sat/Sun have no resume); May 1 2027 is a Saturday.
    assert [f"{fire:%Y-%m-%d %H:%M}" for fire in plan.skipped_resumes] == [
        "2026-12-24 06:00",
        "2026-12-25 06:00",
        "2026-12-28 06:00",
    ]
    assert plan.as_dict()["skipped_resumes"][0] == "2026-12-24T06:00:00+01:00"
