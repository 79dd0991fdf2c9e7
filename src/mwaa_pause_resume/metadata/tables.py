"""Which Airflow tables a snapshot keeps, and how each is restored (Airflow 2.7-3.3).

Structure (columns, keys, foreign keys, sequences) comes from the catalog; this
module only holds what the catalog cannot say: whether a table is history the
users need (kept) or state Airflow rebuilds on its own (regenerated), how a
row that already exists in the target is treated, and which integer columns
hold another table's surrogate id without a declared foreign key.

Policies for a kept table:

``insert``
    rows are added; surrogate ids are new values from the target's sequence.
    A row that collides with a unique key of the target is skipped (counted).
``merge``
    a row whose natural key exists in the target overwrites the target's row
    (only ``merge_columns`` when given); others are inserted.
``reuse``
    a row whose natural key exists in the target is NOT copied; references to
    it point at the target's row; others are inserted.
``keep_target``
    a row that collides with any unique key of the target is skipped together
    with every row that depends on it (e.g. a dag_run the target already has,
    such as the import DAG's own run); others are inserted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Policy = Literal["insert", "merge", "reuse", "keep_target"]


@dataclass(frozen=True)
class TableRule:
    name: str
    policy: Policy = "insert"
    match: tuple[str, ...] = ()  # natural key for merge/reuse (default: the catalog's)
    merge_columns: tuple[str, ...] = ()  # merge: columns the snapshot overwrites (empty: all)
    refs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    clear: tuple[str, ...] = ()  # columns reset to NULL on restore
    # SQL condition on the source table: only these rows are exported (the others are
    # transient state sharing the table, e.g. the DAG processor's callback requests).
    only: str = ""
    why: str = ""


def _refs(**kw: str) -> Mapping[str, str]:
    return MappingProxyType(kw)


_JOB_REFS = {"job_id": "job", "queued_by_job_id": "job", "trigger_id": "trigger"}

# Order does not matter: the restore order comes from the foreign-key graph.
KEPT: dict[str, TableRule] = {
    r.name: r
    for r in (
        TableRule("job", why="job history; task instances and runs point at their jobs"),
        TableRule(
            "log_template",
            "reuse",
            match=("filename", "elasticsearch_id"),
            why="dag_run.log_template_id must name the template its logs were written with",
        ),
        TableRule("slot_pool", "merge", why="pools (the snapshot's slots win, default_pool too)"),
        TableRule("variable", "merge", why="variables (snapshot wins; re-encrypted)"),
        TableRule("connection", "merge", why="connections (snapshot wins; re-encrypted)"),
        TableRule(
            "trigger",
            refs=_refs(triggerer_id="job"),
            clear=("triggerer_id",),
            why="deferred tasks resume on the target's triggerer (re-encrypted kwargs)",
        ),
        TableRule(
            "team",
            "reuse",
            why="Airflow 3.2+ (multi-team): variables, connections, pools and (3.3) triggers "
            "name their team (foreign key); teams are made with `airflow teams create`, not parsed",
        ),
        TableRule("dag_bundle", "reuse", why="Airflow 3: dag.bundle_name and versions refer to it"),
        TableRule(
            "dag",
            "merge",
            merge_columns=(
                "is_paused",
                "next_dagrun",
                "next_dagrun_data_interval_start",
                "next_dagrun_data_interval_end",
                "next_dagrun_create_after",
                # Airflow 3.2+: the partition of that next run (partitioned timetables)
                "next_dagrun_partition_key",
                "next_dagrun_partition_date",
            ),
            why="paused states and the scheduling cursor; DAGs the target has not parsed yet "
            "are inserted as the source had them and refreshed when parsed",
        ),
        TableRule(
            "dag_version",
            why="Airflow 3: runs and task instances record the DAG version "
            "they ran; the target's own versions are renumbered after the snapshot's",
        ),
        TableRule("serialized_dag", why="Airflow 3: the DAG structure of each kept version"),
        TableRule("dag_code", why="Airflow 3: the source code of each kept version"),
        TableRule(
            "deadline_alert",
            why="Airflow 3.2+: the deadline alerts of each kept serialized DAG version; "
            "deadlines point at the alert that made them",
        ),
        TableRule("dataset", "reuse", why="dataset events refer to datasets (matched by uri)"),
        TableRule("dataset_alias", "reuse"),
        TableRule("dataset_alias_dataset"),
        TableRule("dataset_event", refs=_refs(dataset_id="dataset")),
        TableRule("dataset_alias_dataset_event"),
        TableRule("dataset_dag_run_queue", why="dataset-triggered runs still to be created"),
        TableRule("asset", "reuse", why="asset events refer to assets (matched by name, uri)"),
        TableRule("asset_alias", "reuse"),
        TableRule("asset_alias_asset"),
        TableRule("asset_event", refs=_refs(asset_id="asset")),
        TableRule("asset_alias_asset_event"),
        TableRule("asset_dag_run_queue", why="asset-triggered runs still to be created"),
        TableRule("backfill", why="Airflow 3 backfills and their runs"),
        TableRule(
            "dag_run",
            "keep_target",
            refs=_refs(creating_job_id="job", scheduled_by_job_id="job"),
            why="run history; a run the target already has (same dag_id/run_id or logical "
            "date) is the target's own, e.g. the import DAG's run",
        ),
        TableRule("backfill_dag_run"),
        TableRule(
            "dag_run_note",
            refs=_refs(user_id="ab_user"),
            why="notes; Airflow 2 note authors point at ab_user, which is not copied",
        ),
        TableRule("dagrun_dataset_event"),
        TableRule("dagrun_asset_event"),
        TableRule(
            "callback",
            only="type <> 'dag_processor'",
            why="Airflow 3.2+: each deadline's callback (deadline.callback_id is NOT NULL), "
            "with its state; a queued triggerer callback runs on the restored trigger. The DAG "
            "processor's callback requests in the same table are in-flight work of the source's "
            "processes, not copied (as callback_request before 3.2)",
        ),
        TableRule("deadline", why="Airflow 3: run deadlines still to be met or missed"),
        TableRule(
            "asset_partition_dag_run",
            why="Airflow 3.2+: runs of partitioned asset-triggered DAGs still to be created "
            "(like asset_dag_run_queue), and those created",
        ),
        TableRule(
            "partitioned_asset_key_log",
            refs=_refs(
                asset_id="asset",
                asset_event_id="asset_event",
                asset_partition_dag_run_id="asset_partition_dag_run",
            ),
            why="Airflow 3.2+: which asset events count towards each partitioned run (ids "
            "without declared foreign keys)",
        ),
        TableRule(
            "asset_state_store",
            why="Airflow 3.3: per-asset state (watermarks) that the next run or watcher reads; "
            "a key the target already set keeps the target's value",
        ),
        TableRule(
            "task_state_store",
            why="Airflow 3.3: state a task keeps across its tries (e.g. the id of an external "
            "job that a rerun of interrupted work re-attaches to)",
        ),
        TableRule("task_instance", refs=_refs(**_JOB_REFS)),
        TableRule("task_instance_note", refs=_refs(user_id="ab_user")),
        TableRule("task_instance_history", refs=_refs(**_JOB_REFS)),
        TableRule(
            "hitl_detail",
            why="Airflow 3.2+: human-in-the-loop requests and their responses; a task waiting "
            "for a response resumes from its trigger",
        ),
        TableRule("hitl_detail_history", why="Airflow 3.2+: the same, for earlier tries"),
        TableRule("task_reschedule"),
        TableRule("task_fail", why="Airflow 2 failure history"),
        TableRule("task_map", why="mapped task expansion lengths"),
        TableRule("rendered_task_instance_fields"),
        TableRule("xcom", refs=_refs(dag_run_id="dag_run")),
        TableRule("sla_miss", why="Airflow 2 SLA misses"),
        TableRule("log", why="the audit log users see under Browse > Audit logs"),
    )
}

# Not copied. Each is rebuilt by Airflow itself or is meaningless in a new environment.
REGENERATED: dict[str, str] = {
    "alembic_version": "the target's own schema revision (must equal the snapshot's)",
    "serialized_dag": "Airflow 2: re-serialized from the DAG files by the DAG processor "
    "(kept on Airflow 3, where it is versioned history)",
    "dag_code": "Airflow 2: re-read from the DAG files (kept on Airflow 3, versioned)",
    "dag_pickle": "legacy pickled DAGs, unused by the scheduler since Airflow 2",
    "import_error": "recomputed on every parse of the DAG files",
    "dag_tag": "parsed from the DAG files",
    "dag_owner_attributes": "parsed from the DAG files",
    "dag_warning": "recomputed by the DAG processor",
    "dag_schedule_dataset_reference": "parsed from the DAG files (schedule on datasets)",
    "dag_schedule_dataset_alias_reference": "parsed from the DAG files",
    "task_outlet_dataset_reference": "parsed from the DAG files",
    "dag_schedule_asset_reference": "parsed from the DAG files (Airflow 3)",
    "dag_schedule_asset_alias_reference": "parsed from the DAG files (Airflow 3)",
    "dag_schedule_asset_name_reference": "parsed from the DAG files (Airflow 3)",
    "dag_schedule_asset_uri_reference": "parsed from the DAG files (Airflow 3)",
    "task_outlet_asset_reference": "parsed from the DAG files (Airflow 3)",
    "task_inlet_asset_reference": "parsed from the DAG files (Airflow 3.2+)",
    "asset_active": "recomputed by the DAG processor from the parsed DAGs (Airflow 3)",
    "asset_trigger": "watchers re-registered from the parsed DAGs (Airflow 3); the triggerer "
    "drops triggers nothing uses",
    "asset_watcher": "asset_trigger renamed (Airflow 3.2+): re-registered from the parsed DAGs",
    "dag_bundle_team": "synchronised from the DAG bundle configuration (Airflow 3.2+)",
    "dag_favorite": "keyed by the auth manager's user id (on MWAA, FAB's ab_user.id), which is "
    "not copied: users get new ids when they first sign in, so a copied favourite would "
    "belong to another user",
    "revoked_token": "API tokens revoked at sign-out in the source; they expire within "
    "[api_auth] jwt_expiration_time anyway (Airflow 3.2+)",
    "connection_test_request": "in-flight asynchronous connection tests with their own copy "
    "of the connection's secrets (Airflow 3.3)",
    "callback_request": "in-flight callbacks of the source's processes; interrupted work is "
    "restored by the interrupted policy instead",
    "dag_priority_parsing_request": "transient request to re-parse a file",
    "session": "web UI sessions: users sign in again",
    "ab_user": "users: MWAA creates them from IAM at sign-in",
    "ab_role": "roles are synchronised by the webserver at start",
    "ab_user_role": "follows ab_user/ab_role",
    "ab_permission": "synchronised by the webserver",
    "ab_view_menu": "synchronised by the webserver",
    "ab_permission_view": "synchronised by the webserver",
    "ab_permission_view_role": "synchronised by the webserver",
    "ab_register_user": "self-registration requests, unused on MWAA",
    "ab_group": "FAB groups, synchronised like roles (Airflow 3.2+ FAB provider)",
    "ab_group_role": "follows ab_group/ab_role",
    "ab_user_group": "follows ab_user/ab_group",
    "alembic_version_fab": "the target's own FAB provider schema revision",
}

# Airflow 3 keeps these (versioned DAG history); Airflow 2 regenerates them.
KEPT_ONLY_WITH = {"serialized_dag": "dag_version", "dag_code": "dag_version"}

# Task instance states that mean "a process was working on it": such work cannot
# continue in a new environment and is restored per the interrupted policy.
INTERRUPTED_TI_STATES = ("running", "queued", "restarting")
# Task instance states that wait for something that survives a restore (their trigger
# row, a retry or reschedule date, the scheduler): with the "rerun" policy they are
# restored as they were and carry on (a deferred task resumes from its trigger instead
# of resubmitting its work); with "fail" they are failed like the rest.
WAITING_TI_STATES = ("deferred", "scheduled", "up_for_retry", "up_for_reschedule")
# Run states the interrupted policy may change (a finished run is never touched).
UNFINISHED_RUN_STATES = ("running", "queued")
# Job states of a live process (JobState.RUNNING / RESTARTING): restored as "failed".
UNFINISHED_JOB_STATES = ("running", "restarting")
# Terminal states: never touched by the interrupted policy.
FINISHED_TI_STATES = ("success", "failed", "skipped", "upstream_failed", "removed")


def kept_tables(existing: set[str]) -> list[str]:
    """Kept tables present in a database (serialized_dag/dag_code only with dag_version)."""
    out = []
    for name in KEPT:
        if name not in existing:
            continue
        needs = KEPT_ONLY_WITH.get(name)
        if needs and needs not in existing:
            continue
        out.append(name)
    return out
