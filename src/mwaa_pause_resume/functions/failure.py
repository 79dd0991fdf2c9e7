"""Every failure path of both workflows goes through here before its Fail state:
undo what the run changed (DAG paused states after an abandoned export, the lock)
and turn the caught error into a readable error name and cause.

Input ``{"workflow", "execution": $$.Execution.Id, "state": <the state data>}``
where ``state.error`` is the caught ``{"Error", "Cause"}``. Output
``{"error", "cause"}`` for the Fail state's ErrorPath / CausePath. Best effort:
a cleanup that fails is reported in the cause, never raised, except when AWS throttled
it or answered 5xx (``AwsThrottled``, ``AwsUnavailable``): then the whole clean-up, which
is idempotent, is retried by the state's Retry, so that a burst of failing runs does not
leave DAGs paused or locks held for want of one call.
"""

from __future__ import annotations

import json
from typing import Any

from mwaa_pause_resume.functions import (
    airflow_api,
    layout,
    lock,
    settings,
    snapshot_io,
    spoke_session,
)
from mwaa_pause_resume.functions.dag_run_state import get_run, parse_note
from mwaa_pause_resume.functions.errors import AwsThrottled, AwsUnavailable

# Raised for the state's Retry instead of being reported.
TRANSIENT = (AwsThrottled, AwsUnavailable)

# After these errors the export DAG's cleanup task has run; its note says how many
# paused states it put back (``paused_restored``). Without that, the workflow does it.
DAG_RESTORED_ITSELF = frozenset({"DagRunFailed"})
# After these errors the export DAG run may still be going.
RUN_STILL_GOING = frozenset({"DagRunTimedOut", "States.Timeout"})
# The pause stores DeleteEnvironment's answer here (infra.workflows.pause): present, MWAA
# accepted the deletion, which nothing can cancel.
DELETION_STARTED = "poll"


def error_text(cause: Any) -> str:
    """A Lambda failure's Cause is its JSON payload: keep the message."""
    if not isinstance(cause, str):
        return "" if cause is None else json.dumps(cause)
    try:
        payload = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(payload, dict) and payload.get("errorMessage"):
        return str(payload["errorMessage"])
    return cause


def paused_by_export(state: dict[str, Any]) -> list[str]:
    """DAGs the export paused that must be unpaused again: those recorded as active
    before the pause, by the manifest (the export DAG leaves them paused when it
    succeeds) or else by the record the export DAG saved before pausing anything;
    as a last resort those the run's note lists as ``paused_dag_ids``."""
    ctx, snapshot = state.get("ctx") or {}, state.get("snapshot") or {}
    run = state.get("run") or {}
    if not snapshot.get("snapshot_id") or not run.get("run_id"):
        return []  # the export was never triggered
    export_dag = ctx.get("export_dag_id")
    key = layout.key(ctx["environment"], snapshot["snapshot_id"], layout.MANIFEST_FILE)
    manifest = snapshot_io.read_json(ctx["bucket"], key)
    states = manifest.get("paused_states") if isinstance(manifest, dict) else None
    if not isinstance(states, dict):  # no manifest yet: the record saved before pausing
        key = layout.key(ctx["environment"], snapshot["snapshot_id"], layout.PAUSED_STATES_FILE)
        record = snapshot_io.read_json(ctx["bucket"], key)
        states = record.get("paused_states") if isinstance(record, dict) else None
    if isinstance(states, dict):
        return sorted(str(d) for d, paused in states.items() if paused is False and d != export_dag)
    note = parse_note(get_run(ctx["environment"], run["dag_id"], run["run_id"]).get("note"))
    return sorted(str(d) for d in note.get("paused_dag_ids") or [] if d != export_dag)


def restored_by_dag(environment: str, run: dict[str, Any]) -> bool:
    """Whether the failed export run's cleanup task recorded that it put the paused
    states back (best effort: unknown counts as no, and the workflow unpauses)."""
    try:
        note = parse_note(get_run(environment, run["dag_id"], run["run_id"]).get("note"))
    except TRANSIENT:
        raise
    except Exception:
        return False
    return "paused_restored" in note


def stop_run(environment: str, run: dict[str, Any]) -> bool:
    """Mark a DAG run that outlived the deadline failed, so it does not finish later."""
    path = f"/dags/{run['dag_id']}/dagRuns/{run['run_id']}"
    return airflow_api.call(environment, "PATCH", path, {"state": "failed"}).status == 200


def restore_paused_states(environment: str, dag_ids: list[str]) -> list[str]:
    problems = []
    for dag_id in dag_ids:
        answer = airflow_api.call(environment, "PATCH", f"/dags/{dag_id}", {"is_paused": False})
        if answer.status == 429:
            raise AwsThrottled(f"Airflow of {environment} answered 429 to unpause {dag_id}")
        if answer.status != 200:
            problems.append(f"{dag_id} (HTTP {answer.status})")
    return problems


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    workflow = str(event.get("workflow") or "workflow")
    state: dict[str, Any] = event.get("state") or {}
    caught = state.get("error") or {}
    error = str(caught.get("Error") or "States.Unknown")
    message = error_text(caught.get("Cause")) or error
    ctx = state.get("ctx") or {}
    name = ctx.get("environment") or state.get("environment") or "?"  # ctx: after Begin
    notes: list[str] = []
    if name != "?" and not settings.is_environment_name(name):
        # Not a name Begin accepted (a direct invocation): no S3 key or MWAA call is built
        # from it, and the cause shows it escaped.
        if ctx:
            notes.append("nothing undone: not a valid MWAA environment name")
        ctx, name = {}, repr(name)
    run = state.get("run") or {}
    if workflow == "pause" and ctx and run.get("run_id") and error in RUN_STILL_GOING:
        try:
            if stop_run(str(name), run):
                notes.append("export run marked failed")
        except TRANSIENT:
            raise
        except Exception as exc:
            notes.append(f"could not stop the export run: {exc}")
    deleting = workflow == "pause" and DELETION_STARTED in state
    if deleting:
        # Unpausing now would only start DAG runs that the deletion kills half-way.
        notes.append(
            "the deletion was accepted and goes on; the snapshot is complete, resume from it"
        )
    elif (
        workflow == "pause"
        and ctx
        and not (error in DAG_RESTORED_ITSELF and restored_by_dag(str(name), run))
    ):
        try:
            dag_ids = paused_by_export(state)
            if dag_ids:
                problems = restore_paused_states(str(name), dag_ids)
                notes.append(
                    f"DAGs unpaused again: {', '.join(dag_ids)}"
                    + (f" (could not unpause: {', '.join(problems)})" if problems else "")
                )
        except TRANSIENT:
            raise
        except Exception as exc:  # report, never hide the original error
            notes.append(f"could not restore the DAGs' paused states: {exc}")
    if ctx:
        try:
            if lock.release(str(ctx["bucket"]), str(name), str(event.get("execution"))):
                notes.append("lock released")
        except TRANSIENT:
            raise
        except Exception as exc:
            notes.append(f"could not release the lock (it expires by itself): {exc}")
    cause = f"{workflow.capitalize()} of environment {name} failed: {message}"
    if notes:
        cause += f" [{'; '.join(notes)}]"
    return {"error": error, "cause": cause}
