"""An environment's own resources besides its schedules: its access point on the backup
bucket, its DAGs folder's bundle deployment and the policy on its execution role.

Built in the main stack (flat layout) or in the environment's nested group
(``infra/groups.py``) from the same functions, so both layouts deploy the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.execution_role_policy import execution_role_policy
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.infra.snapshot_access_points import access_point_policy
from mwaa_pause_resume.infra.spoke import HUB_TAG
from mwaa_pause_resume.shared.snapshot_access_point import (
    access_point_arn,
    access_point_name,
    arn_prefix,
)


@dataclass(frozen=True)
class DeploymentRefs:
    """The deployment's shared values an environment's resources name (main-stack tokens)."""

    deployment: str  # the main stack's name: the DAGs trust it
    bucket_name: str
    key_arn: str
    mac_key_arn: str
    dag_bundle: Path
    # Accounts of environments reached through the spoke role (docs/fleet.md).
    spoke_accounts: frozenset[str] = frozenset()


def access_point_arn_prefix(scope: Construct, deployment: str) -> str:
    """The ARNs of the deployment's access points start with this (in the stack's account
    and region: the bucket's)."""
    stack = cdk.Stack.of(scope)
    return arn_prefix(stack.partition, stack.region, stack.account, deployment)


def create_access_point(scope: Construct, env: EnvironmentConfig, refs: DeploymentRefs) -> None:
    """The environment's way into the backup bucket (infra/snapshot_access_points.py)."""
    arn = access_point_arn(access_point_arn_prefix(scope, refs.deployment), env.name)
    s3.CfnAccessPoint(
        scope,
        f"{construct_id(env)}AccessPoint",
        bucket=refs.bucket_name,
        name=access_point_name(refs.deployment, env.name),
        policy=access_point_policy(arn, env),
        public_access_block_configuration=s3.CfnAccessPoint.PublicAccessBlockConfigurationProperty(
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        ),
    )


def deploy_dags(scope: Construct, env: EnvironmentConfig, refs: DeploymentRefs) -> None:
    """Copy the DAG bundle next to the user's DAGs; never delete their files.

    With it goes the trust file (dags/trust.py): the HMAC key, the backup bucket and the
    access points the DAGs trust, known only at deploy time (Source.json_data resolves
    the tokens).
    """
    from mwaa_pause_resume.dags.trust import TRUST_PATH, trust_document

    cid = construct_id(env)
    source = s3.Bucket.from_bucket_name(scope, f"{cid}SourceBucket", env.source_bucket)
    trust = trust_document(
        mac_key_id=refs.mac_key_arn,
        snapshot_root=f"s3://{refs.bucket_name}/",
        deployment=refs.deployment,
        access_point_arn_prefix=access_point_arn_prefix(scope, refs.deployment),
    )
    deployment = s3deploy.BucketDeployment(
        scope,
        f"{cid}Dags",
        sources=[
            s3deploy.Source.asset(str(refs.dag_bundle)),
            s3deploy.Source.json_data(TRUST_PATH, trust),
        ],
        destination_bucket=source,
        destination_key_prefix=env.dags_s3_path.strip("/"),
        prune=False,  # the user's own DAGs live there
        retain_on_delete=True,  # deleting the stack must not empty the DAGs folder
        extract=True,
    )
    if env.account in refs.spoke_accounts:
        # A DAGs folder in a spoke account: its bucket policy lets the hub's roles with
        # this tag write there (`policy --spoke-role`, docs/fleet.md).
        cdk.Tags.of(deployment.handler_role).add(HUB_TAG, refs.deployment)


def attach_execution_role_policy(
    scope: Construct, env: EnvironmentConfig, refs: DeploymentRefs
) -> None:
    stack = cdk.Stack.of(scope)
    cid = construct_id(env)
    role = iam.Role.from_role_arn(
        scope, f"{cid}ExecutionRole", env.execution_role_arn, mutable=True
    )
    iam.Policy(
        scope,
        f"{cid}ExecutionRolePolicy",
        document=iam.PolicyDocument.from_json(
            execution_role_policy(
                env.name,
                refs.bucket_name,
                refs.key_arn,
                stack.partition,
                deployment=refs.deployment,
                region=stack.region,
                account=stack.account,
                hub_account=stack.account,
                mac_key_arn=refs.mac_key_arn,
                environment_region=env.region,
            )
        ),
        roles=[role],
    )
