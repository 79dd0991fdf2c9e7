"""The backup bucket that holds snapshots, its KMS key, its access-log bucket and the
HMAC key (KMS) that signs run authorizations and snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra import spoke_access
from mwaa_pause_resume.infra.bucket_guard import break_glass_role_arn, guard_statements
from mwaa_pause_resume.infra.snapshot_access_points import delegation_statement
from mwaa_pause_resume.shared.snapshot_access_point import arn_prefix

# Snapshots are immutable once complete; superseded object versions (retention deletes,
# re-written latest.json pointers) are kept this long for recovery, then expire.
NONCURRENT_VERSION_DAYS = 30
ACCESS_LOG_DAYS = 365


class BackupStorage(Construct):
    """KMS key (rotated) + versioned, TLS-only, private bucket + server access logs.

    Both the key and the bucket are retained when the stack is deleted: a
    paused environment exists only as its snapshot.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        environments: Sequence[EnvironmentConfig],
        *,
        deployment: str,
        spoke_environments: Sequence[EnvironmentConfig] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts MWAA metadata snapshots (mwaa-pause-resume)",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.mac_key = mac_key(self)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # log delivery only supports SSE-S3
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(ACCESS_LOG_DAYS))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cdk.Validations.of(self.access_logs).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-S1",
                reason="The access-log bucket of the backup bucket: logging it would recurse.",
            )
        )
        self.bucket = s3.Bucket(
            self,
            "Snapshots",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="snapshots/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-superseded-versions",
                    noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_VERSION_DAYS),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                    expired_object_delete_marker=True,
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.environments = tuple(environments)
        self.deployment = deployment
        self.spoke_environments = tuple(spoke_environments)
        # The execution roles' grants are their identity policy (execution_role_policy),
        # on their access points (environment_resources), whose policies fence them.

    def deny_other_principals(self, handler_roles: Mapping[str, iam.IRole]) -> None:
        """Snapshot objects only for the roles granted them (docs/security.md).

        Called once the Lambda roles exist. Bucket-level actions stay open to IAM, so
        an administrator can always edit this policy (bucket_guard explains).
        """
        stack = cdk.Stack.of(self)
        access_points = arn_prefix(stack.partition, stack.region, stack.account, self.deployment)
        statements = guard_statements(
            self.bucket.bucket_arn,
            self.environments,
            {key: role.role_arn for key, role in handler_roles.items()},
            break_glass_role_arn(stack.partition, stack.account),
            f"{access_points}*",
        )
        # What comes through the access points (spoke accounts' roles too) is theirs to decide.
        statements.append(
            delegation_statement(self.bucket.bucket_arn, stack.account, f"{access_points}*")
        )
        spokes = self.spoke_environments
        for statement in statements:
            self.bucket.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
        key_statements = spoke_access.backup_key_statements(
            self.bucket.bucket_arn, stack.region, spokes
        )
        for statement in key_statements:
            self.key.add_to_resource_policy(iam.PolicyStatement.from_json(statement))
        for statement in spoke_access.mac_key_statements(spokes):
            self.mac_key.add_to_resource_policy(iam.PolicyStatement.from_json(statement))


def mac_key(scope: Construct) -> kms.Key:
    """The HMAC key: the functions MAC run authorizations, manifests and environment.json
    with it (kms:GenerateMac); the execution roles may only check (kms:VerifyMac), so the
    DAGs cannot sign what they write. Retained: it checks the snapshots it signed."""
    key = kms.Key(
        scope,
        "MacKey",
        description="Signs run authorizations and snapshots (mwaa-pause-resume)",
        key_spec=kms.KeySpec.HMAC_256,
        key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
        enable_key_rotation=False,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    cdk.Validations.of(key).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions-KMS5",
            reason="An HMAC key: KMS supports automatic rotation for symmetric encryption "
            "keys only. Its material never leaves KMS and only the workflow functions may "
            "make MACs with it; rotate by replacing the key (docs/security.md).",
        )
    )
    return key
