"""The run gates on the real state machines in moto, with the MWAA emulator and virtual
time: overrides, skip dates, change calendars and busy environments (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mwaa_pause_resume.functions import overrides
from mwaa_pause_resume.sandbox.mwaa.fake_airflow import FakeDagRun, RunScript
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.change_calendar_fake import ChangeCalendars
from tests.workflows.workflow_fakes import ENV, settings

MakeLocal = Callable[..., LocalWorkflows]
OPERATOR = "arn:aws:iam::123456789012:user/ops"


def fire(local: LocalWorkflows, hours: float = 0.0) -> str:
    """A Scheduler fire time near the virtual clock."""
    when = datetime.fromtimestamp(local.clock(), UTC) + timedelta(hours=hours)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_override(local: LocalWorkflows, kind: overrides.Kind, hours: float) -> None:
    now = datetime.fromtimestamp(local.clock(), UTC)
    record = overrides.Override(kind, now + timedelta(hours=hours), OPERATOR, now)
    local.client("ssm").put_parameter(
        Name=overrides.parameter_name(None, ENV),
        Value=record.to_json(),
        Type="String",
        Overwrite=True,
    )


def mwaa_changes(local: LocalWorkflows) -> list[str]:
    return [op for op, _ in local.mwaa.calls if op not in ("GetEnvironment", "InvokeRestApi")]


def add_running_run(local: LocalWorkflows) -> None:
    airflow = local.mwaa.airflow.airflow(ENV)  # type: ignore[attr-defined]
    airflow.runs[("etl_daily", "scheduled__1")] = FakeDagRun(
        "etl_daily", "scheduled__1", {}, None, RunScript(), 0, state="running"
    )


def test_keep_awake_skips_a_scheduled_pause_only(make_local: MakeLocal) -> None:
    local = make_local()
    set_override(local, "keep-awake", hours=2)

    result = local.run("pause", settings(scheduled_time=fire(local)))

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "skipped"
    assert "keep-awake until" in result.output["reason"] and OPERATOR in result.output["reason"]
    assert "Begin" not in result.entered_states()
    assert ENV in local.mwaa.names() and not mwaa_changes(local)  # untouched
    # A pause from the CLI (no scheduled_time) is an explicit request: not held back.
    manual = local.run("pause", settings())
    assert manual.status == "SUCCEEDED", manual.cause
    assert manual.output["outcome"] == "paused"


def test_stay_paused_skips_a_scheduled_resume_until_it_expires(make_local: MakeLocal) -> None:
    local = make_local()
    assert local.run("pause", settings()).output["outcome"] == "paused"
    set_override(local, "stay-paused", hours=30)

    result = local.run("resume", settings(scheduled_time=fire(local)))

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "skipped"
    assert "stay-paused" in result.output["reason"]
    assert ENV not in local.mwaa.names()  # still paused
    set_override(local, "stay-paused", hours=-1)  # expired: the next fire resumes
    resumed = local.run("resume", settings(scheduled_time=fire(local)))
    assert resumed.status == "SUCCEEDED", resumed.cause
    assert resumed.output["outcome"] == "resumed"


def test_a_resume_on_a_skip_date_is_skipped(make_local: MakeLocal) -> None:
    local = make_local()
    # 23:30 UTC on Dec 24 is Dec 25 in Berlin: the local date decides.
    result = local.run(
        "resume",
        settings(
            scheduled_time="2026-12-24T23:30:00Z",
            timezone="Europe/Berlin",
            skip_dates=["2026-12-25..2026-12-26"],
        ),
    )
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {
        "outcome": "skipped",
        "workflow": "resume",
        "environment": ENV,
        "reason": "2026-12-25 is a skip date (2026-12-25..2026-12-26, Europe/Berlin)",
    }
    assert not mwaa_changes(local)


def test_a_closed_change_calendar_skips_a_resume(make_local: MakeLocal) -> None:
    local = make_local(seed=False)
    calendars = ChangeCalendars()
    calendars.closed["holidays"] = [
        (datetime(2026, 12, 24, tzinfo=UTC), datetime(2026, 12, 27, tzinfo=UTC))
    ]
    with calendars.installed():
        closed = local.run(
            "resume", settings(scheduled_time="2026-12-25T06:00:00Z", change_calendar="holidays")
        )
        open_ = local.run(
            "resume", settings(scheduled_time="2026-12-28T06:00:00Z", change_calendar="holidays")
        )
    assert closed.output["outcome"] == "skipped"
    assert closed.output["reason"] == "change calendar holidays is CLOSED"
    # Open: the run goes on (and fails here only because nothing was ever paused).
    assert open_.status == "FAILED" and "Begin" in open_.entered_states()
    assert [c["AtTime"][:19] for c in calendars.calls] == [
        "2026-12-25T06:00:00",
        "2026-12-28T06:00:00",
    ]


def test_when_busy_skip_skips_the_pause(make_local: MakeLocal) -> None:
    local = make_local()
    add_running_run(local)
    result = local.run("pause", settings(scheduled_time=fire(local), when_busy="skip"))
    assert result.output["outcome"] == "skipped"
    assert result.output["reason"] == "1 DAG run running (when_busy = skip)"
    assert ENV in local.mwaa.names() and not mwaa_changes(local)


def test_when_busy_postpone_retries_then_drains(make_local: MakeLocal) -> None:
    local = make_local()
    add_running_run(local)
    started = local.clock()
    result = local.run(
        "pause",
        settings(
            scheduled_time=fire(local),
            when_busy="postpone",
            max_postpone_minutes=30,
            postpone_interval_minutes=10,
        ),
    )
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "paused"  # drained after the postponement
    states = result.entered_states()
    assert states.count("PostponeWhileBusy") == 3
    assert states.index("Begin") > states.index("CheckRunGatesAgain")
    assert local.clock() - started >= 30 * 60


def test_a_busy_count_airflow_refuses_drains_and_says_why(
    make_local: MakeLocal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """functions.busy_check: an answer that is not throttling or a 5xx does not fail the
    scheduled pause; it drains, as when_busy = drain would, and the reason says so."""
    local = make_local()
    airflow = local.mwaa.airflow.airflow(ENV)  # type: ignore[attr-defined]
    monkeypatch.setattr(
        airflow, "_all_runs", lambda query: airflow._error(403, "Forbidden", "no dag_run read")
    )
    result = local.run("pause", settings(scheduled_time=fire(local), when_busy="skip"))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["outcome"] == "paused"
    assert "CountRunningDagRuns" in result.entered_states()
