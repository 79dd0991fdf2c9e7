"""No statement in the stack grants airflow:, iam:PassRole or s3: on a wildcard resource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mwaa_pause_resume.infra.execution_role_policy import execution_role_policy
from mwaa_pause_resume.infra.nag import render
from mwaa_pause_resume.infra.names import construct_id
from tests.infra.infra_config import ACCOUNT, CONFIG, REGION


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        docs = []
        if resource["Type"] in (
            "AWS::IAM::Policy",
            "AWS::S3::BucketPolicy",
            "AWS::SNS::TopicPolicy",
        ):
            docs.append(props["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            docs += [p["PolicyDocument"] for p in props.get("Policies", [])]
        for doc in docs:
            for statement in doc["Statement"]:
                if statement["Effect"] == "Allow":
                    yield logical_id, statement


def grants(template: dict[str, Any], action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(i, s) for i, s in statements(template) if action in _as_list(s["Action"])]


def rendered(statement: dict[str, Any]) -> list[str]:
    return [render(r).replace("<AWS::Partition>", "aws") for r in _as_list(statement["Resource"])]


def test_no_wildcard_resource_for_airflow_passrole_or_s3(template: dict[str, Any]) -> None:
    checked = 0
    for logical_id, statement in statements(template):
        actions = [str(a) for a in _as_list(statement["Action"])]
        if not any(a.startswith(("airflow:", "s3:")) or a == "iam:PassRole" for a in actions):
            continue
        checked += 1
        for resource in rendered(statement):
            assert resource != "*", (logical_id, actions)
            assert not resource.startswith(
                ("arn:aws:s3:::*", "arn:aws:airflow:*", "arn:aws:iam::*")
            ), (
                logical_id,
                resource,
            )
    assert checked > 10


def _env_arn(name: str) -> str:
    return f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/{name}"


@pytest.mark.parametrize(
    "action",
    [
        "airflow:GetEnvironment",
        "airflow:CreateEnvironment",
        "airflow:DeleteEnvironment",
        "airflow:UpdateEnvironment",
        "airflow:TagResource",
    ],
)
def test_environment_actions_name_exactly_the_configured_environments(
    template: dict[str, Any], action: str
) -> None:
    found = grants(template, action)
    assert found
    for _, statement in found:
        assert sorted(rendered(statement)) == sorted(_env_arn(e.name) for e in CONFIG.environments)


def test_rest_api_is_allowed_on_each_environments_user_role_only(template: dict[str, Any]) -> None:
    found = grants(template, "airflow:InvokeRestApi")
    workflows = [(i, s) for i, s in found if "ExecutionRolePolicy" not in i]
    assert workflows
    expected = sorted(
        f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{e.name}/User" for e in CONFIG.environments
    )
    for _, statement in workflows:
        assert sorted(rendered(statement)) == expected
    # The DAGs' rest-only scope: each execution role on its own environment's Op role.
    own = [(i, s) for i, s in found if "ExecutionRolePolicy" in i]
    assert own
    for logical_id, statement in own:
        env = next(e for e in CONFIG.environments if construct_id(e) in logical_id)
        assert rendered(statement) == [f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{env.name}/Op"]


def test_pass_role_only_for_the_execution_roles_and_only_to_mwaa(template: dict[str, Any]) -> None:
    found = grants(template, "iam:PassRole")
    assert len(found) == 1
    _, statement = found[0]
    assert sorted(rendered(statement)) == sorted(e.execution_role_arn for e in CONFIG.environments)
    assert statement["Condition"] == {
        "StringEquals": {"iam:PassedToService": "airflow.amazonaws.com"}
    }


def test_only_the_create_function_may_create_environments(template: dict[str, Any]) -> None:
    holders = {logical_id for logical_id, _ in grants(template, "airflow:CreateEnvironment")}
    assert len(holders) == 1 and "EnvironmentCreate" in holders.pop()


def test_execution_role_policy_matches_what_the_policy_command_prints() -> None:
    from mwaa_pause_resume.infra.execution_role_policy import execution_role_policy
    from mwaa_pause_resume.shared.snapshot_access_point import access_point_name

    doc = execution_role_policy(
        "dev",
        "bkt",
        "arn:aws:kms:eu-west-1:1:key/k",
        "aws",
        deployment="Stack",
        region="eu-west-1",
        hub_account="111122223333",
    )
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    # S3 only through the environment's access point (infra/snapshot_access_points.py)
    point = f"arn:aws:s3:eu-west-1:111122223333:accesspoint/{access_point_name('Stack', 'dev')}"
    assert by_sid["ReadOwnSnapshots"]["Resource"] == f"{point}/object/dev/*"
    assert by_sid["ReadOwnSnapshots"]["Action"] == ["s3:GetObject"]
    # Writes: only what an export writes and the import's report, never environment.json,
    # pointers or locks.
    assert by_sid["WriteOwnExports"]["Resource"] == [
        f"{point}/object/dev/*/tables/*",
        f"{point}/object/dev/*/rest/*",
        f"{point}/object/dev/*/manifest.json",
        f"{point}/object/dev/*/paused-states.json",
        f"{point}/object/dev/*/import-report.json",  # the import's restore summary
    ]
    assert not any("s3:DeleteObject" in s["Action"] for s in doc["Statement"])
    assert by_sid["ListOwnSnapshots"]["Resource"] == point
    assert "arn:aws:s3:::bkt/" not in str(
        [by_sid[s] for s in ("ReadOwnSnapshots", "WriteOwnExports")]
    )
    key = "arn:aws:kms:eu-west-1:1:key/k"
    # SSE-KMS only through S3, for this bucket (Bucket Keys: the bucket's ARN) or the
    # environment's own objects.
    assert by_sid["UseBackupKeyThroughS3"] == {
        "Sid": "UseBackupKeyThroughS3",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": key,
        "Condition": {
            "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
            "StringLike": {
                "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/dev/*"]
            },
        },
    }
    # The engine's envelope data key: only with its own environment in the context.
    assert by_sid["UseOwnSnapshotDataKeys"] == {
        "Sid": "UseOwnSnapshotDataKeys",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": key,
        "Condition": {
            "StringEquals": {"kms:EncryptionContext:mwaa-pause-resume:environment": "dev"}
        },
    }
    # Data keys of snapshots made before the context existed: Decrypt, without context.
    assert by_sid["DecryptLegacySnapshotDataKeys"]["Action"] == "kms:Decrypt"
    assert by_sid["DecryptLegacySnapshotDataKeys"]["Condition"] == {
        "Null": {"kms:EncryptionContextKeys": "true"}
    }
    unscoped = execution_role_policy("dev", "bkt", key, deployment="S")["Statement"]
    (through_s3,) = [s for s in unscoped if s["Sid"] == "UseBackupKeyThroughS3"]
    assert through_s3["Condition"]["StringLike"]["kms:ViaService"] == "s3.*.amazonaws.com"
    assert len(through_s3["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]) == 2
    # The rest-only scope calls the environment's own REST API, as Op, nothing wider.
    assert by_sid["InvokeOwnRestApi"] == {
        "Sid": "InvokeOwnRestApi",
        "Effect": "Allow",
        "Action": "airflow:InvokeRestApi",
        "Resource": "arn:aws:airflow:eu-west-1:*:role/dev/Op",
    }
    scoped = execution_role_policy(
        "dev", "b", "k", "aws-cn", deployment="S", region="cn-north-1", account="12"
    )
    assert scoped["Statement"][-1]["Resource"] == "arn:aws-cn:airflow:cn-north-1:12:role/dev/Op"


# -- least privilege of each Lambda role --------------------------------------------------
def _role_statements(template: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The inline ``Permissions`` statements of one handler's role."""
    from mwaa_pause_resume.infra.capabilities import HANDLERS
    from mwaa_pause_resume.infra.names import construct_id

    prefix = f"Functions{construct_id(key.replace('_', '-'))}Role"
    roles = [
        r
        for i, r in template["Resources"].items()
        if i.startswith(prefix) and r["Type"] == "AWS::IAM::Role"
    ]
    if not roles and HANDLERS[key].optional:
        return []  # deployed only when configured (the webhook: test_chat_stack.py)
    assert len(roles) == 1, key
    return [
        s
        for p in roles[0]["Properties"].get("Policies", [])
        for s in p["PolicyDocument"]["Statement"]
    ]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {str(a) for s in statements for a in _as_list(s["Action"])}


def test_every_policy_names_each_statement_once(template: dict[str, Any]) -> None:
    """IAM rejects a policy document whose Sids repeat (MalformedPolicyDocument)."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
        if "PolicyDocument" in props:
            docs.append(props["PolicyDocument"])
        for doc in docs:
            sids = [s["Sid"] for s in doc["Statement"] if "Sid" in s]
            assert len(sids) == len(set(sids)), (logical_id, sids)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # Only the lock object: get, take (conditional put), release.
        ("begin", {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}),
        ("lock_release", {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}),
        # + manifest.mac.json, written once the snapshot verified
        ("snapshot_verify", {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}),
        (
            "environment_create",  # + what MWAA checks on the environment's source bucket
            {
                "s3:ListBucket",
                "s3:GetObject",
                "s3:GetBucketLocation",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetEncryptionConfiguration",
            },
        ),
        ("environment_update", {"s3:ListBucket", "s3:GetObject"}),
        ("snapshot_start", {"s3:PutObject"}),
        ("snapshot_pointer", {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}),
        ("snapshot_retention", {"s3:ListBucket", "s3:GetObject", "s3:DeleteObject"}),
        ("failure", {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}),
        ("environment_status", set()),
        ("environment_delete", set()),
        ("dag_trigger", set()),
        ("dag_run_state", set()),
    ],
)
def test_each_function_gets_only_the_s3_actions_it_calls(
    template: dict[str, Any], key: str, expected: set[str]
) -> None:
    got = {a for a in _actions(_role_statements(template, key)) if a.startswith("s3:")}
    assert got == expected


def test_snapshot_objects_are_granted_under_the_configured_prefixes_only(
    template: dict[str, Any],
) -> None:
    from mwaa_pause_resume.infra.capabilities import HANDLERS

    names = {e.name for e in CONFIG.environments}
    for key in HANDLERS:
        for statement in _role_statements(template, key):
            actions = _as_list(statement["Action"])
            if not any(a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject") for a in actions):
                continue
            for resource in rendered(statement):
                bucket, _, path = resource.partition(">/")
                assert bucket.startswith("<BackupSnapshots"), (key, resource)
                assert path.split("/")[0] in names, (key, resource)
                # Deleting is for retention; everyone else deletes the lock object only.
                if "s3:DeleteObject" in actions and key != "snapshot_retention":
                    assert path.endswith("/lock.json"), (key, resource)


def test_the_backup_key_is_usable_only_through_s3_for_the_backup_bucket(
    template: dict[str, Any],
) -> None:
    from mwaa_pause_resume.infra.capabilities import HANDLERS

    checked = 0
    for key in HANDLERS:
        for statement in _role_statements(template, key):
            if not any(str(a).startswith("kms:") for a in _as_list(statement["Action"])):
                continue
            if not rendered(statement)[0].startswith("<BackupKey"):
                continue
            checked += 1
            assert "kms:Encrypt" not in _as_list(statement["Action"]), key  # S3 never calls it
            assert statement["Condition"]["StringEquals"] == {
                "kms:ViaService": f"s3.{REGION}.amazonaws.com"
            }, key
            context = statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
            bucket, objects = (render(c) for c in context)
            assert bucket.startswith("<BackupSnapshots") and objects == f"{bucket}/*", key
    assert checked >= 8


def test_the_notifier_uses_the_topic_key_only_through_sns(template: dict[str, Any]) -> None:
    found = [
        s
        for _, s in grants(template, "kms:GenerateDataKey")
        if rendered(s)[0].startswith("<NotificationsKey")
    ]
    assert len(found) == 1
    assert found[0]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}
    }


def test_create_may_create_only_mwaas_service_linked_role(template: dict[str, Any]) -> None:
    """CreateEnvironment creates AWSServiceRoleForAmazonMWAA when the account has none."""
    found = grants(template, "iam:CreateServiceLinkedRole")
    assert len(found) == 1
    logical_id, statement = found[0]
    assert "EnvironmentCreate" in logical_id
    assert rendered(statement) == [
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/airflow.amazonaws.com/"
        "AWSServiceRoleForAmazonMWAA"
    ]
    assert statement["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "airflow.amazonaws.com"}
    }


def test_grant_conditions_only_on_actions_that_carry_them(template: dict[str, Any]) -> None:
    """kms:GrantIsForAWSResource exists only in grant requests: on any other action the
    condition never matches and the action is silently denied."""
    grant_actions = {"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}
    conditioned = 0
    for logical_id, statement in statements(template):
        keys = {k for op in (statement.get("Condition") or {}).values() for k in op}
        if "kms:GrantIsForAWSResource" in keys:
            conditioned += 1
            assert set(_as_list(statement["Action"])) <= grant_actions, logical_id
    assert conditioned >= 1
    assert grants(template, "kms:DescribeKey"), "CreateEnvironment describes the environment's key"


def test_begin_may_only_set_the_ownership_tag(template: dict[str, Any]) -> None:
    """Begin checks and sets the deployment's ownership tag (functions.ownership): it reads
    the environments and tags them, with that one tag key only."""
    from mwaa_pause_resume.functions.ownership import OWNER_TAG

    by_sid = {s["Sid"]: s for s in _role_statements(template, "begin")}
    tag = by_sid["TagEnvironmentsOwner"]
    assert tag["Action"] == "airflow:TagResource"
    assert tag["Condition"] == {"ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG]}}
    assert sorted(rendered(tag)) == sorted(_env_arn(e.name) for e in CONFIG.environments)
    assert by_sid["ReadEnvironments"]["Action"] == "airflow:GetEnvironment"


def test_the_functions_that_own_environments_know_the_deployment(
    template: dict[str, Any],
) -> None:
    from mwaa_pause_resume.functions.ownership import DEPLOYMENT_VARIABLE

    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        if DEPLOYMENT_VARIABLE in variables:
            found[logical_id] = variables[DEPLOYMENT_VARIABLE]
    assert set(found.values()) == {CONFIG.deployment.stack_name}
    # the owners, and the metrics function (its Deployment dimension keeps dashboards apart)
    assert sorted(i[len("Functions") :][:5] for i in found) == [
        "Begin",
        "Envir",
        "Metri",
        "RunGa",
    ]


# -- the HMAC key: who may sign, who may only check (issue 13) ----------------------------
def test_only_the_signing_functions_may_make_macs(template: dict[str, Any]) -> None:
    """GenerateMac authorizes DAG runs and vouches for snapshots: the three functions that
    do so get it; the two that check environment.json get VerifyMac; no other role either."""
    from mwaa_pause_resume.infra.capabilities import HANDLERS

    (key_id,) = [
        i
        for i, r in template["Resources"].items()
        if r["Type"] == "AWS::KMS::Key" and r["Properties"].get("KeySpec") == "HMAC_256"
    ]
    key = template["Resources"][key_id]["Properties"]
    assert key["KeyUsage"] == "GENERATE_VERIFY_MAC"
    granted = {
        handler: {a for a in _actions(_role_statements(template, handler)) if "Mac" in a}
        for handler in HANDLERS
    }
    assert {h: a for h, a in granted.items() if a} == {
        "dag_trigger": {"kms:GenerateMac"},
        "snapshot_start": {"kms:GenerateMac"},
        "snapshot_verify": {"kms:GenerateMac"},
        "environment_create": {"kms:VerifyMac"},
        "environment_update": {"kms:VerifyMac"},
    }
    for handler in (h for h, actions in granted.items() if actions):
        (statement,) = [s for s in _role_statements(template, handler) if "Mac" in str(s)]
        assert statement["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}, handler
    functions = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and "MWAA_PAUSE_RESUME_MAC_KEY_ARN" in str(r["Properties"].get("Environment"))
    ]
    assert len(functions) == len([h for h, a in granted.items() if a])


def test_execution_roles_may_only_verify_macs() -> None:
    policy = execution_role_policy(
        "dev", "b", "k", deployment="S", mac_key_arn="arn:aws:kms:r:1:key/mac"
    )
    macs = [s for s in policy["Statement"] if "Mac" in str(s["Action"])]
    assert macs == [
        {
            "Sid": "VerifyWorkflowMacs",
            "Effect": "Allow",
            "Action": "kms:VerifyMac",
            "Resource": "arn:aws:kms:r:1:key/mac",
        }
    ]


# -- the run gate (issue 14) ---------------------------------------------------------------
def test_the_run_gate_reads_only_this_deployments_overrides(template: dict[str, Any]) -> None:
    """Only the gate touches SSM: GetParameter on each configured environment's override
    parameter of this stack, and no GetCalendarState when no calendar is configured."""
    ssm = {i: s for i, s in statements(template) if "ssm:" in str(s["Action"])}
    assert {i[len("Functions") :][:7] for i in ssm} == {"RunGate"}
    (statement,) = ssm.values()
    assert _as_list(statement["Action"]) == ["ssm:GetParameter"]
    assert sorted(rendered(statement)) == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/mwaa-pause-resume/mpr-test/overrides/{e.name}"
        for e in sorted(CONFIG.environments, key=lambda e: e.name)
    ]


def test_a_change_calendar_is_granted_by_its_document_arn() -> None:
    import dataclasses

    from mwaa_pause_resume.infra.capabilities import HANDLERS
    from mwaa_pause_resume.infra.permission_scope import Scope
    from mwaa_pause_resume.infra.permissions import handler_statements

    dev, staging = CONFIG.environments[:2]
    envs = [
        dataclasses.replace(dev, change_calendar="holidays"),
        dataclasses.replace(
            staging, change_calendar="arn:aws:ssm:eu-west-1:999999999999:document/shared"
        ),
    ]
    scope = Scope("aws", REGION, ACCOUNT, envs, "arn:aws:s3:::b", "k", deployment="mpr-test")
    (calendars,) = [
        s
        for s in handler_statements(HANDLERS["run_gate"], scope)
        if s["Sid"] == "ReadChangeCalendars"
    ]
    assert calendars["Action"] == ["ssm:GetCalendarState"]
    assert calendars["Resource"] == [  # sorted
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/holidays",
        "arn:aws:ssm:eu-west-1:999999999999:document/shared",
    ]
