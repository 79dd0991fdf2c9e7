"""The rest-only snapshot scope: variables, connections, pools, paused states, each
scheduled DAG's scheduler position (``positions``) and run history (DAG runs and task
instances, see :mod:`mwaa_pause_resume.dags.rest_history`).

Used where a task can reach neither the metadata database nor the ORM (Airflow 3
without a database connection): the DAGs collect these through the REST API and
the Task SDK, and this module turns them into a snapshot and back. One JSON-lines
gzip file per kind (``rest/<kind>.jsonl.gz``) listed in the manifest's ``tables``
with rows, bytes and sha256, so :func:`~.verify.verify_snapshot` checks them like
table files. Secret values (variable value, connection password and extra) are
encrypted under the snapshot key exactly as the full scope does (KMS envelope or
the source's Fernet key); each record lists which of its fields are encrypted.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from mwaa_pause_resume.metadata.bounded_read import BoundedContent
from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.flags import SecretScheme, SnapshotScope
from mwaa_pause_resume.metadata.key_context import data_key_environment
from mwaa_pause_resume.metadata.layout import (
    REST_FIELDS,
    REST_OPTIONAL_KINDS,
    entry_file,
    rest_kinds_ok,
)
from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME, Column, Manifest, TableEntry
from mwaa_pause_resume.metadata.secrets import (
    Cipher,
    new_snapshot_key,
    open_snapshot_key,
    optional_cipher,
)
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import BUFFER, GZIP_LEVEL, HashingSink
from mwaa_pause_resume.metadata.verify import GZIP_ERRORS, HashingReader
from mwaa_pause_resume.parsing import loads_json

SCOPE = SnapshotScope.REST_ONLY.value  # a plain str: it is written into manifests
ENGINE = {"name": "mwaa-pause-resume", "format": "jsonl+gzip", "source": "rest-api+task-sdk"}
ENCRYPTED_KEY = "_encrypted"  # per record: names of its fields stored as ciphertext

# Fields per kind (Airflow 3 REST API names); secrets are encrypted in the snapshot.
FIELDS = REST_FIELDS
SECRETS: dict[str, tuple[str, ...]] = {
    "variables": ("value",),
    "connections": ("password", "extra"),
    "pools": (),
    "dag_runs": (),
    "task_instances": (),
    "positions": (),
}
KEYS = {
    "variables": "key",
    "connections": "connection_id",
    "pools": "name",
    "dag_runs": "dag_run_id",
    "task_instances": "task_id",
    "positions": "dag_id",
}
# Stored order: by name, history by (dag, run[, task, map index]): stable for equal input.
ORDER: dict[str, tuple[str, ...]] = {
    "dag_runs": ("dag_id", "dag_run_id"),
    "task_instances": ("dag_id", "dag_run_id", "task_id", "map_index"),
}


def _order(kind: str, row: Mapping[str, Any]) -> tuple[str, ...]:
    names = ORDER.get(kind, (KEYS[kind],))
    return tuple(str(row[n]) for n in names)


def rest_file(kind: str) -> str:
    """Where the records of one kind live inside a snapshot folder."""
    return entry_file(SCOPE, kind)


@dataclass
class RestSnapshot:
    """Plain records (secrets decrypted) of a rest-only snapshot."""

    variables: list[dict[str, Any]] = field(default_factory=list)
    connections: list[dict[str, Any]] = field(default_factory=list)
    pools: list[dict[str, Any]] = field(default_factory=list)
    paused_states: dict[str, bool] = field(default_factory=dict)
    # None: the snapshot predates positions (unknown), not "no DAG had one"
    positions: list[dict[str, Any]] | None = None
    dag_runs: list[dict[str, Any]] = field(default_factory=list)
    task_instances: list[dict[str, Any]] = field(default_factory=list)

    def records(self, kind: str) -> list[dict[str, Any]]:
        if kind not in FIELDS:
            raise KeyError(kind)
        value: list[dict[str, Any]] = getattr(self, kind)
        return value


def normalise(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields of ``kind`` (missing ones None); refuses a record without its key."""
    out = {name: record.get(name) for name in FIELDS[kind]}
    key = out[KEYS[kind]]
    if not isinstance(key, str) or not key:
        raise ValueError(f"a {kind} record has no {KEYS[kind]!r}: {dict(record)!r}")
    return out


def seal(kind: str, record: Mapping[str, Any], cipher: Cipher | None) -> dict[str, Any]:
    """The record as stored: secret fields that are not None encrypted under ``cipher``."""
    out = normalise(kind, record)
    sealed = []
    if cipher is not None:
        for name in SECRETS[kind]:
            if out[name] is not None:
                out[name] = cipher.encrypt(str(out[name]))
                sealed.append(name)
    out[ENCRYPTED_KEY] = sealed
    return out


def unseal(
    kind: str, stored: Mapping[str, Any], cipher: Cipher | None, where: str
) -> dict[str, Any]:
    """A stored record back to plain values."""
    sealed = stored.get(ENCRYPTED_KEY) or []
    if not isinstance(sealed, list) or any(n not in SECRETS[kind] for n in sealed):
        raise _damaged(f"{where} has a bad {ENCRYPTED_KEY} list")
    out = normalise(kind, stored)
    for name in sealed:
        if cipher is None:
            raise _damaged(f"{where} has encrypted fields but the manifest has no snapshot key")
        out[name] = cipher.decrypt(str(out[name]), f"{where} field {name}")
    return out


def write_rest_snapshot(
    store: SnapshotStore,
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    paused_states: Mapping[str, bool],
    airflow_version: str | None,
    fernet_key: str | None = None,
    excluded_dag_runs: list[dict[str, str]] | None = None,
    environment: str | None = None,
) -> Manifest:
    """Write one file per kind, then the manifest (last: no manifest = incomplete).

    Secrets go under a KMS data key when the store has a KMS key (bound to
    ``environment``, as in export_snapshot), else under the
    source's primary Fernet key (``fernet_key``), else stay plain (scheme none).
    """
    source = optional_cipher(fernet_key, "source Fernet key")
    kms = store.kms_client() if store.kms_key_id else None
    bound = data_key_environment(environment, store.location) if store.kms_key_id else None
    cipher, secrets = new_snapshot_key(source, store.kms_key_id, kms, environment=bound)
    entries: dict[str, TableEntry] = {}
    for kind, names in FIELDS.items():
        rows = [seal(kind, r, cipher) for r in records.get(kind, ())]
        rows.sort(key=partial(_order, kind))
        name = rest_file(kind)
        with store.open_write(name) as out:
            sink = HashingSink(out)
            with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as gz:
                for row in rows:
                    gz.write(json.dumps(row, sort_keys=True).encode() + b"\n")
                raw_bytes = gz.tell()  # decompressed size: readers stop at it
        entries[kind] = TableEntry(
            columns=tuple(Column(f, "json") for f in names),
            rows=len(rows),
            bytes=sink.bytes,
            sha256=sink.sha256,
            file=name,
            raw_bytes=raw_bytes,
        )
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        airflow_version=airflow_version,
        alembic_revision=None,
        scope=SCOPE,
        tables=entries,
        secrets=secrets,
        excluded_dag_runs=list(excluded_dag_runs or []),
        paused_states={str(k): bool(v) for k, v in paused_states.items()},
        engine=dict(ENGINE),
        items=[*FIELDS, "paused_states"],  # each kind's file, and the manifest's paused_states
    )
    store.put_json(MANIFEST_NAME, manifest.to_dict())
    return manifest


def check_rest_manifest(manifest: Manifest) -> None:
    """A rest-only manifest lists the known kinds (older ones lack the optional kinds)."""
    if not rest_kinds_ok(set(manifest.tables)):
        raise _damaged(
            f"{MANIFEST_NAME} of a rest-only snapshot lists {sorted(manifest.tables)}, "
            f"expected {sorted(FIELDS)} (older snapshots: without "
            f"{sorted(REST_OPTIONAL_KINDS)}; the run history kinds both or neither)"
        )


def read_rest_snapshot(
    store: SnapshotStore, manifest: Manifest, snapshot_key: str | None = None
) -> RestSnapshot:
    """Decrypted records of a verified rest-only snapshot (call verify first)."""
    if manifest.scope != SCOPE:
        raise SnapshotInvalid(
            f"snapshot {store.location} has scope {manifest.scope!r}, not {SCOPE!r}",
            hint="restore a full snapshot with the database import",
        )
    check_rest_manifest(manifest)
    kms = store.kms_client() if manifest.secrets.scheme == SecretScheme.KMS_ENVELOPE else None
    cipher = open_snapshot_key(manifest.secrets, snapshot_key, kms)
    out = RestSnapshot(paused_states=dict(manifest.paused_states))
    if "positions" in manifest.tables:
        out.positions = []
    for kind, entry in manifest.tables.items():
        with store.open_read(entry.file) as raw:
            # within the manifest's bounds, as verify reads it: a file that grew since
            # (or a gzip bomb) is not expanded into memory
            hashing = HashingReader(raw, limit=entry.bytes)
            try:
                with gzip.GzipFile(fileobj=hashing, mode="rb") as gz:
                    content = BoundedContent(gz, kind, entry, csv=False)
                    data = b"".join(iter(partial(content.read, BUFFER), b""))
            except GZIP_ERRORS as exc:
                raise _damaged(f"{entry.file} is not a valid gzip file ({exc})") from None
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) != entry.rows:
            raise _damaged(
                f"{entry.file} holds {len(lines)} records, the manifest says {entry.rows}"
            )
        for number, line in enumerate(lines, 1):
            where = f"{entry.file} line {number}"
            try:
                stored = loads_json(line)
            except ValueError:
                raise _damaged(f"{where} is not JSON") from None
            if not isinstance(stored, dict):
                raise _damaged(f"{where} is not a JSON object")
            try:
                out.records(kind).append(unseal(kind, stored, cipher, where))
            except ValueError as exc:
                raise _damaged(f"{where}: {exc}") from None
    return out


def _damaged(what: str) -> SnapshotInvalid:
    return SnapshotInvalid(what, hint="the snapshot is damaged; use another snapshot")
