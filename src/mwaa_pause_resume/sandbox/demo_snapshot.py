"""The snapshot and restore summary the scripted export/import DAGs (:mod:`.scripted_airflow`)
produce: a small full snapshot of Airflow 2.10.3 that the metadata engine verifies.

Its manifest is built by :class:`~mwaa_pause_resume.metadata.manifest.Manifest`, the
class the real export writes with, so that it keeps the shape the engine reads.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.metadata.manifest import (
    MANIFEST_NAME,
    Column,
    Manifest,
    Secrets,
    TableEntry,
)
from mwaa_pause_resume.metadata.schemas import SCHEMA_TABLES
from mwaa_pause_resume.metadata.tables import kept_tables

# Airflow 2.10.3's schema, so the snapshot holds every table an export of that schema
# writes (verify requires them all), variables and pools with rows.
DEMO_AIRFLOW_VERSION = "2.10.3"
DEMO_REVISION = "5f2621c13b39"
DEMO_ROWS = {"variable": b'"a","1"\n"b","2"\n', "slot_pool": b'"default_pool","128"\n'}
DEMO_TABLES = tuple(kept_tables(set(SCHEMA_TABLES[DEMO_REVISION])))
DEMO_COLUMNS = (Column("name", "text"), Column("value", "text"))


def write_demo_snapshot(location: str, paused_states: dict[str, bool]) -> int:
    """The demo snapshot (one gzip CSV per kept table + manifest.json) at
    ``s3://bucket/prefix/``; returns the number of tables."""
    import boto3

    s3 = boto3.client("s3")
    bucket, _, prefix = location[len("s3://") :].partition("/")
    entries: dict[str, TableEntry] = {}
    for table in DEMO_TABLES:
        csv = DEMO_ROWS.get(table, b"")
        data = gzip.compress(csv, mtime=0)
        file = f"tables/{table}.csv.gz"
        s3.put_object(Bucket=bucket, Key=prefix + file, Body=data)
        entries[table] = TableEntry(
            columns=DEMO_COLUMNS,
            rows=csv.count(b"\n"),
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            file=file,
            raw_bytes=len(csv),
        )
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(),
        airflow_version=DEMO_AIRFLOW_VERSION,
        alembic_revision=DEMO_REVISION,
        scope=SnapshotScope.FULL.value,
        tables=entries,
        secrets=Secrets(scheme="none"),
        paused_states=paused_states,
    )
    body = json.dumps(manifest.to_dict()).encode()
    s3.put_object(Bucket=bucket, Key=prefix + MANIFEST_NAME, Body=body)
    return len(entries)


def demo_summary() -> Any:
    """The restore summary of the scripted import: the demo snapshot's rows restored
    exactly (two variables, the default pool)."""
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

    summary = RestoreSummary(SnapshotScope.FULL.value)
    summary.add("variables", exact=2)
    summary.add("pools", exact=1)
    return summary
