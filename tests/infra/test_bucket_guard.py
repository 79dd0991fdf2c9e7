"""Snapshot objects are denied to every principal the stack does not grant them."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.infra.nag import render
from mwaa_pause_resume.infra.names import construct_id
from tests.infra.infra_config import ACCOUNT, CONFIG, DEV, STAGING, resources
from tests.infra.policy_eval import denied

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
        "resume_timing",  # its IAM grant: <env>/timing.json only
    }
    # snapshot_verify writes manifest.mac.json once the snapshot verified.
    writers = {
        "begin",
        "lock_release",
        "failure",
        "snapshot_start",
        "snapshot_verify",
        "snapshot_pointer",
        "resume_timing",
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
        resources = statement.get("Resource", statement.get("NotResource"))
        assert all(">/" in render(r) for r in _as_list(resources))  # objects
        assert set(statement["Condition"]) in ({"ArnNotLike"}, {"ArnLike"})


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


# -- execution roles: their own prefix, an export's files only (issue 13) -----------------
def _rendered(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The template's statements with intrinsic values rendered (``<Bucket.Arn>/dev/*``)."""

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)).startswith(("Fn::", "Ref"))
        ):
            return render(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return [walk(s) for s in statements]


def _bucket_object(template: dict[str, Any], key: str) -> str:
    (bucket,) = [i for i in resources(template, "AWS::S3::Bucket") if i.startswith("BackupSnap")]
    return f"<{bucket}.Arn>/{key}"


EXPORT_FILES = ("tables/dag_run.csv.gz", "rest/variables.jsonl.gz", "manifest.json")
CONTROL_FILES = (
    "S/environment.json",
    "S/complete.json",
    "S/manifest.mac.json",  # a MAC beside the manifest: the functions' to write
    "latest.json",
    "lock.json",
    "S/tables.json",
    "S/other.txt",
)


@pytest.mark.parametrize("own, other", [(DEV, STAGING), (STAGING, DEV)])
def test_an_execution_role_writes_only_an_exports_files_under_its_own_prefix(
    template: dict[str, Any], own: Any, other: Any
) -> None:
    policy = _rendered(_backup_policy(template))
    role = own.execution_role_arn

    def put_denied(key: str) -> bool:
        return denied(policy, role, "s3:PutObject", _bucket_object(template, key))

    for name in (*EXPORT_FILES, "paused-states.json", "import-report.json"):
        assert not put_denied(f"{own.name}/S/{name}"), name
        assert put_denied(f"{other.name}/S/{name}"), name
    for name in CONTROL_FILES:
        assert put_denied(f"{own.name}/{name}"), name
    assert put_denied("elsewhere/S/tables/x.csv.gz")
    multipart = _bucket_object(template, f"{other.name}/S/tables/x.csv.gz")
    assert denied(policy, role, "s3:AbortMultipartUpload", multipart)


@pytest.mark.parametrize("own, other", [(DEV, STAGING), (STAGING, DEV)])
def test_the_import_writes_its_report_beside_its_own_snapshots_only(
    template: dict[str, Any], own: Any, other: Any
) -> None:
    """import-report.json (the restore summary, issue 11) is the one key the import
    writes: in a snapshot of its own environment, not in another's, and no other name
    ending the same way."""
    from fnmatch import fnmatch

    from mwaa_pause_resume.infra.bucket_guard import GUARDED_KEYS as KEYS
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

    assert REPORT_FILE == "import-report.json"
    policy = _rendered(_backup_policy(template))
    role = own.execution_role_arn

    def put_denied(key: str) -> bool:
        return denied(policy, role, "s3:PutObject", _bucket_object(template, key))

    assert not put_denied(f"{own.name}/S/import-report.json")
    assert put_denied(f"{other.name}/S/import-report.json")
    assert put_denied(f"{own.name}/S/tables.import-report.json")
    assert put_denied(f"{own.name}/S/import-report.json.bak")
    # operators read it (`status`) with their own credentials: counts and DAG ids only
    assert not any(
        fnmatch(f"{own.name}/S/import-report.json", p) for p in KEYS["DenyOtherSnapshotReaders"]
    )


@pytest.mark.parametrize("own, other", [(DEV, STAGING), (STAGING, DEV)])
def test_an_execution_role_reads_only_its_own_environments_snapshots(
    template: dict[str, Any], own: Any, other: Any
) -> None:
    policy = _rendered(_backup_policy(template))
    role = own.execution_role_arn
    for key in ("S/tables/connection.csv.gz", "S/environment.json", "S/manifest.json"):
        for action in ("s3:GetObject", "s3:GetObjectVersion"):
            theirs = _bucket_object(template, f"{other.name}/{key}")
            assert denied(policy, role, action, theirs), (action, key)
        mine = _bucket_object(template, f"{own.name}/{key}")
        assert not denied(policy, role, "s3:GetObject", mine), key


def test_the_functions_keep_writing_the_control_files(template: dict[str, Any]) -> None:
    """The fences name the execution roles only: the pointer function still writes
    latest.json, the begin function lock.json, snapshot_start environment.json."""
    policy = _rendered(_backup_policy(template))
    roles = {
        key: next(
            f"<{i}.Arn>"
            for i in resources(template, "AWS::IAM::Role")
            if i.startswith(f"Functions{construct_id(key.replace('_', '-'))}Role")
        )
        for key in ("snapshot_pointer", "begin", "snapshot_start")
    }
    for key, name in (
        ("snapshot_pointer", "dev/latest.json"),
        ("snapshot_pointer", "dev/S/complete.json"),
        ("begin", "dev/lock.json"),
        ("snapshot_start", "dev/S/environment.json"),
    ):
        assert not denied(policy, roles[key], "s3:PutObject", _bucket_object(template, name))


def test_a_shared_execution_role_is_fenced_to_the_union_of_its_environments() -> None:
    import dataclasses

    from mwaa_pause_resume.infra.bucket_guard import execution_role_fences

    third = dataclasses.replace(STAGING, name="third")
    envs = [DEV, STAGING, third]
    fences = execution_role_fences("arn:aws:s3:::b", envs)
    assert [f["Sid"] for f in fences] == [
        "FenceExecutionRoleWrites",
        "FenceExecutionRole1",
        "FenceExecutionRole2",
    ]
    role = STAGING.execution_role_arn
    for env in ("staging_2", "third"):
        assert not denied(fences, role, "s3:PutObject", f"arn:aws:s3:::b/{env}/S/manifest.json")
        assert not denied(fences, role, "s3:GetObject", f"arn:aws:s3:::b/{env}/S/tables/t")
    assert denied(fences, role, "s3:GetObject", "arn:aws:s3:::b/dev/S/tables/t")
    assert denied(fences, DEV.execution_role_arn, "s3:GetObject", "arn:aws:s3:::b/third/x")
