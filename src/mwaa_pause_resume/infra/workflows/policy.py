"""Retry, timeout and naming policy of the two state machines (pure, no aws-cdk import).

Handlers name their errors (``functions.errors``); the state machines match
those names. Everything here is read by the ASL builders and by the docs/tests.
"""

from __future__ import annotations

from typing import Final

from mwaa_pause_resume.functions import WORKFLOW_FUNCTIONS
from mwaa_pause_resume.functions.errors import RETRYABLE

# Throttling, 5xx and Lambda's own transient errors: 2, 4, 8, 16, 32, 60 s (capped).
TRANSIENT_ERRORS: Final = RETRYABLE
TRANSIENT_INTERVAL_SECONDS: Final = 2
TRANSIENT_BACKOFF: Final = 2.0
TRANSIENT_MAX_ATTEMPTS: Final = 6
TRANSIENT_MAX_DELAY_SECONDS: Final = 60

# A fresh environment parses its DAGs within minutes: retry the trigger every 20 s.
# The run's deadline (checked by the handler, which then raises DagNotParsed) is what
# really bounds it; MaxAttempts only caps a deadline set far in the future.
DAG_NOT_PARSED_ERROR: Final = "DagNotParsedYet"
DAG_NOT_PARSED_INTERVAL_SECONDS: Final = 20
DAG_NOT_PARSED_MAX_ATTEMPTS: Final = 200

# Global cap of an execution: the longest per-environment timeout accepted (24 h,
# see functions.settings) plus an hour. Per-environment deadlines fire first.
STATE_MACHINE_TIMEOUT_HOURS: Final = 25

WORKFLOWS: Final = ("pause", "resume")

# Function ARNs in synthesized definitions (see synth.substitute_function_arns).
PLACEHOLDER_ACCOUNT: Final = "123456789012"
PLACEHOLDER_REGION: Final = "us-east-1"


def function_name(key: str) -> str:
    """The Lambda function name used for ``key`` in synthesized definitions and the sandbox."""
    return "mwaa-pr-" + key.replace("_", "-")


def placeholder_arn(key: str) -> str:
    return (
        f"arn:aws:lambda:{PLACEHOLDER_REGION}:{PLACEHOLDER_ACCOUNT}:function:{function_name(key)}"
    )


FUNCTION_KEYS: Final = WORKFLOW_FUNCTIONS

# What each function calls, for the CDK app's least-privilege grants. "s3:bucket" means
# the backup bucket (objects under the environments' prefixes; KMS use of its key when
# snapshots are encrypted); MWAA actions are scoped to the configured environments'
# ARNs, airflow:InvokeRestApi to their rest-api roles (infra.names.rest_api_role_arn).
FUNCTION_PERMISSIONS: Final[dict[str, tuple[str, ...]]] = {
    "begin": ("s3:GetObject", "s3:PutObject"),
    "lock_release": ("s3:GetObject", "s3:DeleteObject"),
    "environment_status": ("airflow:GetEnvironment",),
    "environment_create": (
        "s3:GetObject",
        "airflow:CreateEnvironment",
        "airflow:TagResource",
        "iam:PassRole",  # the environment's execution role, to airflow.amazonaws.com
        # MWAA creates the network interfaces, endpoints and log groups as the caller:
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVpcs",
        "ec2:CreateNetworkInterface",
        "ec2:CreateVpcEndpoint",
        "ec2:DescribeVpcEndpoints",
        "logs:CreateLogGroup",
        "logs:DescribeLogGroups",
        "s3:GetEncryptionConfiguration",
        "kms:DescribeKey",
        "kms:CreateGrant",
    ),
    "environment_delete": ("airflow:DeleteEnvironment", "ec2:DeleteVpcEndpoints"),
    "environment_update": ("s3:GetObject", "airflow:UpdateEnvironment", "iam:PassRole"),
    "snapshot_start": ("airflow:GetEnvironment", "s3:PutObject"),
    "snapshot_pointer": ("s3:GetObject", "s3:PutObject", "s3:ListBucket"),
    "snapshot_verify": ("s3:GetObject", "s3:ListBucket"),
    "snapshot_retention": ("s3:GetObject", "s3:ListBucket", "s3:DeleteObject"),
    "dag_trigger": ("airflow:InvokeRestApi",),
    "dag_run_state": ("airflow:InvokeRestApi",),
    "failure": ("s3:GetObject", "s3:DeleteObject", "airflow:InvokeRestApi"),
    "notification": ("sns:Publish",),
}
