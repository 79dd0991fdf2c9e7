"""validate's estimate of the backup bucket policy's size (S3: 20 KB) is exact for the
statements bucket_guard builds, and bounds the synthesized policy."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from mwaa_pause_resume.config.bucket_policy_size import (
    LONGEST_BUCKET_ARN,
    LONGEST_PARTITION,
    estimated_bucket_policy_bytes,
)
from tests.infra.bucket_policy_reference import (
    bucket_policy_document,
    longest_role_arn,
    policy_bytes,
)
from tests.infra.infra_config import CONFIG, DEV, resources


def _worst_case(value: Any) -> Any:
    """The template value with each deploy-time name at its longest."""
    if isinstance(value, list):
        return [_worst_case(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"}:
            logical_id = value["Fn::GetAtt"][0]
            return (
                LONGEST_BUCKET_ARN
                if logical_id.startswith("BackupSnapshots")
                else (longest_role_arn())
            )
        if set(value) == {"Ref"}:
            return {"AWS::Partition": LONGEST_PARTITION}.get(value["Ref"], "x" * 63)
        if set(value) == {"Fn::Join"}:
            sep, parts = value["Fn::Join"]
            return sep.join(str(_worst_case(p)) for p in parts)
        return {k: _worst_case(v) for k, v in value.items()}
    return value


def test_the_reference_bounds_the_synthesized_policy(template: dict[str, Any]) -> None:
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for i, p in resources(template, "AWS::S3::BucketPolicy").items()
        if i.startswith("BackupSnapshots")
    ]
    synthesized = policy_bytes(_worst_case(policy))
    reference = policy_bytes(bucket_policy_document(CONFIG.environments))
    assert synthesized <= reference <= synthesized * 1.05, (synthesized, reference)


def _environments(count: int, roles: int) -> list[Any]:
    return [
        dataclasses.replace(
            DEV,
            name=f"env-{i:03d}" + "x" * (i % 7),
            execution_role_arn=f"arn:aws:iam::111122223333:role/path/exec-{i % roles:03d}",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize(("count", "roles"), [(1, 1), (2, 2), (5, 1), (12, 12), (40, 7)])
def test_the_estimate_is_the_size_of_bucket_guards_statements(count: int, roles: int) -> None:
    envs = _environments(count, roles)
    assert estimated_bucket_policy_bytes(envs) == policy_bytes(bucket_policy_document(envs))


@pytest.mark.parametrize(("count", "roles", "spokes"), [(2, 2, 1), (5, 3, 5), (40, 12, 30)])
def test_the_estimate_counts_the_spoke_execution_roles(count: int, roles: int, spokes: int) -> None:
    """Execution roles in spoke accounts are allowed by the policy too (spoke_access)."""
    envs = [
        dataclasses.replace(
            e,
            account="222222222222",
            execution_role_arn=e.execution_role_arn.replace("111122223333", "222222222222"),
        )
        if i < spokes
        else e
        for i, e in enumerate(_environments(count, roles))
    ]
    remote = envs[:spokes]
    assert estimated_bucket_policy_bytes(envs, remote) == policy_bytes(
        bucket_policy_document(envs, remote)
    )
