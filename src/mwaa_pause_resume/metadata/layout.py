"""Where things live inside a snapshot folder, per scope (standard library only).

Shared by export, the rest-only scope, verify and restore; kept apart from them so the
verify Lambda, which bundles neither psycopg2 nor cryptography, can import it.
"""

from __future__ import annotations

from mwaa_pause_resume.metadata.flags import SnapshotScope

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
    # Run history (REST API v2 names), from dags.rest_history; snapshots written
    # before it existed hold neither kind and still import.
    "dag_runs": (
        "dag_id",
        "dag_run_id",
        "logical_date",
        "data_interval_start",
        "data_interval_end",
        "run_after",
        "run_type",
        "conf",
        "state",
        "note",
        "start_date",
        "end_date",
    ),
    "task_instances": (
        "dag_id",
        "dag_run_id",
        "task_id",
        "map_index",
        "state",
        "note",
        "try_number",
        "start_date",
        "end_date",
        "hostname",
    ),
}
REST_HISTORY_KINDS = ("dag_runs", "task_instances")
# Kinds snapshots written before they existed lack: a manifest may list them or not
# (the two history kinds both or neither).
REST_OPTIONAL_KINDS = frozenset({"positions", *REST_HISTORY_KINDS})


def rest_kinds_ok(listed: set[str]) -> bool:
    """A rest-only manifest lists every kind but the optional ones, nothing unknown, and
    the run history kinds both or neither."""
    if not set(REST_FIELDS) - REST_OPTIONAL_KINDS <= listed <= set(REST_FIELDS):
        return False
    history = listed & set(REST_HISTORY_KINDS)
    return not history or history == set(REST_HISTORY_KINDS)


def table_file(name: str) -> str:
    """Where a table's rows live inside a snapshot folder."""
    return f"{TABLES_PREFIX}{name}.csv.gz"


def entry_file(scope: str, name: str) -> str:
    """The file a manifest entry must name: a table's CSV, or a rest-only kind's JSON lines."""
    return f"{REST_PREFIX}{name}.jsonl.gz" if scope == SnapshotScope.REST_ONLY else table_file(name)
