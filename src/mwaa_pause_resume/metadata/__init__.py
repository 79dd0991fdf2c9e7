"""The metadata engine: export, verify and restore Airflow metadata snapshots.

Runs inside MWAA's Airflow image: imports only the standard library, boto3/botocore,
psycopg2 and cryptography (plus :mod:`mwaa_pause_resume.errors`), never Airflow.

    store = open_store("s3://bucket/env/2026-01-01T00-00-00/", kms_key_id="alias/x")
    manifest = export_snapshot(conn, store, fernet_key=key)
    verify_snapshot(store)
    restore_snapshot(conn2, store, fernet_key=new_key)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names resolve lazily (PEP 562): the verify Lambda imports this package without
# psycopg2 or cryptography, which only export/restore need.
_EXPORTS: dict[str, str] = {
    "AlreadyRestored": "errors",
    "SnapshotSource": "errors",
    "DatabaseUnavailable": "errors",
    "INTERRUPTED_POLICIES": "restore",
    "KEPT": "tables",
    "LocalStore": "store",
    "MANIFEST_NAME": "manifest",
    "Manifest": "manifest",
    "PermissionDenied": "errors",
    "REGENERATED": "tables",
    "RestoreFailed": "errors",
    "RestoreReport": "restore_report",
    "S3Store": "store",
    "SnapshotIncompatible": "errors",
    "SnapshotInvalid": "errors",
    "SnapshotStore": "store",
    "TableEntry": "manifest",
    "TableResult": "restore_report",
    "VerifyReport": "verify",
    "WrongKey": "errors",
    "connect": "db",
    "export_snapshot": "export",
    "open_store": "store",
    "read_manifest": "verify",
    "restore_snapshot": "restore",
    "verify_snapshot": "verify",
}

if TYPE_CHECKING:
    from mwaa_pause_resume.metadata.db import connect
    from mwaa_pause_resume.metadata.errors import (
        AlreadyRestored,
        DatabaseUnavailable,
        PermissionDenied,
        RestoreFailed,
        SnapshotIncompatible,
        SnapshotInvalid,
        SnapshotSource,
        WrongKey,
    )
    from mwaa_pause_resume.metadata.export import export_snapshot
    from mwaa_pause_resume.metadata.manifest import MANIFEST_NAME, Manifest, TableEntry
    from mwaa_pause_resume.metadata.restore import INTERRUPTED_POLICIES, restore_snapshot
    from mwaa_pause_resume.metadata.restore_report import RestoreReport, TableResult
    from mwaa_pause_resume.metadata.store import LocalStore, S3Store, SnapshotStore, open_store
    from mwaa_pause_resume.metadata.tables import KEPT, REGENERATED
    from mwaa_pause_resume.metadata.verify import VerifyReport, read_manifest, verify_snapshot


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "INTERRUPTED_POLICIES",
    "KEPT",
    "MANIFEST_NAME",
    "REGENERATED",
    "AlreadyRestored",
    "DatabaseUnavailable",
    "LocalStore",
    "Manifest",
    "PermissionDenied",
    "RestoreFailed",
    "RestoreReport",
    "S3Store",
    "SnapshotIncompatible",
    "SnapshotInvalid",
    "SnapshotSource",
    "SnapshotStore",
    "TableEntry",
    "TableResult",
    "VerifyReport",
    "WrongKey",
    "connect",
    "export_snapshot",
    "open_store",
    "read_manifest",
    "restore_snapshot",
    "verify_snapshot",
]
