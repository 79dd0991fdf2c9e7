"""Snapshot retention after a successful resume: keep the ``retention`` newest complete
snapshots and always the one latest.json points to; delete older complete ones and
abandoned (incomplete) ones older than the newest complete snapshot.

Input ``{"environment", "bucket", "retention"}``; output ``{"kept", "deleted"}``.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import aws, layout, settings
from mwaa_pause_resume.functions.snapshot_pointer import is_complete, latest


def plan(
    snapshots: dict[str, bool], latest_id: str | None, keep: int
) -> tuple[list[str], list[str]]:
    """(kept, deleted) snapshot ids; ``snapshots`` maps id -> complete (pure)."""
    complete = sorted((s for s, ok in snapshots.items() if ok), reverse=True)
    kept = set(complete[:keep])
    if latest_id is not None and latest_id in snapshots:
        kept.add(latest_id)
    newest_complete = complete[0] if complete else None
    deleted = [
        s
        for s in sorted(snapshots)
        if s not in kept and (snapshots[s] or (newest_complete is not None and s < newest_complete))
    ]
    return sorted(kept, reverse=True), deleted


def snapshot_ids(bucket: str, environment: str) -> list[str]:
    ids: list[str] = []
    paginator = aws.client("s3").get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{environment}/", Delimiter="/"):
            for prefix in page.get("CommonPrefixes") or []:
                candidate = str(prefix["Prefix"])[len(environment) + 1 : -1]
                if layout.is_snapshot_id(candidate):
                    ids.append(candidate)
    except Exception as exc:
        raise aws.translate(exc, f"list s3://{bucket}/{environment}/") from exc
    return ids


def delete_snapshot(bucket: str, environment: str, snapshot_id: str) -> None:
    s3 = aws.client("s3")
    prefix = layout.snapshot_prefix(environment, snapshot_id)
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": item["Key"]} for item in page.get("Contents") or []]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    except Exception as exc:
        raise aws.translate(exc, f"delete s3://{bucket}/{prefix}") from exc


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    bucket, keep = str(event["bucket"]), int(event["retention"])
    snapshots = {s: is_complete(bucket, name, s) for s in snapshot_ids(bucket, name)}
    kept, deleted = plan(snapshots, latest(bucket, name), keep)
    for snapshot_id in deleted:
        delete_snapshot(bucket, name, snapshot_id)
    return {"kept": kept, "deleted": deleted}
