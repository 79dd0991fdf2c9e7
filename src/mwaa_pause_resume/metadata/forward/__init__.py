"""Restoring an older snapshot into a newer Airflow (docs/metadata.md, "Restoring into a
newer Airflow"): the target Airflow's own migrations run on the snapshot's rows in a
scratch schema, then the restore reads them from there."""

from mwaa_pause_resume.metadata.forward.migrations import Migrations
from mwaa_pause_resume.metadata.forward.scratch import (
    SCRATCH_SCHEMA,
    Forwarded,
    bring_forward,
    can_bring_forward,
    drop_scratch,
    target_revision,
)

__all__ = [
    "SCRATCH_SCHEMA",
    "Forwarded",
    "Migrations",
    "bring_forward",
    "can_bring_forward",
    "drop_scratch",
    "target_revision",
]
