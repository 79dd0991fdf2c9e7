"""The capabilities (IAM) and sizing of each Lambda function the stack deploys (pure).

Keys are those of :data:`mwaa_pause_resume.functions.HANDLERS`; a test checks
both tables have the same keys, so a new handler cannot be deployed without
a deliberate grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Capability(Enum):
    SNAPSHOTS = "read/write the backup bucket and use its KMS key"
    ENV_READ = "airflow:GetEnvironment"
    ENV_CREATE = "airflow:CreateEnvironment + what MWAA checks while creating"
    ENV_DELETE = "airflow:DeleteEnvironment"
    ENV_UPDATE = "airflow:UpdateEnvironment"
    REST_API = "airflow:InvokeRestApi"
    PUBLISH = "sns:Publish to the notification topic"


@dataclass(frozen=True)
class Handler:
    key: str  # as in mwaa_pause_resume.functions.HANDLERS
    capabilities: frozenset[Capability]
    timeout_seconds: int = 120
    memory_mb: int = 256

    @property
    def entry_point(self) -> str:
        from mwaa_pause_resume.functions import HANDLERS as ENTRY_POINTS

        return ENTRY_POINTS[self.key]


def _h(key: str, *caps: Capability, timeout: int = 120, memory: int = 256) -> Handler:
    return Handler(key, frozenset(caps), timeout, memory)


C = Capability
HANDLERS: dict[str, Handler] = {
    h.key: h
    for h in (
        _h("begin", C.SNAPSHOTS),
        _h("lock_release", C.SNAPSHOTS),
        _h("environment_status", C.ENV_READ),
        _h("environment_create", C.ENV_CREATE, C.ENV_READ, C.SNAPSHOTS),
        _h("environment_delete", C.ENV_DELETE),
        _h("environment_update", C.ENV_UPDATE, C.SNAPSHOTS),
        _h("dag_trigger", C.REST_API),
        _h("dag_run_state", C.REST_API),
        _h("snapshot_start", C.ENV_READ, C.SNAPSHOTS),
        # Reads and hashes every file of a snapshot: gigabytes for a large metadata DB.
        _h("snapshot_verify", C.SNAPSHOTS, timeout=900, memory=1024),
        _h("snapshot_pointer", C.SNAPSHOTS),
        _h("snapshot_retention", C.SNAPSHOTS, timeout=300),
        _h("failure", C.REST_API, C.SNAPSHOTS),
        _h("notification", C.PUBLISH),
    )
}
