"""A workflow execution's history (GetExecutionHistory events) -> the steps a person
follows: "Export the metadata (DAG run running, poll 3)", not 40 raw states (pure).

The polling loops of the state machines (Wait -> poll -> Choice, many times) fold
into one step each. State names are those of ``infra/workflows/pause.py`` and
``resume.py``; a state this table does not know becomes a step of its own under its
own name, so a renamed state degrades the display, never breaks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwaa_pause_resume.parsing import loads_json

# state name -> (step key, label). Several states share a step.
_CHECK = ("check", "Check the environment and take the lock")
_ALREADY_PAUSED = ("already", "Nothing to do: already paused (a complete snapshot exists)")
_ALREADY_RUNNING = ("already", "Nothing to do: the environment is already running")
_EXPORT = ("export", "Export the Airflow metadata (export DAG)")
_IMPORT = ("import", "Restore the Airflow metadata (import DAG)")
_DELETE = ("delete", "Delete the environment")
_CREATE = ("create", "Create the environment (MWAA takes 20-30 minutes)")
_UPDATE = ("update", "Update the environment after the restore")
_FINISH = ("finish", "Release the lock")
_FAILURE = ("failure", "Clean up after the failure")
# The run gates (functions.run_gate), before Begin.
_GATE = ("gate", "Check overrides, calendars and running DAG runs")
_POSTPONE = ("postpone", "Wait for running DAG runs (when_busy = postpone)")
_SKIPPED = ("skipped", "Skipped by an override, a calendar or a busy environment")
STEPS: dict[str, tuple[str, str]] = {
    "Scheduled?": _CHECK,  # on demand it leads straight to Begin
    "CheckRunGates": _GATE,
    "RunGates?": _GATE,
    "Proceed": _GATE,
    "PostponeWhileBusy": _POSTPONE,
    "CheckRunGatesAgain": _POSTPONE,
    "CountRunningDagRuns": _GATE,
    "Skipped": _SKIPPED,
    "Begin": _CHECK,
    "Inspect": _CHECK,
    "Exists?": _CHECK,
    # pause
    "FindCompleteSnapshot": _ALREADY_PAUSED,
    "ReleaseLockAlreadyPaused": _ALREADY_PAUSED,
    "AlreadyPaused": _ALREADY_PAUSED,
    "StartSnapshot": ("start", "Save the environment's configuration (environment.json)"),
    "TriggerExport": _EXPORT,
    "WaitForExport": _EXPORT,
    "ExportRunState": _EXPORT,
    "Exported?": _EXPORT,
    "VerifySnapshot": ("verify", "Verify the snapshot (files, sizes, checksums)"),
    "MarkSnapshotComplete": ("complete", "Mark the snapshot complete (latest.json)"),
    "DeleteEnvironment": _DELETE,
    "WaitForDeletion": _DELETE,
    "DeletionState": _DELETE,
    "Deleted?": _DELETE,
    # resume
    "PlanStart": _CHECK,
    "StartLater?": _CHECK,
    "WaitForReadyByStart": ("ready_by", "Wait until ready-by minus the learned lead"),
    "ReleaseLockAlreadyRunning": _ALREADY_RUNNING,
    "AlreadyRunning": _ALREADY_RUNNING,
    "SelectSnapshot": ("select", "Select the snapshot"),
    "CreateEnvironment": _CREATE,
    "WaitForCreation": _CREATE,
    "CreationState": _CREATE,
    "Created?": _CREATE,
    "TriggerImport": _IMPORT,
    "WaitForImport": _IMPORT,
    "ImportRunState": _IMPORT,
    "Imported?": _IMPORT,
    "UpdateAfterRestore?": _IMPORT,  # a decision at the end of the import, not an update
    "UpdateEnvironment": _UPDATE,
    "WaitForUpdate": _UPDATE,
    "UpdateState": _UPDATE,
    "Updated?": _UPDATE,
    "ApplyRetention": ("retention", "Apply snapshot retention"),
    # both
    "RecordTiming": _FINISH,
    "ReleaseLock": _FINISH,
    "Paused": _FINISH,
    "Resumed": _FINISH,
    "CleanUpAfterFailure": _FAILURE,
    "Failed": _FAILURE,
    "FailedWithoutCleanUp": _FAILURE,
}
# Poll states whose output tells how the DAG run / the environment is doing.
DAG_POLL_STATES = {"ExportRunState": "export", "ImportRunState": "import"}
ENVIRONMENT_POLL_STATES = {"DeletionState", "CreationState", "UpdateState", "Inspect"}
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


@dataclass
class Step:
    key: str
    label: str
    started: datetime
    ended: datetime | None = None
    polls: int = 0
    detail: str | None = None
    failed: bool = False


@dataclass
class Progress:
    """Steps in the order they started; ``current`` is the one still running."""

    steps: list[Step] = field(default_factory=list)
    status: str = "RUNNING"
    error: str | None = None
    cause: str | None = None
    output: dict[str, Any] | None = None

    @property
    def current(self) -> Step | None:
        if self.status != "RUNNING" or not self.steps:
            return None
        last = self.steps[-1]
        return last if last.ended is None else None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


def step_for(state_name: str) -> tuple[str, str]:
    return STEPS.get(state_name, (f"state:{state_name}", state_name))


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for name, value in event.items():
        if name.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


def _json(text: Any) -> Any:
    try:
        return loads_json(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _poll_detail(state_name: str, output: Any) -> str | None:
    """The DAG run's state or the environment's status, from a poll state's output."""
    if not isinstance(output, Mapping):
        return None
    if state_name in DAG_POLL_STATES:
        run = output.get(DAG_POLL_STATES[state_name])
        if isinstance(run, Mapping) and run.get("state"):
            return f"{DAG_POLL_STATES[state_name]} DAG run {run['state']}"
    if state_name in ENVIRONMENT_POLL_STATES:
        env = output.get("env")
        if isinstance(env, Mapping) and env.get("status"):
            return f"environment {env['status']}"
    return None


def _failure_text(event: Mapping[str, Any]) -> tuple[str | None, str | None]:
    details = _details(event)
    error, cause = details.get("error"), details.get("cause")
    return (str(error) if error else None, cause_message(cause))


def cause_message(cause: Any) -> str | None:
    """A Lambda error's cause is its JSON payload: keep ``errorMessage``."""
    if not cause:
        return None
    payload = _json(cause)
    if isinstance(payload, Mapping) and payload.get("errorMessage"):
        return str(payload["errorMessage"])
    return str(cause)


def parse_history(events: Iterable[Mapping[str, Any]], status: str = "RUNNING") -> Progress:
    """Fold the events (oldest first) into steps. ``status`` is DescribeExecution's."""
    progress = Progress(status=status)
    by_key: dict[str, Step] = {}
    last_failure: tuple[str | None, str | None] = (None, None)
    last_seen: datetime | None = None
    for event in events:
        kind = str(event.get("type") or "")
        when = event.get("timestamp")
        if isinstance(when, datetime):
            last_seen = when
        details = _details(event)
        if kind.endswith("StateEntered") and isinstance(when, datetime):
            name = str(details.get("name") or "?")
            key, label = step_for(name)
            step = by_key.get(key)
            if step is None or step is not progress.steps[-1]:
                if progress.steps and progress.steps[-1].ended is None:
                    progress.steps[-1].ended = when
                step = Step(key, label, when)
                by_key[key] = step
                progress.steps.append(step)
            if name in DAG_POLL_STATES or name in ENVIRONMENT_POLL_STATES - {"Inspect"}:
                step.polls += 1
        elif kind.endswith("StateExited") and isinstance(when, datetime):
            name = str(details.get("name") or "?")
            key, _ = step_for(name)
            step = by_key.get(key)
            if step is not None:  # a step ends when the next one starts, not between states
                detail = _poll_detail(name, _json(details.get("output")))
                if detail:
                    step.detail = detail
        elif kind in ("TaskFailed", "LambdaFunctionFailed", "ExecutionFailed",
                      "ExecutionTimedOut", "ExecutionAborted"):  # fmt: skip
            error, cause = _failure_text(event)
            if error or cause:
                last_failure = (error, cause)
        elif kind == "ExecutionSucceeded":
            output = _json(details.get("output"))
            progress.output = output if isinstance(output, dict) else None
    if status in TERMINAL and progress.steps and progress.steps[-1].ended is None:
        progress.steps[-1].ended = last_seen
    if status in ("FAILED", "TIMED_OUT", "ABORTED"):
        progress.error, progress.cause = last_failure
        failing = [s for s in progress.steps if s.key != "failure"]
        if failing:
            failing[-1].failed = True
    return progress


def outcome_text(progress: Progress, environment: str) -> str:
    """One sentence for the end of ``pause --wait`` / ``resume --wait``."""
    output = progress.output or {}
    snapshot = output.get("snapshot_id")
    outcome = output.get("outcome")
    texts = {
        "paused": f"Environment {environment} is paused; snapshot {snapshot}.",
        "already_paused": f"Environment {environment} was already paused "
        f"(latest snapshot {snapshot}).",
        "resumed": f"Environment {environment} is running again, restored from snapshot "
        f"{snapshot}.",
        "already_running": f"Environment {environment} was already running; nothing was done.",
        "skipped": f"The run for {environment} was skipped: {output.get('reason')}.",
    }
    if progress.status == "SUCCEEDED":
        return texts.get(str(outcome), f"The workflow for {environment} succeeded.")
    what = progress.cause or progress.error or "no error text in the history"
    return f"The workflow for {environment} ended {progress.status}: {what}"
