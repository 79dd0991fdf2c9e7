"""``deploy``'s VPC endpoint check (``cli.stack_cmd._endpoint_context``) against moto's EC2:
the Lambda subnets' VPC is checked too, and what it lacks travels to the stack as context."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from mwaa_pause_resume.cli.stack_cmd import _endpoint_context
from mwaa_pause_resume.config.model import Config, DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX
from tests.infra.infra_config import STAGING

REGION = "eu-west-1"
AIRFLOW_ENV = f"com.amazonaws.{REGION}.airflow.env"


def _public_env() -> EnvironmentConfig:
    return EnvironmentConfig(
        name="dev",
        source_bucket="b",
        execution_role_arn="arn:aws:iam::111122223333:role/r",
        pause_schedule="0 20 ? * * *",
        resume_schedule="0 6 ? * * *",
    )


@mock_aws
def test_deploy_checks_the_lambda_vpc(capsys: pytest.CaptureFixture[str]) -> None:
    session = boto3.Session(region_name=REGION)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.2.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    )
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    config = Config(
        deployment=DeploymentConfig(
            lambda_subnet_ids=subnets, lambda_security_group_ids=(group,), lambda_vpc_id=vpc
        ),
        environments=(_public_env(),),
    )
    target = SimpleNamespace(session=session, region=REGION)

    context = _endpoint_context(config, target)

    plan = json.loads(context[CONTEXT_PREFIX + vpc])
    assert plan["airflow_env"] is True and plan["s3_route_tables"]
    assert "creating the S3 gateway and MWAA airflow.env interface endpoint(s)" in (
        capsys.readouterr().err
    )

    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=AIRFLOW_ENV,
        VpcEndpointType="Interface",
        SubnetIds=[subnets[0]],
        PrivateDnsEnabled=True,
    )
    again = json.loads(_endpoint_context(config, target)[CONTEXT_PREFIX + vpc])
    assert again["airflow_env"] is False  # found: the stack must not create a second one


def test_public_deployment_checks_nothing() -> None:
    config = Config(deployment=DeploymentConfig(), environments=(_public_env(),))
    assert _endpoint_context(config, SimpleNamespace(session=None, region=REGION)) == {}


class _Refusing:
    """A session whose EC2 calls are refused, as for a deployer without ec2:Describe*."""

    def client(self, *args: object, **kwargs: object) -> object:
        raise RuntimeError("AccessDenied: ec2:DescribeRouteTables")


def _private_env(create: bool) -> EnvironmentConfig:
    return EnvironmentConfig(
        name="private",
        source_bucket="b",
        execution_role_arn="arn:aws:iam::111122223333:role/r",
        pause_schedule="0 20 ? * * *",
        resume_schedule="0 6 ? * * *",
        vpc_id="vpc-0a1b2c3d4e5f60718",
        subnet_ids=("subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712"),
        security_group_ids=("sg-0a1b2c3d4e5f60719",),
        create_vpc_endpoints=create,
    )


def test_failed_check_stops_a_deploy_that_would_create_endpoints() -> None:
    config = Config(deployment=DeploymentConfig(), environments=(_private_env(True),))
    target = SimpleNamespace(session=_Refusing(), region=REGION)

    with pytest.raises(UserError) as raised:
        _endpoint_context(config, target)

    assert "vpc-0a1b2c3d4e5f60718" in raised.value.message
    assert "AccessDenied" in raised.value.message
    assert raised.value.hint and "create_vpc_endpoints = false" in raised.value.hint


def test_failed_check_only_warns_when_nothing_is_created(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = Config(deployment=DeploymentConfig(), environments=(_private_env(False),))
    target = SimpleNamespace(session=_Refusing(), region=REGION)

    assert _endpoint_context(config, target) == {}
    assert "could not check the VPC endpoints" in capsys.readouterr().err


# -- a vpc_id without create_vpc_endpoints -----------------------------------------
# ``deploy``'s endpoint check also looks at the VPC of an environment with a ``vpc_id`` and
# ``create_vpc_endpoints = false``: what that VPC lacks is a warning, and nothing is
# planned for the stack (docs/deploy.md, Private environments). Against moto's EC2.


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
