"""No statement in the stack grants airflow:, iam:PassRole or s3: on a wildcard resource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from infra_config import ACCOUNT, CONFIG, REGION

from mwaa_pause_resume.infra.nag import render


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
    assert found
    expected = sorted(
        f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{e.name}/User" for e in CONFIG.environments
    )
    for _, statement in found:
        assert sorted(rendered(statement)) == expected


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

    doc = execution_role_policy("dev", "bkt", "arn:aws:kms:eu-west-1:1:key/k", "aws")
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ReadWriteOwnSnapshots"]["Resource"] == "arn:aws:s3:::bkt/dev/*"
    assert "s3:DeleteObject" not in by_sid["ReadWriteOwnSnapshots"]["Action"]
    assert by_sid["ListOwnSnapshots"]["Resource"] == "arn:aws:s3:::bkt"
    # The engine calls KMS directly (envelope encryption), so no kms:ViaService condition.
    assert by_sid["UseBackupKey"] == {
        "Sid": "UseBackupKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "arn:aws:kms:eu-west-1:1:key/k",
    }
