"""Bucket-policy denies that keep snapshot objects to the principals granted them (pure).

IAM allows are additive: any principal of the account whose own policies allow
``s3:GetObject`` (an administrator, a broad data-lake role) could otherwise read
snapshots, which hold the environments' connections and variables. Each statement
here denies one group of object actions to every principal except those the stack
grants that group: the Lambda roles (from their handler statements, so the two cannot
drift), one fixed-name break-glass role, and, for reads and writes, requests that come
through the deployment's access points.

The execution roles are not named here: they reach the bucket only through their
environments' access points, whose policies fence each to its own prefix and to the
files the DAGs write (infra/snapshot_access_points.py). So this policy has one size
whatever the fleet (S3 caps it at 20 KB), and it grants the execution roles nothing
itself beyond delegating to those access points.

Only object data is guarded: bucket-level actions (``s3:PutBucketPolicy``,
``s3:GetBucketPolicy``, ...) are never denied, so an account administrator can always
change this policy. The denies use ``aws:PrincipalArn`` (the role's ARN for its
sessions) rather than ``NotPrincipal``, which would have to list every session ARN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.capabilities import HANDLERS
from mwaa_pause_resume.infra.execution_role_policy import SNAPSHOT_OBJECT_ACTIONS
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


def access_points_exempt(sid: str) -> bool:
    """Whether the group holds an action the execution roles are granted (through their
    access points): reads and writes, never permanent deletion."""
    return bool(set(GUARDED[sid]) & set(SNAPSHOT_OBJECT_ACTIONS))


def break_glass_role_arn(partition: str, account: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{BREAK_GLASS_ROLE_NAME}"


def guard_statements(
    bucket_arn: str,
    environments: Sequence[EnvironmentConfig],
    handler_role_arns: Mapping[str, str],
    break_glass_arn: str,
    access_point_pattern: str,
) -> list[dict[str, Any]]:
    """One Deny per group in :data:`GUARDED`, sparing the principals granted that group.

    ``handler_role_arns`` maps handler keys to their roles' ARNs (CDK tokens inside the
    stack); it must hold every handler with a snapshot grant. ``access_point_pattern``
    matches the ARNs of the deployment's access points (``.../accesspoint/mpr-<hash>-*``).
    """
    exempt = exempt_handlers(environments)
    missing = {k for keys in exempt.values() for k in keys} - set(handler_role_arns)
    if missing:
        raise AssertionError(f"no role ARN for snapshot handlers {sorted(missing)}")
    statements = []
    for sid, actions in GUARDED.items():
        principals = [*(handler_role_arns[k] for k in exempt[sid]), break_glass_arn]
        # Both must hold for the deny: a principal not spared, and (for reads and writes)
        # a request not through the deployment's access points (absent key: direct).
        spared: dict[str, Any] = {"aws:PrincipalArn": principals}
        if access_points_exempt(sid):
            spared["s3:DataAccessPointArn"] = access_point_pattern
        statements.append(
            {
                "Sid": sid,
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": list(actions),
                "Resource": [f"{bucket_arn}/{key}" for key in GUARDED_KEYS[sid]],
                "Condition": {"ArnNotLike": spared},
            }
        )
    return statements
