"""Verify a snapshot: the gate before DeleteEnvironment (the workflows' verify Lambda)
and ``metadata verify``.

The manifest must be well formed and list every table its export writes (scope,
schema revision: ``required_tables``); every file must be present with its size and
sha256, a valid gzip stream (CRC and length included), and decompress to exactly the
manifest's rows (and size, when recorded). Files are streamed within a fixed memory
budget, and reading stops at the first byte past the manifest's bounds.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from mwaa_pause_resume.metadata.bounded_read import BoundedContent
from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.metadata.layout import (
    REST_PREFIX,
    TABLES_PREFIX,
    entry_file,
    table_file,
)
from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME, Manifest, TableEntry
from mwaa_pause_resume.metadata.required_tables import check_tables
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import BUFFER
from mwaa_pause_resume.parsing import loads_json

__all__ = [  # the layout names stay importable from here, where they used to live
    "REST_PREFIX",
    "TABLES_PREFIX",
    "HashingReader",
    "VerifyReport",
    "check_structure",
    "entry_file",
    "table_file",
    "verify_snapshot",
]

# What a damaged gzip stream raises while it is read (a bad CRC or length is
# BadGzipFile, a cut-short stream EOFError).
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


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
    return load_manifest(store)[0]


def load_manifest(store: SnapshotStore) -> tuple[Manifest, str]:
    """The manifest and the sha256 of its bytes (a snapshot's identity, wherever it lives)."""
    if not store.exists(MANIFEST_NAME):
        raise SnapshotInvalid(
            f"no {MANIFEST_NAME} in {store.location}: not a snapshot, or an incomplete one",
            hint="point at one snapshot's folder (<env>/<snapshot-id>/) of a finished export",
        )
    with store.open_read(MANIFEST_NAME) as src:
        raw = src.read()
    try:
        data = loads_json(raw)
    except ValueError as exc:
        raise SnapshotInvalid(
            f"{MANIFEST_NAME} in {store.location} is not valid JSON: {exc}",
            hint="the snapshot is damaged; use another snapshot",
        ) from None
    return Manifest.from_dict(data), hashlib.sha256(raw).hexdigest()


def check_structure(store: SnapshotStore) -> tuple[Manifest, str]:
    """The cheap half of :func:`verify_snapshot`: no table file is read.

    The manifest is well formed, each table names its own file, no file is unlisted,
    and every file exists with the recorded size (one stat / HEAD per file). Returns
    the manifest and its sha256; import checks each file's sha256 while streaming it.
    """
    manifest, digest = load_manifest(store)
    listed = {entry.file for entry in manifest.tables.values()}
    prefix = REST_PREFIX if manifest.scope == SnapshotScope.REST_ONLY else TABLES_PREFIX
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
    return manifest, digest


def content_mismatch(
    name: str, entry: TableEntry, digest: str, size: int
) -> SnapshotInvalid | None:
    """The error for a file whose bytes are not the ones the manifest recorded, if so.

    ``size`` past ``entry.bytes`` means "more": :class:`HashingReader` stops one byte
    after the manifest's size.
    """
    if size > entry.bytes:
        return SnapshotInvalid(
            f"{entry.file} (table {name}) has more than the manifest's {entry.bytes} bytes",
            hint="the file was replaced or appended to; use another snapshot",
        )
    if size != entry.bytes:
        return SnapshotInvalid(
            f"{entry.file} (table {name}) has {size} bytes, the manifest says {entry.bytes}",
            hint="the file was truncated or replaced; use another snapshot",
        )
    if digest != entry.sha256:
        return SnapshotInvalid(
            f"{entry.file} (table {name}) is corrupted: sha256 {digest[:16]}... differs "
            f"from the manifest's {entry.sha256[:16]}...",
            hint="the file changed after export; use another snapshot",
        )
    return None


# SQLSTATE class 22, "data exception": what COPY reports for a value it cannot parse
# (22P02), a malformed line (22P04, extra or missing columns) or bad encoding (22021).
DATA_EXCEPTION = "22"


def unloadable(name: str, entry: TableEntry, exc: Exception) -> SnapshotInvalid | None:
    """The error for a file whose bytes match the manifest but whose CSV PostgreSQL
    refuses: the snapshot is at fault (written by something else, or edited together with
    its manifest), not the restore. None for any other database error."""
    if not str(getattr(exc, "pgcode", None) or "").startswith(DATA_EXCEPTION):
        return None
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]
    # CONTEXT: COPY _mpr_s_job, line 3, column id: "abc"  (the staging table's name is ours)
    at = re.search(r"line (\d+)(?:, column ([^:]+):)?", getattr(diag, "context", None) or "")
    where = f" (line {at[1]}" + (f", column {at[2]}" if at[2] else "") + ")" if at else ""
    return SnapshotInvalid(
        f"{entry.file} (table {name}) matches its manifest but does not load: {primary}{where}",
        hint="the file was not written by this tool's export, or was edited together with "
        "the manifest; use another snapshot",
    )


def verify_snapshot(store: SnapshotStore, *, known_schema: bool = False) -> VerifyReport:
    """Re-read every file; raise :class:`SnapshotInvalid` naming the first problem.

    ``known_schema``: refuse a full snapshot whose schema revision is not a supported
    Airflow version's (the workflows' gate: MWAA could not restore it).
    """
    manifest, _ = check_structure(store)
    check_tables(manifest, known_schema=known_schema)
    report = VerifyReport(store.location, manifest)
    for name, entry in manifest.tables.items():
        read = check_file(store, name, entry, csv=manifest.scope != SnapshotScope.REST_ONLY)
        report.files += 1
        report.bytes += read
        report.rows[name] = entry.rows
    return report


def check_file(store: SnapshotStore, name: str, entry: TableEntry, *, csv: bool) -> int:
    """Stream one file: its bytes (size, sha256), its gzip framing (CRC, length) and its
    content (rows, decompressed size), within the manifest's bounds; its size."""
    with store.open_read(entry.file) as raw:
        hashing = HashingReader(raw, limit=entry.bytes)
        try:
            with gzip.GzipFile(fileobj=hashing) as gz:
                content = BoundedContent(gz, name, entry, csv=csv)
                while content.read(BUFFER):
                    pass
        except (SnapshotInvalid, *GZIP_ERRORS) as exc:
            # bytes that differ from the export's explain any other failure best
            problem = content_mismatch(name, entry, *hashing.drain())
            if problem is not None:
                raise problem from None
            if isinstance(exc, SnapshotInvalid):
                raise
            raise not_gzip(name, entry, f"{type(exc).__name__}: {exc}") from None
        digest, size = hashing.drain()
    problem = content_mismatch(name, entry, digest, size)
    if problem is not None:
        raise problem
    content.finish()
    return size


def not_gzip(name: str, entry: TableEntry, error: str) -> SnapshotInvalid:
    return SnapshotInvalid(
        f"{entry.file} (table {name}) is not a valid gzip file ({error})",
        hint="the snapshot is damaged; use another snapshot",
    )


class HashingReader:
    """Hashes and counts the bytes read through it, so a file is checked as it streams.

    With ``limit`` (the manifest's size) it ends the stream one byte past it: a file
    larger than its manifest says is never read to its end.
    """

    def __init__(self, raw: IO[bytes], limit: int | None = None) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._left = None if limit is None else limit + 1
        self.bytes = 0

    def read(self, size: int = -1) -> bytes:
        if self._left is not None:
            if self._left <= 0:
                return b""
            size = self._left if size < 0 else min(size, self._left)
        data = self._raw.read(size)
        self._sha.update(data)
        self.bytes += len(data)
        if self._left is not None:
            self._left -= len(data)
        return data

    def seek(self, offset: int, /) -> int:
        raise io.UnsupportedOperation("a snapshot file is read once, front to back")

    def drain(self) -> tuple[str, int]:
        """Read what the consumer left (gzip stops at its trailer); the digest and size."""
        while self.read(BUFFER):
            pass
        return self._sha.hexdigest(), self.bytes
