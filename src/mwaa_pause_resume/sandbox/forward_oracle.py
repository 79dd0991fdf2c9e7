"""The reference for a restore into a newer Airflow: Airflow's own upgrade of the source.

A copy of the paused environment's database, migrated by the target version's
``airflow db migrate``, holds what an in-place upgrade makes of its rows. Our restore
of the snapshot into a new environment of that version is compared with it row by row
(``row_diff``). The differences that remain are named here, each with its reason,
and taken out of both sides before the comparison: anything else is a difference.
Used by the sandbox (``--resume-version``) and ``tests/metadata/test_metadata_forward.py``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mwaa_pause_resume.metadata.tables import KEPT
from mwaa_pause_resume.sandbox.airflow_config import FAB_AUTH_MANAGER
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.postgres import LocalPostgres
from mwaa_pause_resume.sandbox.row_normalise import RawTable

# Tables the target's migrations keep but its Airflow no longer has (a new database of
# that version lacks them): not restored, listed in RestoreReport.brought_forward.
LEFT_BEHIND = {
    "sla_miss": "Airflow 3 removed SLAs; its migrations keep the table, a new 3.x database "
    "has none and nothing reads it",
}
LEFT_BEHIND_FROM_MAJOR = {"sla_miss": 3}  # the target's major version from which it applies
DIFFERENCES = {
    "oracle audit row": "the oracle's `airflow db migrate` logs itself (log event "
    "cli_migratedb); the restore runs Airflow's migrations through alembic, not the CLI",
    "target's log template": "the restore adds the target's own log template again as the "
    "newest row, so new runs use it (restore_rows.keep_latest); in the oracle it is newest already",
    "dag: the new version's parse": "the restore merges only the paused state and the "
    "scheduling cursor into a DAG the target has parsed (tables.KEPT['dag'].merge_columns); "
    "its other columns are the new version's own parse (3.x: bundle_name, "
    "relative_fileloc, timetable_summary), which the oracle's database never had: only "
    "the merged columns are compared",
    "target's own rows": "a new environment of the target version makes rows of its own "
    "(its DAG bundle, its log templates: 3.2+'s squashed base migration inserts Airflow's "
    "legacy template) that an upgraded database lacks; the restore keeps them (policy "
    "reuse): rows a fresh database of the target version has and the oracle lacks",
    "2.x note authors": "a 2.x note's author is an ab_user id; users are not copied (MWAA "
    "gives them new ids), so the restore clears it as a same-version restore does, where "
    "Airflow's upgrade keeps the old id as text",
    "json text": "a column Airflow's migrations leave json is jsonb in a new database of the "
    "target version (or the reverse): the same JSON value, written differently (escapes, "
    "key order); compared as JSON",
}
MIGRATE_AUDIT_EVENT = "cli_migratedb"


def migrated_copy(
    server: LocalPostgres, source_db: str, name: str, *, version: str, home: Path, fernet_key: str
) -> str:
    """Database ``name``: a copy of ``source_db`` migrated by Airflow ``version``; its URL."""
    server.drop_database(name)
    server._admin(f'CREATE DATABASE "{name}" TEMPLATE "{source_db}"')
    url = server.url(name)
    runtime = AirflowRuntime(version).ensure()
    extra = {"AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER} if runtime.major >= 3 else {}
    home.mkdir(parents=True, exist_ok=True)
    runtime.migrate(runtime.environ(url, fernet_key, home, extra=extra))
    return url


# Per table, what names a row for "target's own rows" (None: every column but the id and
# the times the row was made or refreshed).
TARGET_OWN_KEYS: dict[str, tuple[str, ...] | None] = {"log_template": None, "dag_bundle": ("name",)}
_NOT_CONTENT = ("id", "created_at", "last_refreshed")
NOTES = ("dag_run_note", "task_instance_note")
MERGED_DAG_COLUMNS = ("dag_id", *KEPT["dag"].merge_columns)

OwnRows = dict[str, frozenset[tuple[Any, ...]]]


def adjust_oracle(tables: dict[str, RawTable], *, source_major: int, target_major: int) -> None:
    """The oracle's side of :data:`LEFT_BEHIND` and :data:`DIFFERENCES` (in place)."""
    for name, major in LEFT_BEHIND_FROM_MAJOR.items():
        if target_major >= major:
            tables.pop(name, None)
    log = tables.get("log")
    if log is not None:
        event = log.columns.index("event")
        rows = tuple(r for r in log.rows if r[event] != MIGRATE_AUDIT_EVENT)
        tables["log"] = dataclasses.replace(log, rows=rows)
    if source_major < 3 <= target_major:
        for name in NOTES:
            if name in tables:
                tables[name] = _set(tables[name], "user_id", None)
    _common(tables)


def adjust_restored(tables: dict[str, RawTable], target_own: OwnRows | None = None) -> None:
    """The restored side of :data:`DIFFERENCES` (in place). ``target_own``: per table, the
    rows a fresh database of the target version has and the oracle lacks
    (:func:`own_rows` of each)."""
    for name, keys in (target_own or {}).items():
        table = tables.get(name)
        if table is None:
            continue
        seen: set[tuple[Any, ...]] = set(keys)
        kept = []
        for row in table.rows:
            key = _row_key(name, table, row)
            if key not in seen:
                kept.append(row)
            seen.add(key)  # the target's current log template, added again as the newest
        tables[name] = dataclasses.replace(table, rows=tuple(kept))
    _common(tables)


def own_rows(tables: dict[str, RawTable]) -> OwnRows:
    """The keys of :data:`TARGET_OWN_KEYS`' tables' rows."""
    return {
        name: frozenset(_row_key(name, tables[name], row) for row in tables[name].rows)
        for name in TARGET_OWN_KEYS
        if name in tables
    }


def target_only(fresh: OwnRows, oracle: OwnRows) -> OwnRows:
    return {name: keys - oracle.get(name, frozenset()) for name, keys in fresh.items()}


def _row_key(name: str, table: RawTable, row: tuple[Any, ...]) -> tuple[Any, ...]:
    wanted = TARGET_OWN_KEYS.get(name)
    return tuple(
        v
        for c, v in zip(table.columns, row, strict=True)
        if (c in wanted if wanted else c not in _NOT_CONTENT)
    )


def _common(tables: dict[str, RawTable]) -> None:
    dag = tables.get("dag")
    if dag is not None:
        for column in dag.columns:
            if column not in MERGED_DAG_COLUMNS:
                dag = _set(dag, column, None)
        tables["dag"] = dag
    for name, table in list(tables.items()):
        for column, kind in zip(table.columns, table.types, strict=True):
            if kind in ("json", "jsonb"):
                tables[name] = _canonical(tables[name], column)


def _set(table: RawTable, column: str, value: str | None) -> RawTable:
    at = table.columns.index(column)
    rows = tuple((*r[:at], value, *r[at + 1 :]) for r in table.rows)
    return dataclasses.replace(table, rows=rows)


def _canonical(table: RawTable, column: str) -> RawTable:
    at = table.columns.index(column)

    def canonical(value: str | None) -> str | None:
        return None if value is None else json.dumps(json.loads(value), sort_keys=True)

    rows = tuple((*r[:at], canonical(r[at]), *r[at + 1 :]) for r in table.rows)
    return dataclasses.replace(table, rows=rows)
