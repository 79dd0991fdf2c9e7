"""Restore: load a verified snapshot into a (fresh) Airflow metadata database, all or nothing.

One transaction. Per table in foreign-key order: ``COPY ... FROM STDIN`` into a
temporary staging table, re-encrypt Fernet columns (:mod:`.restore_staging`), apply the
paused states and the interrupted-work policy (:mod:`.restore_adjustments`), drop rows
whose parent row was not restored, then one set-based ``INSERT ... SELECT`` that gives
surrogate ids new values from the target's sequences and rewrites every reference
through a mapping table (:mod:`.restore_rows`). Rows that already exist in the target
follow the table's policy (see ``tables``). Any error rolls everything back. A snapshot
of an older schema revision is brought forward first (:mod:`.forward`); the schema
checks are in :mod:`.schema_compat`, the report in :mod:`.restore_report`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from mwaa_pause_resume.errors import MwaaPauseResumeError, UserError
from mwaa_pause_resume.metadata import (
    forward,
    restore_adjustments,
    restore_rows,
    restore_staging,
)
from mwaa_pause_resume.metadata.catalog import quote, read_catalog
from mwaa_pause_resume.metadata.db import transaction, user_error
from mwaa_pause_resume.metadata.errors import (
    AlreadyRestored,
    RestoreFailed,
    SnapshotIncompatible,
    SnapshotSource,
)
from mwaa_pause_resume.metadata.flags import (
    InterruptedPolicy,
    SecretScheme,
    SnapshotScope,
    choices,
)
from mwaa_pause_resume.metadata.forward.migrations import Migrations
from mwaa_pause_resume.metadata.key_checks import check_keys
from mwaa_pause_resume.metadata.manifest import Manifest
from mwaa_pause_resume.metadata.required_tables import check_tables_for
from mwaa_pause_resume.metadata.restore_guard import (
    SnapshotIdentity,
    check_not_restored,
    check_not_source,
    check_not_source_rows,
    record_restore,
    snapshot_id,
)
from mwaa_pause_resume.metadata.restore_job import BeforeCommit, RestoreJob
from mwaa_pause_resume.metadata.restore_report import RestoreReport, TableResult
from mwaa_pause_resume.metadata.schema_compat import (
    COMPATIBLE_REVISIONS,
    KNOWN_REVISIONS,
    check_compatible,
    compatible,
    describe_revision,
)
from mwaa_pause_resume.metadata.secrets import Cipher, open_snapshot_key, optional_cipher
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.tables import KEPT
from mwaa_pause_resume.metadata.verify import check_structure

# Importable from here as before the split (metadata/__init__, cli, tests, dags tests).
__all__ = [
    "COMPATIBLE_REVISIONS",
    "INTERRUPTED_POLICIES",
    "KNOWN_REVISIONS",
    "BeforeCommit",
    "RestoreReport",
    "TableResult",
    "check_compatible",
    "compatible",
    "describe_revision",
    "restore_snapshot",
]

INTERRUPTED_POLICIES = choices(InterruptedPolicy)


def restore_snapshot(
    conn: Any,
    store: SnapshotStore,
    *,
    fernet_key: str | None,
    snapshot_key: str | None = None,
    interrupted_policy: str = InterruptedPolicy.RERUN,
    progress: Callable[[str, int], None] | None = None,
    force: bool = False,
    before_commit: BeforeCommit | None = None,
    migrations: Migrations | None = None,
) -> RestoreReport:
    """Restore ``store`` into ``conn``'s database in one transaction.

    The manifest's structure and every file's size are checked first; each file's
    sha256 and row count while it streams into its staging table, before any row of
    the target is written. A mismatch raises :class:`SnapshotInvalid` and rolls back.
    A snapshot this database already restored raises :class:`AlreadyRestored` unless
    ``force``. ``progress(label, rows)`` is called when a table's file has been read and
    checked (label ``"<table> (read, checked)"``, rows in the file) and when its rows
    are written (label ``"<table>"``, rows inserted).

    ``before_commit(cur, dag_ids)``, when given, runs last inside the transaction, on its
    cursor, with the DAGs whose paused state the restore applied (the snapshot's DAGs
    present in the target, less those with a run in progress): what it writes commits
    with the restore or not at all. The import DAG sets the missed-runs positions there
    (``dags/db_position.py``). Its exception rolls the restore back.

    ``migrations``, when given (the target Airflow's, :mod:`.forward`), lets a snapshot
    of an older schema revision in: its rows are brought forward in a scratch schema
    first (dropped afterwards); without it such a snapshot is refused.
    """
    if interrupted_policy not in INTERRUPTED_POLICIES:
        raise UserError(
            f"unknown interrupted policy {interrupted_policy!r}",
            hint=f"use one of: {', '.join(INTERRUPTED_POLICIES)}",
        )
    manifest, digest = check_structure(store)
    identity = SnapshotIdentity(
        snapshot_id=snapshot_id(store.location),
        manifest_sha256=digest,
        location=store.location,
        created_at=manifest.created_at,
    )
    target = optional_cipher(fernet_key, "target Fernet key")
    kms = store.kms_client() if manifest.secrets.scheme == SecretScheme.KMS_ENVELOPE else None
    snap = open_snapshot_key(manifest.secrets, snapshot_key, kms)
    forwarded = _bring_forward(conn, store, manifest, migrations, progress)
    try:
        return _run(
            conn,
            store,
            manifest if forwarded is None else forwarded.manifest,
            scratch=None if forwarded is None else forwarded.schema,
            snap=snap,
            target=target,
            policy=InterruptedPolicy(interrupted_policy),
            progress=progress,
            identity=identity,
            force=force,
            before_commit=before_commit,
            brought_forward=None
            if forwarded is None
            else {
                "from": forwarded.source_revision,
                "to": forwarded.target_revision,
                "left_behind": forwarded.left_behind,
            },
        )
    finally:
        if forwarded is not None:  # a leftover (connection lost) is replaced next time
            with contextlib.suppress(Exception):
                forward.drop_scratch(conn, forwarded.schema)


def _bring_forward(
    conn: Any,
    store: SnapshotStore,
    manifest: Manifest,
    migrations: Migrations | None,
    progress: Callable[[str, int], None] | None,
) -> forward.Forwarded | None:
    """An older snapshot's rows at the target's revision (None: restore the files as
    they are, or let the compatibility check refuse them)."""
    if migrations is None or manifest.scope != SnapshotScope.FULL:
        return None
    import psycopg2

    step = "reading the target's schema revision"
    try:
        target = forward.target_revision(conn)
        if target is None or compatible(manifest.alembic_revision, target):
            return None
        if not forward.can_bring_forward(manifest.alembic_revision, target, migrations):
            return None
        step = f"bringing the snapshot forward from {manifest.alembic_revision} to {target}"
        try:
            return forward.bring_forward(
                conn, store, manifest, target, migrations, progress=progress
            )
        except BaseException:
            with contextlib.suppress(Exception):
                forward.drop_scratch(conn)
            raise
    except MwaaPauseResumeError as exc:
        raise type(exc)(f"{exc.message} (nothing was changed)", hint=exc.hint) from None
    except psycopg2.Error as exc:
        problem = user_error(exc, step, None)
        if problem is not None:
            raise problem from None
        detail = " ".join((exc.pgerror or str(exc)).strip().splitlines()[:3])
        raise RestoreFailed(
            f"{step} failed: {detail}. Nothing in the target's tables was changed.",
            hint="report the message with the import task's log",
        ) from None
    except Exception as exc:  # Airflow's migrations (alembic, SQLAlchemy)
        raise RestoreFailed(
            f"{step} failed in Airflow's migrations: {type(exc).__name__}: {exc}. Nothing "
            "in the target's tables was changed.",
            hint="resume on the snapshot's Airflow version, then upgrade in place; report "
            "the message with the import task's log",
        ) from None


def _run(
    conn: Any,
    store: SnapshotStore,
    manifest: Manifest,
    *,
    scratch: str | None,
    snap: Cipher | None,
    target: Cipher | None,
    policy: InterruptedPolicy,
    progress: Callable[[str, int], None] | None,
    identity: SnapshotIdentity,
    force: bool,
    before_commit: BeforeCommit | None,
    brought_forward: dict[str, Any] | None,
) -> RestoreReport:
    job = RestoreJob(
        store,
        manifest,
        scratch=scratch,
        snap=snap,
        target=target,
        policy=policy,
        progress=progress,
        identity=identity,
        force=force,
        before_commit=before_commit,
    )
    import psycopg2

    if brought_forward is not None:
        job.report.alembic_revision = brought_forward["from"]
        job.report.brought_forward = brought_forward
    try:
        with transaction(conn, read_only=False) as cur:
            return _restore(job, cur)
    except MwaaPauseResumeError as exc:
        if isinstance(exc, SnapshotIncompatible | AlreadyRestored):
            raise
        raise type(exc)(
            f"{exc.message} (restore rolled back: nothing was changed)", hint=exc.hint
        ) from None
    except psycopg2.Error as exc:
        problem = user_error(exc, "restore the snapshot", job.current)
        if problem is not None:  # the server rolls back a transaction it did not commit
            raise type(problem)(
                f"{problem.message}. The restore did not complete; nothing was committed.",
                hint=problem.hint,
            ) from None
        detail = (exc.pgerror or str(exc)).strip().splitlines()
        raise RestoreFailed(
            f"restoring table {job.current or '(setup)'} failed: "
            f"{' '.join(detail[:3])}. The transaction was rolled back: no row was changed "
            "(sequences keep the ids they had handed out; PostgreSQL never takes them back).",
            hint="the target must be a migrated Airflow database of the snapshot's version; "
            "report the message if it is",
        ) from None


def _restore(job: RestoreJob, cur: Any) -> RestoreReport:
    """The restore's steps, in order, inside the transaction of ``cur``."""
    job.cur = cur
    job.catalog = read_catalog(cur)
    check_compatible(job.manifest, job.catalog)
    guarded = "log" in job.catalog.tables
    job.current = "(restore guard)"
    if guarded:
        _guard(job, check_not_restored)
    if "dag_run" in job.catalog.tables:
        _guard(job, check_not_source, job.manifest.excluded_dag_runs)
    check_tables_for(job.manifest, job.catalog.tables)
    job.current = "(Fernet keys)"  # checked before the first write
    check_keys(cur, job.catalog, job.manifest, job.target)
    job.plan()
    for name in job.names:  # a schema without the keys a policy matches on
        if KEPT[name].policy in ("merge", "reuse"):
            restore_rows.match_key(job, job.catalog.tables[name])
    restore_staging.load_lookups(job)
    # Every file is read once, into its staging table, checked against the manifest
    # as it streams, and its secrets re-encrypted; all of them before the first row
    # of the target is written or the first id drawn from a sequence, so a refused
    # snapshot changes nothing, not even a sequence (PostgreSQL never takes back a
    # nextval, even on rollback).
    for name in job.names:
        job.current = name
        restore_staging.stage(job, name)
    job.current = "(restore guard)"
    if not job.report.forced:  # needs the staged rows; forced already: no need
        _guard(
            job,
            check_not_source_rows,
            {name: quote(f"_mpr_s_{name}") for name in job.names},
            {name: job.manifest.tables[name].column_names for name in job.names},
        )
    for name in job.names:
        job.current = name
        _table(job, name)
        if job.progress:
            job.progress(name, job.report.tables[name].inserted)
    job.current = "dag (paused states)"
    restore_adjustments.apply_paused_states(job)
    job.current = "(sequences)"
    restore_rows.sequences(job)
    if job.before_commit is not None:
        job.current = "(before commit)"
        job.before_commit(cur, restore_adjustments.restored_dags(job))
    if guarded:
        job.current = "log (restore record)"
        record_restore(cur, job.identity)
    job.current = None
    return job.report


def _guard(job: RestoreJob, check: Callable[..., None], *args: Any) -> None:
    """A restore-guard check; with ``force`` its refusal only marks the report forced."""
    try:
        check(job.cur, job.identity, *args)
    except (AlreadyRestored, SnapshotSource):
        if not job.force:
            raise
        job.report.forced = True


def _table(job: RestoreJob, name: str) -> None:
    """Adjust, filter and write one staged table."""
    info = job.catalog.tables[name]
    entry = job.manifest.tables[name]
    cols = entry.column_names
    result = TableResult(snapshot_rows=entry.rows)
    job.report.tables[name] = result
    stg = quote(f"_mpr_s_{name}")
    restore_adjustments.adjust(job, name, stg, cols)
    result.skipped_with_parent = restore_rows.drop_orphans(job, name, stg)
    restore_rows.apply_policy(job, info, stg, cols, result)
    latest = restore_rows.latest_id(job, info) if name == "log_template" else None
    restore_rows.insert(job, info, stg, cols, result)
    if latest is not None:
        restore_rows.keep_latest(job, info, latest)
    if name == "task_instance_history" and job.cut_off:
        restore_adjustments.record_cut_off_tries(job, info, cols)
