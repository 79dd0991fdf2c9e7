"""Snapshot objects are denied to every principal the stack does not grant them."""

from __future__ import annotations

from typing import Any

import pytest
from infra_config import ACCOUNT, CONFIG, DEV, STAGING, resources

from mwaa_pause_resume.infra.nag import render
from mwaa_pause_resume.infra.names import construct_id

GROUPS = {
    "DenyOtherSnapshotReaders": {"s3:GetObject", "s3:GetObjectVersion"},
    "DenyOtherSnapshotWriters": {"s3:PutObject"},
    # a plain DeleteObject only adds a delete marker (versioned bucket): not guarded
    "DenyOtherSnapshotDeleters": {"s3:DeleteObjectVersion"},
}
# Object keys each deny covers: reads only where secrets or configuration live.
GUARDED_KEYS = {
    "DenyOtherSnapshotReaders": {"*/tables/*", "*/rest/*", "*/environment.json"},
    "DenyOtherSnapshotWriters": {"*"},
    "DenyOtherSnapshotDeleters": {"*"},
}
BREAK_GLASS = f"arn:<AWS::Partition>:iam::{ACCOUNT}:role/mwaa-pause-resume-break-glass"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _backup_policy(template: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for i, p in resources(template, "AWS::S3::BucketPolicy").items()
        if i.startswith("BackupSnapshots")
    ]
    return list(policy)


def _role_ids_granted(template: dict[str, Any], actions: set[str]) -> set[str]:
    """Logical ids of the Lambda roles whose own policies allow one of ``actions`` on
    the backup bucket's objects (read from the template, not from bucket_guard)."""
    found = set()
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                on_snapshots = all(
                    render(r).startswith("<BackupSnapshots") and ">/" in render(r)
                    for r in _as_list(statement["Resource"])
                )
                if on_snapshots and actions & set(_as_list(statement["Action"])):
                    found.add(logical_id)
    return found


def _exempt(statement: dict[str, Any]) -> list[str]:
    principals = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    return [
        p["Fn::GetAtt"][0] if isinstance(p, dict) and "Fn::GetAtt" in p else render(p)
        for p in principals
    ]


@pytest.mark.parametrize("sid", sorted(GROUPS))
def test_each_object_action_group_is_denied_to_all_but_its_grantees(
    template: dict[str, Any], sid: str
) -> None:
    (statement,) = [s for s in _backup_policy(template) if s.get("Sid") == sid]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] in ("*", {"AWS": "*"})
    assert "NotPrincipal" not in statement
    assert set(_as_list(statement["Action"])) == GROUPS[sid]
    keys = {render(r).split(">/", 1)[1] for r in _as_list(statement["Resource"])}
    assert keys == GUARDED_KEYS[sid]
    exempt = _exempt(statement)
    assert len(exempt) == len(set(exempt))
    roles = {e for e in exempt if e.startswith("Functions")}
    assert roles == _role_ids_granted(template, GROUPS[sid])
    others = set(exempt) - roles
    # The execution roles are granted get and put on their prefix, never delete.
    expected = {BREAK_GLASS}
    if sid != "DenyOtherSnapshotDeleters":
        expected |= {DEV.execution_role_arn, STAGING.execution_role_arn}
    assert others == expected


def test_the_exempt_roles_are_exactly_the_snapshot_handlers(template: dict[str, Any]) -> None:
    """Independent of the template scan above: the handlers the workflows need, by name."""
    readers = {
        "begin",
        "lock_release",
        "failure",
        "environment_create",
        "environment_update",
        "snapshot_verify",
        "snapshot_pointer",
        "snapshot_retention",
    }
    # snapshot_verify writes manifest.mac.json once the snapshot verified.
    writers = {
        "begin",
        "lock_release",
        "failure",
        "snapshot_start",
        "snapshot_verify",
        "snapshot_pointer",
    }
    deleters: set[str] = set()  # no role may delete versions for good; lifecycle does
    for sid, keys in (
        ("DenyOtherSnapshotReaders", readers),
        ("DenyOtherSnapshotWriters", writers),
        ("DenyOtherSnapshotDeleters", deleters),
    ):
        (statement,) = [s for s in _backup_policy(template) if s.get("Sid") == sid]
        roles = {e for e in _exempt(statement) if e.startswith("Functions")}
        prefixes = {f"Functions{construct_id(k.replace('_', '-'))}Role" for k in keys}
        assert len(roles) == len(keys)
        assert all(any(r.startswith(p) for r in roles) for p in prefixes), (sid, roles)


def test_bucket_policy_management_is_never_denied(template: dict[str, Any]) -> None:
    """An administrator can always edit the policy: only object data is guarded, and the
    one blanket deny is the plain-HTTP one."""
    for statement in _backup_policy(template):
        if statement["Effect"] != "Deny":
            continue
        if statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
            continue
        actions = _as_list(statement["Action"])
        assert not any("*" in a or "Bucket" in a for a in actions), actions
        assert all(">/" in render(r) for r in _as_list(statement["Resource"]))  # objects
        assert set(statement["Condition"]) == {"ArnNotLike"}


def test_guard_tracks_the_handler_grants() -> None:
    """A new handler granted snapshot reads is spared by the deny without a second edit."""
    from mwaa_pause_resume.infra.bucket_guard import exempt_handlers, guard_statements

    exempt = exempt_handlers(CONFIG.environments)
    assert "environment_delete" not in {k for keys in exempt.values() for k in keys}
    arns = {k: f"arn:aws:iam::1:role/{k}" for keys in exempt.values() for k in keys}
    statements = guard_statements("arn:aws:s3:::b", CONFIG.environments, arns, "bg")
    assert [s["Sid"] for s in statements] == list(GROUPS)
    deleters = statements[2]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert deleters == ["bg"]
    readers = statements[0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert "arn:aws:iam::1:role/snapshot_verify" in readers and DEV.execution_role_arn in readers
    del arns["snapshot_verify"]
    with pytest.raises(AssertionError, match="snapshot_verify"):
        guard_statements("arn:aws:s3:::b", CONFIG.environments, arns, "bg")


def test_operators_keep_reading_manifests_and_pointers() -> None:
    """`status` and `snapshots` read these with the operator's own credentials; the
    files holding secrets or configuration are guarded."""
    from fnmatch import fnmatch

    from mwaa_pause_resume.infra.bucket_guard import GUARDED_KEYS as KEYS

    readers = KEYS["DenyOtherSnapshotReaders"]
    for key in ("dev/latest.json", "dev/s1/manifest.json", "dev/s1/complete.json"):
        assert not any(fnmatch(key, pattern) for pattern in readers), key
    for key in ("dev/s1/tables/connection.csv.gz", "dev/s1/rest/variables.jsonl.gz"):
        assert any(fnmatch(key, pattern) for pattern in readers), key
    assert any(fnmatch("dev/s1/environment.json", pattern) for pattern in readers)
