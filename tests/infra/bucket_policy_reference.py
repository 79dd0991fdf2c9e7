"""The backup bucket's policy as bucket_guard builds it, with worst-case deploy-time names."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra.bucket_guard import (
    BREAK_GLASS_ROLE_NAME,
    exempt_handlers,
    guard_statements,
)
from mwaa_pause_resume.infra.role_policy_size import LONGEST_BUCKET_ARN, LONGEST_PARTITION
from mwaa_pause_resume.infra.snapshot_access_points import delegation_statement
from mwaa_pause_resume.shared.snapshot_access_point import arn_prefix

LONGEST_ROLE_NAME = 64  # IAM role names (the Lambda roles' names CloudFormation makes)
ROLE_ARN_HEAD = f"arn:{LONGEST_PARTITION}:iam::123456789012:role/"
LONGEST_STACK_NAME = "s" * 128
ACCESS_POINTS = arn_prefix(LONGEST_PARTITION, "x" * 14, "1" * 12, LONGEST_STACK_NAME) + "*"


def longest_role_arn(name: str = "r") -> str:
    return f"{ROLE_ARN_HEAD}{(name + '-' * LONGEST_ROLE_NAME)[:LONGEST_ROLE_NAME]}"


def tls_statement(bucket: str) -> dict[str, Any]:
    """The deny of plain HTTP that ``enforce_ssl`` adds (aws-cdk-lib)."""
    return {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": [bucket, f"{bucket}/*"],
    }


def bucket_policy_document(environments: Sequence[EnvironmentConfig]) -> dict[str, Any]:
    bucket = LONGEST_BUCKET_ARN
    handlers = {k for keys in exempt_handlers(environments).values() for k in keys}
    statements: list[dict[str, Any]] = [tls_statement(bucket)]
    statements += guard_statements(
        bucket,
        environments,
        {k: longest_role_arn(k) for k in handlers},
        f"{ROLE_ARN_HEAD}{BREAK_GLASS_ROLE_NAME}",
        ACCESS_POINTS,
    )
    statements.append(delegation_statement(bucket, "1" * 12, ACCESS_POINTS))
    return {"Version": "2012-10-17", "Statement": statements}


def policy_bytes(document: dict[str, Any]) -> int:
    return len(json.dumps(document, separators=(",", ":")).encode())


def worst_case(value: Any) -> Any:
    """The template value with each deploy-time name at its longest."""
    if isinstance(value, list):
        return [worst_case(v) for v in value]
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
            return sep.join(str(worst_case(p)) for p in parts)
        return {k: worst_case(v) for k, v in value.items()}
    return value
