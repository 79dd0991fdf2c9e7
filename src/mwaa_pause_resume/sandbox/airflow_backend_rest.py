"""Airflow's stable REST API answers, read from an environment's metadata database.

The reads and the pause switch go straight to PostgreSQL (psycopg2), which is
what Airflow's API does through its ORM; the JSON follows Airflow 2's
``/api/v1`` (marshmallow schemas: ISO dates with ``+00:00``, error bodies with
``status``/``title``/``detail``/``type``) and Airflow 3's ``/api/v2`` (pydantic:
dates ending in ``Z``, errors ``{"detail": ...}``). Only table-backed fields are
filled; computed ones Airflow derives from the parsed DAG are left out.
Triggering a run is not here: Airflow itself does it (airflow_backend_runner).
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from datetime import datetime
from typing import Any

Answer = tuple[int, dict[str, Any]]


def iso(value: Any, major: int) -> Any:
    if not isinstance(value, datetime):
        return value
    text = value.isoformat()
    if major >= 3 and text.endswith("+00:00"):
        return text[: -len("+00:00")] + "Z"
    return text


def error(major: int, status: int, title: str, detail: str) -> Answer:
    if major >= 3:
        return status, {"detail": detail}
    kinds = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 409: "AlreadyExists"}
    link = (
        "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html"
        f"#section/Errors/{kinds.get(status, 'Unknown')}"
    )
    return status, {"status": status, "title": title, "detail": detail, "type": link}


def dag_not_found(major: int, dag_id: str, *, patch: bool = False) -> Answer:
    """Airflow's words, which differ between its GET and PATCH handlers."""
    if major >= 3:
        sep = ":" if patch else ""
        return 404, {"detail": f"Dag with id{sep} {dag_id} was not found"}
    if patch:
        return error(major, 404, f"Dag with id: '{dag_id}' not found", "")
    return error(major, 404, "DAG not found", f"The DAG with dag_id: {dag_id} was not found")


def run_exists(major: int, dag_id: str, run_id: str) -> Answer:
    if major >= 3:  # Airflow 3's IntegrityError handler
        return 409, {
            "detail": {
                "reason": "Unique constraint violation",
                "statement": "INSERT INTO dag_run ...",
                "orig_error": "duplicate key value violates unique constraint "
                '"dag_run_dag_id_run_id_key"',
            }
        }
    detail = f"DAGRun with DAG ID: '{dag_id}' and DAGRun ID: '{run_id}' already exists"
    return error(major, 409, "Conflict", detail)


def run_not_found(major: int, dag_id: str, run_id: str) -> Answer:
    if major >= 3:
        return 404, {
            "detail": f"The DagRun with dag_id: `{dag_id}` and run_id: `{run_id}` was not found"
        }
    return error(
        major,
        404,
        "DAGRun not found",
        f"DAGRun with DAG ID: '{dag_id}' and DagRun ID: '{run_id}' not found",
    )


def _rows(cur: Any, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cur.execute(sql, params)
    names = [col[0] for col in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _visible_clause(major: int) -> str:
    # A DAG whose file disappeared is inactive (2.x) / stale (3.x): the API hides it.
    return "NOT d.is_stale" if major >= 3 else "d.is_active"


def _dag_json(row: Mapping[str, Any], tags: list[str], major: int) -> dict[str, Any]:
    owners = [o.strip() for o in str(row.get("owners") or "").split(",") if o.strip()]
    data: dict[str, Any] = {
        "dag_id": row["dag_id"],
        "dag_display_name": row.get("dag_display_name") or row["dag_id"],
        "is_paused": bool(row["is_paused"]),
        "last_parsed_time": iso(row.get("last_parsed_time"), major),
        "last_expired": iso(row.get("last_expired"), major),
        "fileloc": row.get("fileloc"),
        "description": row.get("description"),
        "timetable_description": row.get("timetable_description"),
        "max_active_tasks": row.get("max_active_tasks"),
        "max_active_runs": row.get("max_active_runs"),
        "max_consecutive_failed_dag_runs": row.get("max_consecutive_failed_dag_runs"),
        "has_task_concurrency_limits": row.get("has_task_concurrency_limits"),
        "has_import_errors": row.get("has_import_errors"),
        "next_dagrun_data_interval_start": iso(row.get("next_dagrun_data_interval_start"), major),
        "next_dagrun_data_interval_end": iso(row.get("next_dagrun_data_interval_end"), major),
        "owners": owners,
    }
    if major >= 3:
        data.update(
            is_stale=bool(row["is_stale"]),
            bundle_name=row.get("bundle_name"),
            bundle_version=row.get("bundle_version"),
            relative_fileloc=row.get("relative_fileloc"),
            timetable_summary=row.get("timetable_summary"),
            tags=[{"name": t, "dag_id": row["dag_id"]} for t in tags],
            next_dagrun_logical_date=iso(row.get("next_dagrun"), major),
            next_dagrun_run_after=iso(row.get("next_dagrun_create_after"), major),
        )
    else:
        data.update(
            is_active=bool(row["is_active"]),
            root_dag_id=row.get("root_dag_id"),
            is_subdag=bool(row.get("is_subdag")),
            default_view=row.get("default_view"),
            tags=[{"name": t} for t in tags],
            next_dagrun=iso(row.get("next_dagrun"), major),
            next_dagrun_create_after=iso(row.get("next_dagrun_create_after"), major),
        )
    return data


def list_dags(cur: Any, major: int) -> Answer:
    rows = _rows(cur, f"SELECT * FROM dag d WHERE {_visible_clause(major)} ORDER BY d.dag_id")
    tags = _tags(cur)
    dags = [_dag_json(r, tags.get(r["dag_id"], []), major) for r in rows]
    return 200, {"dags": dags, "total_entries": len(dags)}


def _tags(cur: Any, dag_id: str | None = None) -> dict[str, list[str]]:
    sql = "SELECT dag_id, name FROM dag_tag"
    rows = _rows(
        cur,
        sql + (" WHERE dag_id = %s" if dag_id else "") + " ORDER BY name",
        (dag_id,) if dag_id else (),
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["dag_id"], []).append(row["name"])
    return out


def find_dag(cur: Any, major: int, dag_id: str) -> dict[str, Any] | None:
    rows = _rows(
        cur, f"SELECT * FROM dag d WHERE d.dag_id = %s AND {_visible_clause(major)}", (dag_id,)
    )
    return rows[0] if rows else None


def get_dag(cur: Any, major: int, dag_id: str) -> Answer:
    row = find_dag(cur, major, dag_id)
    if row is None:
        return dag_not_found(major, dag_id)
    return 200, _dag_json(row, _tags(cur, dag_id).get(dag_id, []), major)


def patch_dag(cur: Any, major: int, dag_id: str, body: Any) -> Answer:
    if major < 3 and not isinstance(body, dict):
        return error(major, 400, "Bad Request", "body must be a JSON object")
    paused = body.get("is_paused") if isinstance(body, dict) else None
    if not isinstance(paused, bool):
        if major >= 3:
            return 422, {
                "detail": [
                    {
                        "type": "bool_type",
                        "loc": ["body", "is_paused"],
                        "msg": "Input should be a valid boolean",
                        "input": paused,
                    }
                ]
            }
        return error(major, 400, "Bad Request", "{'is_paused': ['Not a valid boolean.']}")
    if find_dag(cur, major, dag_id) is None:
        return dag_not_found(major, dag_id, patch=True)
    cur.execute("UPDATE dag SET is_paused = %s WHERE dag_id = %s", (paused, dag_id))
    return get_dag(cur, major, dag_id)


def find_run(cur: Any, dag_id: str, run_id: str) -> dict[str, Any] | None:
    rows = _rows(
        cur,
        "SELECT r.*, n.content AS note FROM dag_run r "
        "LEFT JOIN dag_run_note n ON n.dag_run_id = r.id "
        "WHERE r.dag_id = %s AND r.run_id = %s",
        (dag_id, run_id),
    )
    return rows[0] if rows else None


def _run_json(row: Mapping[str, Any], major: int) -> dict[str, Any]:
    conf = row.get("conf")
    if isinstance(conf, (bytes, memoryview)):
        # Airflow 2 stores conf as a pickle (PickleType) written by Airflow itself in this
        # environment's own database; the API answers it unpickled.
        conf = pickle.loads(bytes(conf))
    logical = row.get("logical_date", row.get("execution_date"))
    data: dict[str, Any] = {
        "dag_run_id": row["run_id"],
        "dag_id": row["dag_id"],
        "logical_date": iso(logical, major),
        "start_date": iso(row.get("start_date"), major),
        "end_date": iso(row.get("end_date"), major),
        "data_interval_start": iso(row.get("data_interval_start"), major),
        "data_interval_end": iso(row.get("data_interval_end"), major),
        "last_scheduling_decision": iso(row.get("last_scheduling_decision"), major),
        "run_type": row.get("run_type"),
        "state": row.get("state"),
        "conf": conf if conf is not None else ({} if major < 3 else None),
        "note": row.get("note"),
    }
    if major >= 3:
        data.update(
            queued_at=iso(row.get("queued_at"), major),
            run_after=iso(row.get("run_after"), major),
            # SQLAlchemy stores the enum's name (REST_API); the API answers its value.
            triggered_by=str(row["triggered_by"]).lower() if row.get("triggered_by") else None,
            bundle_version=row.get("bundle_version"),
        )
    else:
        data.update(
            execution_date=iso(logical, major),
            external_trigger=bool(row.get("external_trigger")),
        )
    return data


def get_run(cur: Any, major: int, dag_id: str, run_id: str) -> Answer:
    row = find_run(cur, dag_id, run_id)
    if row is None:
        return run_not_found(major, dag_id, run_id)
    return 200, _run_json(row, major)


def list_runs(cur: Any, major: int, dag_id: str) -> Answer:
    rows = _rows(
        cur,
        "SELECT r.*, n.content AS note FROM dag_run r "
        "LEFT JOIN dag_run_note n ON n.dag_run_id = r.id "
        "WHERE r.dag_id = %s ORDER BY r.id",
        (dag_id,),
    )
    runs = [_run_json(r, major) for r in rows]
    return 200, {"dag_runs": runs, "total_entries": len(runs)}


def list_task_instances(cur: Any, major: int, dag_id: str, run_id: str) -> Answer:
    if find_run(cur, dag_id, run_id) is None:
        return run_not_found(major, dag_id, run_id)
    if major >= 3:
        note_join = "LEFT JOIN task_instance_note n ON n.ti_id = t.id"
    else:
        note_join = (
            "LEFT JOIN task_instance_note n ON n.dag_id = t.dag_id AND n.task_id = t.task_id "
            "AND n.run_id = t.run_id AND n.map_index = t.map_index"
        )
    # 2.x TIs show the run's execution_date; 3.x TIs its logical_date and run_after.
    run_cols = "r.logical_date, r.run_after" if major >= 3 else "r.execution_date"
    rows = _rows(
        cur,
        f"SELECT t.*, n.content AS note, {run_cols} FROM task_instance t "
        "JOIN dag_run r ON r.dag_id = t.dag_id AND r.run_id = t.run_id "
        f"{note_join} WHERE t.dag_id = %s AND t.run_id = %s ORDER BY t.task_id, t.map_index",
        (dag_id, run_id),
    )
    tis = [_ti_json(r, major) for r in rows]
    return 200, {"task_instances": tis, "total_entries": len(tis)}


def _ti_json(row: Mapping[str, Any], major: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": row["task_id"],
        "task_display_name": row.get("task_display_name") or row["task_id"],
        "dag_id": row["dag_id"],
        "dag_run_id": row["run_id"],
        "map_index": row["map_index"],
        "start_date": iso(row.get("start_date"), major),
        "end_date": iso(row.get("end_date"), major),
        "duration": row.get("duration"),
        "state": row.get("state"),
        "try_number": row.get("try_number"),
        "max_tries": row.get("max_tries"),
        "hostname": row.get("hostname"),
        "unixname": row.get("unixname"),
        "pool": row.get("pool"),
        "pool_slots": row.get("pool_slots"),
        "queue": row.get("queue"),
        "priority_weight": row.get("priority_weight"),
        "operator": row.get("operator"),
        "pid": row.get("pid"),
        "executor": row.get("executor"),
        "note": row.get("note"),
        "rendered_map_index": row.get("rendered_map_index"),
    }
    if major >= 3:
        data.update(
            id=str(row["id"]),
            logical_date=iso(row.get("logical_date"), major),
            run_after=iso(row.get("run_after"), major),
            queued_when=iso(row.get("queued_dttm"), major),
            scheduled_when=iso(row.get("scheduled_dttm"), major),
        )
    else:
        data.update(
            execution_date=iso(row.get("execution_date"), major),
            queued_when=iso(row.get("queued_dttm"), major),
        )
    return data
