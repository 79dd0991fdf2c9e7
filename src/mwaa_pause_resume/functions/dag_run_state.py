"""One poll of a DAG run: its state, and for a finished run the result the export/import
DAG published as JSON in the run's note.

Note contract (``mwaa_pause_resume.dags.result_note``): ``{"status": "success",
"snapshot", "tables", "rows", "interrupted"}`` (an import adds its restore ``summary``
and ``report``, :mod:`mwaa_pause_resume.metadata.restore_summary`) or ``{"status":
"failed", "step", "error", ...}``.

Input ``{"environment", "dag_id", "run_id", "deadline"}``.
Output ``{"state", "done", "note"}``. Raises ``DagRunFailed`` once the run has
finished failed (message: the note's error and the failed task ids) and
``DagRunTimedOut``.
"""

from __future__ import annotations

import json
from typing import Any

from mwaa_pause_resume.functions import airflow_api, clock, settings, spoke_session
from mwaa_pause_resume.functions.errors import DagRunFailed, DagRunTimedOut

FINISHED_OK = "success"
FINISHED_FAILED = "failed"


def parse_note(note: Any) -> dict[str, Any]:
    """The DAG's published result; {} for no note, {"text": ...} for a plain-text note."""
    if isinstance(note, dict):
        return note
    if not isinstance(note, str) or not note.strip():
        return {}
    try:
        parsed = json.loads(note)
    except ValueError:
        return {"text": note}
    return parsed if isinstance(parsed, dict) else {"text": note}


def get_run(name: str, dag_id: str, run_id: str) -> dict[str, Any]:
    answer = airflow_api.call(name, "GET", f"/dags/{dag_id}/dagRuns/{run_id}")
    run: dict[str, Any] = airflow_api.expect_ok(answer, name, f"read DAG run {dag_id}/{run_id}")
    return run


def failed_tasks(name: str, dag_id: str, run_id: str) -> list[str]:
    """Failed task ids, when the path fits InvokeRestApi's 64 characters (best effort:
    the note's ``step`` says the same for our DAGs)."""
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
    if len(path) > settings.MAX_REST_PATH:
        return []
    try:
        answer = airflow_api.call(name, "GET", path)
    except Exception:
        return []
    if answer.status != 200 or not isinstance(answer.body, dict):
        return []
    return sorted(
        str(ti.get("task_id"))
        for ti in answer.body.get("task_instances") or []
        if ti.get("state") in ("failed", "upstream_failed")
    )


def failure_message(dag_id: str, run_id: str, note: dict[str, Any], tasks: list[str]) -> str:
    parts = [f"DAG run {dag_id}/{run_id} failed"]
    if note.get("step"):
        parts.append(f" at step {note['step']}")
    error = note.get("error") or note.get("text")
    if error:
        parts.append(f": {error}")
    if tasks:
        parts.append(f" (failed tasks: {', '.join(tasks)})")
    parts.append(". See the task logs of this run in the Airflow UI.")
    return "".join(parts)


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    name = settings.environment_name(event)
    dag_id, run_id = str(event["dag_id"]), str(event["run_id"])
    run = get_run(name, dag_id, run_id)
    state = str(run.get("state"))
    note = parse_note(run.get("note"))
    # A step that fails writes its note at once, but the run goes on: the export DAG's
    # cleanup task still puts the paused states back. Only a finished run is a failure,
    # or the workflow would end (and release the lock) before that cleanup ran.
    failed_note = note.get("status") == FINISHED_FAILED
    if state == FINISHED_FAILED or (state == FINISHED_OK and failed_note):
        tasks = failed_tasks(name, dag_id, run_id)
        raise DagRunFailed(failure_message(dag_id, run_id, note, tasks))
    done = state == FINISHED_OK
    if not done and clock.now() > float(event["deadline"]):
        raise DagRunTimedOut(
            f"DAG run {dag_id}/{run_id} is still {state} at the deadline "
            f"({clock.iso(float(event['deadline']))}). Raise timeout_minutes if the "
            "metadata export/import of this environment takes longer."
        )
    return {"state": state, "done": done, "note": note}
