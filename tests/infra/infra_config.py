"""The two-environment deployment the infra tests synthesize, and template helpers.

``dev`` is public and lets the stack update its execution role; ``staging_2`` is
private (VPC, subnets, security group, endpoints wanted), with its own DAGs
path, time zone and notification types. Both share one address.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.config.model import Config, DeploymentConfig, EnvironmentConfig

ACCOUNT = "111122223333"
REGION = "eu-west-1"
VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = ("subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712")
SECURITY_GROUP = "sg-0a1b2c3d4e5f60719"

DEV = EnvironmentConfig(
    name="dev",
    source_bucket="dev-mwaa-source",
    execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/service-role/dev-exec",
    pause_schedule="0 20 ? * MON-FRI *",
    resume_schedule="cron(0 6 ? * MON-FRI *)",
    timezone="Europe/London",
    update_execution_role=True,
    notification_emails=("ops@example.com",),
)
STAGING = EnvironmentConfig(
    name="staging_2",
    source_bucket="staging-mwaa-source",
    execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/staging-exec",
    pause_schedule="30 21 ? * * *",
    resume_schedule="0 7 ? * MON-FRI *",
    timezone="America/New_York",
    dags_s3_path="airflow/dags/",
    vpc_id=VPC,
    subnet_ids=SUBNETS,
    security_group_ids=(SECURITY_GROUP,),
    create_vpc_endpoints=True,
    notification_emails=("ops@example.com", "staging@example.com"),
    notification_types=("FAILED", "SUCCEEDED"),
    poll_frequency_seconds=30,
    pause_timeout_minutes=90,
    resume_timeout_minutes=120,
    update_after_restore=True,
    snapshot_retention=3,
    missed_runs="skip",
)
CONFIG = Config(
    deployment=DeploymentConfig(stack_name="mpr-test", account=ACCOUNT, region=REGION),
    environments=(DEV, STAGING),
)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def only(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = list(resources(template, kind).values())
    assert len(found) == 1, f"{kind}: {len(found)}"
    return found[0]
