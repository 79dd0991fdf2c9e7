"""Export: one consistent read of the metadata database into a snapshot store.

One REPEATABLE READ READ ONLY transaction; per kept table one
``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` streamed through gzip into the
store while sha256, size and row count are taken (:mod:`.export_table_files`; tables
with Fernet columns are re-encrypted there under the snapshot key). A second connection
in the same snapshot shares the reading (:mod:`.export_readers`). The manifest is
written last: a snapshot without one is incomplete by definition.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata import export_table_files
from mwaa_pause_resume.metadata.catalog import Catalog, TableInfo, quote, read_catalog
from mwaa_pause_resume.metadata.db import transaction, user_error
from mwaa_pause_resume.metadata.export_readers import (
    ChunkedFile,
    excluded_setting,
    lock_split_tables,
    second_reader,
    table_pages,
    two_readers,
)
from mwaa_pause_resume.metadata.export_units import TID_RANGE_SCAN_VERSION, Unit, plan_units
from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.metadata.key_context import data_key_environment
from mwaa_pause_resume.metadata.layout import table_file
from mwaa_pause_resume.metadata.manifest import (
    MANIFEST_NAME,
    Manifest,
    TableEntry,
    validate_interrupted,
)
from mwaa_pause_resume.metadata.secrets import (
    Cipher,
    new_snapshot_key,
    optional_cipher,
    secret_fields,
)
from mwaa_pause_resume.metadata.store import SnapshotStore, synced_together
from mwaa_pause_resume.metadata.streams import (
    HashingSink,
)
from mwaa_pause_resume.metadata.tables import (
    INTERRUPTED_TI_STATES,
    KEPT,
    REGENERATED,
    kept_tables,
)
from mwaa_pause_resume.metadata.topology import restore_order

ENGINE = {"name": "mwaa-pause-resume", "format": "csv+gzip"}
Progress = Callable[[str, int], None]
# The excluded runs reach the SQL as the value of this transaction-local setting, set
# with a bound parameter: COPY takes no parameters, and a run id spliced in as a literal
# breaks out of it when standard_conforming_strings is off (backslash escapes a quote).
EXCLUDED_SETTING = "mwaa_pause_resume.excluded_runs"
_EXCLUDED_ROWS = (
    f"jsonb_to_recordset(current_setting('{EXCLUDED_SETTING}')::jsonb) "
    "AS x(dag_id text, run_id text)"
)


def export_snapshot(
    conn: Any,
    store: SnapshotStore,
    *,
    fernet_key: str | None,
    snapshot_key: str | None = None,
    airflow_version: str | None = None,
    exclude_dag_runs: Sequence[tuple[str, str]] = (),
    original_paused: Mapping[str, bool] | None = None,
    interrupted: Sequence[Mapping[str, Any]] = (),
    progress: Progress | None = None,
    environment: str | None = None,
    connect: Callable[[], Any] | None = None,
) -> Manifest:
    """Write every kept table and the manifest to ``store``; return the manifest.

    Secrets in the snapshot are encrypted under a KMS data key when the store has
    ``kms_key_id`` (bound to ``environment``, by default the ``<env>/`` folder of an
    S3 location: metadata.key_context); else under ``snapshot_key`` (a Fernet key) when given; else
    under the source's primary Fernet key. The last two must be given again to
    :func:`restore_snapshot` as ``snapshot_key``.

    With ``connect`` (a function opening another connection to the same database) a
    second connection reads tables too, in the same snapshot (``pg_export_snapshot``):
    the largest table streams on one while the others are written from the second.
    """
    excluded = [(str(d), str(r)) for d, r in exclude_dag_runs]
    for item in interrupted:
        validate_interrupted(item, lambda what: UserError(f"the interrupted argument {what}"))
    if store.exists(MANIFEST_NAME):  # never overwrite a complete snapshot
        raise UserError(
            f"{store.location} already holds a complete snapshot ({MANIFEST_NAME})",
            hint="export into a new snapshot folder (<env>/<new-snapshot-id>/)",
        )
    source = optional_cipher(fernet_key, "source Fernet key")
    snap_cipher, secrets = new_snapshot_key(
        source,
        store.kms_key_id,
        store.kms_client() if store.kms_key_id else None,
        explicit=snapshot_key,
        environment=data_key_environment(environment, store.location) if store.kms_key_id else None,
    )
    import psycopg2

    current: list[str | None] = [None]
    try:
        with synced_together(store):  # one fsync pass, before the manifest
            catalog, entries, paused, auto = _export_all(
                conn,
                store,
                excluded=excluded,
                original_paused=original_paused,
                source=source,
                snap_cipher=snap_cipher,
                progress=progress,
                current=current,
                connect=connect,
            )
    except psycopg2.Error as exc:
        problem = user_error(exc, "export the metadata database", current[0])
        if problem is None:
            raise
        raise problem from None
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        airflow_version=airflow_version,
        alembic_revision=catalog.alembic_revision,
        scope=SnapshotScope.FULL.value,
        tables=entries,
        secrets=secrets,
        excluded_dag_runs=[{"dag_id": d, "run_id": r} for d, r in excluded],
        interrupted=_merge_interrupted(interrupted, auto),
        paused_states=paused,
        engine={**ENGINE, "not_copied": sorted(t for t in catalog.tables if t not in entries)},
    )
    store.put_json(MANIFEST_NAME, manifest.to_dict())
    return manifest


def _export_all(
    conn: Any,
    store: SnapshotStore,
    *,
    excluded: list[tuple[str, str]],
    original_paused: Mapping[str, bool] | None,
    source: Cipher | None,
    snap_cipher: Cipher | None,
    progress: Progress | None,
    current: list[str | None],
    connect: Callable[[], Any] | None = None,
) -> tuple[Catalog, dict[str, TableEntry], dict[str, bool], list[dict[str, Any]]]:
    """Every kept table, the paused states and running work, from one snapshot."""
    entries: dict[str, TableEntry] = {}
    with transaction(conn, read_only=True) as cur:
        catalog = read_catalog(cur)
        if catalog.alembic_revision is None:  # an empty snapshot would "restore" nothing
            raise UserError(
                "the database has no alembic_version row: it is not an Airflow metadata "
                "database (or was never migrated); nothing was exported",
                hint="check the database name in the URL (and its search_path); an Airflow "
                "database is created by `airflow db migrate`",
            )
        names = kept_tables(set(catalog.tables))
        # a wrong source key fails before any file is written
        export_table_files.check_source_key(cur, catalog, names, source)
        setting = excluded_setting(EXCLUDED_SETTING, excluded)
        if setting:  # read by the COPY queries of both readers
            cur.execute("SELECT set_config(%s, %s, true)", setting)
        order = restore_order(catalog, names)

        def where_of(name: str) -> str:
            where = _exclusion_filter(catalog, catalog.tables[name], excluded)
            only = KEPT[name].only  # transient rows sharing a kept table are not history
            return _and(where, only) if only else where

        def export_one(reader: Any, name: str) -> TableEntry:
            info = catalog.tables[name]
            return export_table_files.write_table(
                reader, store, info, where_of(name), source=source, snap=snap_cipher
            )

        with second_reader(cur, connect if len(order) > 1 else None, setting) as other:
            if other is None:
                for name in order:
                    current[0] = name
                    entries[name] = export_one(cur, name)
                    if progress:
                        progress(name, entries[name].rows)
            else:
                done = _export_with_two_readers(
                    cur, other, store, catalog, order, where_of, export_one, progress, current
                )
                entries = {name: done[name] for name in order}
        current[0] = "dag_run, task_instance (paused states, running work)"
        paused = _paused_states(cur, catalog, original_paused)
        auto = _running_work(cur, catalog, excluded)
    return catalog, entries, paused, auto


def _export_with_two_readers(  # noqa: PLR0917  (the export's state, passed on)
    cur: Any,
    other: Any,
    store: SnapshotStore,
    catalog: Catalog,
    order: list[str],
    where_of: Callable[[str], str],
    export_one: Callable[[Any, str], TableEntry],
    progress: Progress | None,
    current: list[str | None],
) -> dict[str, TableEntry]:
    """Every table of ``order`` read by two cursors in one snapshot, largest first; a
    large table without secrets in page ranges by both (PostgreSQL 14+)."""
    splittable: set[str] = set()
    if cur.connection.server_version >= TID_RANGE_SCAN_VERSION:
        splittable = {n for n in order if not secret_fields(n, catalog.tables[n].column_names)}
    units = plan_units(order, table_pages(cur, order), splittable)
    lock_split_tables(cur, units)
    done: dict[str, TableEntry] = {}
    with contextlib.ExitStack() as files:  # a failure aborts the files of split tables
        split: dict[str, tuple[ChunkedFile, HashingSink]] = {}
        for unit in units:
            if unit.split and unit.table not in split:
                sink = HashingSink(files.enter_context(store.open_write(table_file(unit.table))))
                split[unit.table] = (ChunkedFile(sink, unit.of), sink)

        def one(reader: Any, unit: Unit) -> TableEntry | bool:
            if not unit.split:
                return export_one(reader, unit.table)
            info = catalog.tables[unit.table]
            where = _and(where_of(unit.table), unit.ctid_condition())
            with tempfile.TemporaryFile() as spool:  # one gzip member, appended when whole
                rows, raw_bytes = export_table_files.compress_table(reader, spool, info, where)
                return split[unit.table][0].add(spool, rows, raw_bytes)

        def finished(unit: Unit, result: TableEntry | bool) -> None:
            if isinstance(result, TableEntry):
                done[unit.table] = result
            elif result:  # the table's last range is in its file
                chunked, sink = split[unit.table]
                info = catalog.tables[unit.table]
                done[unit.table] = export_table_files.table_entry(
                    info, chunked.rows, sink, chunked.raw_bytes
                )
            else:
                return
            if progress:
                progress(unit.table, done[unit.table].rows)

        two_readers(cur, other, units, one, done_one=finished, current=current)
    return done


def _and(where: str, condition: str) -> str:
    """``where`` (empty or `` WHERE ...``) with ``condition`` added."""
    if not condition:
        return where
    return f"{where} AND ({condition})" if where else f" WHERE ({condition})"


def _exclusion_filter(catalog: Catalog, info: TableInfo, excluded: list[tuple[str, str]]) -> str:
    """WHERE clause dropping the excluded runs and everything that belongs to them."""
    if not excluded:
        return ""
    runs = _EXCLUDED_ROWS  # holds no value from the caller (see EXCLUDED_SETTING)
    cols = set(info.column_names)
    if {"dag_id", "run_id"} <= cols:
        return (
            f" WHERE NOT EXISTS (SELECT 1 FROM {runs} WHERE x.dag_id = "
            f"{quote(info.name)}.dag_id AND x.run_id = {quote(info.name)}.run_id)"
        )
    conds = []
    for fk in catalog.foreign_keys:
        if fk.table != info.name or len(fk.columns) != 1:
            continue
        if fk.ref_table in ("dag_run", "task_instance"):
            col, ref = fk.columns[0], fk.ref_columns[0]
            conds.append(
                f"NOT EXISTS (SELECT 1 FROM {quote(fk.ref_table)} p JOIN {runs} "
                f"ON x.dag_id = p.dag_id AND x.run_id = p.run_id "
                f"WHERE p.{quote(ref)} = {quote(info.name)}.{quote(col)})"
            )
    return " WHERE " + " AND ".join(conds) if conds else ""


def _paused_states(
    cur: Any, catalog: Catalog, original: Mapping[str, bool] | None
) -> dict[str, bool]:
    states: dict[str, bool] = {}
    if "dag" in catalog.tables:
        cur.execute("SELECT dag_id, is_paused FROM dag ORDER BY dag_id")
        states = {d: bool(p) for d, p in cur.fetchall()}
    for dag_id, paused in (original or {}).items():
        states[str(dag_id)] = bool(paused)
    return states


def _running_work(
    cur: Any, catalog: Catalog, excluded: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Task instances a process was working on at export time (they cannot continue)."""
    if "task_instance" not in catalog.tables:
        return []
    cur.execute(
        "SELECT dag_id, run_id, task_id, map_index, state FROM task_instance "
        "WHERE state = ANY(%s) ORDER BY dag_id, run_id, task_id, map_index",
        (list(INTERRUPTED_TI_STATES),),
    )
    skip = set(excluded)
    return [
        {"dag_id": d, "run_id": r, "task_id": t, "map_index": m, "state": s}
        for d, r, t, m, s in cur.fetchall()
        if (d, r) not in skip
    ]


def _merge_interrupted(
    given: Sequence[Mapping[str, Any]], found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in [*given, *found]:
        key = (item["dag_id"], item["run_id"], item.get("task_id"), item.get("map_index"))
        out.setdefault(key, {k: v for k, v in item.items() if v is not None})
    return list(out.values())


__all__ = ["REGENERATED", "export_snapshot", "table_file"]
