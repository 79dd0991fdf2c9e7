"""TOML loading: defaults and overrides, several environments, prices, resolution order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mwaa_pause_resume.config import ConfigError, PriceOverride, load_config
from tests.config.config_helpers import BASE_DEPLOYMENT, EXAMPLES, environment


def test_two_environments_with_defaults_and_overrides(write_toml: Callable[..., Path]) -> None:
    path = write_toml(
        deployment={**BASE_DEPLOYMENT, "stack_name": "pause-resume"},
        defaults={
            "timezone": "Europe/Paris",
            "pause_schedule": "0 19 ? * MON-FRI *",
            "resume_schedule": "0 7 ? * MON-FRI *",
            "notification_emails": ["team@example.com"],
            "environment_class": "mw1.medium",
            "snapshot_retention": 3,
        },
        environments=[
            environment(timezone=None, pause_schedule=None, resume_schedule=None),
            environment(
                name="staging",
                source_bucket="arn:aws:s3:::staging-bucket",
                timezone="America/New_York",
                pause_schedule=None,
                resume_schedule="cron(0 5 ? * MON-FRI *)",
                environment_class="mw1.micro",
                notification_emails=[],
            ),
        ],
    )
    config = load_config(path)
    dev, staging = config.environments
    assert config.deployment.stack_name == "pause-resume"
    assert config.source == str(path)
    # dev inherits every default
    assert dev.timezone == "Europe/Paris"
    assert (dev.pause_schedule, dev.resume_schedule) == ("0 19 ? * MON-FRI *", "0 7 ? * MON-FRI *")
    assert dev.notification_emails == ("team@example.com",)
    assert (dev.environment_class, dev.schedulers, dev.max_workers) == ("mw1.medium", 2, 10)
    assert dev.snapshot_retention == 3
    # staging overrides some, keeps the rest; a bucket ARN becomes the bucket name
    assert staging.source_bucket == "staging-bucket"
    assert staging.timezone == "America/New_York"
    assert staging.pause_schedule == "0 19 ? * MON-FRI *"
    assert staging.resume_schedule == "cron(0 5 ? * MON-FRI *)"
    assert staging.notification_emails == ()
    # mw1.micro runs one scheduler and one worker unless told otherwise
    assert (staging.schedulers, staging.min_workers, staging.max_workers) == (1, 1, 1)
    assert config.environment("staging") is staging


def test_model_defaults_when_nothing_is_set(write_toml: Callable[..., Path]) -> None:
    config = load_config(write_toml(environments=[environment()]))
    env = config.environments[0]
    assert config.deployment.stack_name == "mwaa-pause-resume"
    assert config.deployment.account is None
    assert env.dags_s3_path == "dags"
    assert env.notification_types == ("FAILED", "TIMED_OUT", "ABORTED")
    assert env.environment_class == "mw1.small"
    assert config.prices == {}


def test_price_overrides(write_toml: Callable[..., Path]) -> None:
    extra = (
        '[prices."mw1.small"]\nenvironment = 0.5\nextra_worker = 0.06\n\n'
        '[prices."mw1.large"]\nenvironment = 1\n'
    )
    config = load_config(write_toml(environments=[environment()], extra=extra))
    assert config.prices == {
        "mw1.small": PriceOverride(environment=0.5, extra_worker=0.06),
        "mw1.large": PriceOverride(environment=1.0),
    }


def test_explicit_path_wins_over_cwd_file(write_toml: Callable[..., Path], tmp_path: Path) -> None:
    write_toml(environments=[environment(name="in-cwd")])
    other = write_toml(environments=[environment(name="explicit")], name="other.toml")
    assert load_config(Path("other.toml"), cwd=tmp_path).environments[0].name == "explicit"
    assert load_config(other).environments[0].name == "explicit"
    assert load_config(cwd=tmp_path).environments[0].name == "in-cwd"


def test_bundled_examples_are_valid() -> None:
    tomls = sorted(EXAMPLES.rglob("*.toml"))
    assert len(tomls) >= 2
    for path in tomls:
        assert load_config(path, environ={}).environments


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.toml")
    problem = exc.value.problems[0]
    assert problem.field == "--config"
    assert "does not exist" in problem.message


def test_toml_syntax_error_names_the_line(write_toml: Callable[..., Path]) -> None:
    path = write_toml("[[environments]]\nname = dev\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "line 2" in exc.value.problems[0].message
    assert "double quotes" in exc.value.problems[0].fix


def test_fleet_fields_account_region_and_tags_are_read_and_checked() -> None:
    from mwaa_pause_resume.config.build import build_config
    from mwaa_pause_resume.errors import UserError

    env = {
        "name": "spoke-env",
        "source_bucket": "spoke-bucket",
        "execution_role_arn": "arn:aws:iam::222233334444:role/r",
        "pause_schedule": "cron(0 18 ? * MON-FRI *)",
        "resume_schedule": "cron(0 8 ? * MON-FRI *)",
        "account": "222233334444",
        "region": "eu-west-1",
        "tags": ["team=data", "stage=dev"],
    }
    config = build_config({"deployment": {"account": "111122223333"}, "environments": [env]}, "t")
    (got,) = config.environments
    assert (got.account, got.region, got.tags) == (
        "222233334444",
        "eu-west-1",
        ("team=data", "stage=dev"),
    )
    # The role must be in the environment's own account, not the hub's.
    wrong_role = env | {"execution_role_arn": "arn:aws:iam::111122223333:role/r"}
    with pytest.raises(UserError, match="222233334444"):
        build_config({"deployment": {"account": "111122223333"}, "environments": [wrong_role]}, "t")
    for bad in (["team"], ["team=a", "team=b"]):
        with pytest.raises(UserError, match="tags"):
            build_config({"environments": [env | {"tags": bad}]}, "t")
