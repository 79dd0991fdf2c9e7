"""Where a snapshot's objects live in the backup bucket (docs/metadata.md, "Snapshot layout").

``<env>/<id>/environment.json``, ``<env>/<id>/manifest.json``,
``<env>/<id>/tables/...``, ``<env>/<id>/complete.json`` (written once verified)
and ``<env>/latest.json`` (pointer to the newest complete snapshot);
``<env>/lock.json`` is the pause/resume lock. Pure.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from mwaa_pause_resume.shared import dag_contract

ENVIRONMENT_FILE = "environment.json"
MANIFEST_FILE = "manifest.json"
COMPLETE_FILE = "complete.json"
LATEST_FILE = "latest.json"
LOCK_FILE = "lock.json"
PAUSED_STATES_FILE = dag_contract.PAUSED_STATES_FILE  # written by the export DAG
# 20261125T170200Z-1a2b: sortable by time, unique per execution.
SNAPSHOT_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{4}")  # fullmatch: "$" allows a final "\n"


def snapshot_prefix(environment: str, snapshot_id: str) -> str:
    return f"{environment}/{snapshot_id}/"


def snapshot_url(bucket: str, environment: str, snapshot_id: str) -> str:
    return f"s3://{bucket}/{snapshot_prefix(environment, snapshot_id)}"


def key(environment: str, snapshot_id: str, name: str) -> str:
    return f"{snapshot_prefix(environment, snapshot_id)}{name}"


def latest_key(environment: str) -> str:
    return f"{environment}/{LATEST_FILE}"


def lock_key(environment: str) -> str:
    return f"{environment}/{LOCK_FILE}"


def stamp(started_at: str, execution_name: str) -> str:
    """A run's stamp (the pause's snapshot id) from the execution's start time and name:
    the same execution always gets the same stamp, so retried handlers are idempotent."""
    when = datetime.fromisoformat(started_at.replace("Z", "+00:00")).astimezone(UTC)
    digest = hashlib.sha256(execution_name.encode()).hexdigest()[:4]
    return f"{when.strftime('%Y%m%dT%H%M%SZ')}-{digest}"


def is_snapshot_id(value: str) -> bool:
    return bool(SNAPSHOT_ID.fullmatch(value))
