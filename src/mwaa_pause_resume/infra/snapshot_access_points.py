"""The execution roles' way into the backup bucket: one S3 access point per environment (pure).

Why access points: the bucket policy must keep every principal but the granted ones
away from snapshot objects (bucket_guard), and keep each execution role to its own
environments' prefixes even when the role's own policies allow more (MWAA execution
roles often allow ``s3:*``). Written into the bucket policy, that is a few hundred
bytes per execution role, and S3 caps a bucket policy at 20 KB: about 25 environments
with a role each. Here each environment gets an access point whose own policy names
its role and its prefix, and the bucket policy names no execution role at all: it
spares requests that come through the deployment's access points (recognised by their
name prefix, shared/snapshot_access_point.py) from its group denies and delegates them
to the access points' policies. The bucket policy keeps one size whatever the fleet;
S3 allows 10,000 access points per account and region.

An access point's policy (:func:`access_point_policy`) allows the environment's role,
and only it, to list its prefix, read its snapshots and write an export's files and the
import's report there, and denies anything else through that access point, to that role
too. Across accounts (hub and spoke) the same policy is what allows the spoke's role.

Trust: whoever may create access points on the backup bucket under the deployment's
name prefix and set their policies can open the bucket, as whoever may edit the bucket
policy can (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.execution_role_policy import (
    DAG_OBJECT_PATTERNS,
    SNAPSHOT_OBJECT_ACTIONS,
    WRITE_OBJECT_ACTIONS,
)
from mwaa_pause_resume.infra.names import env_prefix

LIST_ACTION = "s3:ListBucket"
# Everything an execution role may do through its access point.
ACCESS_POINT_ACTIONS = (*SNAPSHOT_OBJECT_ACTIONS, LIST_ACTION)

Statement = dict[str, Any]


def objects(access_point_arn: str, key: str) -> str:
    """An object (pattern) through an access point: ``<access point ARN>/object/<key>``."""
    return f"{access_point_arn}/object/{key}"


def listed_prefixes(env_name: str) -> list[str]:
    prefix = env_prefix(env_name)
    return [prefix, f"{prefix}*"]


def access_point_policy(access_point_arn: str, env: EnvironmentConfig) -> dict[str, Any]:
    """The policy of ``env``'s access point: its execution role, its prefix, an export's files."""
    role = {"aws:PrincipalArn": env.execution_role_arn}
    everything = [access_point_arn, objects(access_point_arn, "*")]
    own_objects = objects(access_point_arn, f"{env_prefix(env.name)}*")
    statements: list[Statement] = [
        {
            # Principal "*" with the role's ARN in the condition: S3 refuses a policy that
            # names a role not created yet (a spoke's may come later), and a fixed ARN
            # keeps the policy non-public for Block Public Access.
            "Sid": "TheEnvironmentsExecutionRole",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": list(ACCESS_POINT_ACTIONS),
            "Resource": everything,
            "Condition": {"ArnLike": role},
        },
        {
            "Sid": "NoOtherPrincipal",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": everything,
            "Condition": {"ArnNotLike": role},
        },
        {
            # Not GetObjectVersion, DeleteObject, tagging, ACLs...: whatever the role's own
            # policies allow, through this access point it does what the DAGs do.
            "Sid": "OnlyWhatTheDagsDo",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "NotAction": list(ACCESS_POINT_ACTIONS),
            "Resource": everything,
        },
        {
            "Sid": "OnlyItsOwnPrefix",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(SNAPSHOT_OBJECT_ACTIONS),
            "NotResource": own_objects,
        },
        {
            "Sid": "OnlyAnExportsFiles",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(WRITE_OBJECT_ACTIONS),
            "NotResource": [
                objects(access_point_arn, f"{env_prefix(env.name)}*/{pattern}")
                for pattern in DAG_OBJECT_PATTERNS
            ],
        },
        {
            # Without a prefix (or another one) S3 would list every environment's keys.
            "Sid": "ListOnlyItsOwnPrefix",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": LIST_ACTION,
            "Resource": access_point_arn,
            "Condition": {"StringNotLike": {"s3:prefix": listed_prefixes(env.name)}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def delegation_statement(bucket_arn: str, account: str, arn_pattern: str) -> Statement:
    """The bucket policy's allow of what comes through the deployment's access points:
    their policies decide (needed across accounts; in the hub's account it keeps the
    execution roles' identity policies to the access point's ARN)."""
    return {
        "Sid": "DelegateToTheDeploymentsAccessPoints",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": list(ACCESS_POINT_ACTIONS),
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {
            "StringEquals": {"s3:DataAccessPointAccount": account},
            "ArnLike": {"s3:DataAccessPointArn": arn_pattern},
        },
    }
