"""Bucket-policy denies that keep snapshot objects to the principals granted them (pure).

IAM allows are additive: any principal of the account whose own policies allow
``s3:GetObject`` (an administrator, a broad data-lake role) could otherwise read
snapshots, which hold the environments' connections and variables. Each statement
here denies one group of object actions to every principal except those the stack
grants that group: the Lambda roles (from their handler statements, so the two cannot
drift), the configured execution roles and one fixed-name break-glass role.

The execution roles are exempt from those group denies, and then fenced
(:func:`execution_role_fences`): reads and writes only under their own environments'
prefixes (a role shared by several environments: the union), writes only of what an
export writes there and the import's report. One statement per distinct role, not per
environment, keeps the policy under S3's 20 KB limit longer (config.bucket_policy_size).
The bucket policy grants the execution roles nothing itself: their identity policy
(execution_role_policy) is needed anyway for the KMS key, so it is the one place their
grants are written.

Only object data is guarded: bucket-level actions (``s3:PutBucketPolicy``,
``s3:GetBucketPolicy``, ...) are never denied, so an account administrator can always
change this policy. The denies use ``aws:PrincipalArn`` (the role's ARN for its
sessions) rather than ``NotPrincipal``, which would have to list every session ARN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mwaa_pause_resume.config.bucket_policy_size import roles_environments
from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.capabilities import HANDLERS
from mwaa_pause_resume.infra.execution_role_policy import (
    DAG_OBJECT_PATTERNS,
    SNAPSHOT_OBJECT_ACTIONS,
    WRITE_OBJECT_ACTIONS,
)
from mwaa_pause_resume.infra.names import env_prefix
from mwaa_pause_resume.infra.permission_scope import Scope
from mwaa_pause_resume.infra.permissions import handler_statements

# An administrator who must read or repair snapshots outside the workflows creates an
# IAM role with this exact name (and an identity policy allowing the S3 and KMS calls):
# no redeploy needed. Keep it unassumable until needed (docs/deploy.md).
BREAK_GLASS_ROLE_NAME = "mwaa-pause-resume-break-glass"

# Sid -> object actions denied together; a principal exempt from a group is granted at
# least one of its actions. GetObjectVersion/DeleteObjectVersion are granted to nobody:
# they ride with their group so old versions are no back door.
GUARDED: dict[str, tuple[str, ...]] = {
    "DenyOtherSnapshotReaders": ("s3:GetObject", "s3:GetObjectVersion"),
    "DenyOtherSnapshotWriters": ("s3:PutObject",),
    "DenyOtherSnapshotDeleters": ("s3:DeleteObjectVersion",),
}
# Object keys (under the bucket) each group guards. Reads are denied only where secrets
# or configuration live: table files (their Fernet columns are encrypted, the rest is
# not), REST-scope files and environment.json (AirflowConfigurationOptions may hold
# credentials). Manifests and pointers (counts, checksums, an encrypted data key) stay
# readable so operators' `status` and `snapshots` commands work with their own
# credentials. A plain DeleteObject only adds a delete marker in this versioned bucket
# (recoverable, and what `snapshots prune` does); permanent deletion is denied to all but
# the break-glass role, the lifecycle rule expires old versions.
GUARDED_KEYS: dict[str, tuple[str, ...]] = {
    "DenyOtherSnapshotReaders": ("*/tables/*", "*/rest/*", "*/environment.json"),
    "DenyOtherSnapshotWriters": ("*",),
    "DenyOtherSnapshotDeleters": ("*",),
}

_PLACEHOLDER_BUCKET = "arn:aws:s3:::backup"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def handler_object_actions(environments: Sequence[EnvironmentConfig]) -> dict[str, set[str]]:
    """Handler key -> the backup-bucket object actions its role is granted (may be empty)."""
    scope = Scope("aws", "r", "1", environments, _PLACEHOLDER_BUCKET, "k")
    out: dict[str, set[str]] = {}
    for key, handler in HANDLERS.items():
        actions: set[str] = set()
        for statement in handler_statements(handler, scope):
            resources = [str(r) for r in _as_list(statement["Resource"])]
            if all(r.startswith(f"{_PLACEHOLDER_BUCKET}/") for r in resources):
                actions.update(a for a in _as_list(statement["Action"]) if a.startswith("s3:"))
        out[key] = actions
    return out


def exempt_handlers(environments: Sequence[EnvironmentConfig]) -> dict[str, list[str]]:
    """Sid -> the handler keys whose roles that deny must spare, sorted."""
    granted = handler_object_actions(environments)
    return {
        sid: sorted(k for k, actions in granted.items() if actions & set(group))
        for sid, group in GUARDED.items()
    }


def execution_roles_exempt(sid: str) -> bool:
    """Whether the execution roles' snapshot grant includes an action of the group."""
    return bool(set(GUARDED[sid]) & set(SNAPSHOT_OBJECT_ACTIONS))


def break_glass_role_arn(partition: str, account: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{BREAK_GLASS_ROLE_NAME}"


def guard_statements(
    bucket_arn: str,
    environments: Sequence[EnvironmentConfig],
    handler_role_arns: Mapping[str, str],
    break_glass_arn: str,
) -> list[dict[str, Any]]:
    """One Deny per group in :data:`GUARDED`, sparing the principals granted that group.

    ``handler_role_arns`` maps handler keys to their roles' ARNs (CDK tokens inside the
    stack); it must hold every handler with a snapshot grant.
    """
    exempt = exempt_handlers(environments)
    missing = {k for keys in exempt.values() for k in keys} - set(handler_role_arns)
    if missing:
        raise AssertionError(f"no role ARN for snapshot handlers {sorted(missing)}")
    environment_roles = sorted({e.execution_role_arn for e in environments})
    statements = []
    for sid, actions in GUARDED.items():
        principals = [handler_role_arns[k] for k in exempt[sid]]
        if execution_roles_exempt(sid):
            principals += environment_roles
        principals.append(break_glass_arn)
        statements.append(
            {
                "Sid": sid,
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": list(actions),
                "Resource": [f"{bucket_arn}/{key}" for key in GUARDED_KEYS[sid]],
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": principals}},
            }
        )
    return statements


def execution_role_fences(
    bucket_arn: str, environments: Sequence[EnvironmentConfig]
) -> list[dict[str, Any]]:
    """Deny the execution roles what the group denies above spare them, beyond their part.

    The group denies spare every execution role, since each needs reads and writes
    somewhere. Two kinds of ``NotResource`` deny give each only its own part:

    - ``FenceExecutionRoleWrites`` (one for all roles): writes of anything but an
      export's files (table and rest-scope files, manifest, paused-states record) and
      the import's report, so never ``environment.json``, pointers, locks or the
      functions' MACs;
    - ``FenceExecutionRole<n>`` (one per distinct role): reads and writes outside its
      environments' ``<env>/`` prefixes (the union, for a role several share).

    A write must pass both: a DAG's file under the role's own prefix. One statement
    per role rather than per environment keeps the policy small (S3's 20 KB limit).
    """
    roles = roles_environments(environments)
    if not roles:
        return []
    kinds = [f"{bucket_arn}/*/{pattern}" for pattern in DAG_OBJECT_PATTERNS]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "FenceExecutionRoleWrites",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(WRITE_OBJECT_ACTIONS),
            "NotResource": kinds,
            "Condition": {"ArnLike": {"aws:PrincipalArn": list(roles)}},
        }
    ]
    for number, (role, names) in enumerate(roles.items(), 1):
        statements.append(
            {
                "Sid": f"FenceExecutionRole{number}",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                # GetObjectVersion rides with the reads, as in the group deny.
                "Action": [*SNAPSHOT_OBJECT_ACTIONS, "s3:GetObjectVersion"],
                "NotResource": [f"{bucket_arn}/{env_prefix(name)}*" for name in names],
                "Condition": {"ArnLike": {"aws:PrincipalArn": role}},
            }
        )
    return statements
