"""Ready-by: the learned lead (percentile + margin, default, cap), the schedule's fire
cron shifted back by the cap, and the configuration that derives it."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.config.build import build_config
from mwaa_pause_resume.config.problems import ConfigError
from mwaa_pause_resume.schedule.cron import CronError
from mwaa_pause_resume.schedule.lead_time import learned_lead, percentile
from mwaa_pause_resume.schedule.ready_by import fire_cron

MIN = 60


def test_the_default_lead_until_a_resume_was_measured() -> None:
    lead = learned_lead([], default_minutes=45, margin_minutes=10, max_minutes=120)
    assert (lead.seconds, lead.source, lead.capped) == (45 * MIN, "default", False)


def test_the_lead_is_the_90th_percentile_plus_the_margin_within_the_cap() -> None:
    durations = [20 * MIN] * 9 + [50 * MIN]  # one slow create in ten
    assert percentile(durations) == 20 * MIN  # nearest rank: the 9th of 10
    lead = learned_lead(durations, margin_minutes=10, max_minutes=120)
    assert (lead.seconds, lead.source) == (30 * MIN, "learned")
    assert learned_lead([*durations, 50 * MIN], margin_minutes=10).seconds == 60 * MIN
    capped = learned_lead([110 * MIN], margin_minutes=15, max_minutes=120)
    assert (capped.seconds, capped.capped) == (120 * MIN, True)
    # Only the last ten count: an old slow create ages out.
    assert learned_lead([90 * MIN] + [20 * MIN] * 10, margin_minutes=0).seconds == 20 * MIN


@pytest.mark.parametrize(
    ("ready_by", "lead", "fire"),
    [
        ("cron(0 7 ? * MON-FRI *)", 120, "cron(0 5 ? * MON-FRI *)"),
        ("cron(15 7 * * ? *)", 30, "cron(45 6 * * ? *)"),
        # Across midnight the days move back one: Monday's 01:30 starts on Sunday.
        ("cron(30 1 ? * MON-FRI *)", 120, "cron(30 23 ? * SUN,MON,TUE,WED,THU *)"),
        ("cron(0 1 ? * SUN *)", 90, "cron(30 23 ? * SAT *)"),
        ("cron(0 1 * * ? *)", 120, "cron(0 23 * * ? *)"),
    ],
)
def test_the_schedule_fires_the_cap_before_ready_by(ready_by: str, lead: int, fire: str) -> None:
    assert fire_cron(ready_by, lead) == fire


@pytest.mark.parametrize(
    ("ready_by", "problem"),
    [
        ("cron(0 7,8 ? * MON-FRI *)", "several times a day"),
        ("cron(0 1 1 * ? *)", "cannot be moved back a day"),  # the 1st's day before
        ("cron(0 1 ? * 2#1 *)", "cannot be moved back a day"),
    ],
)
def test_ready_by_times_that_cannot_be_shifted_are_refused(ready_by: str, problem: str) -> None:
    with pytest.raises(CronError, match=problem):
        fire_cron(ready_by, 120)


def environment(**fields: Any) -> dict[str, Any]:
    return {
        "name": "dev",
        "source_bucket": "dev-dags-bucket",
        "execution_role_arn": "arn:aws:iam::111122223333:role/dev-role",
        "pause_schedule": "cron(0 20 ? * MON-FRI *)",
        **fields,
    }


def test_resume_ready_by_replaces_resume_schedule() -> None:
    tree = {
        "defaults": {"resume_schedule": "cron(0 6 ? * MON-FRI *)"},
        "environments": [
            environment(resume_ready_by="cron(0 7 ? * MON-FRI *)", resume_lead_max_minutes=90),
            environment(name="prod"),
        ],
    }
    dev, prod = build_config(tree, "test.toml").environments
    assert dev.resume_schedule == "cron(30 5 ? * MON-FRI *)"  # 90 min before 07:00
    assert dev.resume_ready_by == "cron(0 7 ? * MON-FRI *)"
    assert prod.resume_schedule == "cron(0 6 ? * MON-FRI *)" and prod.resume_ready_by is None


def test_both_in_one_entry_is_refused_with_the_fix() -> None:
    tree = {
        "environments": [
            environment(
                resume_schedule="cron(0 6 ? * MON-FRI *)",
                resume_ready_by="cron(0 7 ? * MON-FRI *)",
            )
        ]
    }
    with pytest.raises(ConfigError) as caught:
        build_config(tree, "test.toml")
    text = str(caught.value)
    assert "resume_ready_by" in text and "one or the other" in text


def test_status_shows_the_learned_lead_and_the_last_resumes() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.operations.plan import plan_environment
    from mwaa_pause_resume.operations.prices import price_table
    from mwaa_pause_resume.operations.timing_status import timing_line, timing_status

    env = EnvironmentConfig(
        name="dev",
        source_bucket="b",
        execution_role_arn="arn:aws:iam::111122223333:role/r",
        pause_schedule="cron(0 20 ? * MON-FRI *)",
        resume_schedule="cron(0 5 ? * MON-FRI *)",
        resume_ready_by="cron(0 7 ? * MON-FRI *)",
    )
    document = {
        "resumes": [
            {"began_at": 1.0, "duration": 20 * MIN, "late": False},
            {"began_at": 2.0, "duration": 40 * MIN, "late": True, "ready_by_at": 3.0},
        ]
    }
    timing = timing_status(env, document)
    assert (timing["lead_seconds"], timing["lead_source"]) == (50 * MIN, "learned")
    assert timing["late_resumes"] == 1
    line = "lead 50m00s (learned from 2 resumes); last resumes 20m00s, 40m00s LATE"
    assert timing_line(timing) == line
    assert timing_line(timing_status(replace(env, resume_ready_by=None), None)) == (
        "no resume measured yet"
    )
    # plan shows both times: the schedule's fire and the ready-by time.
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)  # a Wednesday
    planned = plan_environment(env, now, 1, price_table()).as_dict()
    assert planned["resume"]["next_utc"] == ["2026-12-03T05:00:00+00:00"]
    assert planned["ready_by"]["next_utc"] == ["2026-12-03T07:00:00+00:00"]


def test_the_resume_schedule_passes_the_ready_by_settings_to_the_workflow() -> None:
    from mwaa_pause_resume.infra.schedule_input import execution_input

    tree = {
        "environments": [
            environment(resume_ready_by="cron(0 7 ? * MON-FRI *)", timezone="Europe/Berlin")
        ]
    }
    (env,) = build_config(tree, "test.toml").environments
    resume = execution_input(env, "resume", "backups", None, scheduled=True)
    assert resume["ready_by"] == {
        "cron": "cron(0 7 ? * MON-FRI *)",
        "timezone": "Europe/Berlin",
        "default_lead_minutes": 45,
        "margin_minutes": 10,
        "max_lead_minutes": 120,
        "window_minutes": 0,
    }
    assert "ready_by" not in execution_input(env, "pause", "backups", None, scheduled=True)
