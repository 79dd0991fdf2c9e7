"""What one restore did, per table and in all: :class:`RestoreReport` (JSON via ``to_dict``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mwaa_pause_resume.metadata.flags import InterruptedPolicy


@dataclass
class TableResult:
    snapshot_rows: int
    inserted: int = 0
    updated: int = 0  # merge: the target's row overwritten by the snapshot's
    matched: int = 0  # reuse: the target's row kept, references redirected to it
    kept_target: int = 0  # keep_target: the target's row kept, this one skipped with dependents
    skipped_with_parent: int = 0  # its parent row was skipped (e.g. the import DAG's own run)
    skipped_conflict: int = 0  # collided with a unique key of the target
    cleared: int = 0  # removed as Airflow's clear does (reschedules of a cut-off try)


@dataclass
class RestoreReport:
    location: str
    snapshot_created_at: str
    airflow_version: str | None
    alembic_revision: str | None
    tables: dict[str, TableResult] = field(default_factory=dict)
    interrupted_policy: str = InterruptedPolicy.RERUN.value
    interrupted_runs: int = 0
    interrupted_task_instances: int = 0
    waiting_task_instances_kept: int = 0  # RERUN: deferred/retrying tasks carry on
    cut_off_tries_recorded: int = 0  # RERUN: task_instance_history rows for them
    paused_states_applied: int = 0
    paused_states_pending: list[str] = field(default_factory=list)  # DAG not in the target
    paused_states_kept_busy: list[str] = field(default_factory=list)  # run in progress
    jobs_ended: int = 0  # jobs running at export, restored as failed (their process is gone)
    snapshot_id: str = ""
    manifest_sha256: str = ""
    forced: bool = False  # restored although this database had restored it before
    # an older snapshot brought forward (forward/): {"from": revision, "to": revision,
    # "left_behind": [tables the target's Airflow no longer has, not restored]}
    brought_forward: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = {name: t.inserted + t.updated for name, t in self.tables.items()}
        return data
