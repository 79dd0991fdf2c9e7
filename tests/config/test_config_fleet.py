"""Fleet placement, spoke role naming and filters (config/fleet.py)."""

from __future__ import annotations

from dataclasses import replace

from mwaa_pause_resume.config.fleet import (
    matches,
    placement,
    spoke_accounts,
    spoke_role_arn,
    spoke_role_name,
)
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig

HUB = DeploymentConfig(stack_name="hub", account="111122223333", region="us-east-1")
BASE = EnvironmentConfig(
    name="a",
    source_bucket="bucket-a",
    execution_role_arn="arn:aws:iam::111122223333:role/r",
    pause_schedule="cron(0 18 ? * * *)",
    resume_schedule="cron(0 8 ? * * *)",
)


def test_an_environment_without_account_or_region_lives_where_the_hub_does() -> None:
    assert placement(BASE, HUB).account == "111122223333"
    assert placement(BASE, HUB).region == "us-east-1"
    spoke = replace(BASE, account="222233334444", region="eu-west-1")
    assert (placement(spoke, HUB).account, placement(spoke, HUB).region) == (
        "222233334444",
        "eu-west-1",
    )


def test_spoke_accounts_leave_out_the_hub_and_repeat_none() -> None:
    envs = (
        BASE,
        replace(BASE, name="b", account="222233334444"),
        replace(BASE, name="c", account="222233334444", region="eu-west-1"),
        replace(BASE, name="d", account="111122223333"),
    )
    assert spoke_accounts(envs, HUB) == ("222233334444",)


def test_spoke_role_names_fit_iam() -> None:
    assert spoke_role_arn("hub", "222233334444") == "arn:aws:iam::222233334444:role/hub-spoke"
    assert len(spoke_role_name("x" * 128)) == 64


def test_filters_by_account_region_and_tag() -> None:
    env = replace(BASE, account="222233334444", region="eu-west-1", tags=("team=data", "tier=1"))
    assert matches(env, HUB)
    assert matches(env, HUB, accounts=("222233334444",), regions=("eu-west-1",))
    assert not matches(env, HUB, regions=("us-east-1",))
    assert matches(env, HUB, tags=("team=data",))
    assert matches(env, HUB, tags=("tier",))
    assert not matches(env, HUB, tags=("team=web",))
    assert not matches(env, HUB, tags=("team=data", "stage"))
