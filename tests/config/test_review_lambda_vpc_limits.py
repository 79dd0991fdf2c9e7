"""A Lambda function's VpcConfig takes at most 16 subnets and 5 security groups (Lambda
API reference, VpcConfig): more is a configuration error named by its field, not a
CloudFormation failure halfway through a deploy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from config_helpers import BASE_DEPLOYMENT, environment

from mwaa_pause_resume.config import ConfigError, load_config

VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = [f"subnet-0a1b2c3d4e5f607{i:02x}" for i in range(17)]
GROUPS = [f"sg-0a1b2c3d4e5f607{i:02x}" for i in range(6)]
PRIVATE = environment(vpc_id=VPC, subnet_ids=SUBNETS[:2])

WriteToml = Callable[..., Path]


def _fields(write_toml: WriteToml, subnets: list[str], groups: list[str]) -> dict[str, str]:
    deployment = {
        **BASE_DEPLOYMENT,
        "lambda_subnet_ids": subnets,
        "lambda_security_group_ids": groups,
        "lambda_vpc_id": VPC,
    }
    path = write_toml(deployment=deployment, environments=[PRIVATE])
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    return {p.field: p.message for p in caught.value.problems}


def test_at_most_16_subnets_and_5_security_groups(write_toml: WriteToml) -> None:
    fields = _fields(write_toml, SUBNETS, GROUPS)

    assert set(fields) == {"deployment.lambda_subnet_ids", "deployment.lambda_security_group_ids"}
    assert "17" in fields["deployment.lambda_subnet_ids"]
    assert "16" in fields["deployment.lambda_subnet_ids"]
    assert "6" in fields["deployment.lambda_security_group_ids"]
    assert "5" in fields["deployment.lambda_security_group_ids"]


def test_the_limits_themselves_are_accepted(write_toml: WriteToml) -> None:
    deployment = {
        **BASE_DEPLOYMENT,
        "lambda_subnet_ids": SUBNETS[:16],
        "lambda_security_group_ids": GROUPS[:5],
        "lambda_vpc_id": VPC,
    }
    config = load_config(write_toml(deployment=deployment, environments=[PRIVATE]), environ={})

    assert len(config.deployment.lambda_subnet_ids) == 16
    assert len(config.deployment.lambda_security_group_ids) == 5
