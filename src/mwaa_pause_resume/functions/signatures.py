"""The functions' side of the MACs (:mod:`mwaa_pause_resume.metadata.signing`): sign and
check a snapshot's environment.json and manifest with the deployment's KMS HMAC key.

``environment.json`` is signed at pause by ``snapshot_start`` (``environment.mac.json``:
environment, snapshot id, sha256 of the stored bytes) and checked before
CreateEnvironment / UpdateEnvironment; the manifest is signed by ``snapshot_verify``
once verified and checked before CreateEnvironment, so a forged snapshot is refused
while the environment can still be left as it is.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mwaa_pause_resume.functions import aws, layout, settings, snapshot_io
from mwaa_pause_resume.functions.errors import SnapshotNotFound, SnapshotUnauthentic

ENVIRONMENT_MAC_FILE = "environment.mac.json"


def _kms() -> Any:
    return aws.client("kms")


def _unauthentic(exc: Exception, what: str) -> SnapshotUnauthentic:
    message = getattr(exc, "message", str(exc))
    return SnapshotUnauthentic(f"{what} is refused: {message}. Nothing was created or changed.")


def sign_environment(
    bucket: str, environment: str, snapshot_id: str, body: bytes, kms_key_id: str | None
) -> None:
    """Write ``environment.mac.json`` for the stored environment.json bytes ``body``."""
    from mwaa_pause_resume.metadata.signing import ENVIRONMENT, sign

    try:
        signed = sign(
            _kms(),
            settings.mac_key_id(),
            ENVIRONMENT,
            {
                "environment": environment,
                "snapshot_id": snapshot_id,
                "environment_sha256": hashlib.sha256(body).hexdigest(),
            },
        )
    except Exception as exc:
        raise aws.translate(exc, f"sign environment.json of {environment}") from exc
    key = layout.key(environment, snapshot_id, ENVIRONMENT_MAC_FILE)
    snapshot_io.write_json(bucket, key, signed, kms_key_id)


def check_environment(bucket: str, environment: str, snapshot_id: str, body: bytes) -> None:
    """Refuse environment.json ``body`` unless its MAC is this deployment's, for this
    environment and snapshot, over exactly these bytes."""
    from mwaa_pause_resume.metadata.signing import ENVIRONMENT, SignatureInvalid, verify

    url = layout.snapshot_url(bucket, environment, snapshot_id) + layout.ENVIRONMENT_FILE
    signed = snapshot_io.read_json(
        bucket, layout.key(environment, snapshot_id, ENVIRONMENT_MAC_FILE)
    )
    if signed is None:
        raise SnapshotUnauthentic(
            f"{url} has no {ENVIRONMENT_MAC_FILE}: it was not written by the pause workflow "
            "of this deployment. Nothing was created; resume from a snapshot this "
            "deployment made."
        )
    try:
        payload = verify(_kms(), settings.mac_key_id(), ENVIRONMENT, signed, url)
    except SignatureInvalid as exc:
        raise _unauthentic(exc, url) from None
    except Exception as exc:
        raise aws.translate(exc, f"check the MAC of {url}") from exc
    claims = {
        "environment": environment,
        "snapshot_id": snapshot_id,
        "environment_sha256": hashlib.sha256(body).hexdigest(),
    }
    for name, want in claims.items():
        if payload.get(name) != want:
            raise SnapshotUnauthentic(
                f"{url} is refused: it is not the one the pause workflow signed ({name} "
                "differs; altered or copied). Nothing was created or changed."
            )


def sign_manifest(store: Any, environment: str, snapshot_id: str) -> None:
    """Write ``manifest.mac.json`` for a snapshot that just verified: ``store`` is the
    :class:`~mwaa_pause_resume.metadata.snapshot_mac.PinnedManifestStore` that was
    verified, so the MAC covers exactly the manifest bytes that were checked."""
    from mwaa_pause_resume.metadata.snapshot_mac import sign_manifest as sign_store

    try:
        sign_store(
            store,
            _kms(),
            settings.mac_key_id(),
            environment=environment,
            snapshot_id=snapshot_id,
        )
    except Exception as exc:
        raise aws.translate(exc, f"sign the manifest of {store.location}") from exc


def check_manifest(bucket: str, environment: str, snapshot_id: str) -> None:
    """Refuse a snapshot whose manifest MAC is missing or wrong."""
    from mwaa_pause_resume.metadata.errors import SnapshotInvalid
    from mwaa_pause_resume.metadata.snapshot_mac import authenticated_store
    from mwaa_pause_resume.metadata.store import open_store

    store = open_store(layout.snapshot_url(bucket, environment, snapshot_id))
    try:
        authenticated_store(
            store,
            _kms(),
            settings.mac_key_id(),
            environment=environment,
            snapshot_id=snapshot_id,
        )
    except SnapshotInvalid as exc:  # SignatureInvalid, or a MAC file that is not JSON
        raise _unauthentic(exc, f"Snapshot {store.location}") from None
    except Exception as exc:
        raise aws.translate(exc, f"check the MAC of {store.location}") from exc


def read_environment_bytes(bucket: str, environment: str, snapshot_id: str) -> bytes:
    key = layout.key(environment, snapshot_id, layout.ENVIRONMENT_FILE)
    body = snapshot_io.read_bytes(bucket, key)
    if body is None:
        raise SnapshotNotFound(f"s3://{bucket}/{key} is missing: cannot re-create {environment}.")
    return body
