"""``report`` over a simulated month: real state machines in moto with the MWAA emulator,
execution dates on the virtual clock, compared with hours and dollars computed by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from mwaa_pause_resume.config.model import EnvironmentConfig, PriceOverride
from mwaa_pause_resume.operations.prices import price_table
from mwaa_pause_resume.operations.report import environment_report, run_from
from mwaa_pause_resume.sandbox.mwaa.models import Delays
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import ENV, settings

MakeLocal = Callable[..., LocalWorkflows]
POLL = 300
READY_BY = {"cron": "cron(0 7 ? * MON-FRI *)", "timezone": "UTC", "max_lead_minutes": 120}
ENVIRONMENT = EnvironmentConfig(
    name=ENV,
    source_bucket="mwaa-dags",
    execution_role_arn="arn:aws:iam::123456789012:role/mwaa-exec",
    pause_schedule="cron(0 20 ? * FRI *)",
    resume_schedule="cron(0 6 ? * MON *)",
)
PRICES = price_table({"mw1.small": PriceOverride(environment=0.5, extra_scheduler=0.1)})


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.fixture
def local(make_local: MakeLocal) -> Iterator[LocalWorkflows]:
    """Executions start and stop on the virtual clock, as they would over a real month."""
    made = make_local()
    clock = made.clock

    class VirtualDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return dt.datetime.fromtimestamp(clock(), tz)

    shim = SimpleNamespace(datetime=VirtualDatetime, timezone=dt.timezone)
    with (
        mock.patch("moto.stepfunctions.parser.models.datetime", shim),
        mock.patch("moto.stepfunctions.parser.backend.execution.datetime", shim),
    ):
        yield made


def run_at(local: LocalWorkflows, when: str, workflow: str, **extra: Any) -> dict[str, Any]:
    local.clock.advance(at(when) - local.clock())
    result = local.run(workflow, settings(poll_seconds=POLL, **extra))
    return {"status": result.status, "output": result.output or {}}


def test_report_over_a_month_matches_hand_computed_hours_and_dollars(
    local: LocalWorkflows,
) -> None:
    local.mwaa.delays = Delays(create_seconds=20 * 60)
    first_pause = run_at(local, "2027-02-26T20:00:00", "pause")  # paused into March
    pause_minutes = (first_pause["output"]["timing"]["ended_at"] - at("2027-02-26T20:00")) / 60
    assert pause_minutes == 20  # export polls, verify, delete: the same every time
    # A ready-by resume whose create takes an hour: started 06:15 (default lead), late.
    local.mwaa.delays = Delays(create_seconds=60 * 60)
    late = run_at(
        local, "2027-03-01T05:00:00", "resume", scheduled_time="2027-03-01T05:00:00Z",
        ready_by=READY_BY, timeout_minutes=120,
    )  # fmt: skip
    assert late["output"]["timing"]["began_at"] == at("2027-03-01T06:15")
    assert late["output"]["timing"]["late"]
    local.mwaa.delays = Delays(create_seconds=20 * 60)
    run_at(local, "2027-03-05T20:00:00", "pause")
    failed = run_at(local, "2027-03-08T06:00:00", "resume", snapshot_id="20270101T000000Z-dead")
    assert failed["status"] == "FAILED"  # no such snapshot
    run_at(local, "2027-03-08T07:00:00", "resume")
    run_at(local, "2027-03-26T20:00:00", "pause")  # paused past the month's end
    local.clock.advance(at("2027-04-02T00:00") - local.clock())

    sfn = local.client("stepfunctions")
    runs = []
    for workflow, arn in local.state_machine_arns.items():
        for item in sfn.list_executions(stateMachineArn=arn)["executions"]:
            run = run_from(workflow, sfn.describe_execution(executionArn=item["executionArn"]))
            assert run is not None
            runs.append(run)
    report = environment_report(ENVIRONMENT, runs, "2027-03", local.clock(), PRICES)

    # By hand: paused from March 1 00:00 to 06:15 (the ready-by resume's start); from
    # March 5 20:20 (pause ended) to March 8 06:00 (the failed resume's start: counted as
    # running); from March 26 20:20 to April 1 00:00.
    hours = 6.25 + (3 + 40 / 60 + 2 * 24 + 6) + (3 + 40 / 60 + 5 * 24)
    assert report["paused_hours"] == round(hours, 2) == 187.58
    assert report["hourly_price_usd"] == 0.5  # mw1.small, two schedulers: nothing extra
    assert report["saving_usd"] == round(hours * 0.5, 2) == 93.79
    assert report["hours_in_month"] == 744
    assert (report["pauses"], report["resumes"]) == (2, 2)
    assert [f["started"] for f in report["failed"]] == ["2027-03-08T06:00:00+00:00"]
    assert [(r["started"], r["late_minutes"]) for r in report["late"]] == [
        ("2027-03-01T05:00:00+00:00", late["output"]["timing"]["late_seconds"] // 60)
    ]
