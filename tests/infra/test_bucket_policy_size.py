"""The backup bucket policy's size estimate bounds the synthesized policy (S3: 20 KB)."""

from __future__ import annotations

import json
from typing import Any

from infra_config import CONFIG, resources

from mwaa_pause_resume.infra.bucket_policy_size import (
    LONGEST_BUCKET_ARN,
    LONGEST_PARTITION,
    LONGEST_ROLE_NAME,
    estimated_bucket_policy_bytes,
)


def _worst_case(value: Any) -> Any:
    """The template value with each deploy-time name at its longest."""
    if isinstance(value, list):
        return [_worst_case(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::GetAtt"}:
            logical_id = value["Fn::GetAtt"][0]
            if logical_id.startswith("BackupSnapshots"):
                return LONGEST_BUCKET_ARN
            return f"arn:{LONGEST_PARTITION}:iam::123456789012:role/{'r' * LONGEST_ROLE_NAME}"
        if set(value) == {"Ref"}:
            return {"AWS::Partition": LONGEST_PARTITION}.get(value["Ref"], "x" * 63)
        if set(value) == {"Fn::Join"}:
            sep, parts = value["Fn::Join"]
            return sep.join(str(_worst_case(p)) for p in parts)
        return {k: _worst_case(v) for k, v in value.items()}
    return value


def test_the_estimate_bounds_the_synthesized_policy(template: dict[str, Any]) -> None:
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for i, p in resources(template, "AWS::S3::BucketPolicy").items()
        if i.startswith("BackupSnapshots")
    ]
    synthesized = len(json.dumps(_worst_case(policy), separators=(",", ":")).encode())
    estimate = estimated_bucket_policy_bytes(CONFIG.environments)
    assert synthesized <= estimate <= synthesized * 1.1, (synthesized, estimate)
