"""plan_environment (pure) and the ``plan`` command."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.config.model import EnvironmentConfig, PriceOverride
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.plan import plan_environment
from mwaa_pause_resume.operations.prices import bundled_prices, price_table

PRICES = bundled_prices()
WEEKDAY_NIGHTS = EnvironmentConfig(
    name="dev",
    source_bucket="my-mwaa-bucket",
    execution_role_arn="arn:aws:iam::123456789012:role/mwaa-exec",
    pause_schedule="0 20 ? * MON-FRI *",
    resume_schedule="cron(0 6 ? * MON-FRI *)",
    timezone="America/New_York",
    environment_class="mw1.small",
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def env(**changes: object) -> EnvironmentConfig:
    return replace(WEEKDAY_NIGHTS, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "now",
    [utc(2026, 11, 25, 17), utc(2026, 12, 5, 15)],  # a Wednesday; a Saturday (already paused)
    ids=["weekday", "weekend"],
)
def test_acceptance_weekday_nights_98_hours_and_saving(now: datetime) -> None:
    plan = plan_environment(WEEKDAY_NIGHTS, now, 5, PRICES)
    assert plan.paused_hours_per_week == 98.0
    assert plan.price.usd_per_hour == 0.49
    assert plan.estimated_monthly_saving_usd == round(98.0 * 52 / 12 * 0.49, 2) == 208.09
    assert plan.warnings == ()


def test_acceptance_next_times_across_the_2026_fall_back() -> None:
    plan = plan_environment(WEEKDAY_NIGHTS, utc(2026, 10, 29, 12), 4, PRICES)
    assert [t.astimezone(UTC) for t in plan.pause.next] == [
        utc(2026, 10, 30, 0),  # Thu 20:00 EDT
        utc(2026, 10, 31, 0),  # Fri 20:00 EDT
        utc(2026, 11, 3, 1),  # Mon 20:00 EST
        utc(2026, 11, 4, 1),
    ]
    assert [t.astimezone(UTC) for t in plan.resume.next] == [
        utc(2026, 10, 30, 10),  # Fri 06:00 EDT
        utc(2026, 11, 2, 11),  # Mon 06:00 EST
        utc(2026, 11, 3, 11),
        utc(2026, 11, 4, 11),
    ]
    assert plan.as_dict()["pause"]["next"][2] == "2026-11-02T20:00:00-05:00"


def test_acceptance_next_times_across_the_2027_spring_forward() -> None:
    plan = plan_environment(WEEKDAY_NIGHTS, utc(2027, 3, 12, 12), 3, PRICES)
    assert [t.astimezone(UTC) for t in plan.pause.next] == [
        utc(2027, 3, 13, 1),  # Fri 20:00 EST
        utc(2027, 3, 16, 0),  # Mon 20:00 EDT
        utc(2027, 3, 17, 0),
    ]
    assert [t.astimezone(UTC) for t in plan.resume.next] == [
        utc(2027, 3, 15, 10),  # Mon 06:00 EDT
        utc(2027, 3, 16, 10),
        utc(2027, 3, 17, 10),
    ]
    assert plan.as_dict()["resume"]["next_utc"][0] == "2027-03-15T10:00:00+00:00"


def test_paused_hours_count_real_hours_across_a_clock_change() -> None:
    # Mon 2026-10-26 12:00 EDT + 4 weeks: the weekend of 1 November lasts 59 real hours.
    plan = plan_environment(WEEKDAY_NIGHTS, utc(2026, 10, 26, 16), 5, PRICES)
    assert plan.paused_hours_per_week == (40 + 59 + 3 * 98) / 4 == 98.25


def test_saving_counts_extra_workers_and_schedulers() -> None:
    plan = plan_environment(env(min_workers=3, schedulers=3), utc(2026, 11, 25, 17), 1, PRICES)
    assert plan.price.usd_per_hour == pytest.approx(0.49 + 2 * 0.055 + 1 * 0.055)
    assert plan.estimated_monthly_saving_usd == round(98 * 52 / 12 * 0.655, 2)
    assert "2 extra workers x 0.055" in plan.price.basis


def test_config_prices_override_the_bundled_table() -> None:
    prices = price_table({"mw1.small": PriceOverride(environment=1.0)})
    plan = plan_environment(WEEKDAY_NIGHTS, utc(2026, 11, 25, 17), 1, prices)
    assert plan.estimated_monthly_saving_usd == round(98 * 52 / 12, 2)
    assert "config [prices]" in plan.price.basis


def test_unknown_class_or_unknown_extra_price_gives_a_warning_and_no_saving() -> None:
    plan = plan_environment(env(environment_class="mw1.huge"), utc(2026, 11, 25), 1, PRICES)
    assert plan.estimated_monthly_saving_usd is None
    assert any("mw1.huge" in w and '[prices."mw1.huge"]' in w for w in plan.warnings)
    plan = plan_environment(
        env(environment_class="mw1.xlarge", min_workers=2), utc(2026, 11, 25), 1, PRICES
    )
    assert plan.estimated_monthly_saving_usd is None
    assert any("no extra worker price for mw1.xlarge" in w for w in plan.warnings)
    # Without extra workers the base price is enough.
    plan = plan_environment(env(environment_class="mw1.xlarge"), utc(2026, 11, 25), 1, PRICES)
    assert plan.estimated_monthly_saving_usd == round(98 * 52 / 12 * 1.98, 2)


def test_bundled_table_records_its_date_and_source() -> None:
    assert PRICES.as_of == "2026-04"
    assert PRICES.region == "us-west-2"
    assert "Price List" in PRICES.source
    assert PRICES.classes["mw1.micro"].environment == 0.29


def test_dst_gap_and_overlap_warnings_name_the_dates_north_and_south() -> None:
    plan = plan_environment(
        env(pause_schedule="30 1 ? * SUN *", resume_schedule="30 2 ? * SUN *"),
        utc(2026, 11, 25),
        1,
        PRICES,
    )
    gap = [w for w in plan.warnings if "does not exist" in w]
    overlap = [w for w in plan.warnings if "twice" in w]
    assert len(gap) == 1 and "resume at 02:30 on Sun 2027-03-14" in gap[0]
    assert len(overlap) == 1 and "pause at 01:30 on Sun 2027-11-07" in overlap[0]
    assert "first occurrence (05:30 UTC)" in overlap[0]

    sydney = plan_environment(
        env(
            timezone="Australia/Sydney",
            pause_schedule="30 2 ? * SUN *",
            resume_schedule="0 9 ? * MON *",
        ),
        utc(2026, 11, 25),
        1,
        PRICES,
    )
    assert any("pause at 02:30 on Sun 2027-04-04 happens twice" in w for w in sydney.warnings)
    assert any("pause at 02:30 on Sun 2027-10-03 does not exist" in w for w in sydney.warnings)


def test_no_dst_warning_in_a_zone_without_dst() -> None:
    plan = plan_environment(
        env(timezone="Asia/Kolkata", pause_schedule="30 2 * * ? *", resume_schedule="0 9 * * ? *"),
        utc(2026, 11, 25),
        1,
        PRICES,
    )
    assert plan.warnings == ()
    assert plan.paused_hours_per_week == 7 * 6.5


def test_schedules_that_do_not_alternate_are_reported() -> None:
    plan = plan_environment(env(resume_schedule="0 6 ? * MON *"), utc(2026, 11, 25), 1, PRICES)
    assert any("pause fires twice without a resume in between" in w for w in plan.warnings)
    plan = plan_environment(env(pause_schedule="0 20 ? * FRI *"), utc(2026, 11, 25), 1, PRICES)
    assert any("resume fires twice without a pause in between" in w for w in plan.warnings)


def test_warning_counts_read_as_english() -> None:
    # Daily 02:30 pause, 01:30 resume: the 02:30 that does not exist on 2027-03-14 makes
    # resume fire twice in a row exactly once in the next 4 weeks.
    plan = plan_environment(
        env(pause_schedule="30 2 * * ? *", resume_schedule="30 1 * * ? *"),
        utc(2027, 3, 12, 12),
        1,
        PRICES,
    )
    (warning,) = [w for w in plan.warnings if "resume fires twice" in w]
    assert "; once in the next 4 weeks)" in warning
    assert "1 times" not in warning


def test_short_pause_window_is_reported() -> None:
    plan = plan_environment(
        env(pause_schedule="0 20 * * ? *", resume_schedule="30 20 * * ? *"),
        utc(2026, 11, 25),
        1,
        PRICES,
    )
    assert any(w.startswith("pause window of 30 min") and "60 min" in w for w in plan.warnings)


def test_a_schedule_that_never_fires_is_reported() -> None:
    plan = plan_environment(env(pause_schedule="0 20 1 JAN ? 2020"), utc(2026, 11, 25), 3, PRICES)
    assert plan.pause.next == ()
    assert any(
        w.startswith("pause schedule cron(0 20 1 JAN ? 2020) never fires") for w in plan.warnings
    )
    assert plan.paused_hours_per_week == 0


def test_bad_cron_or_zone_names_the_environment_and_field() -> None:
    with pytest.raises(UserError, match="environment 'dev': resume_schedule '0 6 \\* \\* \\* \\*'"):
        plan_environment(env(resume_schedule="0 6 * * * *"), utc(2026, 11, 25), 1, PRICES)
    with pytest.raises(UserError, match="environment 'dev': timezone: unknown time zone"):
        plan_environment(env(timezone="America/Nowhere"), utc(2026, 11, 25), 1, PRICES)


# The command


CONFIG = """
[defaults]
timezone = "America/New_York"
source_bucket = "my-mwaa-bucket"
execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec"

[[environments]]
name = "dev"
pause_schedule = "0 20 ? * MON-FRI *"
resume_schedule = "0 6 ? * MON-FRI *"

[[environments]]
name = "test"
pause_schedule = "30 1 ? * SUN *"
resume_schedule = "30 2 ? * SUN *"
environment_class = "mw1.medium"
missed_runs = "skip"

[prices."mw1.medium"]
environment = 1.0
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text(CONFIG)
    return path


def test_plan_json_has_the_documented_shape(config_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["plan", "--config", str(config_file), "--json", "--now", "2026-11-25T17:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    dev, test = doc["environments"]
    assert {
        "name",
        "timezone",
        "pause",
        "resume",
        "paused_hours_per_week",
        "estimated_monthly_saving_usd",
        "warnings",
        "missed_runs",
    } <= set(dev)
    assert (dev["missed_runs"], test["missed_runs"]) == ("catchup", "skip")
    assert dev["name"] == "dev" and dev["timezone"] == "America/New_York"
    assert dev["pause"]["expression"] == "0 20 ? * MON-FRI *"
    assert dev["pause"]["next"] == [
        "2026-11-25T20:00:00-05:00",
        "2026-11-26T20:00:00-05:00",
        "2026-11-27T20:00:00-05:00",
        "2026-11-30T20:00:00-05:00",
        "2026-12-01T20:00:00-05:00",
    ]
    assert dev["resume"]["next_utc"][0] == "2026-11-26T11:00:00+00:00"
    assert dev["paused_hours_per_week"] == 98.0
    assert dev["estimated_monthly_saving_usd"] == 208.09
    assert dev["warnings"] == []
    assert test["estimated_monthly_saving_usd"] == round(test["paused_hours_per_week"] * 52 / 12, 2)
    assert len(test["warnings"]) == 2
    assert doc["price_table"]["as_of"] == "2026-04"


def test_plan_table_shows_times_saving_and_warnings(config_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["plan", "--config", str(config_file), "-n", "2", "--now", "2026-11-25T17:00:00+00:00"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Wed 2026-11-25 20:00 EST" in out and "2026-11-26 01:00" in out
    assert "Paused hours per week (next 4 weeks): 98" in out
    assert "208.09 USD" in out
    assert "Warning: resume at 02:30 on Sun 2027-03-14 does not exist" in out


def test_plan_table_shows_each_environments_missed_runs_policy(config_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["plan", "--config", str(config_file), "-n", "1", "--now", "2026-11-25T17:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines() if "missed runs" in line]
    tag = "(the DAG tag mwaa-pause-resume:missed_runs=<policy> overrides it per DAG)"
    assert lines == [
        "missed runs catchup: each DAG's own catchup decides whether the intervals missed "
        f"while paused run {tag}",
        "missed runs skip: no interval missed while paused runs; scheduling goes on after "
        f"the resume {tag}",
    ]


def test_plan_environment_carries_the_policy() -> None:
    now = utc(2026, 11, 25, 17)
    assert plan_environment(WEEKDAY_NIGHTS, now, 1, PRICES).missed_runs == "catchup"
    assert plan_environment(env(missed_runs="latest"), now, 1, PRICES).missed_runs == "latest"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--now", "yesterday"], "--now 'yesterday' is not an ISO-8601 instant"),
        (["--now", "2026-11-25T17:00:00"], "with a UTC offset"),
    ],
)
def test_plan_bad_input_exits_2_without_traceback(
    config_file: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["plan", "--config", str(config_file), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_plan_with_a_bad_schedule_in_the_config_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(CONFIG.replace('"0 6 ? * MON-FRI *"', '"0 6 * * MON-FRI *"'))
    result = CliRunner().invoke(app, ["plan", "--config", str(path)])
    assert result.exit_code == 2
    assert "resume_schedule" in result.output and "Traceback" not in result.output


def test_plan_never_imports_boto3_or_aws_cdk(config_file: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from mwaa_pause_resume.cli.app import app
        app(args=["plan", "--config", {str(config_file)!r}, "--json"], standalone_mode=False)
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in {{"boto3", "botocore", "aws_cdk", "jsii", "psycopg2"}})
        print("HEAVY", heavy)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "HEAVY []"
    assert (
        json.loads(done.stdout[: done.stdout.rindex("HEAVY")])["environments"][0]["name"] == "dev"
    )


def test_plan_notes_when_bundled_prices_are_for_another_region(tmp_path: Path) -> None:
    path = tmp_path / "eu.toml"
    path.write_text('[deployment]\nregion = "eu-west-1"\n' + CONFIG)
    result = CliRunner().invoke(app, ["plan", "--config", str(path), "--json"])
    assert result.exit_code == 0, result.output
    note = json.loads(result.stdout)["price_table"]["note"]
    assert "eu-west-1" in note and "us-west-2" in note
