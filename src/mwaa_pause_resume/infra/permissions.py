"""IAM statements for each handler capability, scoped to the configured environments (pure).

No statement grants ``airflow:``, ``iam:PassRole`` or ``s3:`` on ``*``. The
few actions AWS does not scope by resource (EC2 ``Describe*``) or whose
resource is only known at resume time (a customer managed key of the
environment itself) are narrowed by conditions instead; the stack acknowledges
them to cdk-nag with these reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.handlers import Capability
from mwaa_pause_resume.infra.names import (
    AIRFLOW_SERVICE,
    bucket_arn,
    environment_arn,
    rest_api_role_arn,
)

Statement = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Where the statements point. Values may be CDK tokens (strings) inside the stack."""

    partition: str
    region: str
    account: str
    environments: Sequence[EnvironmentConfig]
    backup_bucket_arn: str
    backup_key_arn: str
    topic_arn: str | None = None
    topic_key_arn: str | None = None

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    @property
    def environment_arns(self) -> list[str]:
        return [
            environment_arn(self.partition, self.region, self.account, e.name)
            for e in self.environments
        ]


def _allow(sid: str, actions: Sequence[str], resources: Sequence[str], **extra: Any) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources) if len(resources) > 1 else resources[0],
    }
    statement.update(extra)
    return statement


def _unique(values: Sequence[str]) -> list[str]:
    return sorted(set(values))


def create_environment_statements(scope: Scope) -> list[Statement]:
    """CreateEnvironment, which MWAA completes with the caller's own permissions (FAS)."""
    envs = scope.environments
    roles = _unique([e.execution_role_arn for e in envs])
    sources = _unique([bucket_arn(scope.partition, e.source_bucket) for e in envs])
    vpcs = _unique([scope.arn("ec2", f"vpc/{e.vpc_id}") for e in envs if e.vpc_id])
    subnets = _unique([scope.arn("ec2", f"subnet/{s}") for e in envs for s in e.subnet_ids])
    groups = _unique(
        [scope.arn("ec2", f"security-group/{g}") for e in envs for g in e.security_group_ids]
    )
    # An environment without network ids in the config: the ids come from its snapshot.
    if any(not e.subnet_ids for e in envs):
        vpcs, subnets = [scope.arn("ec2", "vpc/*")], [scope.arn("ec2", "subnet/*")]
    if any(not e.security_group_ids for e in envs):
        groups = [scope.arn("ec2", "security-group/*")]
    return [
        _allow(
            "CreateConfiguredEnvironments",
            ["airflow:CreateEnvironment", "airflow:TagResource"],
            scope.environment_arns,
        ),
        _allow(
            "PassExecutionRolesToMwaa",
            ["iam:PassRole"],
            roles,
            Condition={"StringEquals": {"iam:PassedToService": AIRFLOW_SERVICE}},
        ),
        _allow(
            "CheckSourceBuckets",
            [
                "s3:GetBucketLocation",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetEncryptionConfiguration",
            ],
            sources,
        ),
        _allow(
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
        _allow(
            "CreateEnvironmentEndpoints",
            ["ec2:CreateVpcEndpoint"],
            [scope.arn("ec2", "vpc-endpoint/*"), *vpcs, *subnets, *groups],
        ),
        _allow(
            "CreateEnvironmentInterfaces",
            ["ec2:CreateNetworkInterface"],
            [scope.arn("ec2", "network-interface/*"), *subnets, *groups],
        ),
        _allow(
            "CreateEnvironmentLogGroups",  # MWAA names them airflow-<environment>-<module>
            ["logs:CreateLogGroup", "logs:DescribeLogGroups"],
            _unique([scope.arn("logs", f"log-group:airflow-{e.name}-*") for e in envs]),
        ),
        _allow(
            # An environment encrypted with its own customer managed key: the key id is only
            # known from the snapshot, so scope by account and by AWS-service grants only.
            "UseEnvironmentKeyThroughMwaa",
            ["kms:CreateGrant", "kms:DescribeKey"],
            [scope.arn("kms", "key/*")],
            Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
    ]


def capability_statements(capability: Capability, scope: Scope) -> list[Statement]:
    envs = scope.environment_arns
    if capability is Capability.ENV_READ:
        return [_allow("ReadEnvironments", ["airflow:GetEnvironment"], envs)]
    if capability is Capability.ENV_DELETE:
        return [_allow("DeleteEnvironments", ["airflow:DeleteEnvironment"], envs)]
    if capability is Capability.ENV_UPDATE:
        return [_allow("UpdateEnvironments", ["airflow:UpdateEnvironment"], envs)]
    if capability is Capability.ENV_CREATE:
        return create_environment_statements(scope)
    if capability is Capability.REST_API:
        roles = [
            rest_api_role_arn(scope.partition, scope.region, scope.account, e.name)
            for e in scope.environments
        ]
        return [_allow("CallAirflowRestApi", ["airflow:InvokeRestApi"], roles)]
    if capability is Capability.SNAPSHOTS:
        bucket = scope.backup_bucket_arn
        return [
            _allow("ListSnapshots", ["s3:ListBucket"], [bucket]),
            _allow(
                "ReadWriteSnapshots",
                ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                [f"{bucket}/*"],
            ),
            _allow(
                "UseBackupKey",
                ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                [scope.backup_key_arn],
            ),
        ]
    if capability is Capability.PUBLISH:
        if scope.topic_arn is None or scope.topic_key_arn is None:
            return []
        return [
            _allow("PublishNotifications", ["sns:Publish"], [scope.topic_arn]),
            _allow(
                "EncryptNotifications",
                ["kms:Decrypt", "kms:GenerateDataKey"],
                [scope.topic_key_arn],
            ),
        ]
    raise AssertionError(capability)
