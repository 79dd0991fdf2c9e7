"""How the sandbox's row comparison names rows across two environments, and what it
leaves out, each with its reason: the one hand-kept table of references.

A restored row cannot be compared with its original column by column: surrogate ids
are new values from the target's sequences, secrets are encrypted under another Fernet
key, and the restore changes a few things on purpose (docs/metadata.md). The tables
here say how a row is named instead (:data:`NATURAL_KEYS`), which columns hold another
row's id (:data:`REFERENCES`, declared foreign key or not), which columns are not
compared (:data:`DROPPED_COLUMNS`) and which rows the restore or the new environment
make themselves (:data:`MADE_BY_RESTORE`, :data:`MADE_BY_TARGET_VOLATILE`).

Written independently of the engine's own reference discovery, so a reference the
engine forgets to remap shows up as a difference; the metadata tests name rows by the
same tables (``tests/metadata/metadata_compare.py``). Used by :mod:`.row_normalise` and
:mod:`.row_diff`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mwaa_pause_resume.metadata.position_sql import MARKER_RUN_ID_PREFIX
from mwaa_pause_resume.metadata.restore_guard import EVENT as RESTORE_EVENT

Value = str | None
Row = tuple[tuple[str, Value], ...]  # (column, text value), sorted by column


# Natural key of each table whose rows other tables reference by surrogate id. Jobs have
# none: their type, DAG, host and start instant (microseconds) tell them apart.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "job": ("job_type", "dag_id", "hostname", "start_date"),
    "dag_run": ("dag_id", "run_id"),
    "task_instance": ("dag_id", "task_id", "run_id", "map_index"),
    "trigger": ("classpath", "created_date"),
    "log_template": ("filename", "elasticsearch_id"),
    "backfill": ("dag_id", "from_date", "to_date", "created_at"),
    "dag_version": ("dag_id", "version_number"),
    "dataset": ("uri",),
    "asset": ("name", "uri"),
    "dataset_alias": ("name",),
    "asset_alias": ("name", "group"),
    "dataset_event": (
        "dataset_id",
        "source_dag_id",
        "source_task_id",
        "source_run_id",
        "source_map_index",
        "timestamp",
    ),
    "asset_event": (
        "asset_id",
        "source_dag_id",
        "source_task_id",
        "source_run_id",
        "source_map_index",
        "timestamp",
    ),
    # Airflow 3.2+ (referenced by uuid or serial id): named by content like the others
    "callback": ("type", "fetch_method", "created_at", "data"),
    "deadline_alert": ("serialized_dag_id", "name", "created_at"),
    "asset_partition_dag_run": ("target_dag_id", "partition_key", "created_at"),
}
# Rows that belong to their DAG: what references them belongs to it too (an excluded
# DAG's run takes its XComs and notes along). A job or an event outlives its DAG's run.
OWNED_BY_DAG = frozenset({"dag_run", "task_instance", "dag_version", "backfill"})
_TI_REFS = {
    "job_id": "job",
    "queued_by_job_id": "job",
    "trigger_id": "trigger",
    "dag_version_id": "dag_version",
}
# Columns holding another table's surrogate id (declared foreign key or not).
REFERENCES: dict[str, dict[str, str]] = {
    "dag_run": {
        "creating_job_id": "job",
        "scheduled_by_job_id": "job",
        "log_template_id": "log_template",
        "backfill_id": "backfill",
        "created_dag_version_id": "dag_version",
    },
    "task_instance": _TI_REFS,
    "task_instance_history": _TI_REFS,
    "trigger": {"triggerer_id": "job"},
    "xcom": {"dag_run_id": "dag_run"},
    "dag_run_note": {"dag_run_id": "dag_run"},
    "task_instance_note": {"ti_id": "task_instance"},
    "task_reschedule": {"ti_id": "task_instance"},
    "serialized_dag": {"dag_version_id": "dag_version"},
    "dag_code": {"dag_version_id": "dag_version"},
    "deadline": {
        "dagrun_id": "dag_run",
        "callback_id": "callback",
        "deadline_alert_id": "deadline_alert",
    },
    "callback": {"trigger_id": "trigger"},
    "hitl_detail": {"ti_id": "task_instance"},
    "asset_partition_dag_run": {"created_dag_run_id": "dag_run"},
    "partitioned_asset_key_log": {
        "asset_id": "asset",
        "asset_event_id": "asset_event",
        "asset_partition_dag_run_id": "asset_partition_dag_run",
    },
    "task_state_store": {"dag_run_id": "dag_run"},
    "asset_state_store": {"asset_id": "asset"},
    "backfill_dag_run": {"backfill_id": "backfill", "dag_run_id": "dag_run"},
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
}
# Airflow 2 note authors point at ab_user, which is not copied (docs/metadata.md, Tables):
# the restore clears them. Airflow 3 stores the auth manager's user id as text and
# keeps it.
CLEARED_USER_REFS = {"dag_run_note": "user_id", "task_instance_note": "user_id"}

# Fernet-encrypted columns and their flag (None: ciphertext unless it starts with "{").
ENCRYPTED: dict[str, tuple[tuple[str, str | None], ...]] = {
    "variable": (("val", "is_encrypted"),),
    "connection": (("password", "is_encrypted"), ("extra", "is_extra_encrypted")),
    "trigger": (("kwargs", None),),
}

# Columns not compared, each with the reason. "*" applies to every table.
DROPPED_COLUMNS: dict[str, dict[str, str]] = {
    "*": {"id": "surrogate id (serial or uuid); rows are named by their natural key"},
    "task_instance_history": {
        "task_instance_id": "Airflow 3: the attempt's own uuid (its primary key), a surrogate; "
        "the attempt is named by dag_id, task_id, run_id, map_index, try_number",
    },
    # Values are compared decrypted; the restore encrypts values the source stored in
    # plain text too (docs/metadata.md, Secrets), so the flags may change.
    "variable": {"is_encrypted": "storage form (values compared decrypted)"},
    "connection": {
        "is_encrypted": "storage form (values compared decrypted)",
        "is_extra_encrypted": "storage form (values compared decrypted)",
    },
    # merge (some columns): only is_paused and next_dagrun* come from the snapshot; the
    # rest is the target's own parse of the same DAG files, compared too, except what
    # names the environment's own folder or the moment it parsed.
    "dag": {
        "fileloc": "merge keeps the target's parse: a path inside its own DAGs folder",
        "last_parsed_time": "merge keeps the target's parse: when its DAG processor ran",
        "last_parse_duration": "merge keeps the target's parse: how long it took (3.2+)",
    },
    # reuse: the target's row is kept (docs/metadata.md, "Rows that already exist");
    # what it was matched on is compared, not when the target made it.
    "log_template": {"created_at": "reuse: the target's own row is kept"},
    "dag_bundle": {"last_refreshed": "reuse: the target's own row is kept"},
    "dataset": {
        "created_at": "reuse: the target's own row is kept",
        "updated_at": "reuse: the target's own row is kept",
    },
    "asset": {
        "created_at": "reuse: the target's own row is kept",
        "updated_at": "reuse: the target's own row is kept",
    },
}

# Rows the new environment made itself (e.g. Airflow 3 parsing its DAG files into DAG
# versions) are recognised by their likeness to a fresh environment's own rows
# (the baseline), ignoring every timestamp column and these, each with the reason.
MADE_BY_TARGET_VOLATILE: dict[str, dict[str, str]] = {
    "dag_version": {
        "version_number": "the target's own versions are renumbered after the snapshot's",
    },
    "serialized_dag": {
        "dag_version_id": "the target's own versions are renumbered after the snapshot's",
        "data": "names the environment's own DAGs folder (fileloc, module names)",
        "data_compressed": "names the environment's own DAGs folder (fileloc, module names)",
        "dag_hash": "hash of data",
    },
    "dag_code": {
        "dag_version_id": "the target's own versions are renumbered after the snapshot's",
        "fileloc": "a path inside the environment's own DAGs folder",
    },
    "deadline_alert": {
        "serialized_dag_id": "the alerts of the target's own serialized versions",
    },
}


# Rows the restore itself writes into the target, each kind with the reason: they are
# the new environment's own, never the paused one's.
def _is_restore_audit_row(row: Mapping[str, Value]) -> bool:
    return row.get("event") == RESTORE_EVENT


def _is_position_marker(row: Mapping[str, Value]) -> bool:
    return str(row.get("run_id", "")).startswith(MARKER_RUN_ID_PREFIX)


def _is_position_marker_note(row: Mapping[str, Value]) -> bool:
    return MARKER_RUN_ID_PREFIX in str(row.get("dag_run_id", ""))


MADE_BY_RESTORE: dict[str, tuple[Callable[[Mapping[str, Value]], bool], str]] = {
    "log": (
        _is_restore_audit_row,
        "the audit-log row each restore writes to name the snapshot it restored "
        "(metadata.restore_guard)",
    ),
    "dag_run": (
        _is_position_marker,
        "the position markers the missed-runs policy places (metadata.position_sql)",
    ),
    "dag_run_note": (_is_position_marker_note, "the notes of those position markers"),
}


def dropped_columns(table: str) -> dict[str, str]:
    return {**DROPPED_COLUMNS["*"], **DROPPED_COLUMNS.get(table, {})}
