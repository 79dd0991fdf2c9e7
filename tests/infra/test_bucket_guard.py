"""Snapshot objects are denied to every principal the stack does not grant them."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.infra.nag import render
from mwaa_pause_resume.infra.names import construct_id
from mwaa_pause_resume.shared.snapshot_access_point import name_prefix
from tests.infra.infra_config import ACCOUNT, CONFIG, DEV, REGION, STAGING, resources
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
ACCESS_POINTS = (
    f"arn:<AWS::Partition>:s3:{REGION}:{ACCOUNT}:accesspoint/"
    f"{name_prefix(CONFIG.deployment.stack_name)}*"
)


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
    # No execution role by name: they come through their access points (reads and
    # writes), and nobody but the break-glass role deletes versions.
    assert set(exempt) - roles == {BREAK_GLASS}
    through = statement["Condition"]["ArnNotLike"].get("s3:DataAccessPointArn")
    if sid == "DenyOtherSnapshotDeleters":
        assert through is None
    else:
        assert render(through) == ACCESS_POINTS


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
        assert set(statement["Condition"]) == {"ArnNotLike"}


def test_guard_tracks_the_handler_grants() -> None:
    """A new handler granted snapshot reads is spared by the deny without a second edit."""
    from mwaa_pause_resume.infra.bucket_guard import exempt_handlers, guard_statements

    exempt = exempt_handlers(CONFIG.environments)
    assert "environment_delete" not in {k for keys in exempt.values() for k in keys}
    arns = {k: f"arn:aws:iam::1:role/{k}" for keys in exempt.values() for k in keys}
    statements = guard_statements("arn:aws:s3:::b", CONFIG.environments, arns, "bg", "ap*")
    assert [s["Sid"] for s in statements] == list(GROUPS)
    deleters = statements[2]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert deleters == ["bg"]
    readers = statements[0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert "arn:aws:iam::1:role/snapshot_verify" in readers
    assert DEV.execution_role_arn not in readers
    del arns["snapshot_verify"]
    with pytest.raises(AssertionError, match="snapshot_verify"):
        guard_statements("arn:aws:s3:::b", CONFIG.environments, arns, "bg", "ap*")


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


# -- execution roles: their own prefix, an export's files only (issues 13, 17) ----------
# Each reaches the bucket through its environment's access point; the access point's
# policy fences it. The requests are those of a role whose own policies allow s3:* (MWAA
# execution roles often do): what is not denied here, it may do.
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


def _access_point(template: dict[str, Any], env: Any) -> tuple[str, list[dict[str, Any]]]:
    """``env``'s access point: its ARN (rendered) and its policy's statements."""
    prefix = construct_id(env)
    ((logical_id, point),) = [
        (i, r)
        for i, r in resources(template, "AWS::S3::AccessPoint").items()
        if i.startswith(prefix)
    ]
    statements = _rendered(point["Properties"]["Policy"]["Statement"])
    name = point["Properties"]["Name"]
    arn = f"arn:<AWS::Partition>:s3:{REGION}:{ACCOUNT}:accesspoint/{name}"
    assert logical_id and render(point["Properties"]["Bucket"]).startswith("<BackupSnapshots")
    return arn, statements


def _through(template: dict[str, Any], env: Any, principal: str, action: str, key: str) -> bool:
    """Whether ``principal`` may do ``action`` on ``key`` through ``env``'s access point:
    neither the access point's policy nor the bucket's denies it."""
    arn, point_policy = _access_point(template, env)
    bucket_policy = _rendered(_backup_policy(template))
    context = {"s3:DataAccessPointArn": arn, "s3:DataAccessPointAccount": ACCOUNT}
    return not denied(
        point_policy, principal, action, f"{arn}/object/{key}", context
    ) and not denied(bucket_policy, principal, action, _bucket_object(template, key), context)


def _direct(template: dict[str, Any], principal: str, action: str, key: str) -> bool:
    policy = _rendered(_backup_policy(template))
    return not denied(policy, principal, action, _bucket_object(template, key))


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


def test_every_environment_has_its_own_access_point_on_the_backup_bucket(
    template: dict[str, Any],
) -> None:
    points = resources(template, "AWS::S3::AccessPoint")
    assert len(points) == len(CONFIG.environments)
    names = {p["Properties"]["Name"] for p in points.values()}
    assert all(n.startswith(name_prefix(CONFIG.deployment.stack_name)) for n in names)
    for point in points.values():
        block = point["Properties"]["PublicAccessBlockConfiguration"]
        assert all(block[k] is True for k in block) and len(block) == 4


@pytest.mark.parametrize("own, other", [(DEV, STAGING), (STAGING, DEV)])
def test_an_execution_role_writes_only_an_exports_files_under_its_own_prefix(
    template: dict[str, Any], own: Any, other: Any
) -> None:
    role = own.execution_role_arn

    def may_put(key: str) -> bool:
        return _through(template, own, role, "s3:PutObject", key)

    for name in (*EXPORT_FILES, "paused-states.json", "import-report.json"):
        assert may_put(f"{own.name}/S/{name}"), name
        assert not may_put(f"{other.name}/S/{name}"), name
        # never straight to the bucket, nor through the other environment's access point
        assert not _direct(template, role, "s3:PutObject", f"{own.name}/S/{name}"), name
        assert not _through(template, other, role, "s3:PutObject", f"{own.name}/S/{name}")
    for name in CONTROL_FILES:
        assert not may_put(f"{own.name}/{name}"), name
    assert not may_put("elsewhere/S/tables/x.csv.gz")
    assert not _through(
        template, own, role, "s3:AbortMultipartUpload", f"{other.name}/S/tables/x.csv.gz"
    )
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"):
        assert not _through(template, own, role, action, f"{own.name}/S/tables/x.csv.gz")


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
    role = own.execution_role_arn

    def may_put(key: str) -> bool:
        return _through(template, own, role, "s3:PutObject", key)

    assert may_put(f"{own.name}/S/import-report.json")
    assert not may_put(f"{other.name}/S/import-report.json")
    assert not may_put(f"{own.name}/S/tables.import-report.json")
    assert not may_put(f"{own.name}/S/import-report.json.bak")
    # operators read it (`status`) with their own credentials: counts and DAG ids only
    assert not any(
        fnmatch(f"{own.name}/S/import-report.json", p) for p in KEYS["DenyOtherSnapshotReaders"]
    )


@pytest.mark.parametrize("own, other", [(DEV, STAGING), (STAGING, DEV)])
def test_an_execution_role_reads_only_its_own_environments_snapshots(
    template: dict[str, Any], own: Any, other: Any
) -> None:
    role = own.execution_role_arn
    for key in ("S/tables/connection.csv.gz", "S/environment.json", "S/manifest.json"):
        assert _through(template, own, role, "s3:GetObject", f"{own.name}/{key}"), key
        for action in ("s3:GetObject", "s3:GetObjectVersion"):
            assert not _through(template, own, role, action, f"{other.name}/{key}"), key
            assert not _through(template, other, role, action, f"{other.name}/{key}"), key
        assert not _through(template, own, role, "s3:GetObjectVersion", f"{own.name}/{key}")
    for key in ("S/tables/connection.csv.gz", "S/environment.json"):  # secrets, config
        assert not _direct(template, role, "s3:GetObject", f"{own.name}/{key}"), key


@pytest.mark.parametrize("env", [DEV, STAGING])
def test_an_execution_role_lists_only_its_own_prefix(template: dict[str, Any], env: Any) -> None:
    arn, policy = _access_point(template, env)
    role = env.execution_role_arn

    def may_list(prefix: str | None) -> bool:
        context = {} if prefix is None else {"s3:prefix": prefix}
        return not denied(policy, role, "s3:ListBucket", arn, context)

    assert may_list(f"{env.name}/") and may_list(f"{env.name}/S1/")
    assert not may_list(None) and not may_list("") and not may_list("other/")


def test_nobody_else_uses_an_environments_access_point(template: dict[str, Any]) -> None:
    """Not an administrator whose policies allow s3:*, not a workflow function."""
    admin = f"arn:aws:iam::{ACCOUNT}:role/Admin"
    for env in (DEV, STAGING):
        for action in ("s3:GetObject", "s3:PutObject"):
            assert not _through(template, env, admin, action, f"{env.name}/S/tables/t.csv.gz")
        assert not _direct(template, admin, "s3:GetObject", f"{env.name}/S/tables/t.csv.gz")


def test_the_access_points_policies_allow_their_role_across_accounts(
    template: dict[str, Any],
) -> None:
    """A spoke account's execution role needs an allow from the resource's side too: the
    access point's policy gives it, and the bucket delegates to the access points."""
    from tests.infra.policy_eval import allowed

    arn, policy = _access_point(template, DEV)
    role = DEV.execution_role_arn
    assert allowed(policy, role, "s3:GetObject", f"{arn}/object/dev/S/tables/t.csv.gz")
    assert allowed(policy, role, "s3:ListBucket", arn, {"s3:prefix": "dev/"})
    assert not allowed(policy, role, "s3:GetObject", f"{arn}/object/staging_2/S/x")
    bucket_policy = _rendered(_backup_policy(template))
    context = {"s3:DataAccessPointArn": arn, "s3:DataAccessPointAccount": ACCOUNT}
    obj = _bucket_object(template, "dev/S/tables/t.csv.gz")
    assert allowed(bucket_policy, role, "s3:GetObject", obj, context)
    elsewhere = {**context, "s3:DataAccessPointAccount": "999988887777"}
    assert not allowed(bucket_policy, role, "s3:GetObject", obj, elsewhere)


def test_the_functions_keep_writing_the_control_files(template: dict[str, Any]) -> None:
    """The pointer function still writes latest.json, the begin function lock.json,
    snapshot_start environment.json: straight to the bucket."""
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
        assert _direct(template, roles[key], "s3:PutObject", name)


def test_a_shared_execution_role_uses_each_of_its_environments_access_points() -> None:
    import dataclasses

    from mwaa_pause_resume.infra.snapshot_access_points import access_point_policy

    third = dataclasses.replace(STAGING, name="third")
    role = STAGING.execution_role_arn
    for env in (STAGING, third):
        arn = f"arn:aws:s3:r:1:accesspoint/{env.name}"
        statements = access_point_policy(arn, env)["Statement"]
        own = f"{arn}/object/{env.name}/S/tables/t"
        assert not denied(statements, role, "s3:GetObject", own)
        assert denied(statements, role, "s3:GetObject", f"{arn}/object/dev/S/tables/t")
        assert denied(statements, DEV.execution_role_arn, "s3:GetObject", own)


def test_the_dags_trust_file_names_the_deployments_access_points(
    template: dict[str, Any],
) -> None:
    """The stack's DAG deployment writes the access points' ARN prefix into trust.json (its
    deploy-time values travel as the BucketDeployment's source markers)."""
    import json

    copies = [
        r for r in template["Resources"].values() if r["Type"] == "Custom::CDKBucketDeployment"
    ]
    assert copies
    prefix = f":accesspoint/{name_prefix(CONFIG.deployment.stack_name)}"
    for copy in copies:
        assert prefix in json.dumps(copy["Properties"]["SourceMarkers"])
