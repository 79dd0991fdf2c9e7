"""The state one restore's steps share: inputs, the plan read from the target, the report.

The steps (:mod:`.restore_staging`, :mod:`.restore_adjustments`, :mod:`.restore_rows`)
are functions of a :class:`RestoreJob`; :mod:`.restore` runs them in order, in one
transaction, on ``job.cur``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mwaa_pause_resume.metadata.catalog import Catalog
from mwaa_pause_resume.metadata.flags import InterruptedPolicy
from mwaa_pause_resume.metadata.manifest import Manifest
from mwaa_pause_resume.metadata.restore_guard import SnapshotIdentity
from mwaa_pause_resume.metadata.restore_report import RestoreReport
from mwaa_pause_resume.metadata.secrets import Cipher
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.topology import Link, links, restore_order

# before_commit(cursor, dag_ids whose restored paused state was applied)
BeforeCommit = Callable[[Any, list[str]], None]


class RestoreJob:
    """One restore in progress; ``current`` names the step or table, for error messages."""

    # Set by restore.py when the transaction opens, then by plan().
    cur: Any
    catalog: Catalog
    names: list[str]  # tables restored, in foreign-key order
    links: list[Link]  # the references between them
    has_children: set[str]  # tables other restored tables refer to
    mapped: set[str]  # tables whose surrogate ids get new values (mapping tables)

    def __init__(
        self,
        store: SnapshotStore,
        manifest: Manifest,
        *,
        scratch: str | None = None,
        snap: Cipher | None,
        target: Cipher | None,
        policy: InterruptedPolicy,
        progress: Callable[[str, int], None] | None,
        identity: SnapshotIdentity,
        force: bool,
        before_commit: BeforeCommit | None = None,
    ) -> None:
        self.store = store
        self.scratch = scratch  # rows read from this schema instead of the files (forward/)
        self.before_commit = before_commit
        self.identity = identity
        self.force = force
        self.manifest = manifest
        self.snap = snap
        self.target = target
        self.policy = policy
        self.progress = progress
        self.current: str | None = None
        self.skipped: dict[str, int] = {}  # table -> rows in its skip table
        self.cut_off = False  # ti_history.CUTOFF holds the tries a rerun interrupts
        self.report = RestoreReport(
            location=store.location,
            snapshot_created_at=manifest.created_at,
            airflow_version=manifest.airflow_version,
            alembic_revision=manifest.alembic_revision,
            interrupted_policy=policy.value,
            snapshot_id=identity.snapshot_id,
            manifest_sha256=identity.manifest_sha256,
        )

    def plan(self) -> None:
        """The tables to restore, in order, and how their references are rewritten."""
        self.names = restore_order(self.catalog, list(self.manifest.tables))
        self.links = links(self.catalog, self.names)
        restored = set(self.names)
        self.has_children = {lk.parent for lk in self.links if lk.table in restored}
        self.mapped = {
            lk.parent
            for lk in self.links
            if lk.parent in restored
            and len(lk.columns) == 1
            and lk.parent_columns == (self.catalog.tables[lk.parent].serial,)
        }

    def exec(self, sql: str, args: Any = None) -> int:
        """Run ``sql``; the rows it touched."""
        self.cur.execute(sql, args)
        return int(self.cur.rowcount)

    def ti_has_uuid(self) -> bool:
        """Airflow 3: task_instance rows have a uuid ``id`` other tables refer to."""
        info = self.catalog.tables["task_instance"]
        return any(c.name == "id" and c.type == "uuid" for c in info.columns)
