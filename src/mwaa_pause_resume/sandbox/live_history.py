"""History made the way users make it: through Airflow's REST API, run by its scheduler.

The sandbox's environment gets variables, connections and a pool over the REST API,
its sample DAGs unpaused and triggered there, and the real scheduler, executor and
triggerer run them: successful runs with XComs and mapped tasks, a failed run, a
retried task, an hourly DAG catching up and a daily one, and, left in flight for
the pause, a deferred task and a running one (``sample_waiting``). Notes are set
over the API too. :func:`seed_live_history` waits until all of that is in place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.errors import OperationFailed

Call = Callable[..., tuple[int, Any]]  # AirflowRestClient.call

AWKWARD = 'comma, "quote", pipe | back\\slash\nnewline \u00e9\u4e2d\U0001f600'
VARIABLES = {
    "sample_plain": "plain value",
    "sample_json": json.dumps({"threshold": 3, "names": ["a", "b"], "text": AWKWARD}),
    "sample_secret_token": "t0k3n,with|odd\\chars",
    "sample_empty": "",
}
CONNECTIONS = (
    {
        "connection_id": "sample_postgres",
        "conn_type": "postgres",
        "host": "db.example.internal",
        "schema": "analytics",
        "login": "etl_user",
        "password": 'p@ss,w"rd|\\\u00e9',
        "port": 5432,
        "extra": json.dumps({"sslmode": "require", "note": AWKWARD}),
        "description": "sample connection with a password and extra",
    },
    {
        "connection_id": "sample_http",
        "conn_type": "http",
        "host": "api.example.com",
        "password": "api-key-123",
        "description": "sample HTTP connection",
    },
)
POOL = {"name": "sample_pool", "slots": 3, "description": "sample pool"}

ACTIVE_DAGS = (
    "sample_etl",
    "sample_retry",
    "sample_failure",
    "sample_waiting",
    "sample_hourly_catchup",
    "sample_hourly_latest",
    "sample_hourly_skip",
    "sample_daily",
)
# One hourly catch-up DAG per missed-runs policy (sample_dags/sample_hourly.py).
POLICY_DAGS = {
    "sample_hourly_catchup": "catchup",
    "sample_hourly_latest": "latest",
    "sample_hourly_skip": "skip",
}
SCHEDULED_DAGS = (*POLICY_DAGS, "sample_daily")
WAITING_DAG = "sample_waiting"
DEFERRED_TASK = "deferred_until_release"
RUNNING_TASK = "running_until_release"
MIN_CATCHUP_RUNS = 3
SEED_TIMEOUT_SECONDS = 420.0
FINISHED = ("success", "failed")


class LiveHistoryError(OperationFailed):
    """Airflow did not produce the expected history (the message says what is missing).
    The CLI prints it with its hint and exits 1, without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"the sandbox could not make its sample history before the pause: {message}",
            hint="the machine may be too loaded for Airflow's scheduler (another sandbox or "
            "test running?): re-run when it is idle; with --keep the work directory keeps "
            "the scheduler's and API server's logs",
        )


@dataclass
class LiveHistory:
    """What the seed made, for the liveness report after the resume."""

    runs: dict[str, list[str]] = field(default_factory=dict)  # manual runs per DAG
    waiting_run: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # "dag/run" -> note
    # The user's DAGs (sandbox --dags): one run each, and how it ended before the pause.
    user_runs: dict[str, str] = field(default_factory=dict)
    user_states: dict[str, str | None] = field(default_factory=dict)


def _ok(answer: tuple[int, Any], what: str) -> Any:
    status, body = answer
    if status >= 300:
        raise LiveHistoryError(f"{what}: Airflow answered HTTP {status}: {body}")
    return body


def runs_of(call: Call, major: int, dag_id: str, limit: int = 1000) -> list[dict[str, Any]]:
    """A DAG's runs, oldest logical date first (as the REST API lists them)."""
    order = "logical_date" if major >= 3 else "execution_date"
    body = _ok(
        call("GET", f"dags/{dag_id}/dagRuns", {"order_by": order, "limit": limit}),
        f"listing the runs of {dag_id}",
    )
    return list(body.get("dag_runs", []))


def logical_date(run: dict[str, Any]) -> str | None:
    value = run.get("logical_date", run.get("execution_date"))
    return str(value) if value else None


def task_states(call: Call, dag_id: str, run_id: str) -> dict[str, str | None]:
    body = _ok(
        call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances"),
        f"listing the task instances of {dag_id} {run_id}",
    )
    return {
        f"{ti['task_id']}[{ti.get('map_index', -1)}]": ti.get("state")
        for ti in body.get("task_instances", [])
    }


def trigger(call: Call, major: int, dag_id: str, conf: dict[str, Any], note: str = "") -> str:
    body: dict[str, Any] = {"conf": conf}
    if major >= 3:
        body["logical_date"] = None  # required by Airflow 3's trigger body
    if note:
        body["note"] = note
    run = _ok(call("POST", f"dags/{dag_id}/dagRuns", body=body), f"triggering {dag_id}")
    return str(run["dag_run_id"])


def set_paused(call: Call, dag_ids: Iterable[str], paused: bool) -> None:
    for dag_id in dag_ids:
        _ok(
            call("PATCH", f"dags/{dag_id}", {"update_mask": "is_paused"}, {"is_paused": paused}),
            f"{'pausing' if paused else 'unpausing'} {dag_id}",
        )


def _objects(call: Call, major: int) -> None:
    for key, value in VARIABLES.items():
        _ok(
            call(
                "POST",
                "variables",
                body={"key": key, "value": value, "description": f"sample {key}"},
            ),
            f"creating variable {key}",
        )
    for connection in CONNECTIONS:
        _ok(call("POST", "connections", body=connection), "creating a connection")
    pool = dict(POOL) | ({"include_deferred": False} if major >= 3 else {})
    _ok(call("POST", "pools", body=pool), "creating the sample pool")


def _task_note(
    call: Call, major: int, dag_id: str, run_id: str, *, task_id: str, note: str
) -> None:
    if major >= 3:
        answer = call(
            "PATCH",
            f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}",
            {"update_mask": "note"},
            {"note": note},
        )
    else:
        answer = call(
            "PATCH",
            f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/setNote",
            body={"note": note},
        )
    _ok(answer, f"setting the note of {dag_id}.{task_id}")


def dag_ids(call: Call) -> list[str]:
    body = _ok(call("GET", "dags", {"limit": 1000}), "listing the DAGs")
    return sorted(str(d["dag_id"]) for d in body.get("dags", []))


def seed_live_history(
    call: Call,
    major: int,
    user_dags: Iterable[str] = (),
    timeout: float = SEED_TIMEOUT_SECONDS,
) -> LiveHistory:
    """Make the history (see the module docstring) and wait until it is all there.
    ``user_dags`` are unpaused and run once each; how their runs end is theirs."""
    _objects(call, major)
    set_paused(call, ACTIVE_DAGS, paused=False)
    history = LiveHistory()
    for dag_id in user_dags:
        set_paused(call, [dag_id], paused=False)
        history.user_runs[dag_id] = trigger(call, major, dag_id, {})
    first_note = "first ETL run: " + AWKWARD
    history.runs = {
        "sample_etl": [trigger(call, major, "sample_etl", {"batch": "A"}, first_note)],
        "sample_retry": [trigger(call, major, "sample_retry", {})],
        "sample_failure": [trigger(call, major, "sample_failure", {})],
    }
    history.notes[f"sample_etl/{history.runs['sample_etl'][0]}"] = first_note
    history.waiting_run = trigger(call, major, WAITING_DAG, {"reason": "in flight at pause"})

    deadline = time.monotonic() + timeout
    missing: list[str] = ["nothing yet checked"]
    while time.monotonic() < deadline:
        missing = _missing(call, major, history)
        if not missing:
            break
        time.sleep(2)
    if missing:
        raise LiveHistoryError(
            f"after {timeout:.0f} s the scheduler had not produced: {'; '.join(missing)}"
        )
    for dag_id, run_id in history.user_runs.items():
        history.user_states[dag_id] = run_state(call, dag_id, run_id)
        history.runs.setdefault(dag_id, []).append(run_id)
    failed_run = history.runs["sample_failure"][0]
    _task_note(
        call, major, "sample_failure", failed_run, task_id="broken", note="investigated: expected"
    )
    return history


def run_state(call: Call, dag_id: str, run_id: str) -> str | None:
    status, body = call("GET", f"dags/{dag_id}/dagRuns/{run_id}")
    return str(body.get("state")) if status == 200 else None


def _missing(call: Call, major: int, history: LiveHistory) -> list[str]:
    """What the seed still waits for (empty when everything is in place)."""
    missing: list[str] = [
        f"{dag_id} {run_id} ({state})"
        for dag_id, run_id in history.user_runs.items()
        if (state := run_state(call, dag_id, run_id)) not in FINISHED
    ]
    for dag_id, run_ids in history.runs.items():
        states = {r["dag_run_id"]: r["state"] for r in runs_of(call, major, dag_id)}
        missing += [
            f"{dag_id} {r} ({states.get(r)})" for r in run_ids if states.get(r) not in FINISHED
        ]
    waiting = task_states(call, WAITING_DAG, history.waiting_run)
    if waiting.get(f"{DEFERRED_TASK}[-1]") != "deferred":
        missing.append(f"{DEFERRED_TASK} deferred ({waiting.get(f'{DEFERRED_TASK}[-1]')})")
    if waiting.get(f"{RUNNING_TASK}[-1]") != "running":
        missing.append(f"{RUNNING_TASK} running ({waiting.get(f'{RUNNING_TASK}[-1]')})")
    for dag_id in SCHEDULED_DAGS:
        done = [r for r in runs_of(call, major, dag_id) if r["state"] == "success"]
        wanted = MIN_CATCHUP_RUNS if dag_id == "sample_hourly_catchup" else 1
        if len(done) < wanted:
            missing.append(f"{dag_id}: {len(done)} of {wanted} scheduled runs")
    return missing
