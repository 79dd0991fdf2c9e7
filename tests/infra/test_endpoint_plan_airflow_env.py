"""The endpoint planner and MWAA's ``airflow.env`` service: who needs it (Airflow 3
environments' workers, functions attached to a VPC), what the check finds (pure and
through moto's EC2), and how a plan travels as CDK context."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.capabilities import HANDLERS
from mwaa_pause_resume.infra.vpc_endpoints import (
    LAMBDA_USERS,
    EndpointPlan,
    endpoint_needs,
    is_airflow_3,
    offline_plan,
    plan_endpoints,
)
from mwaa_pause_resume.operations.vpc_endpoint_lookup import lookup_plans

REGION = "eu-west-1"
VPC = "vpc-0a1b2c3d4e5f60718"
LAMBDA_VPC = "vpc-0a1b2c3d4e5f607ff"
SUBNETS = ("subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712")
ENV_SG = "sg-0a1b2c3d4e5f60719"
LAMBDA_SUBNETS = ("subnet-0a1b2c3d4e5f607f1", "subnet-0a1b2c3d4e5f607f2")
LAMBDA_SG = "sg-0a1b2c3d4e5f607fa"
S3 = f"com.amazonaws.{REGION}.s3"
KMS = f"com.amazonaws.{REGION}.kms"
AIRFLOW_ENV = f"com.amazonaws.{REGION}.airflow.env"


def _env(name: str = "private", **kw: Any) -> EnvironmentConfig:
    base: dict[str, Any] = {
        "source_bucket": "b",
        "execution_role_arn": "arn:aws:iam::111122223333:role/r",
        "pause_schedule": "0 20 ? * * *",
        "resume_schedule": "0 6 ? * * *",
        "vpc_id": VPC,
        "subnet_ids": SUBNETS,
        "security_group_ids": (ENV_SG,),
        "create_vpc_endpoints": True,
    }
    return EnvironmentConfig(name=name, **{**base, **kw})


def _lambdas(**kw: Any) -> DeploymentConfig:
    base: dict[str, Any] = {
        "lambda_subnet_ids": LAMBDA_SUBNETS,
        "lambda_security_group_ids": (LAMBDA_SG,),
        "lambda_vpc_id": LAMBDA_VPC,
    }
    return DeploymentConfig(**{**base, **kw})


def _endpoint(service: str, kind: str = "Interface", **kw: Any) -> dict[str, Any]:
    return {
        "VpcEndpointId": "vpce-0123",
        "VpcId": VPC,
        "ServiceName": service,
        "VpcEndpointType": kind,
        "State": "available",
        **kw,
    }


# -- who needs what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "airflow3"),
    [(None, False), ("2.10.3", False), ("3.0.6", True), ("3.1", True), ("10.0", True)],
)
def test_only_a_configured_3x_version_counts_as_airflow_3(
    version: str | None, airflow3: bool
) -> None:
    assert is_airflow_3(_env(airflow_version=version)) is airflow3


def test_airflow_2_environment_needs_kms_but_not_airflow_env() -> None:
    (needs,) = endpoint_needs([_env(airflow_version="2.10.3")]).values()
    assert (needs.kms, needs.airflow_env) == (True, False)
    assert needs.kms_clients == (ENV_SG,)
    assert needs.airflow_env_clients == ()
    assert offline_plan(needs) == EndpointPlan(VPC, kms=True, airflow_env=False)


def test_airflow_3_environment_needs_airflow_env_for_its_workers() -> None:
    airflow2 = _env("old", airflow_version="2.10.3", security_group_ids=("sg-0a1b2c3d",))
    airflow3 = _env("new", airflow_version="3.0.6")
    (needs,) = endpoint_needs([airflow2, airflow3]).values()
    assert (needs.kms, needs.airflow_env) == (True, True)
    assert needs.kms_clients == tuple(sorted((ENV_SG, "sg-0a1b2c3d")))
    assert needs.airflow_env_clients == (ENV_SG,)  # only the Airflow 3 environment calls it
    assert needs.interface_subnets == SUBNETS
    assert needs.users == ("old", "new")


def test_no_endpoints_without_create_vpc_endpoints_or_lambda_subnets() -> None:
    assert endpoint_needs([_env(airflow_version="3.0.6", create_vpc_endpoints=False)]) == {}
    assert endpoint_needs([_env(create_vpc_endpoints=False)], DeploymentConfig()) == {}


def test_functions_in_their_own_vpc_need_airflow_env_and_s3_but_not_kms() -> None:
    needs = endpoint_needs([_env(airflow_version="2.10.3")], _lambdas())
    assert set(needs) == {VPC, LAMBDA_VPC}
    own = needs[LAMBDA_VPC]
    assert (own.kms, own.airflow_env) == (False, True)
    assert own.route_subnets == LAMBDA_SUBNETS  # the S3 gateway covers their route tables
    assert own.interface_subnets == LAMBDA_SUBNETS
    assert own.airflow_env_clients == (LAMBDA_SG,)
    assert own.users == (LAMBDA_USERS,)
    assert offline_plan(own) == EndpointPlan(LAMBDA_VPC, kms=False, airflow_env=True)
    assert not needs[VPC].airflow_env  # the Airflow 2 environment's VPC is unchanged


def test_functions_in_the_environments_vpc_share_its_endpoints() -> None:
    deployment = _lambdas(lambda_subnet_ids=SUBNETS[:1], lambda_vpc_id=None)
    (needs,) = endpoint_needs([_env(airflow_version="2.10.3")], deployment).values()
    assert needs.vpc_id == VPC  # learned from the environment whose subnet it is
    assert (needs.kms, needs.airflow_env) == (True, True)
    assert needs.interface_subnets == SUBNETS  # the environment's two zones
    assert needs.kms_clients == (ENV_SG,)
    assert needs.airflow_env_clients == (LAMBDA_SG,)
    assert needs.users == ("private", LAMBDA_USERS)


def test_functions_in_a_vpc_without_an_environment_asking_still_get_airflow_env() -> None:
    deployment = _lambdas(lambda_subnet_ids=SUBNETS, lambda_vpc_id=None)
    (needs,) = endpoint_needs([_env(create_vpc_endpoints=False)], deployment).values()
    assert (needs.vpc_id, needs.kms, needs.airflow_env) == (VPC, False, True)
    assert needs.route_subnets == SUBNETS


def test_unknown_lambda_vpc_is_a_user_error() -> None:
    with pytest.raises(UserError, match="lambda_vpc_id"):
        endpoint_needs([_env()], _lambdas(lambda_vpc_id=None))


def test_the_functions_that_join_the_vpc_are_the_rest_api_callers() -> None:
    assert {k for k, h in HANDLERS.items() if h.joins_vpc} == {
        "dag_trigger",
        "dag_run_state",
        "failure",
        "busy_check",
    }


# -- what the check finds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "created", "problems"),
    [
        ([], True, 0),
        ([_endpoint(AIRFLOW_ENV, PrivateDnsEnabled=True)], False, 0),
        ([_endpoint(f"{AIRFLOW_ENV}-fips", PrivateDnsEnabled=True)], False, 0),
        ([_endpoint(AIRFLOW_ENV, PrivateDnsEnabled=True, State="deleted")], True, 0),
        ([_endpoint(AIRFLOW_ENV, PrivateDnsEnabled=True, VpcId="vpc-0000000a")], True, 0),
        # Without private DNS boto3 never reaches it; a second endpoint would not help.
        ([_endpoint(AIRFLOW_ENV, PrivateDnsEnabled=False)], False, 1),
        # The control plane (airflow.api) is another service.
        ([_endpoint(f"com.amazonaws.{REGION}.airflow.api", PrivateDnsEnabled=True)], True, 0),
    ],
)
def test_airflow_env_is_created_only_when_missing(
    endpoints: list[dict[str, Any]], created: bool, problems: int
) -> None:
    plan = plan_endpoints(REGION, VPC, {}, endpoints, kms=False, airflow_env=True)
    assert (plan.airflow_env, len(plan.problems), plan.kms) == (created, problems, False)
    if problems:
        assert "private DNS" in plan.problems[0] and "vpce-0123" in plan.problems[0]


def test_airflow_env_is_not_looked_at_when_not_needed() -> None:
    plan = plan_endpoints(REGION, VPC, {"subnet-1": "rtb-a"}, [])
    assert (plan.s3_route_tables, plan.kms, plan.airflow_env) == (("rtb-a",), True, None)
    assert plan.missing() == ["S3 gateway", "KMS interface"]


@pytest.mark.parametrize(
    "plan",
    [
        EndpointPlan(VPC, ("rtb-a",), kms=False, airflow_env=True),
        EndpointPlan(VPC, (), kms=True, airflow_env=False),
        EndpointPlan(VPC, (), kms=True, airflow_env=None),
    ],
)
def test_plan_travels_as_context(plan: EndpointPlan) -> None:
    assert EndpointPlan.from_context(VPC, plan.as_context()) == plan


def test_context_of_an_older_check_leaves_airflow_env_to_the_configuration() -> None:
    old = '{"s3_route_tables": [], "kms": false}'
    assert EndpointPlan.from_context(VPC, old).airflow_env is None


@mock_aws
def test_lookup_checks_the_lambda_vpc_route_tables_and_airflow_env() -> None:
    session = boto3.Session(region_name=REGION)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    )
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    deployment = _lambdas(lambda_subnet_ids=subnets, lambda_vpc_id=vpc)

    (plan,) = lookup_plans(session, REGION, [], deployment)
    assert (plan.vpc_id, plan.s3_route_tables, plan.kms, plan.airflow_env) == (
        vpc,
        (table,),
        False,
        True,
    )
    assert plan.missing() == ["S3 gateway", "MWAA airflow.env interface"]

    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=S3, VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=AIRFLOW_ENV,
        VpcEndpointType="Interface",
        SubnetIds=list(subnets[:1]),
        PrivateDnsEnabled=True,
    )
    (plan,) = lookup_plans(session, REGION, [], deployment)
    assert (plan.s3_route_tables, plan.kms, plan.airflow_env, plan.problems) == (
        (),
        False,
        False,
        (),
    )
    assert plan.missing() == []
    # Without the deployment only the environments' VPCs are checked: here none.
    assert lookup_plans(session, REGION, []) == []
