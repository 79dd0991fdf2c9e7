"""Verify a snapshot: manifest well-formed, every file present with its size and sha256."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME, Manifest
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import sha256_of

TABLES_PREFIX = "tables/"


REST_PREFIX = "rest/"  # the rest-only scope's files (metadata.rest_scope writes them)


def table_file(name: str) -> str:
    """Where a table's rows live inside a snapshot folder."""
    return f"{TABLES_PREFIX}{name}.csv.gz"


def entry_file(scope: str, name: str) -> str:
    """The file a manifest entry must name: a table's CSV, or a rest-only kind's JSON lines."""
    return f"{REST_PREFIX}{name}.jsonl.gz" if scope == "rest-only" else table_file(name)


@dataclass
class VerifyReport:
    location: str
    manifest: Manifest
    files: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "ok": True,
            "airflow_version": self.manifest.airflow_version,
            "alembic_revision": self.manifest.alembic_revision,
            "created_at": self.manifest.created_at,
            "scope": self.manifest.scope,
            "files": self.files,
            "bytes": self.bytes,
            "rows": self.rows,
        }


def read_manifest(store: SnapshotStore) -> Manifest:
    if not store.exists(MANIFEST_NAME):
        raise SnapshotInvalid(
            f"no {MANIFEST_NAME} in {store.location}: not a snapshot, or an incomplete one",
            hint="point at one snapshot's folder (<env>/<snapshot-id>/) of a finished export",
        )
    return Manifest.from_dict(store.get_json(MANIFEST_NAME))


def verify_snapshot(store: SnapshotStore) -> VerifyReport:
    """Re-read every file; raise :class:`SnapshotInvalid` naming the first one that differs."""
    manifest = read_manifest(store)
    report = VerifyReport(store.location, manifest)
    listed = {entry.file for entry in manifest.tables.values()}
    prefix = REST_PREFIX if manifest.scope == "rest-only" else TABLES_PREFIX
    for name, entry in manifest.tables.items():
        expected = entry_file(manifest.scope, name)
        if entry.file != expected:  # two tables must never share one file
            raise SnapshotInvalid(
                f"{MANIFEST_NAME} names {entry.file} as the file of table {name} "
                f"(export writes {expected})",
                hint="the manifest was edited or damaged; use another snapshot",
            )
    # a table file the manifest does not list: a table entry was removed, so its rows
    # would silently not be restored
    for extra in sorted(set(store.list(prefix)) - listed):
        raise SnapshotInvalid(
            f"{extra} is in {store.location} but not in the manifest",
            hint="the manifest was edited or damaged; use another snapshot",
        )
    for name, entry in manifest.tables.items():
        size = store.size(entry.file)
        if size is None:
            raise SnapshotInvalid(
                f"{entry.file} (table {name}) is missing from {store.location}",
                hint="the snapshot is incomplete; use another snapshot",
            )
        if size != entry.bytes:
            raise SnapshotInvalid(
                f"{entry.file} (table {name}) has {size} bytes, the manifest says {entry.bytes}",
                hint="the file was truncated or replaced; use another snapshot",
            )
        with store.open_read(entry.file) as stream:
            digest, read = sha256_of(stream)
        if digest != entry.sha256 or read != entry.bytes:
            raise SnapshotInvalid(
                f"{entry.file} (table {name}) is corrupted: sha256 {digest[:16]}... differs "
                f"from the manifest's {entry.sha256[:16]}...",
                hint="the file changed after export; use another snapshot",
            )
        report.files += 1
        report.bytes += size
        report.rows[name] = entry.rows
    return report
