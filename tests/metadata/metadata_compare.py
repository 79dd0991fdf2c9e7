"""Tables as comparable rows: surrogate ids dropped, id references replaced by what they
point at.

A row is named across environments by the sandbox's table of references
(:data:`mwaa_pause_resume.sandbox.row_rules.REFERENCES` and ``NATURAL_KEYS``), the one
hand-kept list, written independently of the engine's own reference discovery, so a
reference the engine forgets to remap shows up as a difference here. A reference column
to a row with a serial id becomes that row's natural key, its columns joined by ``/``
(a dag_run's: ``dag_id/run_id``); one to a uuid, which the restore keeps, stays as it is.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

from mwaa_pause_resume.sandbox.row_rules import NATURAL_KEYS, REFERENCES

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
    aliases = itertools.count()
    exprs = []
    names = []
    for col, type_ in columns(conn, table):
        if col == "id" and table in SERIAL_TABLES and type_ == "integer":
            continue
        if col in refs and _serial(conn, refs[col]):
            exprs.append(_named(conn, refs[col], f't."{col}"', aliases))
        else:
            exprs.append(f't."{col}"::text')
        names.append(col)
    with conn.cursor() as cur:
        cur.execute(f'SELECT {", ".join(exprs)} FROM "{table}" t')
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _serial(conn: Any, table: str) -> bool:
    """Are ``table``'s ids drawn from a sequence (the restore gives its rows new ones)? A
    uuid id is kept by the restore: a reference to it is compared as it is."""
    return ("id", "integer") in columns(conn, table)


def _named(conn: Any, table: str, id_expr: str, aliases: Iterator[int]) -> str:
    """SQL for the natural key of the ``table`` row whose id is ``id_expr``: its
    :data:`NATURAL_KEYS` columns joined by ``/`` (NULL as empty), a reference among them
    named in turn."""
    alias = f"x{next(aliases)}"
    present = {c for c, _ in columns(conn, table)}
    refs = REFERENCES.get(table, {})
    parts = []
    for col in NATURAL_KEYS[table]:
        if col not in present:
            continue
        column = f'{alias}."{col}"'
        named = col in refs and _serial(conn, refs[col])
        value = _named(conn, refs[col], column, aliases) if named else f"{column}::text"
        parts.append(f"coalesce({value}, '')")
    key = " || '/' || ".join(parts)
    return f'(SELECT {key} FROM "{table}" {alias} WHERE {alias}.id = {id_expr})'


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
