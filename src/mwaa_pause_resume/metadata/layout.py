"""Where things live inside a snapshot folder, per scope (standard library only).

Shared by export, the rest-only scope, verify and restore; kept apart from them so the
verify Lambda, which bundles neither psycopg2 nor cryptography, can import it.
"""

from __future__ import annotations

TABLES_PREFIX = "tables/"  # the full scope: one gzip CSV per kept table
REST_PREFIX = "rest/"  # the rest-only scope: one gzip JSON-lines file per kind

# The rest-only scope's kinds and their fields (Airflow 3 REST API names): what
# metadata.rest_scope writes, so also what a rest-only manifest must list.
REST_FIELDS: dict[str, tuple[str, ...]] = {
    "variables": ("key", "value", "description"),
    "connections": (
        "connection_id",
        "conn_type",
        "description",
        "host",
        "login",
        "schema",
        "port",
        "password",
        "extra",
    ),
    "pools": ("name", "slots", "description", "include_deferred"),
    # Per scheduled DAG, its newest scheduled or backfill run at the pause: its scheduler
    # position (dags.rest_position).
    "positions": (
        "dag_id",
        "run_id",
        "run_type",
        "logical_date",
        "data_interval_start",
        "data_interval_end",
        "state",
    ),
}
# Kinds snapshots written before they existed lack: a manifest may list them or not.
REST_OPTIONAL_KINDS = frozenset({"positions"})


def rest_kinds_ok(listed: set[str]) -> bool:
    """A rest-only manifest lists every kind but the optional ones, and nothing unknown."""
    return set(REST_FIELDS) - REST_OPTIONAL_KINDS <= listed <= set(REST_FIELDS)


def table_file(name: str) -> str:
    """Where a table's rows live inside a snapshot folder."""
    return f"{TABLES_PREFIX}{name}.csv.gz"


def entry_file(scope: str, name: str) -> str:
    """The file a manifest entry must name: a table's CSV, or a rest-only kind's JSON lines."""
    return f"{REST_PREFIX}{name}.jsonl.gz" if scope == "rest-only" else table_file(name)
