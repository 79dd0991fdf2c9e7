"""What an environment's execution role needs for the export/import DAGs (pure).

One module builds the IAM policy document. The stack attaches it when
``update_execution_role`` is true; ``mwaa-pause-resume policy ENV`` prints it
otherwise, so what we deploy and what we tell people to add never drift. The role
reaches the backup bucket only through its environment's S3 access point, whose policy
denies it everything outside what these statements allow (infra/snapshot_access_points.py;
the bucket policy denies it everything directly, bucket_guard).

The DAGs read snapshots under ``<env>/`` in the backup bucket and write only what an
export produces there (table files, rest-scope files, the manifest and the paused-states
record) and the import's report (``import-report.json``, its restore summary, beside the
manifest; nothing reads it to decide anything). ``environment.json``, the pointers
(``latest.json``, ``complete.json``), ``lock.json`` and any signature/MAC object beside
a manifest are the Lambda functions' alone (docs/security.md). The backup KMS key is
used twice: by S3 for the objects (SSE-KMS, ``kms:ViaService``) and directly by the
metadata engine for the snapshot's data key (envelope encryption of the Airflow
secrets), which carries the environment in its encryption context so one environment's
role cannot decrypt another's key. The DAGs never call Step Functions (the workflows
poll through InvokeRestApi). Where a task can reach no metadata database (Airflow 3
without one), the DAGs fall back to the rest-only scope and call their own environment's
Airflow REST API through ``airflow:InvokeRestApi`` as the ``Op`` role (Op may read and
write variables, connections and pools and pause DAGs; Viewer/User may not)."""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions.layout import MANIFEST_FILE, PAUSED_STATES_FILE
from mwaa_pause_resume.infra.names import bucket_arn, env_prefix
from mwaa_pause_resume.metadata.key_context import ENVIRONMENT_CONTEXT_KEY
from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE
from mwaa_pause_resume.shared.snapshot_access_point import access_point_arn, arn_prefix

READ_OBJECT_ACTIONS = ("s3:GetObject",)
WRITE_OBJECT_ACTIONS = (
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
SNAPSHOT_OBJECT_ACTIONS = READ_OBJECT_ACTIONS + WRITE_OBJECT_ACTIONS
SNAPSHOT_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# What the DAGs write inside <env>/<snapshot-id>/: an export's files (metadata.export,
# metadata.rest_scope, dags.tasks) and the import's report (metadata.restore_summary).
# The only keys an execution role may write. Everything else there (manifest MACs,
# environment.json, complete.json) and the pointers and lock are the functions'.
DAG_OBJECT_PATTERNS = ("tables/*", "rest/*", MANIFEST_FILE, PAUSED_STATES_FILE, REPORT_FILE)


def bucket_grant_statements(env_name: str, access_point_arn: str) -> list[dict[str, Any]]:
    """The S3 statements: on the environment's access point (its ARN), where S3 checks a
    request that comes through it."""
    prefix = env_prefix(env_name)
    objects = f"{access_point_arn}/object/{prefix}"
    return [
        {
            "Sid": "ListOwnSnapshots",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": access_point_arn,
            "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
        },
        {
            "Sid": "ReadOwnSnapshots",
            "Effect": "Allow",
            "Action": list(READ_OBJECT_ACTIONS),
            "Resource": f"{objects}*",
        },
        {
            "Sid": "WriteOwnExports",
            "Effect": "Allow",
            "Action": list(WRITE_OBJECT_ACTIONS),
            "Resource": [f"{objects}*/{pattern}" for pattern in DAG_OBJECT_PATTERNS],
        },
    ]


def key_statements(env_name: str, bucket: str, key_arn: str, region: str) -> list[dict[str, Any]]:
    """The backup key: through S3 for the objects, directly for this environment's data keys."""
    via = f"s3.{region}.amazonaws.com"
    objects = [bucket, f"{bucket}/{env_prefix(env_name)}*"]
    through_s3: dict[str, Any] = {"StringLike": {"kms:EncryptionContext:aws:s3:arn": objects}}
    if "*" in region:  # `policy` without a known region: any region's S3
        through_s3["StringLike"]["kms:ViaService"] = via
    else:
        through_s3["StringEquals"] = {"kms:ViaService": via}
    return [
        {
            # SSE-KMS. With S3 Bucket Keys (enabled on the backup bucket) S3 passes the
            # bucket's ARN as context, without them the object's: the per-prefix scope of
            # the objects themselves is the bucket policy's (bucket_guard).
            "Sid": "UseBackupKeyThroughS3",
            "Effect": "Allow",
            "Action": list(SNAPSHOT_KEY_ACTIONS),
            "Resource": key_arn,
            "Condition": through_s3,
        },
        {
            # The envelope data key of the snapshot's secrets (metadata.secrets): generated
            # and decrypted with the environment in its encryption context.
            "Sid": "UseOwnSnapshotDataKeys",
            "Effect": "Allow",
            "Action": list(SNAPSHOT_KEY_ACTIONS),
            "Resource": key_arn,
            "Condition": {
                "StringEquals": {f"kms:EncryptionContext:{ENVIRONMENT_CONTEXT_KEY}": env_name}
            },
        },
        {
            # Snapshots made before data keys carried a context (no
            # secrets.environment in the manifest) stay restorable: Decrypt only, of a
            # ciphertext without any context (SSE-KMS calls always carry one). Their
            # manifests are readable only under the role's own prefix (bucket_guard).
            "Sid": "DecryptLegacySnapshotDataKeys",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn,
            "Condition": {"Null": {"kms:EncryptionContextKeys": "true"}},
        },
    ]


def snapshot_statements(
    env_name: str,
    bucket_name: str,
    key_arn: str,
    access_point_arn: str,
    *,
    partition: str = "aws",
    region: str = "*",
) -> list[dict[str, Any]]:
    """The S3 and KMS statements, without ``Principal``."""
    bucket = bucket_arn(partition, bucket_name)
    return [
        *bucket_grant_statements(env_name, access_point_arn),
        *key_statements(env_name, bucket, key_arn, region),
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
    deployment: str,
    region: str = "*",
    account: str = "*",
    hub_account: str = "*",
    mac_key_arn: str | None = None,
    environment_region: str | None = None,
) -> dict[str, Any]:
    """The IAM policy document to attach to ``env_name``'s execution role (``mac_key_arn``:
    the deployment's HMAC key, which the DAGs need to check their authorization).

    ``region`` is the backup bucket's and keys' (the hub's) and ``hub_account`` the
    bucket's account, where the environment's access point is (named after ``deployment``,
    the stack); ``account`` and ``environment_region`` the environment's own when it lives
    elsewhere (docs/fleet.md): its REST API role is there.
    """
    access_point = access_point_arn(
        arn_prefix(partition, region, hub_account, deployment), env_name
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            *snapshot_statements(
                env_name, bucket_name, key_arn, access_point, partition=partition, region=region
            ),
            rest_api_statement(env_name, partition, environment_region or region, account),
            *([mac_verify_statement(mac_key_arn)] if mac_key_arn else []),
        ],
    }
