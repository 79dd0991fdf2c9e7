"""A small, busy Airflow history written with plain SQL into a real migrated schema.

Surrogate ids start far from the target's sequences (jobs at 501, runs at 701,
triggers at 301), so a restored row always gets new ids and only a correct
translation to natural keys makes it compare equal. Includes the export DAG's own
run (left out of the snapshot), a run in flight with a deferred task on an
encrypted trigger, a task instance cut off while running, mapped task instances,
secrets stored encrypted and in plain text, a run note and audit-log rows.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import uuid
from typing import Any

from cryptography.fernet import Fernet

EXPORT_DAG = "mwaa_export_data"
IMPORT_DAG = "mwaa_import_data"
EXPORT_RUN = (EXPORT_DAG, "export__1")
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _t(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def encrypt(key: str, value: str) -> str:
    """As Airflow does: the first key of the comma-separated list encrypts."""
    return Fernet(key.split(",", maxsplit=1)[0].encode()).encrypt(value.encode()).decode()


def _ins(cur: Any, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    cur.execute(
        f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join(["%s"] * len(row))})',
        list(row.values()),
    )


def seed(conn: Any, v3: bool, key: str) -> None:
    """Write the history into ``conn``'s database (secrets under ``key``) and commit."""
    with conn.cursor() as cur:
        for job_id, job_type, dag_id, host in (
            (501, "SchedulerJob", None, "scheduler-1"),
            (502, "LocalTaskJob", "etl", "worker-1"),
            (503, "TriggererJob", None, "triggerer-1"),
            (504, "LocalTaskJob", EXPORT_DAG, "worker-1"),
        ):
            _ins(
                cur,
                "job",
                {
                    "id": job_id,
                    "job_type": job_type,
                    "dag_id": dag_id,
                    "state": "running",
                    "hostname": host,
                    "start_date": _t(job_id / 100),
                    "latest_heartbeat": _t(job_id / 100 + 1),
                },
            )
        kwargs = json.dumps({"moment": "2026-04-01T00:00:00+00:00", "end_from_trigger": False})
        _ins(
            cur,
            "trigger",
            {
                "id": 301,
                "classpath": "airflow.triggers.temporal.DateTimeTrigger",
                "kwargs": encrypt(key, kwargs),
                "created_date": _t(3),
                "triggerer_id": 503,
            },
        )
        if v3:
            cur.execute(
                "INSERT INTO dag_bundle (name, active) VALUES ('dags-folder', true) "
                "ON CONFLICT DO NOTHING"
            )
        versions: dict[str, str | None] = {}
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'dag'"
        )
        dag_columns = {str(r[0]) for r in cur.fetchall()}
        for dag_id, paused in (("etl", False), (EXPORT_DAG, False)):
            row: dict[str, Any] = {
                "dag_id": dag_id,
                "is_paused": paused,
                "fileloc": f"/dags/{dag_id}.py",
                "owners": "airflow",
                "max_active_tasks": 16,
                "max_active_runs": 16,
                "max_consecutive_failed_dag_runs": 0,
                "has_task_concurrency_limits": False,
                "next_dagrun": _t(1440),
            }
            if v3:
                row.update(is_stale=False, bundle_name="dags-folder", relative_fileloc="x.py")
            else:
                row.update(is_active=True, is_subdag=False, schedule_interval='"@daily"')
            if "timetable_type" in dag_columns:  # NOT NULL from Airflow 3.2
                row["timetable_type"] = "airflow.timetables.simple.NullTimetable"
            if "partition_mapper_info" in dag_columns:  # NOT NULL from Airflow 3.3
                row["partition_mapper_info"] = "[]"
            _ins(cur, "dag", row)
            versions[dag_id] = _version(cur, dag_id) if v3 else None
        runs = (
            (701, "etl", "manual__1", "success", 501),
            (702, "etl", "manual__2", "running", 501),
            (703, EXPORT_DAG, EXPORT_RUN[1], "running", None),
        )
        for run in runs:
            _run(cur, v3, run, versions[run[1]])
        etl = versions["etl"]
        ti_ids = {
            key: _ti(cur, v3, key, state, job=job, version=version, **extra)
            for key, state, job, version, extra in (
                (("etl", "manual__1", "extract", -1), "success", 502, etl, {}),
                (("etl", "manual__1", "load", 0), "success", 502, etl, {}),
                (("etl", "manual__1", "load", 1), "failed", 502, etl, {}),
                (
                    ("etl", "manual__2", "wait", -1),
                    "deferred",
                    502,
                    etl,
                    {"trigger_id": 301, "next_method": "resume"},
                ),
                (("etl", "manual__2", "extract", -1), "running", 502, etl, {}),
                (
                    (EXPORT_DAG, EXPORT_RUN[1], "export", -1),
                    "running",
                    504,
                    versions[EXPORT_DAG],
                    {},
                ),
            )
        }
        for run_pk, dag_id, run_id, task_id in (
            (701, "etl", "manual__1", "extract"),
            (703, EXPORT_DAG, EXPORT_RUN[1], "export"),
        ):
            _ins(
                cur,
                "xcom",
                {
                    "dag_run_id": run_pk,
                    "dag_id": dag_id,
                    "run_id": run_id,
                    "task_id": task_id,
                    "map_index": -1,
                    "key": "return_value",
                    "value": json.dumps({"rows": 42}) if v3 else json.dumps(42).encode(),
                    "timestamp": _t(7),
                },
            )
        for run_pk, note in ((701, "checked by hand"), (703, "the export's own note")):
            _ins(
                cur,
                "dag_run_note",
                {"dag_run_id": run_pk, "content": note, "created_at": _t(8), "updated_at": _t(8)},
            )
        if v3:
            _ins(
                cur,
                "task_instance_note",
                {
                    "ti_id": ti_ids[("etl", "manual__1", "extract", -1)],
                    "content": "ok",
                    "created_at": _t(8),
                    "updated_at": _t(8),
                },
            )
        _ins(
            cur,
            "variable",
            {"key": "secret", "val": encrypt(key, "s3cr3t"), "is_encrypted": True},
        )
        _ins(
            cur,
            "variable",
            {"key": "plain", "val": "visible", "description": "a note", "is_encrypted": False},
        )
        _ins(
            cur,
            "connection",
            {
                "conn_id": "warehouse",
                "conn_type": "postgres",
                "host": "db.internal",
                "login": "etl",
                "password": encrypt(key, "pw"),
                "is_encrypted": True,
                "extra": encrypt(key, '{"sslmode": "require"}'),
                "is_extra_encrypted": True,
            },
        )
        for log_id, dag_id, event in (
            (901, "etl", "trigger"),
            (902, None, "cli_users_list"),
            (903, EXPORT_DAG, "trigger"),
        ):
            _ins(
                cur,
                "log",
                {"id": log_id, "dttm": _t(log_id / 100), "dag_id": dag_id, "event": event},
            )
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = {str(r[0]) for r in cur.fetchall()}
        if "callback" in tables:
            _seed_airflow_3_2(cur, ti_ids)
        if "task_state_store" in tables:
            _seed_airflow_3_3(cur)
    conn.commit()


def _seed_airflow_3_2(cur: Any, ti_ids: dict[tuple[str, str, str, int], str]) -> None:
    """Tables new in Airflow 3.2, each row referring to rows whose ids the restore changes:
    a deadline's callback on the trigger, human-in-the-loop details of the deferred and
    of the cut-off task instance (it gets a new uuid), a partitioned asset run."""
    _ins(cur, "team", {"name": "analytics"})
    cur.execute("UPDATE variable SET team_name = 'analytics' WHERE key = 'plain'")
    callback = str(uuid.uuid4())
    _ins(
        cur,
        "callback",
        {
            "id": callback,
            "type": "triggerer",
            "fetch_method": "import_path",
            "data": json.dumps({"path": "etl.late", "kwargs": {}}),
            "state": "queued",
            "priority_weight": 1,
            "created_at": _t(9),
            "trigger_id": 301,
        },
    )
    _ins(
        cur,
        "deadline",
        {
            "id": str(uuid.uuid4()),
            "created_at": _t(8),
            "last_updated_at": _t(9),
            "dagrun_id": 702,
            "deadline_time": _t(9),
            "missed": True,
            "callback_id": callback,
        },
    )
    for key in (("etl", "manual__2", "wait", -1), ("etl", "manual__2", "extract", -1)):
        _ins(
            cur,
            "hitl_detail",
            {
                "ti_id": ti_ids[key],
                "options": json.dumps(["go", "stop"]),
                "subject": f"approve {key[2]}?",
                "params": "{}",
                "created_at": _t(8),
                "params_input": "{}",
            },
        )
    _ins(
        cur,
        "asset",
        {
            "id": 601,
            "name": "orders",
            "uri": "s3://bucket/orders",
            "group": "asset",
            "extra": "{}",
            "created_at": _t(0),
            "updated_at": _t(0),
        },
    )
    _ins(cur, "asset_event", {"id": 651, "asset_id": 601, "extra": "{}", "timestamp": _t(4)})
    _ins(
        cur,
        "asset_partition_dag_run",
        {
            "id": 1101,
            "target_dag_id": "etl",
            "created_dag_run_id": 701,
            "partition_key": "2026-03-01",
            "created_at": _t(4),
            "updated_at": _t(5),
        },
    )
    _ins(
        cur,
        "partitioned_asset_key_log",
        {
            "id": 1201,
            "asset_id": 601,
            "asset_event_id": 651,
            "asset_partition_dag_run_id": 1101,
            "source_partition_key": "2026-03-01",
            "target_dag_id": "etl",
            "target_partition_key": "2026-03-01",
            "created_at": _t(4),
        },
    )


def _seed_airflow_3_3(cur: Any) -> None:
    """Tables new in Airflow 3.3: task state kept across tries, asset state."""
    _ins(
        cur,
        "task_state_store",
        {
            "id": 1301,
            "dag_run_id": 702,
            "task_id": "extract",
            "key": "job_id",
            "dag_id": "etl",
            "run_id": "manual__2",
            "value": '"j-42"',
            "updated_at": _t(9),
        },
    )
    _ins(
        cur,
        "asset_state_store",
        {"asset_id": 601, "key": "watermark", "value": "2026-03-01", "updated_at": _t(5)},
    )


def _version(cur: Any, dag_id: str) -> str:
    vid = str(uuid.uuid4())
    _ins(
        cur,
        "dag_version",
        {
            "id": vid,
            "version_number": 1,
            "dag_id": dag_id,
            "bundle_name": "dags-folder",
            "created_at": _t(0),
            "last_updated": _t(0),
        },
    )
    return vid


def _run(
    cur: Any, v3: bool, run: tuple[int, str, str, str, int | None], version: str | None
) -> None:
    run_pk, dag_id, run_id, state, job = run
    row: dict[str, Any] = {
        "id": run_pk,
        "dag_id": dag_id,
        "run_id": run_id,
        "state": state,
        "run_type": "manual",
        "queued_at": _t(run_pk / 100),
        "start_date": _t(run_pk / 100),
        "end_date": None if state == "running" else _t(run_pk / 100 + 5),
        "creating_job_id": job,
        "conf": json.dumps({"n": 1}) if v3 else pickle.dumps({"n": 1}),
        "log_template_id": 1,
        "clear_number": 0,
    }
    if v3:
        row.update(
            logical_date=_t(run_pk),
            run_after=_t(run_pk),
            triggered_by="UI",
            created_dag_version_id=version,
        )
    else:
        row.update(execution_date=_t(run_pk), external_trigger=True)
    _ins(cur, "dag_run", row)


def _ti(
    cur: Any,
    v3: bool,
    key: tuple[str, str, str, int],
    state: str,
    *,
    job: int,
    version: str | None,
    **extra: Any,
) -> str:
    """One task instance; returns its id (a uuid, used on Airflow 3)."""
    ti_id = str(uuid.uuid4())
    dag_id, run_id, task_id, map_index = key
    row: dict[str, Any] = {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "map_index": map_index,
        "state": state,
        "try_number": 1,
        "max_tries": 2,
        "pool": "default_pool",
        "pool_slots": 1,
        "queue": "default",
        "priority_weight": 1,
        "operator": "PythonOperator",
        "start_date": _t(1),
        "end_date": None if state in ("running", "deferred") else _t(2),
        "hostname": "worker-1",
        "pid": 4242 if state == "running" else None,
        "queued_by_job_id": 501,
        "executor_config": pickle.dumps({}),
    }
    if v3:
        row.update(id=ti_id, dag_version_id=version)
    else:
        row.update(job_id=job)
    row.update(extra)
    _ins(cur, "task_instance", row)
    return ti_id
