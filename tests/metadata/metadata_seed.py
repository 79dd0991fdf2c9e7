"""Edge-case Airflow metadata written with plain SQL that respects each version's schema.

``seed_source`` fills an environment the way a busy one looks (ids far from 1 so a
missing remap cannot hide); ``seed_target`` gives a fresh environment rows of its
own (the import DAG's run, a job, a log row, a variable, a parsed DAG).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import uuid
from typing import Any

from cryptography.fernet import Fernet

NASTY = 'a,b;"quoted" |pipe| back\\slash\n\\.\nnew line\ttab \u00e9\u00e8 \u2603 \U0001f680 end'
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
EXPORT_RUN = ("mwaa_pause_resume_export", "export__1")
CLASH_RUN = ("etl", "manual__clash")  # exists in both environments
IMPORT_DAG = "mwaa_pause_resume_import"  # running in the target during the restore


def enc(key: str, value: str) -> str:
    """Encrypt exactly as Airflow does: MultiFernet of the comma-separated keys, first key."""
    return Fernet(key.split(",", maxsplit=1)[0].encode()).encrypt(value.encode()).decode()


def _t(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _ins(cur: Any, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join(["%s"] * len(row))
    cur.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(row.values()))


def _tables(cur: Any) -> set[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {str(r[0]) for r in cur.fetchall()}


def _nullable(cur: Any, table: str, column: str) -> bool | None:
    """Whether the column takes NULL; None: the schema has no such column."""
    cur.execute(
        "SELECT is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        (table, column),
    )
    row = cur.fetchone()
    return None if row is None else bool(row[0])


def _conf(v3: bool, value: Any) -> Any:
    # Airflow 2 pickles dag_run.conf into bytea; Airflow 3 stores jsonb
    return json.dumps(value) if v3 else pickle.dumps(value)


def _dag(cur: Any, v3: bool, dag_id: str, paused: bool, **extra: Any) -> None:
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
        "next_dagrun_create_after": _t(1440),
        "description": NASTY if dag_id == "etl" else None,
    }
    if v3:
        row.update(is_stale=False, bundle_name="dags-folder", relative_fileloc=f"{dag_id}.py")
    else:
        row.update(is_active=True, is_subdag=False, schedule_interval='"@daily"')
    if _nullable(cur, "dag", "timetable_type") is not None:  # NOT NULL from Airflow 3.2
        row.update(timetable_type="airflow.timetables.interval.CronDataIntervalTimetable")
    if _nullable(cur, "dag", "partition_mapper_info") is not None:  # Airflow 3.3
        row.update(partition_mapper_info="[]")
    row.update(extra)
    _ins(cur, "dag", row)


def _version(cur: Any, dag_id: str, number: int) -> str:
    vid = str(uuid.uuid4())
    _ins(
        cur,
        "dag_version",
        {
            "id": vid,
            "version_number": number,
            "dag_id": dag_id,
            "bundle_name": "dags-folder",
            "created_at": _t(number),
            "last_updated": _t(number),
        },
    )
    _ins(
        cur,
        "serialized_dag",
        {
            "id": str(uuid.uuid4()),
            "dag_id": dag_id,
            "data": json.dumps({"dag": {"dag_id": dag_id, "v": number}}),
            "created_at": _t(number),
            "last_updated": _t(number),
            "dag_hash": f"{dag_id[:20]}{number:012d}",
            "dag_version_id": vid,
        },
    )
    _ins(
        cur,
        "dag_code",
        {
            "id": str(uuid.uuid4()),
            "dag_id": dag_id,
            "fileloc": f"/dags/{dag_id}.py",
            "created_at": _t(number),
            "last_updated": _t(number),
            "source_code": f"# v{number}\n{NASTY}",
            "source_code_hash": f"h{number}",
            "dag_version_id": vid,
        },
    )
    return vid


def _run(
    cur: Any,
    v3: bool,
    run_id_num: int,
    dag_id: str,
    run_id: str,
    *,
    state: str,
    minutes: float,
    job: int | None,
    conf: Any = None,
    version: str | None = None,
) -> None:
    row: dict[str, Any] = {
        "id": run_id_num,
        "dag_id": dag_id,
        "run_id": run_id,
        "state": state,
        "run_type": "scheduled" if run_id.startswith("scheduled") else "manual",
        "queued_at": _t(minutes),
        "start_date": _t(minutes),
        "end_date": None if state == "running" else _t(minutes + 5),
        "creating_job_id": job,
        "conf": _conf(v3, conf) if conf is not None else None,
        "data_interval_start": _t(minutes - 1440),
        "data_interval_end": _t(minutes),
        "log_template_id": 1,
        "clear_number": 0,
    }
    if v3:
        row.update(
            logical_date=_t(minutes),
            run_after=_t(minutes),
            triggered_by="TIMETABLE",
            created_dag_version_id=version,
        )
    else:
        row.update(execution_date=_t(minutes), external_trigger=run_id.startswith("manual"))
    _ins(cur, "dag_run", row)


def _ti(
    cur: Any,
    v3: bool,
    dag_id: str,
    run_id: str,
    task_id: str,
    *,
    state: str | None,
    map_index: int = -1,
    job: int | None = None,
    version: str | None = None,
    **extra: Any,
) -> str:
    tid = str(uuid.uuid4())
    row: dict[str, Any] = {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "map_index": map_index,
        "state": state,
        "try_number": 1,
        "max_tries": 1,
        "pool": "default_pool",
        "pool_slots": 1,
        "queue": "default",
        "priority_weight": 1,
        "operator": "PythonOperator",
        "start_date": _t(1),
        "end_date": None if state in ("running", "deferred") else _t(2),
        "duration": 60.5,
        "hostname": "worker-1",
        "unixname": "airflow",
        "queued_by_job_id": job,
        "executor_config": pickle.dumps({"KubernetesExecutor": {}}),
        "rendered_map_index": None if map_index < 0 else f"item {map_index}",
    }
    if v3:
        row.update(id=tid, dag_version_id=version)
    else:
        row.update(job_id=job)
    row.update(extra)
    _ins(cur, "task_instance", row)
    return tid


def seed_source(conn: Any, major: int, key: str | None) -> dict[str, Any]:
    """History of a busy environment; returns facts the tests check."""
    v3 = major >= 3
    cur = conn.cursor()

    def maybe(value: str) -> tuple[str, bool]:
        return (enc(key, value), True) if key else (value, False)

    # jobs with ids far from the target's, so that an unmapped id cannot pass by luck
    for jid, jtype, host in (
        (1001, "SchedulerJob", "sched-a"),
        (1002, "LocalTaskJob", "w1"),
        (1003, "TriggererJob", "trig-a"),
        (1004, "LocalTaskJob", "w2"),
    ):
        _ins(
            cur,
            "job",
            {
                "id": jid,
                "job_type": jtype,
                "hostname": host,
                "state": "success",
                "start_date": _t(0),
                "end_date": _t(10),
                "latest_heartbeat": _t(9),
                "executor_class": "CeleryExecutor",
                "unixname": "airflow",
            },
        )
    cur.execute("SELECT setval('job_id_seq', 1004)")
    # variables: encrypted nasty text, NULL, empty string, unencrypted
    val, flag = maybe(NASTY)
    _ins(cur, "variable", {"key": "secret", "val": val, "is_encrypted": flag, "description": NASTY})
    val, flag = maybe("")
    _ins(cur, "variable", {"key": "empty", "val": val, "is_encrypted": flag, "description": ""})
    null_variable = bool(_nullable(cur, "variable", "val"))  # NOT NULL from Airflow 3.2
    if null_variable:
        _ins(cur, "variable", {"key": "null", "val": None, "is_encrypted": False})
    _ins(cur, "variable", {"key": "plain", "val": '{"json": [1, 2]}', "is_encrypted": False})
    pw, flag = maybe("p@ss,w'o\"rd|\\")
    extra, xflag = maybe(json.dumps({"region": "eu-west-1", "note": NASTY}))
    _ins(
        cur,
        "connection",
        {
            "conn_id": "warehouse",
            "conn_type": "postgres",
            "host": "db",
            "schema": "",
            "login": "etl",
            "password": pw,
            "port": 5432,
            "is_encrypted": flag,
            "is_extra_encrypted": xflag,
            "extra": extra,
            "description": NASTY,
        },
    )
    _ins(
        cur,
        "connection",
        {
            "conn_id": "nopass",
            "conn_type": "http",
            "host": None,
            "password": None,
            "is_encrypted": False,
            "extra": "",
            "is_extra_encrypted": False,
        },
    )
    cur.execute("UPDATE slot_pool SET slots = 7 WHERE pool = 'default_pool'")
    _ins(
        cur,
        "slot_pool",
        {"pool": "small|pool", "slots": 2, "description": NASTY, "include_deferred": True},
    )
    # DAGs: at export every DAG is paused; the originals are passed separately
    versions: dict[str, str] = {}
    if v3:
        cur.execute(
            "INSERT INTO dag_bundle (name, active) VALUES ('dags-folder', true) "
            "ON CONFLICT DO NOTHING"
        )
    for dag_id in ("etl", "mapped", "deferrer", EXPORT_RUN[0], IMPORT_DAG):
        _dag(cur, v3, dag_id, paused=True)
        if v3:
            _version(cur, dag_id, 1)
            versions[dag_id] = _version(cur, dag_id, 2)
    original_paused = {
        "etl": False,
        "mapped": False,
        "deferrer": True,
        EXPORT_RUN[0]: False,
        IMPORT_DAG: True,
    }
    # a trigger with encrypted kwargs, owned by the (old) triggerer job
    kwargs = json.dumps(
        {
            "__var": {"moment": {"__var": 1.7e9, "__type": "datetime"}, "note": NASTY},
            "__type": "dict",
        }
    )
    _ins(
        cur,
        "trigger",
        {
            "id": 501,
            "classpath": "airflow.triggers.temporal.DateTimeTrigger",
            "kwargs": enc(key, kwargs) if key else kwargs,
            "created_date": _t(3),
            "triggerer_id": 1003,
        },
    )
    cur.execute("SELECT setval('trigger_id_seq', 501)")
    v = versions.get
    _run(
        cur,
        v3,
        2001,
        "etl",
        "scheduled__2026-03-01",
        state="success",
        minutes=0,
        job=1001,
        conf={"k": NASTY, "n": None},
        version=v("etl"),
    )
    _run(
        cur,
        v3,
        2002,
        "mapped",
        "manual__m1",
        state="running",
        minutes=10,
        job=None,
        conf={},
        version=v("mapped"),
    )
    _run(
        cur,
        v3,
        2003,
        "deferrer",
        "scheduled__d1",
        state="running",
        minutes=20,
        job=1001,
        version=v("deferrer"),
    )
    _run(cur, v3, 2004, *CLASH_RUN, state="success", minutes=30, job=1001, version=v("etl"))
    _run(
        cur, v3, 2005, *EXPORT_RUN, state="running", minutes=40, job=None, version=v(EXPORT_RUN[0])
    )
    cur.execute("SELECT setval('dag_run_id_seq', 2005)")
    ti_ids: dict[str, str] = {}
    ti_ids["extract"] = _ti(
        cur,
        v3,
        "etl",
        "scheduled__2026-03-01",
        "extract",
        state="success",
        job=1002,
        version=v("etl"),
    )
    _ti(cur, v3, "etl", "scheduled__2026-03-01", "load", state="failed", job=1004, version=v("etl"))
    for i in range(3):
        _ti(
            cur,
            v3,
            "mapped",
            "manual__m1",
            "fan",
            state="success",
            map_index=i,
            job=1002,
            version=v("mapped"),
        )
    _ti(
        cur, v3, "mapped", "manual__m1", "sink", state="running", job=1004, version=v("mapped")
    )  # still running at export: interrupted
    ti_ids["wait"] = _ti(
        cur,
        v3,
        "deferrer",
        "scheduled__d1",
        "wait",
        state="deferred",
        job=1002,
        version=v("deferrer"),
        trigger_id=501,
        next_method="execute_complete",
        next_kwargs=json.dumps(
            {
                "__var": {"event": NASTY, "nested": {"__var": {"a": [1, None]}, "__type": "dict"}},
                "__type": "dict",
            }
        ),  # as Airflow
        trigger_timeout=dt.datetime(2099, 1, 1),
    )
    _ti(cur, v3, *CLASH_RUN, "extract", state="success", job=1002, version=v("etl"))
    _ti(cur, v3, *EXPORT_RUN, "export", state="running", job=1004, version=v(EXPORT_RUN[0]))
    # xcom: 2.x bytea (pickle-ish bytes incl. NUL), 3.x jsonb
    for dag_id, run_num, run_id, task_id, mi in (
        ("etl", 2001, "scheduled__2026-03-01", "extract", -1),
        ("mapped", 2002, "manual__m1", "fan", 1),
        (*CLASH_RUN[:1], 2004, CLASH_RUN[1], "extract", -1),
        (EXPORT_RUN[0], 2005, EXPORT_RUN[1], "export", -1),
    ):
        value: Any = json.dumps({"v": NASTY}) if v3 else b'\x80\x04\x00|,"\\\n' + NASTY.encode()
        _ins(
            cur,
            "xcom",
            {
                "dag_run_id": run_num,
                "task_id": task_id,
                "map_index": mi,
                "key": "return_value",
                "dag_id": dag_id,
                "run_id": run_id,
                "value": value,
                "timestamp": _t(3),
            },
        )
    _ins(
        cur,
        "rendered_task_instance_fields",
        {
            "dag_id": "etl",
            "task_id": "extract",
            "run_id": "scheduled__2026-03-01",
            "map_index": -1,
            "rendered_fields": json.dumps({"sql": NASTY}),
            "k8s_pod_yaml": None,
        },
    )
    _ins(
        cur,
        "task_map",
        {
            "dag_id": "etl",
            "task_id": "extract",
            "run_id": "scheduled__2026-03-01",
            "map_index": -1,
            "length": 3,
            "keys": None,
        },
    )
    # notes, history, reschedules
    _ins(
        cur,
        "dag_run_note",
        {
            "dag_run_id": 2001,
            "content": NASTY,
            "created_at": _t(5),
            "updated_at": _t(5),
            "user_id": "admin" if v3 else None,
        },
    )
    hist: dict[str, Any] = {
        "task_id": "load",
        "dag_id": "etl",
        "run_id": "scheduled__2026-03-01",
        "map_index": -1,
        "try_number": 1,
        "state": "failed",
        "pool": "default_pool",
        "pool_slots": 1,
        "queued_by_job_id": 1001,
        "hostname": "w2",
        "start_date": _t(1),
        "end_date": _t(2),
    }
    if v3:
        hist.update(task_instance_id=str(uuid.uuid4()), dag_version_id=v("etl"))
        _ins(
            cur,
            "task_instance_note",
            {
                "ti_id": ti_ids["extract"],
                "user_id": "admin",
                "content": NASTY,
                "created_at": _t(5),
                "updated_at": _t(5),
            },
        )
        _ins(
            cur,
            "task_reschedule",
            {
                "ti_id": ti_ids["extract"],
                "start_date": _t(1),
                "end_date": _t(1.5),
                "duration": 30,
                "reschedule_date": _t(2),
            },
        )
    else:
        hist.update(id=3001, job_id=1004)
        _ins(
            cur,
            "task_instance_note",
            {
                "dag_id": "etl",
                "task_id": "extract",
                "run_id": "scheduled__2026-03-01",
                "map_index": -1,
                "content": NASTY,
                "created_at": _t(5),
                "updated_at": _t(5),
                "user_id": None,
            },
        )
        _ins(
            cur,
            "task_reschedule",
            {
                "id": 4001,
                "dag_id": "etl",
                "task_id": "extract",
                "run_id": "scheduled__2026-03-01",
                "map_index": -1,
                "try_number": 1,
                "start_date": _t(1),
                "end_date": _t(1.5),
                "duration": 30,
                "reschedule_date": _t(2),
            },
        )
        _ins(
            cur,
            "task_fail",
            {
                "id": 5001,
                "dag_id": "etl",
                "task_id": "load",
                "run_id": "scheduled__2026-03-01",
                "map_index": -1,
                "start_date": _t(1),
                "end_date": _t(2),
                "duration": 60,
            },
        )
        _ins(
            cur,
            "sla_miss",
            {
                "task_id": "load",
                "dag_id": "etl",
                "execution_date": _t(0),
                "email_sent": False,
                "timestamp": _t(3),
                "description": NASTY,
                "notification_sent": False,
            },
        )
    _ins(cur, "task_instance_history", hist)
    tables = _tables(cur)
    # datasets / assets and their events
    if v3:
        _ins(
            cur,
            "asset",
            {
                "id": 601,
                "name": "s3://b/k",
                "uri": "s3://b/k",
                "group": "asset",
                "extra": "{}",
                "created_at": _t(0),
                "updated_at": _t(0),
            },
        )
        _ins(
            cur,
            "asset_event",
            {
                "id": 701,
                "asset_id": 601,
                "extra": json.dumps({"x": NASTY}),
                "source_dag_id": "etl",
                "source_task_id": "extract",
                "source_run_id": "scheduled__2026-03-01",
                "source_map_index": -1,
                "timestamp": _t(4),
            },
        )
        _ins(cur, "dagrun_asset_event", {"dag_run_id": 2002, "event_id": 701})
        _ins(
            cur,
            "asset_dag_run_queue",
            {"asset_id": 601, "target_dag_id": "mapped", "created_at": _t(4)},
        )
        _ins(
            cur,
            "backfill",
            {
                "id": 801,
                "dag_id": "etl",
                "from_date": _t(-9000),
                "to_date": _t(-100),
                "dag_run_conf": "{}",
                "is_paused": False,
                "reprocess_behavior": "none",
                "max_active_runs": 1,
                "created_at": _t(0),
                "updated_at": _t(0),
            },
        )
        _ins(
            cur,
            "backfill_dag_run",
            {"backfill_id": 801, "dag_run_id": 2001, "logical_date": _t(0), "sort_ordinal": 1},
        )
        cur.execute("UPDATE dag_run SET backfill_id = 801 WHERE id = 2001")
    else:
        _ins(
            cur,
            "dataset",
            {"id": 601, "uri": "s3://b/k", "extra": "{}", "created_at": _t(0), "updated_at": _t(0)},
        )
        _ins(
            cur,
            "dataset_event",
            {
                "id": 701,
                "dataset_id": 601,
                "extra": json.dumps({"x": NASTY}),
                "source_dag_id": "etl",
                "source_task_id": "extract",
                "source_run_id": "scheduled__2026-03-01",
                "source_map_index": -1,
                "timestamp": _t(4),
            },
        )
        _ins(cur, "dagrun_dataset_event", {"dag_run_id": 2002, "event_id": 701})
        _ins(
            cur,
            "dataset_dag_run_queue",
            {"dataset_id": 601, "target_dag_id": "mapped", "created_at": _t(4)},
        )
    date_col = "logical_date" if v3 else "execution_date"
    for i, event in enumerate(("trigger", "cli_task_run", "variable.edit")):
        _ins(
            cur,
            "log",
            {
                "id": 9001 + i,
                "dttm": _t(i),
                "dag_id": "etl" if i else None,
                "task_id": None,
                "event": event,
                date_col: _t(0) if i else None,
                "run_id": "scheduled__2026-03-01" if i else None,
                "owner": "admin",
                "extra": NASTY if i == 2 else "",
                "try_number": None,
            },
        )
    if "callback" in tables:
        _seed_airflow_3_2(cur, key, ti_ids, hist, versions)
    if "task_state_store" in tables:
        _seed_airflow_3_3(cur)
    conn.commit()
    return {
        "original_paused": original_paused,
        "versions": versions,
        "null_variable": null_variable,
        "partitioned_cursor": "callback" in tables,
    }


TEAM = "analytics|team"  # Airflow 3.2+: a team that variables/pools/triggers name
DAG_PROCESSOR_CALLBACK = "00000000-0000-7000-8000-00000000dead"  # not exported


def _seed_airflow_3_2(
    cur: Any, key: str | None, ti_ids: dict[str, str], hist: dict[str, Any], versions: Any
) -> None:
    """Tables new in Airflow 3.2: teams, deadlines with their alert and callback, human-in-
    the-loop details, partitioned asset runs (ids far from the target's)."""
    _ins(cur, "team", {"name": TEAM})
    cur.execute(  # the scheduling cursor of a partitioned timetable
        "UPDATE dag SET next_dagrun_partition_key = %s, next_dagrun_partition_date = %s "
        "WHERE dag_id = 'etl'",
        ("2026-03-02|eu", _t(1440)),
    )
    # references to the team from a merged (variable, pool) and an inserted (trigger) row
    cur.execute("UPDATE variable SET team_name = %s WHERE key = 'secret'", (TEAM,))
    cur.execute("UPDATE slot_pool SET team_name = %s WHERE pool = 'small|pool'", (TEAM,))
    if _nullable(cur, "trigger", "team_name") is not None:  # Airflow 3.3
        cur.execute('UPDATE "trigger" SET team_name = %s WHERE id = 501', (TEAM,))
    cur.execute("SELECT id::text FROM serialized_dag WHERE dag_version_id = %s", (versions["etl"],))
    serialized = cur.fetchone()[0]
    alert = str(uuid.uuid4())
    definition = {"path": "etl.alerts.late", "kwargs": {"note": NASTY}}
    _ins(
        cur,
        "deadline_alert",
        {
            "id": alert,
            "created_at": _t(0),
            "serialized_dag_id": serialized,
            "name": "late",
            "description": NASTY,
            "reference": json.dumps({"reference_type": "DagRunQueuedAtDeadline"}),
            "interval": json.dumps(3600.0),
            "callback_def": json.dumps(definition),
        },
    )
    callback = str(uuid.uuid4())
    for cid, kind, method, state, trigger in (
        (callback, "triggerer", "import_path", "queued", 501),
        (DAG_PROCESSOR_CALLBACK, "dag_processor", "dag_attribute", None, None),
    ):
        _ins(
            cur,
            "callback",
            {
                "id": cid,
                "type": kind,
                "fetch_method": method,
                "data": json.dumps({**definition, "prefix": "deadline_alerts"}),
                "bundle_name": "dags-folder",
                "state": state,
                "priority_weight": 1,
                "created_at": _t(21),
                "trigger_id": trigger,
            },
        )
    _ins(
        cur,
        "deadline",
        {
            "id": str(uuid.uuid4()),
            "created_at": _t(20),
            "last_updated_at": _t(21),
            "dagrun_id": 2003,
            "deadline_time": _t(80),
            "missed": True,
            "callback_id": callback,
            "deadline_alert_id": alert,
        },
    )
    detail: dict[str, Any] = {
        "options": json.dumps(["approve", "reject"]),
        "subject": NASTY,
        "body": "body",
        "defaults": json.dumps(["reject"]),
        "multiple": False,
        "params": json.dumps({}),
        "assignees": None,
        "created_at": _t(20),
        "params_input": json.dumps({}),
    }
    _ins(cur, "hitl_detail", {"ti_id": ti_ids["wait"], **detail})  # waiting for a response
    _ins(
        cur,
        "hitl_detail_history",
        {
            "ti_history_id": hist["task_instance_id"],
            **detail,
            "responded_at": _t(2),
            "responded_by": json.dumps({"id": "7", "name": "admin"}),
            "chosen_options": json.dumps(["approve"]),
        },
    )
    for apdr, run in ((1101, 2002), (1102, None)):  # created, still pending
        _ins(
            cur,
            "asset_partition_dag_run",
            {
                "id": apdr,
                "target_dag_id": "mapped",
                "created_dag_run_id": run,
                "partition_key": f"2026-03-0{apdr - 1100}",
                "created_at": _t(apdr - 1100),
                "updated_at": _t(4),
            },
        )
        _ins(
            cur,
            "partitioned_asset_key_log",
            {
                "id": apdr + 100,
                "asset_id": 601,
                "asset_event_id": 701,
                "asset_partition_dag_run_id": apdr,
                "source_partition_key": NASTY[:100],
                "target_dag_id": "mapped",
                "target_partition_key": f"2026-03-0{apdr - 1100}",
                "created_at": _t(4),
            },
        )
    cur.execute("SELECT setval('asset_partition_dag_run_id_seq', 1102)")
    cur.execute("SELECT setval('partitioned_asset_key_log_id_seq', 1202)")


def _seed_airflow_3_3(cur: Any) -> None:
    """Tables new in Airflow 3.3: the task and asset state stores."""
    _ins(
        cur,
        "task_state_store",
        {
            "id": 1301,
            "dag_run_id": 2002,
            "task_id": "sink",
            "map_index": -1,
            "key": "job_id",
            "dag_id": "mapped",
            "run_id": "manual__m1",
            "value": json.dumps({"job": NASTY}),
            "updated_at": _t(11),
        },
    )
    cur.execute("SELECT setval('task_state_store_id_seq', 1301)")
    _ins(
        cur,
        "asset_state_store",
        {"asset_id": 601, "key": "watermark", "value": NASTY, "updated_at": _t(4)},
    )


def seed_target(conn: Any, major: int, key: str | None) -> None:
    """A fresh environment's own rows: import DAG run, a job, a log row, a variable, a DAG."""
    v3 = major >= 3
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO job (job_type, hostname, state, start_date, latest_heartbeat) "
        "VALUES ('SchedulerJob', 'sched-b', 'running', now(), now())"
    )
    if v3:
        cur.execute(
            "INSERT INTO dag_bundle (name, active) VALUES ('dags-folder', true) "
            "ON CONFLICT DO NOTHING"
        )
    version = None
    for dag_id in (IMPORT_DAG, "etl"):  # the workflow unpaused the import DAG
        _dag(cur, v3, dag_id, paused=dag_id != IMPORT_DAG, next_dagrun=_t(99999))
        if v3:
            version = _version(cur, dag_id, 1)
    _run(
        cur,
        v3,
        1,
        "mwaa_pause_resume_import",
        "import__1",
        state="running",
        minutes=9000,
        job=None,
        conf={"from": "s3://x"},
        version=version,
    )
    _run(cur, v3, 2, *CLASH_RUN, state="failed", minutes=30, job=None, version=version)
    cur.execute("SELECT setval('dag_run_id_seq', 2)")
    _ti(
        cur,
        v3,
        "mwaa_pause_resume_import",
        "import__1",
        "restore",
        state="running",
        version=version,
    )
    _ti(cur, v3, *CLASH_RUN, "extract", state="failed", version=version)
    cur.execute("INSERT INTO log (dttm, event, owner) VALUES (now(), 'target-own', 'b')")
    value = enc(key, "target's own") if key else "target's own"
    _ins(cur, "variable", {"key": "secret", "val": value, "is_encrypted": bool(key)})
    _ins(cur, "variable", {"key": "only_in_target", "val": value, "is_encrypted": bool(key)})
    conn.commit()
