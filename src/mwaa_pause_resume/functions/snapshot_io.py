"""Small JSON objects of a snapshot in the backup bucket (environment.json, pointers)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from mwaa_pause_resume.functions import aws
from mwaa_pause_resume.shared.aws_error_fields import NOT_FOUND_OBJECT_CODES


def read_bytes(bucket: str, key: str) -> bytes | None:
    """The object's bytes, or None if it does not exist."""
    try:
        got = aws.client("s3").get_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if aws.error_code(exc) in NOT_FOUND_OBJECT_CODES:
            return None
        raise aws.translate(exc, f"read s3://{bucket}/{key}") from exc
    body: bytes = got["Body"].read()
    return body


def read_json(bucket: str, key: str) -> Any | None:
    """The object's JSON, or None if it does not exist."""
    raw = read_bytes(bucket, key)
    return None if raw is None else json.loads(raw)


def encode_json(value: Any) -> bytes:
    """The bytes :func:`write_json` stores for ``value``."""
    return json.dumps(value, indent=2, sort_keys=True, default=_default).encode()


def write_json(bucket: str, key: str, value: Any, kms_key_id: str | None = None) -> None:
    write_bytes(bucket, key, encode_json(value), kms_key_id)


def write_bytes(bucket: str, key: str, body: bytes, kms_key_id: str | None = None) -> None:
    extra: dict[str, Any] = {}
    if kms_key_id:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    try:
        aws.client("s3").put_object(
            Bucket=bucket, Key=key, Body=body, ContentType="application/json", **extra
        )
    except Exception as exc:
        raise aws.translate(exc, f"write s3://{bucket}/{key}") from exc


def exists(bucket: str, key: str) -> bool:
    try:
        aws.client("s3").head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if aws.error_code(exc) in NOT_FOUND_OBJECT_CODES:
            return False
        raise aws.translate(exc, f"look up s3://{bucket}/{key}") from exc
    return True


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")
