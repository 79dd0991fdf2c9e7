"""The MAC of a snapshot's manifest: proof that the workflows verified this snapshot.

The pause workflow's verify function writes ``manifest.mac.json`` next to the
manifest once the snapshot verified: a :mod:`.signing` object (purpose
``manifest``) over the environment, the snapshot id and the sha256 of the
manifest's bytes. The manifest in turn holds every table file's sha256, so the
MAC covers the whole snapshot. The execution roles may only verify MACs, so a
snapshot they edit (or a hand-made one, sha256 values recomputed) no longer
matches its MAC.

:func:`authenticated_store` checks the MAC and returns the store with the checked
manifest pinned in memory: the engine then reads exactly the bytes that were
checked, even if the object in S3 is replaced in between.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterator
from typing import IO, Any

from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME
from mwaa_pause_resume.metadata.signing import MANIFEST, SignatureInvalid, sign, verify
from mwaa_pause_resume.metadata.store import SnapshotStore, Writable
from mwaa_pause_resume.parsing import loads_json

MAC_NAME = "manifest.mac.json"


class SnapshotUnsigned(SignatureInvalid):
    """The snapshot carries no manifest MAC."""


def _manifest_bytes(store: SnapshotStore) -> bytes:
    if not store.exists(MANIFEST_NAME):
        raise SignatureInvalid(
            f"no {MANIFEST_NAME} in {store.location}: not a snapshot, or an incomplete one",
            hint="point at one snapshot's folder (<env>/<snapshot-id>/) of a finished export",
        )
    with store.open_read(MANIFEST_NAME) as src:
        return src.read()


def pin_manifest(store: SnapshotStore) -> PinnedManifestStore:
    """``store`` with its manifest read once and served from memory: verify these bytes,
    then sign these bytes (:func:`sign_manifest`), whatever happens to the object."""
    return PinnedManifestStore(store, _manifest_bytes(store), {})


def sign_manifest(
    store: SnapshotStore, kms: Any, key_id: str, *, environment: str, snapshot_id: str
) -> dict[str, Any]:
    """Write ``manifest.mac.json`` for the manifest (the pinned bytes of a
    :class:`PinnedManifestStore`, else as it is now); returns the signed object."""
    raw = store.manifest if isinstance(store, PinnedManifestStore) else _manifest_bytes(store)
    digest = hashlib.sha256(raw).hexdigest()
    signed = sign(
        kms,
        key_id,
        MANIFEST,
        {"environment": environment, "snapshot_id": snapshot_id, "manifest_sha256": digest},
    )
    store.put_json(MAC_NAME, signed)
    return signed


def authenticated_store(
    store: SnapshotStore,
    kms: Any,
    key_id: str,
    *,
    environment: str | None,
    snapshot_id: str | None,
) -> PinnedManifestStore:
    """``store`` with its manifest pinned, once its MAC checks out under ``key_id``.

    ``environment`` / ``snapshot_id``: what the snapshot must be (None: any, e.g. a
    local copy checked by the operator CLI, which prints what the MAC certifies).
    """
    if not store.exists(MAC_NAME):
        raise SnapshotUnsigned(
            f"snapshot {store.location} has no {MAC_NAME}: it was not verified and signed by "
            "the pause workflow (or was made by `metadata export`)",
            hint="only signed snapshots are restored; for a local snapshot you made yourself, "
            "see `metadata import --allow-unsigned`",
        )
    what = f"{MAC_NAME} of {store.location}"
    payload = verify(kms, key_id, MANIFEST, store.get_json(MAC_NAME), what)
    raw = _manifest_bytes(store)
    if payload.get("manifest_sha256") != hashlib.sha256(raw).hexdigest():
        raise SignatureInvalid(
            f"the manifest of {store.location} is not the one the workflow signed: it was "
            "altered after the snapshot was verified",
            hint="use another snapshot; nothing was changed",
        )
    for name, want in (("environment", environment), ("snapshot_id", snapshot_id)):
        if want is not None and payload.get(name) != want:
            raise SignatureInvalid(
                f"{what} signs {name} {payload.get(name)!r}, not {want!r}: the snapshot was "
                "copied from elsewhere",
                hint="restore an environment only from its own snapshots",
            )
    return PinnedManifestStore(store, raw, payload)


class PinnedManifestStore:
    """A :class:`SnapshotStore` whose manifest is the checked bytes; the rest delegates."""

    def __init__(self, inner: SnapshotStore, manifest: bytes, signed: dict[str, Any]) -> None:
        self.inner = inner
        self.manifest = manifest
        self.signed = signed  # what the MAC certifies (environment, snapshot_id, sha256)
        self.location = inner.location
        self.kms_key_id = inner.kms_key_id

    def open_write(self, name: str) -> contextlib.AbstractContextManager[Writable]:
        return self.inner.open_write(name)

    def open_read(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        if name == MANIFEST_NAME:
            return self._pinned()
        return self.inner.open_read(name)

    @contextlib.contextmanager
    def _pinned(self) -> Iterator[IO[bytes]]:
        yield io.BytesIO(self.manifest)

    def exists(self, name: str) -> bool:
        return name == MANIFEST_NAME or self.inner.exists(name)

    def size(self, name: str) -> int | None:
        return len(self.manifest) if name == MANIFEST_NAME else self.inner.size(name)

    def list(self, prefix: str = "") -> list[str]:
        return self.inner.list(prefix)

    def delete_prefix(self, prefix: str = "") -> None:
        self.inner.delete_prefix(prefix)

    def put_json(self, name: str, data: Any) -> None:
        self.inner.put_json(name, data)

    def get_json(self, name: str) -> Any:
        return loads_json(self.manifest) if name == MANIFEST_NAME else self.inner.get_json(name)

    def kms_client(self) -> Any:
        return self.inner.kms_client()
