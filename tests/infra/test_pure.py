"""Pure parts: names, filters, the handler table, the endpoint plan and its AWS lookup (moto)."""

from __future__ import annotations

import dataclasses
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mwaa_pause_resume.config.model import NOTIFICATION_TYPES, EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.capabilities import HANDLERS, Capability
from mwaa_pause_resume.infra.names import (
    construct_id,
    partition_for,
    schedule_expression,
    schedule_name,
)
from mwaa_pause_resume.infra.notifications import notified_statuses, subscription_filters
from mwaa_pause_resume.infra.vpc_endpoints import EndpointPlan, plan_endpoints
from mwaa_pause_resume.operations.vpc_endpoint_lookup import lookup_plans
from mwaa_pause_resume.schedule.cron import CronError
from tests.infra.infra_config import DEV, STAGING


def _env(name: str, **kw: Any) -> EnvironmentConfig:
    base: dict[str, Any] = {
        "source_bucket": "b",
        "execution_role_arn": "arn:aws:iam::1:role/r",
        "pause_schedule": "0 20 ? * * *",
        "resume_schedule": "0 6 ? * * *",
    }
    return EnvironmentConfig(name=name, **{**base, **kw})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0 20 ? * MON-FRI *", "cron(0 20 ? * MON-FRI *)"),
        (" cron(0 6 ? * mon-fri *) ", "cron(0 6 ? * MON-FRI *)"),
    ],
)
def test_schedule_expressions_are_normalised_to_cron_form(given: str, expected: str) -> None:
    assert schedule_expression(given) == expected


def test_a_bad_cron_is_refused_before_anything_is_synthesized() -> None:
    with pytest.raises(CronError):
        schedule_expression("0 20 * * MON-FRI *")


def test_construct_ids_and_schedule_names_stay_distinct_and_within_limits() -> None:
    assert construct_id("my-env") != construct_id("my_env")
    assert construct_id("my-env").isalnum()
    long_name = "a" * 80
    assert len(schedule_name(long_name, "resume")) <= 64
    assert schedule_name(long_name, "pause") != schedule_name("a" * 79 + "b", "pause")
    assert schedule_name("dev", "pause") == "dev-pause"


def test_partitions() -> None:
    assert [partition_for(r) for r in ("eu-west-1", "cn-north-1", "us-gov-west-1", None)] == [
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws",
    ]


def test_each_address_gets_its_environments_statuses() -> None:
    filters = subscription_filters([DEV, STAGING])
    assert filters["staging@example.com"] == {
        "route": [f"{STAGING.name}/FAILED", f"{STAGING.name}/SUCCEEDED"]
    }
    # ops@ is listed by both environments, which notify different statuses: still one
    # key, each environment with its own statuses.
    assert filters["ops@example.com"] == {
        "route": sorted(
            [
                f"{DEV.name}/ABORTED",
                f"{DEV.name}/FAILED",
                f"{DEV.name}/TIMED_OUT",
                f"{STAGING.name}/FAILED",
                f"{STAGING.name}/SUCCEEDED",
            ]
        )
    }
    assert notified_statuses([DEV, STAGING]) == ["ABORTED", "FAILED", "SUCCEEDED", "TIMED_OUT"]
    assert notified_statuses([_env("quiet")]) == []


def test_one_address_for_too_many_routes_is_a_user_error() -> None:
    many = [
        dataclasses.replace(DEV, name=f"env-{i}", notification_types=NOTIFICATION_TYPES)
        for i in range(25)
    ]
    per_env = len(NOTIFICATION_TYPES)
    assert len(subscription_filters(many[:24])["ops@example.com"]["route"]) == 24 * per_env
    with pytest.raises(UserError, match="at most 149"):
        subscription_filters(many)


def test_every_handler_has_a_deliberate_grant() -> None:
    from mwaa_pause_resume.functions import HANDLERS as ENTRY_POINTS

    assert set(HANDLERS) == set(ENTRY_POINTS)
    creators = [k for k, h in HANDLERS.items() if Capability.ENV_CREATE in h.capabilities]
    assert creators == ["environment_create"]
    assert HANDLERS["notification"].capabilities == frozenset({Capability.PUBLISH})


S3, KMS = "com.amazonaws.eu-west-1.s3", "com.amazonaws.eu-west-1.kms"


def _endpoint(service: str, kind: str, **kw: Any) -> dict[str, Any]:
    return {
        "VpcId": "vpc-1",
        "ServiceName": service,
        "VpcEndpointType": kind,
        "State": "available",
        **kw,
    }


@pytest.mark.parametrize(
    ("endpoints", "s3_tables", "kms", "problems"),
    [
        ([], ("rtb-a", "rtb-b"), True, 0),
        ([_endpoint(S3, "Gateway", RouteTableIds=["rtb-a", "rtb-b"])], (), True, 0),
        (
            [_endpoint(S3, "Gateway", RouteTableIds=["rtb-a"]), _endpoint(KMS, "Interface")],
            (),
            False,
            1,
        ),
        (
            [_endpoint(S3, "Interface", PrivateDnsEnabled=True), _endpoint(KMS, "Interface")],
            (),
            False,
            0,
        ),
        (
            [_endpoint(S3, "Gateway", RouteTableIds=["rtb-a", "rtb-b"], State="deleted")],
            ("rtb-a", "rtb-b"),
            True,
            0,
        ),
    ],
)
def test_endpoint_plan(
    endpoints: list[dict[str, Any]], s3_tables: tuple[str, ...], kms: bool, problems: int
) -> None:
    plan = plan_endpoints(
        "eu-west-1", "vpc-1", {"subnet-1": "rtb-a", "subnet-2": "rtb-b"}, endpoints
    )
    assert (plan.s3_route_tables, plan.kms, len(plan.problems)) == (s3_tables, kms, problems)
    assert EndpointPlan.from_context("vpc-1", plan.as_context()).s3_route_tables == s3_tables


@mock_aws
def test_endpoint_lookup_reads_route_tables_and_endpoints_from_ec2() -> None:
    session = boto3.Session(region_name="eu-west-1")
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    ]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[0])
    main = next(
        t["RouteTableId"]
        for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
            "RouteTables"
        ]
        if any(a.get("Main") for a in t.get("Associations", []))
    )
    env = _env("private", vpc_id=vpc, subnet_ids=tuple(subnets), create_vpc_endpoints=True)
    (plan,) = lookup_plans(session, "eu-west-1", [env])
    assert plan.s3_route_tables == tuple(sorted({table, main}))
    assert plan.kms
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=S3, VpcEndpointType="Gateway", RouteTableIds=[table, main]
    )
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=KMS, VpcEndpointType="Interface", SubnetIds=subnets[:1]
    )
    (plan,) = lookup_plans(session, "eu-west-1", [env])
    assert (plan.s3_route_tables, plan.kms, plan.problems) == ((), False, ())


def test_skipped_runs_are_notified_through_their_succeeded_executions() -> None:
    skipped = dataclasses.replace(DEV, notification_types=("FAILED", "SKIPPED"))
    assert notified_statuses([skipped]) == ["FAILED", "SUCCEEDED"]
    assert subscription_filters([skipped])["ops@example.com"]["route"] == [
        f"{DEV.name}/FAILED",
        f"{DEV.name}/SKIPPED",
    ]
