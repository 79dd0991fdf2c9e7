"""The tables of Airflow's migrated schema at each supported alembic revision.

A schema fact, like the revisions in ``airflow_versions``: which tables ``airflow db
migrate`` creates (the auth manager's ``ab_*`` tables and ``alembic_version_fab`` left
out: they depend on the FAB provider, and none is kept). Verify derives from it what
an export of that revision must contain, ``tables.kept_tables(SCHEMA_TABLES[rev])``,
the very function export uses on the live catalog; so a snapshot with tables missing
(an empty ``tables`` map included) is refused before the environment is deleted.

Not typed by hand: read from the schemas real Airflow migrated (the sandbox's schema
dumps, ``pg_restore --list``), and ``tests/metadata/test_metadata_schema_tables.py``
compares every supported version's real migrated schema with this table, so it
cannot drift. A new Airflow version with a new revision needs its entry here (the
same test fails until it has one).
"""

from __future__ import annotations

_AIRFLOW_2_10 = """
alembic_version callback_request connection dag dag_code dag_owner_attributes dag_pickle
dag_priority_parsing_request dag_run dag_run_note dag_schedule_dataset_alias_reference
dag_schedule_dataset_reference dag_tag dag_warning dagrun_dataset_event dataset
dataset_alias dataset_alias_dataset dataset_alias_dataset_event dataset_dag_run_queue
dataset_event import_error job log log_template rendered_task_instance_fields
serialized_dag session sla_miss slot_pool task_fail task_instance task_instance_history
task_instance_note task_map task_outlet_dataset_reference task_reschedule trigger
variable xcom
"""
_AIRFLOW_3_0 = """
alembic_version asset asset_active asset_alias asset_alias_asset asset_alias_asset_event
asset_dag_run_queue asset_event asset_trigger backfill backfill_dag_run callback_request
connection dag dag_bundle dag_code dag_owner_attributes dag_priority_parsing_request
dag_run dag_run_note dag_schedule_asset_alias_reference dag_schedule_asset_name_reference
dag_schedule_asset_reference dag_schedule_asset_uri_reference dag_tag dag_version
dag_warning dagrun_asset_event deadline import_error job log log_template
rendered_task_instance_fields serialized_dag session slot_pool task_instance
task_instance_history task_instance_note task_map task_outlet_asset_reference
task_reschedule trigger variable xcom
"""
_AIRFLOW_3_2 = """
alembic_version asset asset_active asset_alias asset_alias_asset asset_alias_asset_event
asset_dag_run_queue asset_event asset_partition_dag_run asset_watcher backfill
backfill_dag_run callback connection dag dag_bundle dag_bundle_team dag_code dag_favorite
dag_owner_attributes dag_priority_parsing_request dag_run dag_run_note
dag_schedule_asset_alias_reference dag_schedule_asset_name_reference
dag_schedule_asset_reference dag_schedule_asset_uri_reference dag_tag dag_version
dag_warning dagrun_asset_event deadline deadline_alert hitl_detail hitl_detail_history
import_error job log log_template partitioned_asset_key_log rendered_task_instance_fields
revoked_token serialized_dag session slot_pool task_inlet_asset_reference task_instance
task_instance_history task_instance_note task_map task_outlet_asset_reference
task_reschedule team trigger variable xcom
"""
# 3.3 adds three tables to 3.2's schema
_AIRFLOW_3_3 = _AIRFLOW_3_2 + "asset_state_store connection_test_request task_state_store"

SCHEMA_TABLES: dict[str, frozenset[str]] = {
    "22ed7efa9da2": frozenset(_AIRFLOW_2_10.split()),  # 2.10.1
    "5f2621c13b39": frozenset(_AIRFLOW_2_10.split()),  # 2.10.3, 2.11.x
    "fe199e1abd77": frozenset(_AIRFLOW_3_0.split()),  # 3.0.6
    "1d6611b6ab7c": frozenset(_AIRFLOW_3_2.split()),  # 3.2.1
    "d2f4e1b3c5a7": frozenset(_AIRFLOW_3_3.split()),  # 3.3.1
}
