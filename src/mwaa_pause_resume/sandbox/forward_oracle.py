"""The reference for a restore into a newer Airflow: Airflow's own upgrade of the source.

A copy of the paused environment's database, migrated by the target version's
``airflow db migrate``, holds what an in-place upgrade makes of its rows. Our restore
of the snapshot into a new environment of that version is compared with it row by row
(``row_compare``). The differences that remain are named here, each with its reason,
and taken out of both sides before the comparison: anything else is a difference.
Used by the sandbox (``--resume-version``) and ``tests/metadata/test_metadata_forward.py``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mwaa_pause_resume.sandbox.airflow_config import FAB_AUTH_MANAGER
from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.postgres import LocalPostgres
from mwaa_pause_resume.sandbox.row_compare import RawTable

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
    "newest row, so new runs use it (restore._keep_latest); in the oracle it is newest already",
    "target's own log templates": "a new database of the target version holds log templates "
    "an upgraded one lacks (3.2+'s squashed base migration inserts Airflow's legacy "
    "template); the restore keeps the target's rows (policy reuse)",
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


def adjust_oracle(tables: dict[str, RawTable], target_major: int) -> None:
    """The oracle's side of :data:`LEFT_BEHIND` and :data:`DIFFERENCES` (in place)."""
    for name, major in LEFT_BEHIND_FROM_MAJOR.items():
        if target_major >= major:
            tables.pop(name, None)
    log = tables.get("log")
    if log is not None:
        event = log.columns.index("event")
        rows = tuple(r for r in log.rows if r[event] != MIGRATE_AUDIT_EVENT)
        tables["log"] = dataclasses.replace(log, rows=rows)
    _json_as_json(tables)


def template_keys(tables: dict[str, RawTable]) -> frozenset[tuple[Any, ...]]:
    """The log templates of a database, by content (no id, no creation time)."""
    templates = tables.get("log_template")
    if templates is None:
        return frozenset()
    return frozenset(_template_key(templates, row) for row in templates.rows)


def _template_key(table: RawTable, row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        v for c, v in zip(table.columns, row, strict=True) if c not in ("id", "created_at")
    )


def adjust_restored(
    tables: dict[str, RawTable], target_own: frozenset[tuple[Any, ...]] = frozenset()
) -> None:
    """The restored side of :data:`DIFFERENCES` (in place). ``target_own``: the log
    templates a new database of the target version has and the oracle lacks
    (:func:`template_keys` of each)."""
    templates = tables.get("log_template")
    if templates is not None:
        seen: set[tuple[Any, ...]] = set(target_own)
        kept = []
        for row in templates.rows:
            key = _template_key(templates, row)
            if key not in seen:
                kept.append(row)
            seen.add(key)
        tables["log_template"] = dataclasses.replace(templates, rows=tuple(kept))
    _json_as_json(tables)


def _json_as_json(tables: dict[str, RawTable]) -> None:
    for name, table in list(tables.items()):
        for column, kind in zip(table.columns, table.types, strict=True):
            if kind in ("json", "jsonb"):
                tables[name] = _canonical(tables[name], column)


def _canonical(table: RawTable, column: str) -> RawTable:
    at = table.columns.index(column)

    def canonical(value: str | None) -> str | None:
        return None if value is None else json.dumps(json.loads(value), sort_keys=True)

    rows = tuple((*r[:at], canonical(r[at]), *r[at + 1 :]) for r in table.rows)
    return dataclasses.replace(table, rows=rows)
