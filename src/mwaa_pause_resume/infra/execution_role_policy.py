"""What an environment's execution role needs for the export/import DAGs (pure).

One function builds the IAM policy document. The stack attaches it when
``update_execution_role`` is true; ``mwaa-pause-resume policy ENV`` prints it
otherwise, so what we deploy and what we tell people to add never drift.

The DAGs read and write snapshots under ``<env>/`` in the backup bucket. The
backup KMS key is used twice: by S3 for the objects (SSE-KMS) and directly by
the metadata engine for the snapshot's data key (envelope encryption of the
Airflow secrets), so the KMS grant carries no ``kms:ViaService`` condition.
The DAGs never call Step Functions (the workflows poll through InvokeRestApi).
Where a task can reach no metadata database (Airflow 3 without one), the DAGs fall
back to the rest-only scope and call their own environment's Airflow REST API
through ``airflow:InvokeRestApi`` as the ``Op`` role (Op may read and write
variables, connections and pools and pause DAGs; Viewer/User may not).
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.infra.names import bucket_arn, env_prefix

SNAPSHOT_OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
SNAPSHOT_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def snapshot_statements(
    env_name: str,
    bucket_name: str,
    key_arn: str,
    partition: str = "aws",
) -> list[dict[str, Any]]:
    """The statements, without ``Principal``: the bucket policy reuses the S3 ones."""
    bucket = bucket_arn(partition, bucket_name)
    prefix = env_prefix(env_name)
    return [
        {
            "Sid": "ListOwnSnapshots",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket,
            "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
        },
        {
            "Sid": "ReadWriteOwnSnapshots",
            "Effect": "Allow",
            "Action": list(SNAPSHOT_OBJECT_ACTIONS),
            "Resource": f"{bucket}/{prefix}*",
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": list(SNAPSHOT_KEY_ACTIONS),
            "Resource": key_arn,
        },
    ]


def mac_verify_statement(mac_key_arn: str) -> dict[str, Any]:
    """The DAGs check the workflows' MACs (run authorization, manifest) and make none: only
    kms:VerifyMac, so a DAG (or anyone with the role) cannot authorize or sign anything."""
    return {
        "Sid": "VerifyWorkflowMacs",
        "Effect": "Allow",
        "Action": "kms:VerifyMac",
        "Resource": mac_key_arn,
    }


REST_API_ROLE = "Op"


def rest_api_statement(
    env_name: str, partition: str = "aws", region: str = "*", account: str = "*"
) -> dict[str, Any]:
    """InvokeRestApi on the environment's own Airflow, as the Op role (rest-only scope)."""
    return {
        "Sid": "InvokeOwnRestApi",
        "Effect": "Allow",
        "Action": "airflow:InvokeRestApi",
        "Resource": f"arn:{partition}:airflow:{region}:{account}:role/{env_name}/{REST_API_ROLE}",
    }


def execution_role_policy(
    env_name: str,
    bucket_name: str,
    key_arn: str,
    partition: str = "aws",
    *,
    region: str = "*",
    account: str = "*",
    mac_key_arn: str | None = None,
) -> dict[str, Any]:
    """The IAM policy document to attach to ``env_name``'s execution role (``mac_key_arn``:
    the deployment's HMAC key, which the DAGs need to check their authorization)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            *snapshot_statements(env_name, bucket_name, key_arn, partition),
            rest_api_statement(env_name, partition, region, account),
            *([mac_verify_statement(mac_key_arn)] if mac_key_arn else []),
        ],
    }
