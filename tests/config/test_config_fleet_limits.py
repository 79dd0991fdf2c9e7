"""validate refuses what IAM or SNS would refuse at deploy time, past the fleet limits.

IAM caps a role's inline policies at 10,240 characters; the estimate
(infra.role_policy_size) is compared with real syntheses in
tests/infra/test_role_policy_size.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mwaa_pause_resume.config import load_toml
from tests.config.config_helpers import BASE_DEPLOYMENT, environment


def _networked(i: int, subnets: int) -> dict[str, Any]:
    return environment(
        name=f"analytics-team-{i:02d}",
        source_bucket=f"analytics-team-{i:02d}-dags",
        vpc_id=f"vpc-{i:017x}",
        subnet_ids=[f"subnet-{i:03d}{n:014x}" for n in range(subnets)],
        security_group_ids=[f"sg-{i:03d}{n:014x}" for n in range(3)],
    )


def test_a_role_policy_past_iams_limit_is_refused_with_the_role_the_size_and_the_fix(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """Ten environments (exact per-environment grants), each in its own VPC with its own
    subnets and security groups: environment_create's policy names them all."""
    own_networks = [_networked(i, subnets=3) for i in range(10)]
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=own_networks)
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "the environment_create function's IAM role policies would be about" in text
    assert "for 10 environments, more than IAM's limit of 10240 characters per role" in text
    assert "share execution roles, source buckets, subnets and security groups" in text
    fewer = [_networked(i, subnets=2) for i in range(4)]
    load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=fewer))  # fits


def test_an_address_past_the_sns_filter_limit_is_refused_by_validate(
    write_toml: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """An address's subscription filters on one value per (environment, status): 50
    environments with the three default types are 150, plus the alarms' branch."""
    shared = [
        environment(name=f"team-{i:02d}", notification_emails=["platform@example.com"])
        for i in range(50)
    ]
    path = write_toml(deployment=BASE_DEPLOYMENT, environments=shared)
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "platform@example.com would receive 150 (environment, status) combinations" in text
    assert "at most 149 besides the alarms'" in text
    assert "another notification address" in text
    load_toml(write_toml(deployment=BASE_DEPLOYMENT, environments=shared[:49]))  # fits
