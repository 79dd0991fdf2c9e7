"""What the hub's bucket and keys allow the execution roles of spoke environments (pure).

An environment in another account runs the export and import DAGs with its own
execution role, in its own account, against the hub's backup bucket and keys. Inside
one account an identity policy is enough; across accounts
the resource policies must allow the role too. The bucket does it the same way for
every execution role, through the environment's access point, whose policy allows
only that role (infra/snapshot_access_points.py). The keys' policies allow each spoke
execution role only what its identity policy in the spoke
(``mwaa-pause-resume policy ENV``) asks for, and only for its own environments:

- backup key: through S3 for the bucket's objects, and directly only for data keys
  whose encryption context names one of its environments (``SpokeDataKeys<n>``);
- HMAC key: ``kms:VerifyMac`` only (the DAGs check the workflows' MACs, make none).

Principals are matched by ``aws:PrincipalArn`` with ``Principal: *``: a policy naming a
role that does not exist yet is refused by KMS, and this way the hub deploys before
the spokes' roles exist.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.execution_role_policy import SNAPSHOT_KEY_ACTIONS
from mwaa_pause_resume.metadata.key_context import ENVIRONMENT_CONTEXT_KEY

Statement = dict[str, Any]


def roles_environments(environments: Sequence[EnvironmentConfig]) -> dict[str, list[str]]:
    """Execution role ARN -> the names of the environments it serves, both sorted."""
    out: dict[str, list[str]] = {}
    for env in environments:
        out.setdefault(env.execution_role_arn, []).append(env.name)
    return {role: sorted(set(names)) for role, names in sorted(out.items())}


def _principals(roles: Sequence[str]) -> dict[str, Any]:
    return {"ArnEquals": {"aws:PrincipalArn": list(roles)}}


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


KEY_POLICY_LIMIT = 32 * 1024  # KMS: a key policy may be at most 32 KB
# CDK's default statement (the account may use IAM) with the longest account id and
# partition, and the document's own bytes; measured, rounded up.
KEY_POLICY_BASE_BYTES = 400
KEY_POLICY_FIX = (
    "let the environments of each spoke account share an execution role (the key's policy "
    "names each distinct spoke execution role), or split the fleet over two hubs (two "
    "configuration files, each with its own [deployment] stack_name)"
)


def backup_key_policy_bytes(spoke_envs: Sequence[EnvironmentConfig]) -> int:
    """Bytes of the backup key's policy (compact JSON) with the longest bucket ARN and
    region AWS allows: what grows with the spoke execution roles is exact."""
    bucket = f"arn:aws-us-gov:s3:::{'b' * 63}"
    statements = backup_key_statements(bucket, "x" * 14, spoke_envs)
    statements += mac_key_statements(spoke_envs)  # the HMAC key's is smaller: a bound
    return KEY_POLICY_BASE_BYTES + len(json.dumps(statements, separators=(",", ":")))


def backup_key_policy_too_large(spoke_envs: Sequence[EnvironmentConfig]) -> str | None:
    """Why the backup key's policy would pass KMS's limit, or None when it fits."""
    size = backup_key_policy_bytes(spoke_envs)
    if size <= KEY_POLICY_LIMIT:
        return None
    roles = len(roles_environments(spoke_envs))
    return (
        f"the backup KMS key's policy would be about {size} bytes for {len(spoke_envs)} "
        f"spoke environments with {roles} distinct execution roles, more than KMS's limit "
        f"of {KEY_POLICY_LIMIT} bytes (32 KB)"
    )
