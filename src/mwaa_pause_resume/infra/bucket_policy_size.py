"""How large the backup bucket's policy gets for a configuration (pure, no CDK).

S3 refuses a bucket policy over :data:`BUCKET_POLICY_LIMIT` bytes, and only at deploy
time. The policy grows with the distinct execution roles (bucket_guard names each in
its exemptions and gives each a fence listing its environments' prefixes), so ``validate`` (and
therefore ``synth`` and ``deploy``) builds the same statements with the longest
names AWS allows for the parts only known at deploy time (bucket name, Lambda role
names, partition) and refuses a configuration past the limit, with the fix.
``tests/infra/test_bucket_policy_size.py`` checks the estimate is at least the size
of the synthesized policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mwaa_pause_resume.config.model import Config, EnvironmentConfig
from mwaa_pause_resume.infra.bucket_guard import (
    BREAK_GLASS_ROLE_NAME,
    execution_role_fences,
    exempt_handlers,
    guard_statements,
    roles_environments,
)

BUCKET_POLICY_LIMIT = 20 * 1024  # S3: a bucket policy may be at most 20 KB
# Worst cases of what CloudFormation names at deploy time.
LONGEST_PARTITION = "aws-us-gov"
LONGEST_BUCKET_ARN = f"arn:{LONGEST_PARTITION}:s3:::{'b' * 63}"  # bucket names: 63 chars
_ROLE_ARN_HEAD = f"arn:{LONGEST_PARTITION}:iam::123456789012:role/"
LONGEST_ROLE_NAME = 64  # IAM role names (the Lambda roles' names CloudFormation makes)


def _tls_statement(bucket: str) -> dict[str, Any]:
    """The deny of plain HTTP that ``enforce_ssl`` adds (aws-cdk-lib)."""
    return {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": [bucket, f"{bucket}/*"],
    }


def bucket_policy_document(environments: Sequence[EnvironmentConfig]) -> dict[str, Any]:
    """The backup bucket's policy for ``environments``, with worst-case deploy-time names."""
    bucket = LONGEST_BUCKET_ARN
    handlers = {k for keys in exempt_handlers(environments).values() for k in keys}
    handler_arns = {
        k: f"{_ROLE_ARN_HEAD}{(k + '-' * LONGEST_ROLE_NAME)[:LONGEST_ROLE_NAME]}" for k in handlers
    }
    statements: list[dict[str, Any]] = [_tls_statement(bucket)]
    statements += guard_statements(
        bucket, environments, handler_arns, f"{_ROLE_ARN_HEAD}{BREAK_GLASS_ROLE_NAME}"
    )
    statements += execution_role_fences(bucket, environments)
    return {"Version": "2012-10-17", "Statement": statements}


def estimated_bucket_policy_bytes(environments: Sequence[EnvironmentConfig]) -> int:
    """Bytes of the policy as CloudFormation sends it (compact JSON), an upper bound."""
    document = bucket_policy_document(environments)
    return len(json.dumps(document, separators=(",", ":")).encode())


def bucket_policy_too_large(config: Config) -> str | None:
    """Why the backup bucket's policy would exceed S3's limit, or None when it fits."""
    size = estimated_bucket_policy_bytes(config.environments)
    if size <= BUCKET_POLICY_LIMIT:
        return None
    roles = len(roles_environments(config.environments))
    return (
        f"the backup bucket's policy would be about {size} bytes for "
        f"{len(config.environments)} environments with {roles} distinct execution roles, "
        f"more than S3's limit of {BUCKET_POLICY_LIMIT} bytes (20 KB)"
    )


BUCKET_POLICY_FIX = (
    "split the environments over two deployments (two configuration files, each with its "
    "own [deployment] stack_name and part of the [[environments]]), or let environments "
    "share execution roles (the policy grows with each distinct execution_role_arn)"
)
