"""What the hub's bucket and keys allow the execution roles of spoke environments (pure).

An environment in another account runs the export and import DAGs with its own
execution role, in its own account, against the hub's backup bucket and keys. Inside
one account an identity policy is enough (bucket_guard only fences); across accounts
the bucket policy and the key policies must allow the role too. These statements
allow each spoke execution role only what its identity policy in the spoke
(``mwaa-pause-resume policy ENV``) asks for, and only for its own environments:

- bucket: object reads and DAG writes (``SpokeExecutionRoleObjects``, one statement
  for all of them; the per-role fences of bucket_guard deny anything outside the
  role's own ``<env>/`` prefixes and the DAGs' own file kinds), and listing under its
  own prefixes only (``SpokeListOwnSnapshots<n>``, one per role);
- backup key: through S3 for the bucket's objects, and directly only for data keys
  whose encryption context names one of its environments (``SpokeDataKeys<n>``);
- HMAC key: ``kms:VerifyMac`` only (the DAGs check the workflows' MACs, make none).

Principals are matched by ``aws:PrincipalArn`` with ``Principal: *``: a policy naming a
role that does not exist yet is refused by S3 and KMS, and this way the hub deploys
before the spokes' roles exist. Fixed ARNs in the condition keep the policy non-public
for S3 Block Public Access.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.bucket_policy_size import roles_environments
from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.execution_role_policy import (
    SNAPSHOT_KEY_ACTIONS,
    SNAPSHOT_OBJECT_ACTIONS,
)
from mwaa_pause_resume.infra.names import env_prefix
from mwaa_pause_resume.metadata.key_context import ENVIRONMENT_CONTEXT_KEY

Statement = dict[str, Any]


def _principals(roles: Sequence[str]) -> dict[str, Any]:
    return {"ArnEquals": {"aws:PrincipalArn": list(roles)}}


def bucket_statements(bucket_arn: str, spoke_envs: Sequence[EnvironmentConfig]) -> list[Statement]:
    """Bucket policy allows for the spoke environments' execution roles."""
    roles = roles_environments(spoke_envs)
    if not roles:
        return []
    statements: list[Statement] = [
        {
            "Sid": "SpokeExecutionRoleObjects",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": list(SNAPSHOT_OBJECT_ACTIONS),
            "Resource": f"{bucket_arn}/*",
            "Condition": _principals(list(roles)),
        }
    ]
    for number, (role, names) in enumerate(roles.items(), 1):
        prefixes = [p for name in names for p in (env_prefix(name), f"{env_prefix(name)}*")]
        statements.append(
            {
                "Sid": f"SpokeListOwnSnapshots{number}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {**_principals([role]), "StringLike": {"s3:prefix": prefixes}},
            }
        )
    return statements


def backup_key_statements(
    bucket_arn: str, region: str, spoke_envs: Sequence[EnvironmentConfig]
) -> list[Statement]:
    """Key policy allows of the backup key for the spoke environments' execution roles."""
    roles = roles_environments(spoke_envs)
    if not roles:
        return []
    statements: list[Statement] = [
        {
            "Sid": "SpokeExecutionRolesThroughS3",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": list(SNAPSHOT_KEY_ACTIONS),
            "Resource": "*",
            "Condition": {
                **_principals(list(roles)),
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                # With S3 Bucket Keys the context is the bucket's ARN, otherwise the object's.
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
            },
        }
    ]
    for number, (role, names) in enumerate(roles.items(), 1):
        statements.append(
            {
                "Sid": f"SpokeDataKeys{number}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": list(SNAPSHOT_KEY_ACTIONS),
                "Resource": "*",
                "Condition": {
                    **_principals([role]),
                    "StringEquals": {
                        f"kms:EncryptionContext:{ENVIRONMENT_CONTEXT_KEY}": (
                            names if len(names) > 1 else names[0]
                        )
                    },
                },
            }
        )
    return statements


def mac_key_statements(spoke_envs: Sequence[EnvironmentConfig]) -> list[Statement]:
    """Key policy allow of the HMAC key: the spoke execution roles only check MACs."""
    roles = list(roles_environments(spoke_envs))
    if not roles:
        return []
    return [
        {
            "Sid": "SpokeExecutionRolesVerifyMacs",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:VerifyMac",
            "Resource": "*",
            "Condition": _principals(roles),
        }
    ]
