"""The per-environment lock shared by the pause and resume workflows.

An object ``<env>/lock.json`` in the backup bucket, written with S3 conditional
writes: ``If-None-Match: *`` takes a free lock, ``If-Match: <etag>`` takes over
an expired one (an execution that was stopped or timed out never released it).
It records the owner (execution ARN), the workflow and an expiry, so a refusal
names what is running.

Handler ``release``: input ``{"bucket", "environment", "owner"}`` ->
``{"released": bool}``. Acquisition happens in :mod:`begin`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.functions import aws, clock, layout, settings
from mwaa_pause_resume.functions.errors import DuplicateDelivery, LockHeld

CONDITION_FAILED = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})


@dataclass(frozen=True)
class Lock:
    owner: str
    workflow: str
    acquired_at: float
    expires_at: float
    scheduled_time: str | None = None  # the schedule fire that started the owner, if any

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Lock:
        raw = json.loads(data)
        scheduled = raw.get("scheduled_time")
        return cls(
            str(raw["owner"]),
            str(raw["workflow"]),
            float(raw["acquired_at"]),
            float(raw["expires_at"]),
            None if scheduled is None else str(scheduled),
        )


def acquire(
    bucket: str,
    environment: str,
    owner: str,
    workflow: str,
    ttl_seconds: float,
    *,
    scheduled_time: str | None = None,
) -> Lock:
    """Take the lock for ``owner`` or raise :class:`LockHeld` naming the holder
    (:class:`DuplicateDelivery` when the holder was started by the same schedule fire)."""
    s3 = aws.client("s3")
    key = layout.lock_key(environment)
    now = clock.now()
    mine = Lock(owner, workflow, now, now + ttl_seconds, scheduled_time)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=mine.to_json(), IfNoneMatch="*")
        return mine
    except Exception as exc:
        if aws.error_code(exc) not in CONDITION_FAILED and aws.http_status(exc) not in (409, 412):
            raise aws.translate(exc, f"take the lock s3://{bucket}/{key}") from exc
    current, etag = _read(bucket, key)
    if current is None:  # released meanwhile: try once more from scratch
        return acquire(
            bucket, environment, owner, workflow, ttl_seconds, scheduled_time=scheduled_time
        )
    if current.owner == owner:
        return current  # a retried acquisition of our own lock
    if current.expires_at > now and scheduled_time and current.scheduled_time == scheduled_time:
        raise DuplicateDelivery(
            f"The {current.workflow} of environment {environment} scheduled for "
            f"{scheduled_time} is already running (execution {current.owner}); this "
            "execution is a second delivery of the same schedule and does nothing."
        )
    if current.expires_at > now:
        raise LockHeld(
            f"A {current.workflow} of environment {environment} is already running "
            f"(execution {current.owner}, started {clock.iso(current.acquired_at)}). "
            f"Wait for it to finish, or stop it, then start this {workflow} again."
        )
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=mine.to_json(), IfMatch=etag)
    except Exception as exc:
        if aws.error_code(exc) in CONDITION_FAILED or aws.http_status(exc) in (409, 412):
            raise LockHeld(
                f"Another execution took the expired lock of environment {environment} "
                "at the same time; start this one again later."
            ) from exc
        raise aws.translate(exc, f"take over the lock s3://{bucket}/{key}") from exc
    return mine


def release(bucket: str, environment: str, owner: str) -> bool:
    """Delete the lock if ``owner`` holds it; True if it was released."""
    key = layout.lock_key(environment)
    current, etag = _read(bucket, key)
    if current is None or current.owner != owner:
        return False
    try:
        aws.client("s3").delete_object(Bucket=bucket, Key=key, IfMatch=etag)
    except Exception as exc:
        if aws.error_code(exc) in CONDITION_FAILED:
            return False
        raise aws.translate(exc, f"release the lock s3://{bucket}/{key}") from exc
    return True


def holder(bucket: str, environment: str) -> Lock | None:
    return _read(bucket, layout.lock_key(environment))[0]


def _read(bucket: str, key: str) -> tuple[Lock | None, str]:
    try:
        got = aws.client("s3").get_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if aws.error_code(exc) in ("NoSuchKey", "404"):
            return None, ""
        raise aws.translate(exc, f"read the lock s3://{bucket}/{key}") from exc
    return Lock.from_json(got["Body"].read()), str(got["ETag"])


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Release the lock (the success paths; failure paths release in :mod:`failure`)."""
    name = settings.environment_name(event)
    released = release(str(event["bucket"]), name, str(event["owner"]))
    return {"released": released}
