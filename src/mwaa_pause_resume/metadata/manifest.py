"""The snapshot manifest (``manifest.json``): what was exported, from where, and checksums.

A dataclass with a strict reader: a manifest that is not the shape we write is
refused with :class:`SnapshotInvalid` naming the field, never half-used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.flags import SecretScheme, SnapshotScope, choices
from mwaa_pause_resume.parsing import loads_json

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SCOPES = choices(SnapshotScope)
SECRET_SCHEMES = choices(SecretScheme)
# What a rest-only snapshot written before manifests listed their items holds (restore
# items, metadata.restore_summary.ITEMS).
REST_ONLY_ITEMS_BEFORE_LISTING = ("variables", "connections", "pools", "paused_states")


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class TableEntry:
    columns: tuple[Column, ...]
    rows: int
    bytes: int
    sha256: str
    file: str
    # Size of the decompressed content. Recorded since issue 13; absent in older
    # manifests. Readers stop at it, so a small file cannot expand without bound.
    raw_bytes: int | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Secrets:
    scheme: str
    encrypted_data_key: str | None = None  # kms-envelope: base64 KMS CiphertextBlob
    key_fingerprint: str | None = None  # source-fernet-key: HMAC of a constant
    kms_key_id: str | None = None
    # kms-envelope: the environment in the data key's KMS encryption context
    # (metadata.key_context); None in snapshots made before it existed.
    environment: str | None = None


@dataclass
class Manifest:
    created_at: str
    airflow_version: str | None
    alembic_revision: str | None
    scope: str
    tables: dict[str, TableEntry]
    secrets: Secrets
    excluded_dag_runs: list[dict[str, str]] = field(default_factory=list)
    interrupted: list[dict[str, Any]] = field(default_factory=list)
    paused_states: dict[str, bool] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    engine: dict[str, Any] = field(default_factory=dict)
    # The restore items (metadata.restore_summary.ITEMS) a rest-only snapshot holds; None
    # in a full snapshot (the whole database) and in rest-only ones written before it.
    items: list[str] | None = None

    def held_items(self) -> tuple[str, ...]:
        """The restore items this snapshot holds, also for manifests without ``items``."""
        if self.items is not None:
            return tuple(self.items)
        if self.scope == SnapshotScope.REST_ONLY:
            return REST_ONLY_ITEMS_BEFORE_LISTING
        from mwaa_pause_resume.metadata.restore_summary import ITEMS

        return ITEMS

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "airflow_version": self.airflow_version,
            "alembic_revision": self.alembic_revision,
            "scope": self.scope,
            "engine": self.engine,
            "tables": {
                name: {
                    "columns": [{"name": c.name, "type": c.type} for c in t.columns],
                    "rows": t.rows,
                    "bytes": t.bytes,
                    "sha256": t.sha256,
                    "file": t.file,
                    **({} if t.raw_bytes is None else {"raw_bytes": t.raw_bytes}),
                }
                for name, t in self.tables.items()
            },
            "excluded_dag_runs": self.excluded_dag_runs,
            "interrupted": self.interrupted,
            "paused_states": self.paused_states,
            "secrets": {k: v for k, v in vars(self.secrets).items() if v is not None},
            **({} if self.items is None else {"items": list(self.items)}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        try:
            data = loads_json(text)
        except ValueError as exc:
            raise _bad(f"is not valid JSON ({exc})") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        if not isinstance(data, dict):
            raise _bad("is not a JSON object")
        version = _get(data, "format_version", int)
        if version != FORMAT_VERSION:
            raise SnapshotInvalid(
                f"manifest format_version {version} is not supported (this tool reads "
                f"{FORMAT_VERSION})",
                hint="use the mwaa-pause-resume version that wrote the snapshot",
            )
        scope = _get(data, "scope", str)
        if scope not in SCOPES:
            raise _bad(f"has scope {scope!r}; expected one of {', '.join(SCOPES)}")
        tables_raw = _get(data, "tables", dict)
        tables = {str(name): _table(name, raw) for name, raw in tables_raw.items()}
        secrets_raw = _get(data, "secrets", dict)
        scheme = _get(secrets_raw, "scheme", str, where="secrets")
        if scheme not in SECRET_SCHEMES:
            raise _bad(f"has secrets.scheme {scheme!r}; expected one of {SECRET_SCHEMES}")
        secrets = Secrets(
            scheme=scheme,
            encrypted_data_key=_opt(secrets_raw, "encrypted_data_key", str, "secrets"),
            key_fingerprint=_opt(secrets_raw, "key_fingerprint", str, "secrets"),
            kms_key_id=_opt(secrets_raw, "kms_key_id", str, "secrets"),
            environment=_opt(secrets_raw, "environment", str, "secrets"),
        )
        if scheme == SecretScheme.KMS_ENVELOPE and not secrets.encrypted_data_key:
            raise _bad("uses kms-envelope secrets without secrets.encrypted_data_key")
        if (
            scheme in (SecretScheme.SOURCE_FERNET_KEY, SecretScheme.FERNET_KEY)
            and not secrets.key_fingerprint
        ):
            raise _bad(f"uses {scheme} secrets without secrets.key_fingerprint")
        excluded = _get(data, "excluded_dag_runs", list)
        for item in excluded:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("dag_id"), str)
                and isinstance(item.get("run_id"), str)
            ):
                raise _bad("has an excluded_dag_runs entry without dag_id/run_id strings")
        interrupted = _get(data, "interrupted", list)
        for item in interrupted:
            validate_interrupted(item, _bad)
        paused = _get(data, "paused_states", dict)
        if not all(isinstance(v, bool) for v in paused.values()):
            raise _bad("has a non-boolean value in paused_states")
        items = _opt(data, "items", list)
        if items is not None and not all(isinstance(i, str) and i for i in items):
            raise _bad("has an items entry that is not a name")
        return cls(
            format_version=version,
            created_at=_get(data, "created_at", str),
            airflow_version=_opt(data, "airflow_version", str),
            alembic_revision=_opt(data, "alembic_revision", str),
            scope=scope,
            engine=dict(data["engine"]) if isinstance(data.get("engine"), dict) else {},
            tables=tables,
            secrets=secrets,
            excluded_dag_runs=excluded,
            interrupted=interrupted,
            paused_states=paused,
            items=items,
        )


def validate_interrupted(item: Any, fail: Any) -> None:
    """An interrupted entry: dag_id, run_id, optional task_id/map_index/state."""
    if not (
        isinstance(item, dict)
        and isinstance(item.get("dag_id"), str)
        and isinstance(item.get("run_id"), str)
    ):
        raise fail("has an interrupted entry without dag_id/run_id strings")
    if item.get("task_id") is not None and not isinstance(item["task_id"], str):
        raise fail("has an interrupted entry whose task_id is not a string")
    if item.get("map_index") is not None and not isinstance(item["map_index"], int):
        raise fail("has an interrupted entry whose map_index is not an integer")


def _bad(what: str) -> SnapshotInvalid:
    return SnapshotInvalid(
        f"{MANIFEST_NAME} {what}",
        hint="the snapshot is damaged or was not written by mwaa-pause-resume; use another one",
    )


def _get(data: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    if key not in data:
        raise _bad(f"has no {where + '.' if where else ''}{key}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(
            f"has {where + '.' if where else ''}{key} of the wrong type (expected {kind.__name__})"
        )
    return value


def _opt(data: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    if data.get(key) is None:
        return None
    return _get(data, key, kind, where)


def _table(name: str, raw: Any) -> TableEntry:
    if not isinstance(raw, dict):
        raise _bad(f"has table {name!r} that is not an object")
    where = f"tables.{name}"
    cols_raw = _get(raw, "columns", list, where)
    columns = []
    for col in cols_raw:
        if not (
            isinstance(col, dict)
            and isinstance(col.get("name"), str)
            and isinstance(col.get("type"), str)
        ):
            raise _bad(f"has a column of {where} without name/type strings")
        columns.append(Column(col["name"], col["type"]))
    if not columns:
        raise _bad(f"lists no columns for {where}")
    file = _get(raw, "file", str, where)
    if any(part in ("", ".", "..") for part in file.split("/")):  # as the stores require
        raise _bad(f"has an unsafe file name for {where}: {file!r}")
    sha = _get(raw, "sha256", str, where)
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise _bad(f"has a malformed sha256 for {where}")
    rows = _get(raw, "rows", int, where)
    size = _get(raw, "bytes", int, where)
    raw_size = _opt(raw, "raw_bytes", int, where)
    if rows < 0 or size < 0 or (raw_size is not None and raw_size < 0):
        raise _bad(f"has negative rows/bytes for {where}")
    return TableEntry(
        columns=tuple(columns), rows=rows, bytes=size, sha256=sha, file=file, raw_bytes=raw_size
    )
