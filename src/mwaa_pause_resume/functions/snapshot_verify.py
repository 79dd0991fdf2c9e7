"""Verify a snapshot against its manifest with the metadata engine, before anything is
deleted: every table its scope and schema revision require, every file present with its
size and sha256, a valid gzip stream holding the manifest's rows (read within bounds);
then sign the verified manifest (``manifest.mac.json``, :mod:`.signatures`): the import
DAG and the resume workflow accept only snapshots signed so.

Input ``{"environment", "bucket", "snapshot_id", "kms_key_id"}``; output
``{"verified": true, "files", "bytes"}``. Raises ``SnapshotInvalid`` naming what does
not match.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import layout, settings, signatures
from mwaa_pause_resume.functions.errors import SnapshotInvalid


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    from mwaa_pause_resume.metadata.errors import SnapshotInvalid as EngineSnapshotInvalid
    from mwaa_pause_resume.metadata.snapshot_mac import pin_manifest
    from mwaa_pause_resume.metadata.store import open_store
    from mwaa_pause_resume.metadata.verify import verify_snapshot

    name = settings.environment_name(event)
    bucket, snapshot_id = str(event["bucket"]), str(event["snapshot_id"])
    location = layout.snapshot_url(bucket, name, snapshot_id)
    try:
        # The manifest is read once: the bytes verified are the bytes signed. MWAA runs
        # supported Airflow versions only: a snapshot of any other schema could never be
        # restored, so the environment must not be deleted for it.
        store = pin_manifest(open_store(location, kms_key_id=event.get("kms_key_id")))
        report = verify_snapshot(store, known_schema=True)
    except EngineSnapshotInvalid as exc:
        raise SnapshotInvalid(
            f"Snapshot {location} does not match its manifest: {exc}. "
            f"The environment {name} was kept running."
        ) from exc
    signatures.sign_manifest(store, name, snapshot_id)
    return {"verified": True, "files": report.files, "bytes": report.bytes}
