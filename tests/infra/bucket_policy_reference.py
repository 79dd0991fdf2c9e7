"""The backup bucket's policy as bucket_guard builds it, with worst-case deploy-time
names: the reference config.bucket_policy_size's estimate is measured against."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.bucket_policy_size import (
    LONGEST_BUCKET_ARN,
    LONGEST_PARTITION,
    LONGEST_ROLE_NAME,
)
from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.infra import spoke_access
from mwaa_pause_resume.infra.bucket_guard import (
    BREAK_GLASS_ROLE_NAME,
    execution_role_fences,
    exempt_handlers,
    guard_statements,
)

ROLE_ARN_HEAD = f"arn:{LONGEST_PARTITION}:iam::123456789012:role/"


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


def bucket_policy_document(
    environments: Sequence[EnvironmentConfig],
    spoke_environments: Sequence[EnvironmentConfig] = (),
) -> dict[str, Any]:
    bucket = LONGEST_BUCKET_ARN
    handlers = {k for keys in exempt_handlers(environments).values() for k in keys}
    statements: list[dict[str, Any]] = [tls_statement(bucket)]
    statements += guard_statements(
        bucket,
        environments,
        {k: longest_role_arn(k) for k in handlers},
        f"{ROLE_ARN_HEAD}{BREAK_GLASS_ROLE_NAME}",
    )
    statements += execution_role_fences(bucket, environments)
    statements += spoke_access.bucket_statements(bucket, spoke_environments)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_bytes(document: dict[str, Any]) -> int:
    return len(json.dumps(document, separators=(",", ":")).encode())
