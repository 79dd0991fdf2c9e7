"""The backup bucket's policy (S3: at most 20 KB) has one size whatever the fleet: it names
no execution role (issue 17), so 300 or 1,000 environments fit as two do."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.infra.bucket_policy_reference import (
    ACCESS_POINTS,
    bucket_policy_document,
    policy_bytes,
    worst_case,
)
from tests.infra.infra_config import CONFIG, DEV, resources

BUCKET_POLICY_LIMIT = 20 * 1024


def test_the_reference_bounds_the_synthesized_policy(template: dict[str, Any]) -> None:
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for i, p in resources(template, "AWS::S3::BucketPolicy").items()
        if i.startswith("BackupSnapshots")
    ]
    synthesized = policy_bytes(worst_case(policy))
    reference = policy_bytes(bucket_policy_document(CONFIG.environments))
    # the reference's access point pattern is at its longest (a 128-character stack name
    # hashes to the same length as any other): within a few bytes of the synthesis
    assert abs(synthesized - reference) <= 0.05 * reference, (synthesized, reference)
    assert ACCESS_POINTS.endswith("-*")


def _environments(count: int, roles: int) -> list[Any]:
    return [
        dataclasses.replace(
            DEV,
            name=f"env-{i:03d}" + "x" * (i % 7),
            execution_role_arn=f"arn:aws:iam::111122223333:role/path/exec-{i % roles:03d}",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize(("count", "roles"), [(300, 300), (1000, 1000), (300, 1)])
def test_the_policy_does_not_grow_with_environments_or_execution_roles(
    count: int, roles: int
) -> None:
    two = policy_bytes(bucket_policy_document(_environments(2, 2)))
    many = policy_bytes(bucket_policy_document(_environments(count, roles)))
    assert many == two
    assert many < BUCKET_POLICY_LIMIT // 3, many
