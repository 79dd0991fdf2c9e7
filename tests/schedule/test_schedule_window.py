"""The schedules' flexible time window: what EventBridge Scheduler gets, how the
configuration moves the resume earlier, and how the resume keeps the spread without
ever starting later than it would without a window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from mwaa_pause_resume.config.build import build_config
from mwaa_pause_resume.config.problems import ConfigError
from mwaa_pause_resume.functions import clock, resume_timing
from mwaa_pause_resume.schedule.window import (
    fire_range,
    flexible_time_window,
    spread_begin,
)

MIN = 60


def environment(**fields: Any) -> dict[str, Any]:
    return {
        "name": "dev",
        "source_bucket": "dev-dags-bucket",
        "execution_role_arn": "arn:aws:iam::111122223333:role/dev-role",
        "pause_schedule": "cron(0 20 ? * MON-FRI *)",
        **fields,
    }


def test_the_window_as_eventbridge_scheduler_takes_it() -> None:
    assert flexible_time_window(0) == {"Mode": "OFF"}
    assert flexible_time_window(15) == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert fire_range(15, "pause") == (0, 15)  # up to 15 min late
    assert fire_range(15, "resume") == (-15, 0)  # up to 15 min early, never late


def test_a_plain_resume_schedule_fires_the_window_earlier() -> None:
    tree = {
        "defaults": {"resume_schedule": "cron(0 6 ? * MON-FRI *)"},
        "environments": [
            environment(schedule_window_minutes=20),
            environment(name="late-night", resume_schedule="cron(10 0 ? * MON-FRI *)",
                        schedule_window_minutes=30),
            environment(name="exact"),
        ],
    }  # fmt: skip
    dev, night, exact = build_config(tree, "test.toml").environments
    assert dev.resume_schedule == "cron(40 5 ? * MON-FRI *)"
    assert dev.pause_schedule == "cron(0 20 ? * MON-FRI *)"  # the pause keeps its time
    assert night.resume_schedule == "cron(40 23 ? * SUN,MON,TUE,WED,THU *)"  # the day before
    assert (exact.resume_schedule, exact.schedule_window_minutes) == ("cron(0 6 ? * MON-FRI *)", 0)


def test_with_ready_by_the_window_adds_to_the_lead_cap() -> None:
    tree = {
        "environments": [
            environment(resume_ready_by="cron(0 7 ? * MON-FRI *)", resume_lead_max_minutes=90,
                        schedule_window_minutes=15)
        ]
    }  # fmt: skip
    (env,) = build_config(tree, "test.toml").environments
    assert env.resume_schedule == "cron(15 5 ? * MON-FRI *)"  # 07:00 - 90 - 15 min


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule_window_minutes": 121}, "schedule_window_minutes"),
        ({"schedule_window_minutes": -1}, "schedule_window_minutes"),
        # A resume at several times a day cannot be moved as one time.
        (
            {"resume_schedule": "cron(0 6,12 ? * MON-FRI *)", "schedule_window_minutes": 10},
            "names several times a day",
        ),
    ],
)
def test_a_window_that_cannot_apply_is_refused_with_the_fix(
    fields: dict[str, Any], message: str
) -> None:
    tree = {"defaults": {"resume_schedule": "cron(0 6 ? * MON-FRI *)"},
            "environments": [environment(**fields)]}  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        build_config(tree, "test.toml")
    assert message in str(caught.value)
    assert "schedule_window_minutes" in str(caught.value)


@pytest.mark.parametrize("delay_minutes", [0, 5, 12.5, 20, 45])
def test_the_resume_begins_spread_and_never_later_than_without_a_window(
    delay_minutes: float,
) -> None:
    ready_by, lead, window = 10_000.0 * MIN, 45 * MIN, 20 * MIN
    scheduled = ready_by - 120 * MIN - window  # the fire: cap + window before ready-by
    now = scheduled + delay_minutes * MIN
    begin = spread_begin(ready_by, lead, window, scheduled, now)
    assert begin <= ready_by - lead
    assert begin >= ready_by - lead - window
    if delay_minutes <= 20:  # inside the window: the fire's delay is kept
        assert begin == ready_by - lead - window + delay_minutes * MIN


@pytest.fixture
def frozen() -> Iterator[list[float]]:
    now = [0.0]
    clock.set_source(lambda: now[0])
    yield now
    clock.set_source(None)


def test_the_resumes_first_state_waits_less_by_what_the_window_did_not_use(
    frozen: list[float],
) -> None:
    scheduled = datetime(2026, 12, 8, 4, 40, tzinfo=UTC)  # 07:00 - 120 - 20 min
    ready_by = {"cron": "cron(0 7 ? * * *)", "timezone": "UTC", "max_lead_minutes": 120,
                "default_lead_minutes": 45, "window_minutes": 20}  # fmt: skip
    raw = {"environment": "dev", "bucket": None, "ready_by": ready_by,
           "scheduled_time": scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    ready_at = datetime(2026, 12, 8, 7, tzinfo=UTC).timestamp()
    begins = []
    for delay in (0, 10, 20):
        frozen[0] = scheduled.timestamp() + delay * MIN
        planned = resume_timing.plan(raw)
        begins.append(planned["began_at"])
        assert planned["began_at"] <= ready_at - 45 * MIN
    assert begins == [ready_at - (45 + 20) * MIN, ready_at - (45 + 10) * MIN, ready_at - 45 * MIN]
    # Without a window: ready-by minus the lead, as before.
    frozen[0] = scheduled.timestamp()
    assert (
        resume_timing.plan({**raw, "ready_by": {**ready_by, "window_minutes": 0}})["began_at"]
        == ready_at - 45 * MIN
    )
