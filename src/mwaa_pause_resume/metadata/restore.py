"""Restore: load a verified snapshot into a (fresh) Airflow metadata database, all or nothing.

One transaction. Per table in foreign-key order: ``COPY ... FROM STDIN`` into a
temporary staging table, re-encrypt Fernet columns, apply the paused states and
the interrupted-work policy, drop rows whose parent row was not restored, then
one set-based ``INSERT ... SELECT`` that gives surrogate ids new values from the
target's sequences and rewrites every reference through a mapping table. Rows
that already exist in the target follow the table's policy (see ``tables``).
Any error rolls everything back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from mwaa_pause_resume.airflow_versions import VERSIONS
from mwaa_pause_resume.errors import MwaaPauseResumeError, UserError
from mwaa_pause_resume.metadata import bulk_load, forward, ti_history
from mwaa_pause_resume.metadata.catalog import Catalog, TableInfo, quote, read_catalog
from mwaa_pause_resume.metadata.db import transaction, user_error
from mwaa_pause_resume.metadata.errors import (
    AlreadyRestored,
    RestoreFailed,
    SnapshotIncompatible,
    SnapshotInvalid,
    SnapshotSource,
)
from mwaa_pause_resume.metadata.file_copy import copy_file
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
from mwaa_pause_resume.metadata.secrets import (
    Cipher,
    open_snapshot_key,
    optional_cipher,
    reencrypt,
    secret_fields,
)
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import Batches
from mwaa_pause_resume.metadata.tables import (
    FINISHED_TI_STATES,
    INTERRUPTED_TI_STATES,
    KEPT,
    UNFINISHED_JOB_STATES,
    UNFINISHED_RUN_STATES,
    WAITING_TI_STATES,
)
from mwaa_pause_resume.metadata.topology import INTEGER_TYPES, Link, links, restore_order
from mwaa_pause_resume.metadata.verify import check_structure

INTERRUPTED_POLICIES = ("rerun", "fail")

# before_commit(cursor, dag_ids whose restored paused state was applied)
BeforeCommit = Callable[[Any, list[str]], None]

# Alembic head -> the supported Airflow versions migrated to it, for messages. Derived
# from the registry (airflow_versions, stdlib only: the DAG bundle ships it) so a new
# version is named here without an edit.
KNOWN_REVISIONS: dict[str, str] = {
    revision: "Airflow " + ", ".join(v.version for v in VERSIONS if v.alembic_revision == revision)
    for revision in dict.fromkeys(v.alembic_revision for v in VERSIONS)
}

# Revisions whose kept tables have identical columns (the later migration only renames
# constraints), so a snapshot of one restores into the other. Columns are still checked.
COMPATIBLE_REVISIONS = (frozenset({"22ed7efa9da2", "5f2621c13b39"}),)


def compatible(snapshot: str | None, target: str | None) -> bool:
    if snapshot == target:
        return True
    return any({snapshot, target} <= group for group in COMPATIBLE_REVISIONS)


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
    interrupted_policy: str = "rerun"
    interrupted_runs: int = 0
    interrupted_task_instances: int = 0
    waiting_task_instances_kept: int = 0  # "rerun": deferred/retrying tasks carry on
    cut_off_tries_recorded: int = 0  # "rerun": task_instance_history rows for them
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


def describe_revision(revision: str | None) -> str:
    if revision is None:
        return "no Airflow schema"
    known = KNOWN_REVISIONS.get(revision, "no supported Airflow version")
    return f"{revision} ({known})"


def restore_snapshot(
    conn: Any,
    store: SnapshotStore,
    *,
    fernet_key: str | None,
    snapshot_key: str | None = None,
    interrupted_policy: str = "rerun",
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
    kms = store.kms_client() if manifest.secrets.scheme == "kms-envelope" else None
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
            policy=interrupted_policy,
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
    if migrations is None or manifest.scope != "full":
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
    policy: str,
    progress: Callable[[str, int], None] | None,
    identity: SnapshotIdentity,
    force: bool,
    before_commit: BeforeCommit | None,
    brought_forward: dict[str, Any] | None,
) -> RestoreReport:
    job = _Restore(
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
            return job.run(cur)
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


class _Restore:
    def __init__(
        self,
        store: SnapshotStore,
        manifest: Manifest,
        *,
        scratch: str | None = None,
        snap: Cipher | None,
        target: Cipher | None,
        policy: str,
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
            interrupted_policy=policy,
            snapshot_id=identity.snapshot_id,
            manifest_sha256=identity.manifest_sha256,
        )

    # -- plan --------------------------------------------------------------------
    def run(self, cur: Any) -> RestoreReport:
        self.cur = cur
        self.catalog = read_catalog(cur)
        check_compatible(self.manifest, self.catalog)
        guarded = "log" in self.catalog.tables
        self.current = "(restore guard)"
        if guarded:
            self._guard(check_not_restored)
        if "dag_run" in self.catalog.tables:
            self._guard(check_not_source, self.manifest.excluded_dag_runs)
        check_tables_for(self.manifest, self.catalog.tables)
        self.current = "(Fernet keys)"  # checked before the first write
        check_keys(cur, self.catalog, self.manifest, self.target)
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
        for name in self.names:  # a schema without the keys a policy matches on
            if KEPT[name].policy in ("merge", "reuse"):
                self._match_key(self.catalog.tables[name])
        self._load_lookups()
        # Every file is read once, into its staging table, checked against the manifest
        # as it streams, and its secrets re-encrypted; all of them before the first row
        # of the target is written or the first id drawn from a sequence, so a refused
        # snapshot changes nothing, not even a sequence (PostgreSQL never takes back a
        # nextval, even on rollback).
        for name in self.names:
            self.current = name
            self._stage(name)
        self.current = "(restore guard)"
        if not self.report.forced:  # needs the staged rows; forced already: no need
            self._guard(
                check_not_source_rows,
                {name: quote(f"_mpr_s_{name}") for name in self.names},
                {name: self.manifest.tables[name].column_names for name in self.names},
            )
        for name in self.names:
            self.current = name
            self._table(name)
            if self.progress:
                self.progress(name, self.report.tables[name].inserted)
        self.current = "dag (paused states)"
        self._paused_states()
        self.current = "(sequences)"
        self._sequences()
        if self.before_commit is not None:
            self.current = "(before commit)"
            self.before_commit(cur, self._restored_dags())
        if guarded:
            self.current = "log (restore record)"
            record_restore(cur, self.identity)
        self.current = None
        return self.report

    def _guard(self, check: Callable[..., None], *args: Any) -> None:
        """A restore-guard check; with ``force`` its refusal only marks the report forced."""
        try:
            check(self.cur, self.identity, *args)
        except (AlreadyRestored, SnapshotSource):
            if not self.force:
                raise
            self.report.forced = True

    def _exec(self, sql: str, args: Any = None) -> int:
        self.cur.execute(sql, args)
        return int(self.cur.rowcount)

    def _load_lookups(self) -> None:
        from psycopg2.extras import execute_values

        self._exec(
            "CREATE TEMP TABLE _mpr_paused (dag_id text PRIMARY KEY, paused boolean) ON COMMIT DROP"
        )
        if self.manifest.paused_states:
            execute_values(
                self.cur,
                "INSERT INTO _mpr_paused VALUES %s",
                list(self.manifest.paused_states.items()),
            )
        # DAGs with a run in progress in the target (the import DAG itself) keep their
        # paused state: pausing them would stall their own run.
        self._exec(
            "CREATE TEMP TABLE _mpr_busy ON COMMIT DROP AS SELECT DISTINCT dag_id "
            "FROM dag_run WHERE state IN ('running', 'queued')"
            if "dag_run" in self.catalog.tables
            else "CREATE TEMP TABLE _mpr_busy (dag_id text) ON COMMIT DROP"
        )
        self._exec(
            "DELETE FROM _mpr_paused p USING _mpr_busy b WHERE b.dag_id = p.dag_id "
            "RETURNING p.dag_id"
        )
        self.report.paused_states_kept_busy = sorted(r[0] for r in self.cur.fetchall())
        self._exec(
            "CREATE TEMP TABLE _mpr_interrupted (dag_id text, run_id text, task_id text, "
            "map_index integer) ON COMMIT DROP"
        )
        # "rerun": a task instance that was waiting (deferred, up for retry, ...) carries
        # on as it was; only work a process was doing is cleared.
        affected = [
            i
            for i in self.manifest.interrupted
            if not (
                self.policy == "rerun"
                and i.get("task_id") is not None
                and i.get("state") in WAITING_TI_STATES
            )
        ]
        self.report.waiting_task_instances_kept = len(self.manifest.interrupted) - len(affected)
        if affected:
            execute_values(
                self.cur,
                "INSERT INTO _mpr_interrupted VALUES %s",
                [
                    (i["dag_id"], i["run_id"], i.get("task_id"), i.get("map_index"))
                    for i in affected
                ],
            )

    # -- one table -----------------------------------------------------------------
    def _stage(self, name: str) -> None:
        """COPY the table's file into its staging table, checking it against the manifest."""
        info = self.catalog.tables[name]
        entry = self.manifest.tables[name]
        cols = entry.column_names
        stg = quote(f"_mpr_s_{name}")
        types = {c.name: c.type for c in info.columns}  # == the snapshot's (checked)
        defs = ", ".join(f"{quote(c)} {types[c]}" for c in cols)
        if secret_fields(name, cols):
            defs += ", _mpr_row bigint GENERATED ALWAYS AS IDENTITY"
        self._exec(f"CREATE TEMP TABLE {stg} ({defs}) ON COMMIT DROP")
        if self.scratch is None:
            loaded = copy_file(self.cur, self.store, name, entry, stg)
        else:  # an older snapshot brought forward: its rows at the target's revision
            loaded = self._exec(
                f"INSERT INTO {stg} ({', '.join(quote(c) for c in cols)}) SELECT "
                + ", ".join(f"{quote(c)}::{types[c]}" for c in cols)
                + f" FROM {quote(self.scratch)}.{quote(name)}"
            )
        fields = secret_fields(name, cols)
        if fields:  # here, not when the table is written: a secret that does not
            # decrypt refuses the snapshot before any id is drawn from a sequence
            self._reencrypt(name, stg, cols, fields)
        self._exec(f"ANALYZE {stg}")
        if self.progress:  # reading is most of a large restore's time
            self.progress(f"{name} (read, checked)", loaded)

    def _table(self, name: str) -> None:
        info = self.catalog.tables[name]
        entry = self.manifest.tables[name]
        cols = entry.column_names
        result = TableResult(snapshot_rows=entry.rows)
        self.report.tables[name] = result
        stg = quote(f"_mpr_s_{name}")
        self._adjust(name, stg, cols)
        result.skipped_with_parent = self._drop_orphans(name, stg)
        self._apply_policy(info, stg, cols, result)
        latest = self._latest_id(info) if name == "log_template" else None
        self._insert(info, stg, cols, result)
        if latest is not None:
            self._keep_latest(info, latest)
        if name == "task_instance_history" and self.cut_off:
            self._record_cut_off_tries(info, cols)

    def _skip_table(self, name: str, stg: str) -> str:
        skip = quote(f"_mpr_k_{name}")
        if name not in self.skipped:
            self._exec(
                f"CREATE TEMP TABLE {skip} ON COMMIT DROP AS SELECT * FROM {stg} WITH NO DATA"
            )
            self.skipped[name] = 0
        return skip

    def _delete_into_skip(self, name: str, stg: str, using: str, cond: str) -> int:
        """Delete matching staging rows, remembering them when other tables depend on them."""
        if name in self.has_children:
            skip = self._skip_table(name, stg)
            count = self._exec(
                f"WITH d AS (DELETE FROM {stg} s {using} WHERE {cond} "
                f"RETURNING s.*) INSERT INTO {skip} SELECT * FROM d"
            )
            self.skipped[name] += count
            return count
        return self._exec(f"DELETE FROM {stg} s {using} WHERE {cond}")

    def _drop_orphans(self, name: str, stg: str) -> int:
        total = 0
        for link in self.links:
            if link.table != name or not self.skipped.get(link.parent):
                continue
            skip = quote(f"_mpr_k_{link.parent}")
            match = " AND ".join(
                f"k.{quote(p)} = s.{quote(c)}"
                for c, p in zip(link.columns, link.parent_columns, strict=True)
            )
            total += self._delete_into_skip(
                name, stg, "", f"EXISTS (SELECT 1 FROM {skip} k WHERE {match})"
            )
        return total

    def _match_key(self, info: TableInfo) -> tuple[str, ...]:
        rule = KEPT[info.name]
        if rule.match:
            return rule.match
        keys = info.natural_keys()
        if not keys:
            raise SnapshotIncompatible(
                f"table {info.name} has no natural key in the target to match rows on",
                hint="the target schema differs from what this tool knows",
            )
        return keys[0]

    def _apply_policy(
        self, info: TableInfo, stg: str, cols: list[str], result: TableResult
    ) -> None:
        rule = KEPT[info.name]
        name, table = info.name, quote(info.name)
        if rule.policy == "insert":
            if name in self.has_children:  # a colliding row takes its dependents with it
                for key in info.natural_keys():
                    cond = " AND ".join(f"s.{quote(k)} = t.{quote(k)}" for k in key)
                    result.skipped_conflict += self._delete_into_skip(
                        name, stg, f"USING {table} t", cond
                    )
            return
        if rule.policy == "keep_target":
            for key in info.natural_keys():
                cond = " AND ".join(f"s.{quote(k)} = t.{quote(k)}" for k in key)
                result.kept_target += self._delete_into_skip(name, stg, f"USING {table} t", cond)
            return
        key = self._match_key(info)
        cond = " AND ".join(f"s.{quote(k)} = t.{quote(k)}" for k in key)
        if rule.policy == "merge":
            targets = [
                c
                for c in (rule.merge_columns or cols)
                if c in cols and c not in key and c != info.serial
            ]
            sets = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in targets)
            busy = (
                " AND NOT EXISTS (SELECT 1 FROM _mpr_busy b WHERE b.dag_id = t.dag_id)"
                if name == "dag"
                else ""
            )
            result.updated = self._exec(
                f"UPDATE {table} t SET {sets} FROM {stg} s WHERE {cond}{busy}"
            )
        if name in self.mapped and info.serial:
            serial = quote(info.serial)
            self._ensure_map(name)
            self._exec(
                f"INSERT INTO {quote('_mpr_m_' + name)} SELECT s.{serial}, t.{serial} "
                f"FROM {stg} s JOIN {table} t ON {cond}"
            )
        matched = self._exec(f"DELETE FROM {stg} s USING {table} t WHERE {cond}")
        if rule.policy == "reuse":
            result.matched = matched
        else:  # merge: a matched row not overwritten (a DAG busy in the target) stays the target's
            result.kept_target += matched - result.updated

    def _ensure_map(self, name: str) -> None:
        self._exec(
            f"CREATE TEMP TABLE IF NOT EXISTS {quote('_mpr_m_' + name)} "
            "(old_id bigint PRIMARY KEY, new_id bigint NOT NULL) ON COMMIT DROP"
        )

    def _insert(self, info: TableInfo, stg: str, cols: list[str], result: TableResult) -> None:
        name, rule = info.name, KEPT[info.name]
        self.cur.execute(f"SELECT count(*) FROM {stg}")
        remaining = int(self.cur.fetchone()[0])
        joins: list[str] = []
        targets: list[str] = []
        exprs: list[str] = []
        refs = {lk.columns[0]: lk for lk in self.links if lk.table == name and len(lk.columns) == 1}
        types = {c.name: c.type for c in info.columns}
        order = ""
        for col in cols:
            q = quote(col)
            if col == info.serial:
                order = f" ORDER BY s.{q}"
                if name not in self.mapped:
                    continue  # the column default (nextval) numbers the rows
                self._ensure_map(name)
                mapping = quote("_mpr_m_" + name)
                self._exec(
                    f"INSERT INTO {mapping} SELECT x.id, nextval(%s) FROM "
                    f"(SELECT s.{q} AS id FROM {stg} s ORDER BY s.{q}) x",
                    (info.sequence,),
                )
                joins.append(f"JOIN {mapping} m ON m.old_id = s.{q}")
                expr = "m.new_id"
            elif col in rule.clear:
                expr = "NULL"
            elif col in refs and self._is_id_link(refs[col]):
                link = refs[col]
                if link.parent in self.mapped:
                    alias = f"r{len(joins)}"
                    joins.append(
                        f"LEFT JOIN {quote('_mpr_m_' + link.parent)} {alias} "
                        f"ON {alias}.old_id = s.{q}"
                    )
                    expr = f"{alias}.new_id"
                elif link.parent not in self.names and types.get(col) in INTEGER_TYPES:
                    expr = "NULL"  # e.g. note authors in ab_user, which is not copied
                else:
                    expr = f"s.{q}"
            else:
                expr = f"s.{q}"
            targets.append(q)
            exprs.append(expr)
        bulk = None
        if remaining >= bulk_load.BULK_ROWS:
            bulk = self._bulk_insert(
                info, stg, targets=targets, exprs=exprs, joins=joins, order=order
            )
        if bulk is None:
            sql = (
                f"INSERT INTO {quote(name)} ({', '.join(targets)}) SELECT {', '.join(exprs)} "
                f"FROM {stg} s {' '.join(joins)}{order} ON CONFLICT DO NOTHING"
            )
            bulk = self._exec(sql)
        result.inserted = bulk
        result.skipped_conflict += remaining - result.inserted

    def _bulk_insert(
        self,
        info: TableInfo,
        stg: str,
        *,
        targets: list[str],
        exprs: list[str],
        joins: list[str],
        order: str,
    ) -> int | None:
        """A large table's insert without row-by-row costs (see bulk_load); the rows it
        inserts, or None when a unique key collided anyway (nothing done: take the
        ON CONFLICT path)."""
        from psycopg2.errors import UniqueViolation

        table = quote(info.name)
        by_col = dict(zip(targets, exprs, strict=True))
        pk = [quote(c) for c in info.primary_key]
        if not order and pk and all(c in by_col for c in pk):  # right-edge B-tree inserts
            order = " ORDER BY " + ", ".join(by_col[c] for c in pk)
        # ON CONFLICT DO NOTHING against the target's rows, as an anti-join per unique key
        # (a key the insert does not fill is left to the unique index: see the fallback)
        absent = [
            "NOT EXISTS (SELECT 1 FROM {} t_ WHERE {})".format(
                table, " AND ".join(f"t_.{quote(c)} = {by_col[quote(c)]}" for c in key)
            )
            for key in info.unique_keys
            if all(quote(c) in by_col for c in key)
        ]
        where = f" WHERE {' AND '.join(absent)}" if absent else ""
        self._exec("SAVEPOINT _mpr_bulk")
        try:
            deferred = (
                bulk_load.defer_indexes(self.cur, info.name)
                if bulk_load.may_rebuild(self.cur, info.name)
                else None
            )
            inserted = self._exec(
                f"INSERT INTO {table} ({', '.join(targets)}) SELECT {', '.join(exprs)} "
                f"FROM {stg} s {' '.join(joins)}{where}{order}"
            )
            if deferred is not None:
                bulk_load.rebuild(self.cur, deferred)
        except UniqueViolation:
            self._exec("ROLLBACK TO SAVEPOINT _mpr_bulk")  # indexes back, no row written
            return None
        self._exec("RELEASE SAVEPOINT _mpr_bulk")
        return inserted

    def _latest_id(self, info: TableInfo) -> int | None:
        if not info.serial:
            return None
        self.cur.execute(f"SELECT max({quote(info.serial)}) FROM {quote(info.name)}")
        value = self.cur.fetchone()[0]
        return None if value is None else int(value)

    def _keep_latest(self, info: TableInfo, latest: int) -> None:
        """Airflow gives new runs the newest log_template row, which must stay the target's.

        Snapshot templates the target lacks (an environment upgraded from an older
        Airflow) got higher ids; a copy of the target's own template goes after them,
        as Airflow's own template synchronisation would add it.
        """
        assert info.serial is not None
        serial = quote(info.serial)
        cols = [c for c in info.column_names if c != info.serial]
        exprs = ["now()" if c == "created_at" else quote(c) for c in cols]
        self._exec(
            f"INSERT INTO {quote(info.name)} ({', '.join(quote(c) for c in cols)}) "
            f"SELECT {', '.join(exprs)} FROM {quote(info.name)} WHERE {serial} = %s "
            f"AND EXISTS (SELECT 1 FROM {quote(info.name)} WHERE {serial} > %s)",
            (latest, latest),
        )

    def _is_id_link(self, link: Link) -> bool:
        parent = self.catalog.tables.get(link.parent)
        return parent is None or link.parent_columns == (parent.serial,)

    # -- content adjustments -----------------------------------------------------------
    def _reencrypt(self, name: str, stg: str, cols: list[str], fields: Any) -> None:
        from psycopg2.extras import execute_values

        touched = [c for f in fields for c in (f.column, f.flag) if c]
        label_col = next((c for c in ("key", "conn_id", "id") if c in cols), None)
        select = ", ".join(quote(c) for c in touched)
        flags = {f.flag for f in fields if f.flag}
        casts = ", ".join("%s::boolean" if c in flags else "%s::text" for c in touched)
        sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in touched)
        names = ", ".join(quote(c) for c in touched)
        # Read through a server-side cursor and write back batch by batch: bounded memory.
        # The cursor's snapshot predates the updates, so each row is read exactly once.
        with self.cur.connection.cursor(name=f"_mpr_reencrypt_{name}") as reader:
            reader.execute(
                f"SELECT _mpr_row, {quote(label_col or touched[0])}, {select} FROM {stg}"
            )
            for batch in Batches(reader):
                updates = []
                for row_id, label, *values in batch:
                    row = dict(zip(touched, values, strict=True))
                    new = reencrypt(row, fields, self.snap, self.target, f"{name} {label!r}")
                    updates.append((row_id, *[new[c] for c in touched]))
                execute_values(
                    self.cur,
                    f"UPDATE {stg} s SET {sets} FROM (VALUES %s) AS v(_mpr_row, {names}) "
                    "WHERE s._mpr_row = v._mpr_row",
                    updates,
                    template=f"(%s, {casts})",
                    page_size=len(updates),
                )
                del updates

    def _adjust(self, name: str, stg: str, cols: list[str]) -> None:
        present = set(cols)
        if name == "dag" and "is_paused" in present:
            self._exec(
                f"UPDATE {stg} s SET is_paused = p.paused FROM _mpr_paused p "
                "WHERE s.dag_id = p.dag_id"
            )
        elif name == "dag_run" and self.manifest.interrupted:
            if self.policy == "rerun":
                sets = "state = 'queued', end_date = NULL"
            else:
                sets = "state = 'failed', end_date = coalesce(end_date, now())"
            # a run that finished between the drain's list and the export stays as it is
            unfinished = ", ".join(f"'{s}'" for s in UNFINISHED_RUN_STATES)
            self.report.interrupted_runs = self._exec(
                f"UPDATE {stg} s SET {sets} WHERE s.state IN ({unfinished}) AND EXISTS "
                "(SELECT 1 FROM _mpr_interrupted i "
                "WHERE i.dag_id = s.dag_id AND i.run_id = s.run_id)"
            )
        elif name == "task_instance" and self.manifest.interrupted:
            self.report.interrupted_task_instances = self._interrupt_tis(stg, present)
        elif name == "dag_version":
            self._renumber_versions(stg)
        elif name == "job" and "state" in present:
            self.report.jobs_ended = self._end_jobs(stg)
        if self.cut_off and name not in ("task_instance", "task_instance_history"):
            self._follow_cut_off(name, stg, cols)

    def _end_jobs(self, stg: str) -> int:
        """Jobs running at export (schedulers, triggerers, task runners) become failed.

        Their processes do not exist in the new environment. Airflow's scheduler fails
        only stale *SchedulerJob* rows (adopt_or_reset_orphaned_tasks); any other job
        type would stay "running" forever (and ``most_recent_job`` ranks running jobs
        first). Like Airflow, only the state changes; end_date stays as it was.
        """
        states = ", ".join(f"'{s}'" for s in UNFINISHED_JOB_STATES)
        return self._exec(f"UPDATE {stg} SET state = 'failed' WHERE state IN ({states})")

    def _interrupt_tis(self, stg: str, present: set[str]) -> int:
        if self.policy == "rerun":  # cleared: the scheduler runs it again; the attempt
            # cut off does not use up a retry (Airflow's clear sets try_number + retries;
            # retries is in the DAG file, not in the database)
            sets = {"state": "NULL", "end_date": "NULL", "pid": "NULL"}
            executing = ", ".join(f"'{s}'" for s in INTERRUPTED_TI_STATES)
            sets["max_tries"] = f"max_tries + CASE WHEN state IN ({executing}) THEN 1 ELSE 0 END"
        else:
            sets = {"state": "'failed'", "end_date": "coalesce(end_date, now())", "pid": "NULL"}
        for col in (
            "next_method",
            "next_kwargs",
            "trigger_id",
            "trigger_timeout",
            "queued_by_job_id",
            "external_executor_id",
        ):
            sets[col] = "NULL"
        assignments = ", ".join(f"{quote(c)} = {v}" for c, v in sets.items() if c in present)
        # A recorded task instance that finished between the drain's list and the export
        # snapshot is left as it finished: a success is never re-run nor marked failed.
        finished = ", ".join(f"'{s}'" for s in FINISHED_TI_STATES)
        unfinished = f"(s.state IS NULL OR s.state NOT IN ({finished}))"
        recorded = (
            "EXISTS (SELECT 1 FROM _mpr_interrupted i WHERE i.dag_id = s.dag_id AND "
            "i.run_id = s.run_id AND (i.task_id IS NULL OR (i.task_id = s.task_id AND "
            "(i.map_index IS NULL OR i.map_index = s.map_index))))"
        )
        if self.policy == "rerun":
            # Only what was executing in the snapshot is cleared: a task recorded while
            # running that failed into up_for_retry or deferred before the export is
            # waiting there, and carries on as it was (the state at export decides).
            states = ", ".join(f"'{s}'" for s in INTERRUPTED_TI_STATES)
            waiting = ", ".join(f"'{s}'" for s in WAITING_TI_STATES)
            self.cur.execute(  # recorded executing (waiting ones are counted already)
                f"SELECT count(*) FROM {stg} s WHERE s.state IN ({waiting}) AND EXISTS "
                "(SELECT 1 FROM _mpr_interrupted i WHERE i.dag_id = s.dag_id AND "
                "i.run_id = s.run_id AND i.task_id = s.task_id AND "
                "(i.map_index IS NULL OR i.map_index = s.map_index))"
            )
            self.report.waiting_task_instances_kept += int(self.cur.fetchone()[0])
            where = f"s.state IN ({states}) AND {recorded}"
        else:  # a failed run leaves nothing unfinished behind (no deferred task resuming)
            where = f"{unfinished} AND {recorded}"
        # "rerun" clears like Airflow's clear_task_instances: the executing try is
        # recorded in task_instance_history (Airflow 2.10+, 3.x: record_ti, 2.10.3
        # models/taskinstance.py line 457, 3.0.6 line 1099); see ti_history.
        new_ids = self._ti_has_uuid()
        if self.policy == "rerun" and "task_instance_history" in self.names:
            self._exec(ti_history.capture_sql(stg, where, INTERRUPTED_TI_STATES, new_ids=new_ids))
            self.cut_off = True
        count = self._exec(f"UPDATE {stg} s SET {assignments} WHERE {where}")
        if self.cut_off and new_ids:
            self._exec(ti_history.renumber_sql(stg))
        return count

    def _ti_has_uuid(self) -> bool:
        info = self.catalog.tables["task_instance"]
        return any(c.name == "id" and c.type == "uuid" for c in info.columns)

    def _follow_cut_off(self, name: str, stg: str, cols: list[str]) -> None:
        """Rows of other tables that belong to a cut-off try follow Airflow's clear."""
        if name == "task_reschedule":  # Airflow's clear deletes the try's reschedules
            cleared = self._exec(ti_history.reschedules_sql(stg, cols))
            self.report.tables[name].cleared = cleared
            return
        if not self._ti_has_uuid():
            return
        for link in self.links:  # Airflow 3: e.g. task_instance_note.ti_id
            if (
                link.table == name
                and link.parent == "task_instance"
                and link.parent_columns == ("id",)
            ):
                self._exec(ti_history.follow_sql(stg, link.columns[0]))

    def _record_cut_off_tries(self, info: TableInfo, cols: list[str]) -> None:
        """One task_instance_history row per cut-off try, inserted like the snapshot's."""
        stg = quote("_mpr_s2_task_instance_history")
        self._exec(
            f"CREATE TEMP TABLE {stg} ON COMMIT DROP AS "
            f"SELECT * FROM {quote('_mpr_s_task_instance_history')} WITH NO DATA"
        )
        ti_cols = self.manifest.tables["task_instance"].column_names
        self._exec(
            ti_history.history_sql(stg, cols, ti_cols, info.serial),
            {"ended": self.manifest.created_at},
        )
        self._drop_orphans(info.name, stg)  # its task instance was not restored
        result = TableResult(snapshot_rows=0)
        self._insert(info, stg, cols, result)  # ids remapped; a recorded try is kept
        self.report.cut_off_tries_recorded = result.inserted

    def _renumber_versions(self, stg: str) -> None:
        """Airflow 3: the target's own DAG versions move after the snapshot's history."""
        top = f"(SELECT dag_id, max(version_number) AS top FROM {stg} GROUP BY dag_id) AS m"
        outside = f"NOT EXISTS (SELECT 1 FROM {stg} x WHERE x.id = t.id)"
        # two steps, so no intermediate number collides with the unique (dag_id, version)
        self._exec(
            f"UPDATE dag_version t SET version_number = -t.version_number FROM {top} "
            f"WHERE t.dag_id = m.dag_id AND {outside}"
        )
        self._exec(
            f"UPDATE dag_version t SET version_number = m.top - t.version_number "
            f"FROM {top} WHERE t.dag_id = m.dag_id AND t.version_number < 0"
        )

    def _paused_states(self) -> None:
        if "dag" not in self.catalog.tables or not self.manifest.paused_states:
            return
        self._exec(
            "UPDATE dag d SET is_paused = p.paused FROM _mpr_paused p "
            "WHERE d.dag_id = p.dag_id AND d.is_paused IS DISTINCT FROM p.paused"
        )
        self.cur.execute("SELECT count(*) FROM _mpr_paused p JOIN dag d USING (dag_id)")
        self.report.paused_states_applied = int(self.cur.fetchone()[0])
        self.cur.execute(
            "SELECT p.dag_id FROM _mpr_paused p WHERE NOT EXISTS "
            "(SELECT 1 FROM dag d WHERE d.dag_id = p.dag_id) ORDER BY 1"
        )
        self.report.paused_states_pending = [r[0] for r in self.cur.fetchall()]

    def _restored_dags(self) -> list[str]:
        if "dag" not in self.catalog.tables:
            return []
        self.cur.execute("SELECT p.dag_id FROM _mpr_paused p JOIN dag d USING (dag_id) ORDER BY 1")
        return [str(r[0]) for r in self.cur.fetchall()]

    def _sequences(self) -> None:
        """Sequences already cover every id we drew; lift any that lags behind max(id)."""
        for name in self.names:
            info = self.catalog.tables[name]
            if not (info.serial and info.sequence):
                continue
            self._exec(
                f"SELECT setval(%s::regclass, x.m) FROM (SELECT max({quote(info.serial)}) AS m "
                f"FROM {quote(name)}) x WHERE x.m IS NOT NULL AND x.m > "
                "coalesce(pg_sequence_last_value(%s::regclass), 0)",
                (info.sequence, info.sequence),
            )


def check_compatible(manifest: Manifest, catalog: Catalog) -> None:
    """Same alembic revision (or a rest-only snapshot) and the same columns and types."""
    if catalog.alembic_revision is None:
        raise SnapshotIncompatible(
            "the target database has no alembic_version table: it is not an Airflow "
            "metadata database (or is not migrated)",
            hint="run `airflow db migrate` against it (MWAA does this when it creates an "
            "environment), then import again",
        )
    if manifest.scope == "full" and not compatible(
        manifest.alembic_revision, catalog.alembic_revision
    ):
        raise SnapshotIncompatible(
            f"the snapshot was taken from schema revision "
            f"{describe_revision(manifest.alembic_revision)} (Airflow "
            f"{manifest.airflow_version or 'unknown'}), the target database is at "
            f"{describe_revision(catalog.alembic_revision)}",
            hint="restore into an environment of the same Airflow version (2.10.x and 2.11.x "
            "share one schema; see docs/metadata.md), then upgrade Airflow in place if needed; "
            "a snapshot of an older Airflow is brought forward when the target's Airflow "
            "migrations are given (metadata import --target-airflow-python; the import DAG "
            "always gives them)",
        )
    for name, entry in manifest.tables.items():
        if name not in KEPT:
            raise SnapshotInvalid(
                f"the snapshot holds table {name!r}, which this tool never exports",
                hint="the snapshot was not written by mwaa-pause-resume; use another one",
            )
        info = catalog.tables.get(name)
        if info is None:
            raise SnapshotIncompatible(
                f"the target database has no table {name!r} (the snapshot has {entry.rows} rows "
                "of it)",
                hint="restore into an environment of the snapshot's Airflow version",
            )
        target = {c.name: c.type for c in info.columns}
        for col in entry.columns:
            if target.get(col.name) != col.type:
                have = target.get(col.name, "no such column")
                raise SnapshotIncompatible(
                    f"column {name}.{col.name} is {col.type} in the snapshot but {have} in "
                    "the target database",
                    hint="restore into an environment of the snapshot's Airflow version",
                )
