"""Which snapshot is complete and newest: ``<env>/latest.json`` and each snapshot's
``complete.json`` marker.

Handler input ``{"action": "select"|"complete", "environment", "bucket",
"snapshot_id"?, "kms_key_id"?, "purpose"?: "pause"|"resume"}``.

- ``select``: the chosen ``snapshot_id`` (must be complete) or the one latest.json
  points to -> ``{"snapshot_id", "location"}``; raises ``NoSnapshot`` /
  ``SnapshotNotFound`` (``EnvironmentNotFound`` for a pause: nothing to pause).
- ``complete``: after verification, write the marker then the pointer ->
  ``{"latest": snapshot_id}``.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import clock, layout, settings, snapshot_io
from mwaa_pause_resume.functions.errors import (
    EnvironmentNotFound,
    InvalidInput,
    NoSnapshot,
    SnapshotNotFound,
)


def latest(bucket: str, environment: str) -> str | None:
    pointer = snapshot_io.read_json(bucket, layout.latest_key(environment))
    if isinstance(pointer, dict) and isinstance(pointer.get("snapshot_id"), str):
        return str(pointer["snapshot_id"])
    return None


def is_complete(bucket: str, environment: str, snapshot_id: str) -> bool:
    return snapshot_io.exists(bucket, layout.key(environment, snapshot_id, layout.COMPLETE_FILE))


def select(
    bucket: str, environment: str, snapshot_id: str | None, purpose: str = "resume"
) -> dict[str, Any]:
    if snapshot_id is None:
        snapshot_id = latest(bucket, environment)
        if snapshot_id is None and purpose == "pause":
            raise EnvironmentNotFound(
                f"Environment {environment} does not exist and has no complete snapshot in "
                f"s3://{bucket}/{environment}/: there is nothing to pause. Check the "
                "environment name and the backup bucket in the configuration."
            )
        if snapshot_id is None:
            raise NoSnapshot(
                f"Environment {environment} has no complete snapshot in s3://{bucket}/"
                f"{environment}/ (no {layout.LATEST_FILE}): there is nothing to resume from. "
                "Check the bucket and environment name, or pause the environment first."
            )
    elif not is_complete(bucket, environment, snapshot_id):
        marker = layout.key(environment, snapshot_id, layout.COMPLETE_FILE)
        raise SnapshotNotFound(
            f"Snapshot {snapshot_id} of environment {environment} does not exist or is not "
            f"complete (no s3://{bucket}/{marker})."
            " List the usable ones with `mwaa-pause-resume snapshots list`."
        )
    return {
        "snapshot_id": snapshot_id,
        "location": layout.snapshot_url(bucket, environment, snapshot_id),
    }


def complete(
    bucket: str, environment: str, snapshot_id: str, kms_key_id: str | None = None
) -> dict[str, Any]:
    marker = {"snapshot_id": snapshot_id, "verified_at": clock.iso(clock.now())}
    snapshot_io.write_json(
        bucket, layout.key(environment, snapshot_id, layout.COMPLETE_FILE), marker, kms_key_id
    )
    snapshot_io.write_json(bucket, layout.latest_key(environment), marker, kms_key_id)
    return {"latest": snapshot_id}


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    environment = settings.environment_name(event)
    bucket = str(event["bucket"])
    action = event.get("action")
    if action == "select":
        purpose = str(event.get("purpose") or "resume")
        return select(bucket, environment, event.get("snapshot_id"), purpose)
    if action == "complete":
        return complete(bucket, environment, str(event["snapshot_id"]), event.get("kms_key_id"))
    raise InvalidInput(f"snapshot_pointer: unknown action {action!r}")
