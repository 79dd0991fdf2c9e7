"""Tables as comparable rows: surrogate ids dropped, id references replaced by natural keys.

Written independently of the engine's own reference discovery, so a reference the
engine forgets to remap shows up as a difference here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# How a row of a table with a surrogate id is named across environments.
SIGNATURES = {
    "job": "x.job_type || ':' || coalesce(x.hostname, '')",
    "dag_run": "x.dag_id || '/' || x.run_id",
    "trigger": "x.classpath || '@' || x.created_date::text",
    "log_template": "x.filename",
    "dataset": "x.uri",
    "asset": "x.name || '|' || x.uri",
    "dataset_alias": "x.name",
    "asset_alias": "x.name",
    "dataset_event": "coalesce(x.source_run_id, '') || '@' || x.timestamp::text",
    "asset_event": "coalesce(x.source_run_id, '') || '@' || x.timestamp::text",
    "backfill": "x.dag_id || '@' || x.from_date::text",
    "asset_partition_dag_run": "x.target_dag_id || '/' || x.partition_key",
}
_TI = {"job_id": "job", "queued_by_job_id": "job", "trigger_id": "trigger"}
REFERENCES: dict[str, dict[str, str]] = {
    "dag_run": {
        "creating_job_id": "job",
        "scheduled_by_job_id": "job",
        "log_template_id": "log_template",
        "backfill_id": "backfill",
    },
    "task_instance": _TI,
    "task_instance_history": _TI,
    "trigger": {"triggerer_id": "job"},
    "xcom": {"dag_run_id": "dag_run"},
    "dag_run_note": {"dag_run_id": "dag_run"},
    "dagrun_dataset_event": {"dag_run_id": "dag_run", "event_id": "dataset_event"},
    "dagrun_asset_event": {"dag_run_id": "dag_run", "event_id": "asset_event"},
    "dataset_event": {"dataset_id": "dataset"},
    "asset_event": {"asset_id": "asset"},
    "dataset_dag_run_queue": {"dataset_id": "dataset"},
    "asset_dag_run_queue": {"asset_id": "asset"},
    "dataset_alias_dataset": {"alias_id": "dataset_alias", "dataset_id": "dataset"},
    "asset_alias_asset": {"alias_id": "asset_alias", "asset_id": "asset"},
    "dataset_alias_dataset_event": {"alias_id": "dataset_alias", "event_id": "dataset_event"},
    "asset_alias_asset_event": {"alias_id": "asset_alias", "event_id": "asset_event"},
    "backfill_dag_run": {"backfill_id": "backfill", "dag_run_id": "dag_run"},
    "deadline": {"dagrun_id": "dag_run"},
    "callback": {"trigger_id": "trigger"},
    "asset_partition_dag_run": {"created_dag_run_id": "dag_run"},
    "partitioned_asset_key_log": {
        "asset_id": "asset",
        "asset_event_id": "asset_event",
        "asset_partition_dag_run_id": "asset_partition_dag_run",
    },
    "task_state_store": {"dag_run_id": "dag_run"},
    "asset_state_store": {"asset_id": "asset"},
}
SERIAL_TABLES = {
    "job",
    "dag_run",
    "log",
    "trigger",
    "task_reschedule",
    "task_fail",
    "dataset",
    "dataset_event",
    "dataset_alias",
    "asset",
    "asset_event",
    "asset_alias",
    "slot_pool",
    "variable",
    "connection",
    "log_template",
    "backfill",
    "backfill_dag_run",
    "task_instance_history",
    "asset_partition_dag_run",
    "partitioned_asset_key_log",
    "task_state_store",
}


def columns(conn: Any, table: str) -> list[tuple[str, str]]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return list(cur.fetchall())


def rows(conn: Any, table: str) -> list[dict[str, Any]]:
    """Every row as {column: text}, ids replaced by what they point at."""
    refs = REFERENCES.get(table, {})
    exprs = []
    names = []
    for col, type_ in columns(conn, table):
        if col == "id" and table in SERIAL_TABLES and type_ == "integer":
            continue
        if col in refs:
            sig = SIGNATURES[refs[col]]
            exprs.append(f'(SELECT {sig} FROM "{refs[col]}" x WHERE x.id = t."{col}")')
        else:
            exprs.append(f't."{col}"::text')
        names.append(col)
    with conn.cursor() as cur:
        cur.execute(f'SELECT {", ".join(exprs)} FROM "{table}" t')
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def as_counter(items: list[dict[str, Any]]) -> Counter[tuple[tuple[str, Any], ...]]:
    return Counter(tuple(sorted(r.items())) for r in items)


def missing(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[Any]:
    """Rows of ``expected`` (with multiplicity) not found in ``actual``."""
    return list((as_counter(expected) - as_counter(actual)).elements())


def count_all(conn: Any) -> dict[str, int]:
    """Row count of every table: a fingerprint of 'nothing changed'."""
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [r[0] for r in cur.fetchall()]
        out = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            out[table] = cur.fetchone()[0]
        cur.execute(
            "SELECT string_agg(key || '=' || coalesce(val, ''), ',' ORDER BY key) FROM variable"
        )
        out["variable_values"] = hash(cur.fetchone()[0])
        cur.execute("SELECT string_agg(dag_id || is_paused::text, ',' ORDER BY dag_id) FROM dag")
        out["paused"] = hash(cur.fetchone()[0])
        conn.rollback()
        return out
