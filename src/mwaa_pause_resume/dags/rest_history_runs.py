"""Run-level REST calls of the run history import (:mod:`.rest_history`): create a run
(``POST /dags/{dag_id}/dagRuns``, a retried import's run recognised), the note it gets,
set runs' states (3.3.1 bulk ``PATCH /dags/~/dagRuns`` or one ``PATCH`` per run), and
fail restored runs left queued.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mwaa_pause_resume.dags.rest_api import AirflowRestApi, RestApiError, fits
from mwaa_pause_resume.dags.rest_history_routes import Routes
from mwaa_pause_resume.dags.rest_history_task_instances import BULK_BATCH, NOTE_LIMIT
from mwaa_pause_resume.dags.rest_pool import RetryingRestApi, run_bounded

log = logging.getLogger(__name__)

FINAL_RUN_STATES = ("success", "failed")  # what patch_dag_run sets (besides queued)
EXISTED = "its run existed already (a retried import)"
OTHER_RUN = "a different run with this id exists in this environment"
INTERRUPTED_NOTE = "mwaa-pause-resume: {state} at the pause; restored as failed"


class ExistingRuns:
    """The environment's runs, listed once, on the first 409 (a retried import)."""

    def __init__(self, api: AirflowRestApi) -> None:
        self._api = api
        self._lock = threading.Lock()
        self._runs: dict[tuple[str, str], dict[str, Any]] | None = None

    def get(self, dag_id: str, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            if self._runs is None:
                self._runs = {
                    (str(r["dag_id"]), str(r["dag_run_id"])): r for r in self._api.dag_runs()
                }
            return self._runs.get((dag_id, run_id))


def same_run(found: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
    """Whether an existing run is the one ``body`` would create: same logical date
    (as instants) and conf."""
    return _instant(found.get("logical_date")) == _instant(body.get("logical_date")) and (
        found.get("conf") or {}
    ) == (body.get("conf") or {})


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def no_fit_reason(dag_id: str, routes: Routes) -> str:
    """Why a run of ``dag_id`` is not created: a path it needs is over the limit."""
    if not fits(f"/dags/{dag_id}/dagRuns"):
        return "path limit: POST /dags/{dag_id}/dagRuns over 64 characters"
    return (
        "path limit: PATCH /dags/{dag_id}/dagRuns/{run_id} over 64 characters even with "
        "a shortened run id (no bulk run update before 3.3): its state could not be set"
    )


def create_run(
    api: RetryingRestApi, run: Mapping[str, Any], routes: Routes, existing: ExistingRuns
) -> tuple[str, str | None, str | None]:
    """(outcome, reason, final state or None when the run was not created)."""
    dag_id, run_id = str(run["dag_id"]), str(run["dag_run_id"])
    path = f"/dags/{dag_id}/dagRuns"
    state = str(run.get("state"))
    outcome, reason = "exact", None
    if state in FINAL_RUN_STATES:
        final = state
    else:
        # queued or running at the pause: never left queued (it would run on unpause)
        final = "failed"
        outcome, reason = "approximated", f"{state} at the pause: restored as failed"
    if run.get("run_type") != "manual" and outcome == "exact":
        outcome, reason = "approximated", "run type restored as manual (id prefix manual__)"
    body: dict[str, Any] = {
        "dag_run_id": run_id,
        "logical_date": run.get("logical_date"),
        "run_after": run.get("run_after"),
        "conf": run.get("conf") or {},  # 3.0.6 takes a dict only
        "note": restored_note(run),
    }
    # Sent with the logical date only (Airflow refuses it otherwise); 3.0.6 keeps
    # run_after only when the interval is sent.
    if run.get("logical_date") and run.get("data_interval_start") and run.get("data_interval_end"):
        body["data_interval_start"] = run["data_interval_start"]
        body["data_interval_end"] = run["data_interval_end"]
    done = api.attempt("POST", path, body=body)
    status, answer = done.status, done.answer
    if status == 404:
        return "not_restored", "its DAG is not in this environment", None
    if status == 409:
        # Listed once, at the first 409: a run missing from that list after a lost
        # attempt was made by that attempt (it is listed when the list is older).
        found = existing.get(dag_id, run_id)
        if found is None and done.attempts > 1:
            return outcome, reason, final
        if found is None or not same_run(found, body):
            return "not_restored", OTHER_RUN, None
        if found.get("state") == "queued":
            # made by this import (a lost attempt) or by one stopped before its states
            # were set: restored as a new run
            return outcome, reason, final
        # A retried import made it already: its state is set again (never left queued);
        # its task instances are not patched twice (Airflow refuses a state one holds).
        return outcome, EXISTED, final
    if not 200 <= status < 300:
        detail = answer.get("detail") if isinstance(answer, dict) else answer
        log.warning("POST %s refused (HTTP %s): %s", path, status, str(detail)[:300])
        return "not_restored", f"refused by Airflow (HTTP {status})", None
    return outcome, reason, final


def restored_note(run: Mapping[str, Any]) -> str | None:
    """The note a run is restored with: its own, and for a run queued or running at
    the pause a line saying it was restored failed; at most Airflow's 1000 characters."""
    note = run.get("note")
    state = str(run.get("state"))
    if state not in FINAL_RUN_STATES:
        extra = INTERRUPTED_NOTE.format(state=state)
        note = f"{note}\n{extra}" if note else extra
    return note[:NOTE_LIMIT] if isinstance(note, str) else None


def set_run_states(
    api: AirflowRestApi,
    created: Mapping[tuple[str, str], str],
    routes: Routes,
    concurrency: int = 1,
    *,
    notes: Mapping[tuple[str, str], str | None] | None = None,
) -> None:
    """Each run's state; with ``notes``, each run's note too (None: no note, which
    removes one the run has)."""

    def body(key: tuple[str, str], state: str) -> dict[str, Any]:
        if notes is None:
            return {"state": state}
        note = notes.get(key)
        # 3.3's bulk update leaves a null note alone and removes the note for ""; the
        # single-run PATCH stores null as no note.
        return {"state": state, "note": note or ("" if routes.bulk_dag_runs else None)}

    if routes.bulk_dag_runs:
        entities = [
            {"dag_id": d, "dag_run_id": r, **body((d, r), state)}
            for (d, r), state in created.items()
        ]
        batches = [entities[i : i + BULK_BATCH] for i in range(0, len(entities), BULK_BATCH)]
        run_bounded(batches, lambda batch: _bulk_runs(api, batch), concurrency)
        return
    # the paths fit: create_run created no run whose state has no route
    run_bounded(
        list(created.items()),
        lambda item: api.request(
            "PATCH", f"/dags/{item[0][0]}/dagRuns/{item[0][1]}", body=body(*item)
        ),
        concurrency,
    )


def _bulk_runs(api: AirflowRestApi, batch: list[dict[str, Any]]) -> None:
    answer = api.bulk_update("/dags/~/dagRuns", batch)
    if answer.get("errors"):
        log.warning("bulk run update: %s", str(answer["errors"])[:1000])


def fail_queued(
    api: AirflowRestApi,
    created: Mapping[tuple[str, str], str],
    routes: Routes,
    reasons: dict[str, int],
) -> None:
    """No restored run may stay queued: it would run when its DAG is unpaused. Runs set
    failed are counted in ``reasons`` (a :class:`~.rest_history.Counts`' reasons)."""
    queued = {
        (str(r["dag_id"]), str(r["dag_run_id"]))
        for r in api.dag_runs(state="queued")
        if (str(r["dag_id"]), str(r["dag_run_id"])) in created
    }
    if not queued:
        return
    log.warning("%d restored run(s) still queued: setting them failed", len(queued))
    set_run_states(api, dict.fromkeys(sorted(queued), "failed"), routes)
    still = {
        (str(r["dag_id"]), str(r["dag_run_id"]))
        for r in api.dag_runs(state="queued")
        if (str(r["dag_id"]), str(r["dag_run_id"])) in queued
    }
    if still:
        raise RestApiError(
            f"restored runs stay queued and would run on unpause: {sorted(still)[:10]}; "
            "leave their DAGs paused and delete these runs in the Airflow UI"
        )
    reason = "still queued after the restore: set failed"
    reasons[reason] = reasons.get(reason, 0) + len(queued)
