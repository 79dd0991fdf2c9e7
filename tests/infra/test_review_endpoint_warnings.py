"""``deploy``'s endpoint check also looks at the VPC of an environment with a ``vpc_id`` and
``create_vpc_endpoints = false``: what that VPC lacks is a warning, and nothing is
planned for the stack (docs/deploy.md, Private environments). Against moto's EC2."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import boto3
import pytest
from infra_config import STAGING
from moto import mock_aws

from mwaa_pause_resume.cli.stack_cmd import _endpoint_context
from mwaa_pause_resume.config.model import Config, DeploymentConfig

REGION = "eu-west-1"


@mock_aws
def test_vpc_without_create_vpc_endpoints_is_checked_and_warned_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = boto3.Session(region_name=REGION)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.4.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    )
    env = dataclasses.replace(
        STAGING, vpc_id=vpc, subnet_ids=subnets, security_group_ids=(), create_vpc_endpoints=False
    )
    config = Config(deployment=DeploymentConfig(), environments=(env,))

    context = _endpoint_context(config, SimpleNamespace(session=session, region=REGION))

    assert context == {}  # the stack creates nothing there
    err = capsys.readouterr().err
    assert f"Warning: {vpc} has no S3 gateway or KMS interface endpoint" in err
    assert "Set create_vpc_endpoints = true or add them." in err
