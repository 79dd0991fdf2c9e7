"""The IAM statements of CreateEnvironment, which MWAA completes with the caller's own
permissions (forward access sessions): the execution role, source bucket checks, the
VPC endpoints and network interfaces, log groups, the service-linked role and the
environment's own KMS key (pure).
"""

from __future__ import annotations

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.names import AIRFLOW_SERVICE, bucket_arn
from mwaa_pause_resume.infra.permission_scope import Scope, Statement, allow, unique

# Fleet size: past this many distinct execution roles, PassRole names their common
# prefix (``role/<path or name prefix>*``) instead of each (about 75 characters a role:
# 300 would fill IAM's 10,240 characters of a role's policies twice).
PASS_ROLE_LISTED_MAX = 40
# A shorter common prefix after ``role/`` would pass nearly any role of the account.
PASS_ROLE_PREFIX_MIN = 4

# MWAA's service-linked role: CreateEnvironment creates it when the account has none
# (e.g. it was deleted while every environment was paused).
MWAA_SERVICE_LINKED_ROLE = "aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA"


def create_environment_statements(scope: Scope) -> list[Statement]:
    """CreateEnvironment, which MWAA completes with the caller's own permissions (FAS)."""
    envs = scope.local_environments
    if not envs:
        return []
    regions = scope.regions

    def arn(env: EnvironmentConfig, resource: str) -> str:
        return scope.arn("ec2", resource, scope.region_of(env))

    def everywhere(service: str, resource: str) -> list[str]:
        return [scope.arn(service, resource, region) for region in regions]

    roles = passed_roles(unique([e.execution_role_arn for e in envs]))
    sources = unique([bucket_arn(scope.partition, e.source_bucket) for e in envs])
    source_check: Statement = {}
    if scope.fleet_scoped:
        # Fleet size: a bucket per environment would fill the role's policy. These three
        # read only bucket metadata (no object), and MWAA requires an environment's source
        # bucket in its own account: any bucket of this account.
        sources = [bucket_arn(scope.partition, "*")]
        source_check = {"Condition": {"StringEquals": {"aws:ResourceAccount": scope.account}}}
    vpcs = unique([arn(e, f"vpc/{e.vpc_id}") for e in envs if e.vpc_id])
    subnets = unique([arn(e, f"subnet/{s}") for e in envs for s in e.subnet_ids])
    groups = unique([arn(e, f"security-group/{g}") for e in envs for g in e.security_group_ids])
    # An environment without network ids in the config: the ids come from its snapshot.
    if any(not e.subnet_ids for e in envs):
        vpcs, subnets = everywhere("ec2", "vpc/*"), everywhere("ec2", "subnet/*")
    if any(not e.security_group_ids for e in envs):
        groups = everywhere("ec2", "security-group/*")
    return [
        allow(
            "CreateConfiguredEnvironments",
            ["airflow:CreateEnvironment", "airflow:TagResource"],
            scope.environment_arns,
        ),
        allow(
            "PassExecutionRolesToMwaa",
            ["iam:PassRole"],
            roles,
            Condition={"StringEquals": {"iam:PassedToService": AIRFLOW_SERVICE}},
        ),
        allow(
            "CheckSourceBuckets",
            [
                "s3:GetBucketLocation",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetEncryptionConfiguration",
            ],
            sources,
            **source_check,
        ),
        allow(
            "DescribeNetwork",  # EC2 Describe* actions support no resource-level permissions
            [
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
            ],
            ["*"],
        ),
        allow(
            "CreateEnvironmentEndpoints",
            ["ec2:CreateVpcEndpoint"],
            [*everywhere("ec2", "vpc-endpoint/*"), *vpcs, *subnets, *groups],
        ),
        allow(
            "CreateEnvironmentInterfaces",
            ["ec2:CreateNetworkInterface"],
            [*everywhere("ec2", "network-interface/*"), *subnets, *groups],
        ),
        allow(
            "CreateEnvironmentLogGroups",  # MWAA names them airflow-<environment>-<module>
            ["logs:CreateLogGroup", "logs:DescribeLogGroups"],
            scope.log_group_arns,
        ),
        allow(
            "CreateMwaaServiceLinkedRole",
            ["iam:CreateServiceLinkedRole"],
            [f"arn:{scope.partition}:iam::{scope.account}:role/{MWAA_SERVICE_LINKED_ROLE}"],
            Condition={"StringEquals": {"iam:AWSServiceName": AIRFLOW_SERVICE}},
        ),
        # An environment encrypted with its own customer managed key: the key id is only
        # known from the snapshot, so scope by account and region. kms:GrantIsForAWSResource
        # exists only in CreateGrant/ListGrants/RevokeGrant requests: a DescribeKey in the
        # same statement would never match, hence two statements.
        allow(
            "GrantEnvironmentKeyToMwaa",
            ["kms:CreateGrant"],
            everywhere("kms", "key/*"),
            Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        allow("DescribeEnvironmentKey", ["kms:DescribeKey"], everywhere("kms", "key/*")),
    ]


def passed_roles(roles: list[str]) -> list[str]:
    """The execution roles PassRole names: each, or past :data:`PASS_ROLE_LISTED_MAX` their
    common prefix when it is specific enough (a shared IAM path such as MWAA's
    ``service-role/``, or a naming convention such as ``mwaa-exec-``). Without one the list
    stays, and ``validate`` refuses a fleet whose role policy would not fit, saying so."""
    if len(roles) <= PASS_ROLE_LISTED_MAX:
        return roles
    common = roles[0]
    for role in roles[1:]:
        while not role.startswith(common):
            common = common[:-1]
    head, marker, tail = common.partition(":role/")
    if not marker or len(tail) < PASS_ROLE_PREFIX_MIN:
        return roles
    return [f"{head}{marker}{tail}*"]
