"""The schedules' FlexibleTimeWindow property, from schedule_window_minutes."""

from __future__ import annotations

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.schedules import flexible_window


def env(window: int) -> EnvironmentConfig:
    return EnvironmentConfig(
        name="dev",
        source_bucket="b",
        execution_role_arn="arn:aws:iam::111122223333:role/r",
        pause_schedule="cron(0 20 ? * MON-FRI *)",
        resume_schedule="cron(45 5 ? * MON-FRI *)",
        schedule_window_minutes=window,
    )


def test_no_window_is_mode_off() -> None:
    window = flexible_window(env(0))
    assert (window.mode, window.maximum_window_in_minutes) == ("OFF", None)


def test_a_window_is_flexible_with_its_maximum() -> None:
    window = flexible_window(env(15))
    assert (window.mode, window.maximum_window_in_minutes) == ("FLEXIBLE", 15)
