"""Run history in the rest-only scope: DAG runs and task instances over REST API v2.

Export lists them with the wildcard endpoints (``/dags/~/dagRuns``,
``/dags/~/dagRuns/~/taskInstances``). Import, with every DAG paused (a queued run of a
paused DAG never starts: docs/research/airflow3-rest-channels.md §0.3), does per run:

1. ``POST /dags/{dag_id}/dagRuns``: run id, logical date, data interval, run_after,
   conf and note. Airflow makes it a *manual* run, *queued*, its task instances in no
   state. A run whose final state has no route (below) is not created at all: it
   would stay queued and really run once its DAG is unpaused.
2. The run's final state: 3.3.1 bulk ``PATCH /dags/~/dagRuns``, else
   ``PATCH /dags/{dag_id}/dagRuns/{run_id}`` where the path fits. Airflow sets the run's
   stateless task instances with it (before 3.3 all of them when the run is a success).
3. Only the task instance states and notes that step 2 does not give
   (:mod:`.rest_history_plan`): bulk ``PATCH /dags/~/dagRuns/~/taskInstances`` (3.2.1+),
   else a single ``PATCH …/taskInstances/{task_id}`` where its path fits. Before 3.3
   after step 2 (which would overwrite them), from 3.3 before it (which would skip the
   ones still stateless, so none is changed twice).
4. A run a teardown task kept queued: its task instances read back, planned again and
   its state set after them; then ``GET /dags/~/dagRuns?state=queued``: a restored run
   found queued is set failed.

Calls that do not depend on each other (the creations, one phase's bulk batches, the
runs' states) go through a bounded pool with retries (:mod:`.rest_pool`; docs/airflow3.md,
"Throughput"). InvokeRestApi refuses a path over 64 characters
(:data:`~.rest_api.MAX_PATH`), which decides most of what is possible;
docs/airflow3.md has the table per version.
:func:`import_history` returns counts per item (exact / approximated / not restored,
with reasons); the scheduler's position marker runs after it, before paused states
are restored. Step 3 is :mod:`.rest_history_task_instances`; the routes per version and
the ids restored runs get are :mod:`.rest_history_routes`.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwaa_pause_resume.dags.rest_api import AirflowRestApi, RestApiError, fits
from mwaa_pause_resume.dags.rest_history_plan import NEAREST_TI_STATE, SETTABLE_TI_STATES
from mwaa_pause_resume.dags.rest_history_routes import (
    SHORTENED,
    Routes,
    restored_ids,
    restored_run_id,
)
from mwaa_pause_resume.dags.rest_history_task_instances import (
    BULK_BATCH,
    NOTE_LIMIT,
    TaskInstanceRestore,
    blocked_runs,
    run_batches,
)
from mwaa_pause_resume.dags.rest_pool import DEFAULT_CONCURRENCY, RetryingRestApi, run_bounded
from mwaa_pause_resume.metadata.layout import REST_FIELDS

log = logging.getLogger(__name__)

# The tag of the workflows' own DAGs (mwaa_export_data.py, mwaa_import_data.py): their
# runs are the pauses and resumes themselves, whatever ids the configuration gives them.
OWN_TAG = "mwaa-pause-resume"
RUN_FIELDS = REST_FIELDS["dag_runs"]
TI_FIELDS = REST_FIELDS["task_instances"]

FINAL_RUN_STATES = ("success", "failed")  # what patch_dag_run sets (besides queued)
EXISTED = "its run existed already (a retried import)"
OTHER_RUN = "a different run with this id exists in this environment"
INTERRUPTED_NOTE = "mwaa-pause-resume: {state} at the pause; restored as failed"
__all__ = [  # the names of its parts stay importable here (tests, the sandbox's check)
    "FINAL_RUN_STATES",
    "NEAREST_TI_STATE",
    "SETTABLE_TI_STATES",
    "Counts",
    "Routes",
    "collect_history",
    "import_history",
    "own_dag_ids",
    "restored_ids",
    "restored_run_id",
    "run_batches",
    "same_run",
]


@dataclass
class Counts:
    """exact / approximated / not restored, and how many for each reason."""

    exact: int = 0
    approximated: int = 0
    not_restored: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str, reason: str | None = None) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if reason:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "approximated": self.approximated,
            "not_restored": self.not_restored,
            "reasons": dict(sorted(self.reasons.items())),
        }


# -- export ------------------------------------------------------------------------
def own_dag_ids(api: AirflowRestApi, this_dag_id: str) -> set[str]:
    """The workflows' own DAGs: this run's DAG and every DAG tagged :data:`OWN_TAG`."""
    tagged = api.list_all("/dags", "dags", {"tags": [OWN_TAG]})
    return {this_dag_id, *(str(d["dag_id"]) for d in tagged if OWN_TAG in _tag_names(d))}


def _tag_names(dag: Mapping[str, Any]) -> set[str]:
    return {str(t.get("name") if isinstance(t, Mapping) else t) for t in dag.get("tags") or []}


def collect_history(
    api: AirflowRestApi, exclude_dag_ids: Iterable[str] = ()
) -> dict[str, list[dict[str, Any]]]:
    """Every DAG run and task instance, those of ``exclude_dag_ids`` left out."""
    excluded = set(exclude_dag_ids)
    runs = [
        {name: run.get(name) for name in RUN_FIELDS}
        for run in api.dag_runs()
        if run.get("dag_id") not in excluded
    ]
    tis = [
        {name: ti.get(name) for name in TI_FIELDS}
        for ti in api.task_instances()
        if ti.get("dag_id") not in excluded
    ]
    return {"dag_runs": runs, "task_instances": tis}


# -- import ------------------------------------------------------------------------
def import_history(
    api: AirflowRestApi,
    dag_runs: Iterable[Mapping[str, Any]],
    task_instances: Iterable[Mapping[str, Any]],
    *,
    airflow_version: str,
    exclude_dag_ids: Iterable[str] = (),
    concurrency: int = DEFAULT_CONCURRENCY,
) -> dict[str, dict[str, Any]]:
    """Restore the runs and their task instances; every DAG must be paused throughout.

    Independent calls (the runs' creations, the bulk batches of one graph layer, the
    runs' states) go ``concurrency`` at a time, each retried while the service is busy
    (:mod:`.rest_pool`); the counts do not depend on the concurrency. A retried import
    creates no run twice: a run id that exists already is this snapshot's run only if
    its logical date and conf match.

    Returns ``{"dag_runs": counts, "task_instances": counts}`` (see :class:`Counts`).
    Raises :class:`RestApiError` when a restored run stays queued and cannot be failed.
    """
    api = api if isinstance(api, RetryingRestApi) else RetryingRestApi(api)
    routes = Routes.of(airflow_version)
    excluded = set(exclude_dag_ids)
    run_counts, ti_counts = Counts(), Counts()
    runs = [r for r in dag_runs if r["dag_id"] not in excluded]
    new_ids = restored_ids(runs, airflow_version)
    tis_by_run: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for ti in task_instances:
        if ti["dag_id"] not in excluded:
            original = (str(ti["dag_id"]), str(ti["dag_run_id"]))
            run_id = new_ids.get(original) or restored_run_id(original[1])
            tis_by_run[(original[0], run_id)].append({**ti, "dag_run_id": run_id})

    existing = _ExistingRuns(api)
    to_create = [
        {**run, "dag_run_id": new_id}
        for run in runs
        if (new_id := new_ids[(str(run["dag_id"]), str(run["dag_run_id"]))]) is not None
    ]
    made = iter(
        run_bounded(to_create, lambda run: _create_run(api, run, routes, existing), concurrency)
    )
    created: dict[tuple[str, str], str] = {}  # run -> the final state to set
    for run in runs:
        original = (str(run["dag_id"]), str(run["dag_run_id"]))
        new_id = new_ids[original]
        key = (original[0], new_id or restored_run_id(original[1]))
        reason: str | None
        final: str | None
        if new_id is None:
            outcome, reason, final = "not_restored", _no_fit_reason(original[0], routes), None
        else:
            outcome, reason, final = next(made)
            if final is not None and outcome == "exact" and new_id != original[1]:
                outcome, reason = "approximated", SHORTENED
        if final is None:
            run_counts.add("not_restored", reason)
            for _ in tis_by_run.pop(key, ()):
                ti_counts.add("not_restored", "its run was not restored")
            continue
        created[key] = final
        run_counts.add(outcome, reason)
        if reason == EXISTED:
            for _ in tis_by_run.pop(key, ()):
                ti_counts.add("not_restored", EXISTED)
    for key in list(tis_by_run):
        if key not in created:
            for _ in tis_by_run.pop(key):
                ti_counts.add("not_restored", "its run is not in the snapshot")

    # Per run, only the task instances that differ from what the run's own state gives
    # them (rest_history_plan). Before 3.3 the run's state comes first (a success run
    # marks them all success); from 3.3 last (it skips the ones left without a state,
    # and skipping them first would make every success a second change).
    restore = TaskInstanceRestore(api, tis_by_run, created, routes, concurrency)
    if routes.run_success_marks_all:
        _set_run_states(api, created, routes, concurrency)
        blocked = blocked_runs(api, created, tis_by_run)
        outcomes = restore.run(blocked)
    else:
        outcomes = restore.run({})
        _set_run_states(api, created, routes, concurrency)
        blocked = blocked_runs(api, created, tis_by_run)
        if blocked:
            outcomes |= restore.run(blocked, only=set(blocked))
    if blocked:
        _set_run_states(api, {k: created[k] for k in blocked}, routes, concurrency)
    for run_outcomes in outcomes.values():
        for outcome, reason in run_outcomes:
            ti_counts.add(outcome, reason)
    _fail_queued(api, created, routes, run_counts)
    counts = {"dag_runs": run_counts.as_dict(), "task_instances": ti_counts.as_dict()}
    log.info("run history restored: %s", counts)
    return counts


class _ExistingRuns:
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


def _no_fit_reason(dag_id: str, routes: Routes) -> str:
    if not fits(f"/dags/{dag_id}/dagRuns"):
        return "path limit: POST /dags/{dag_id}/dagRuns over 64 characters"
    return (
        "path limit: PATCH /dags/{dag_id}/dagRuns/{run_id} over 64 characters even with "
        "a shortened run id (no bulk run update before 3.3): its state could not be set"
    )


def _create_run(
    api: RetryingRestApi, run: Mapping[str, Any], routes: Routes, existing: _ExistingRuns
) -> tuple[str, str | None, str | None]:
    """(outcome, reason, final state or None when the run was not created)."""
    dag_id, run_id = str(run["dag_id"]), str(run["dag_run_id"])
    path = f"/dags/{dag_id}/dagRuns"
    state = str(run.get("state"))
    note = run.get("note")
    outcome, reason = "exact", None
    if state in FINAL_RUN_STATES:
        final = state
    else:
        # queued or running at the pause: never left queued (it would run on unpause)
        final = "failed"
        outcome, reason = "approximated", f"{state} at the pause: restored as failed"
        extra = INTERRUPTED_NOTE.format(state=state)
        note = f"{note}\n{extra}" if note else extra
    if run.get("run_type") != "manual" and outcome == "exact":
        outcome, reason = "approximated", "run type restored as manual (id prefix manual__)"
    body: dict[str, Any] = {
        "dag_run_id": run_id,
        "logical_date": run.get("logical_date"),
        "run_after": run.get("run_after"),
        "conf": run.get("conf") or {},  # 3.0.6 takes a dict only
        "note": note[:NOTE_LIMIT] if isinstance(note, str) else None,
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


def _set_run_states(
    api: AirflowRestApi,
    created: Mapping[tuple[str, str], str],
    routes: Routes,
    concurrency: int = 1,
) -> None:
    if routes.bulk_dag_runs:
        entities = [
            {"dag_id": d, "dag_run_id": r, "state": state} for (d, r), state in created.items()
        ]
        batches = [entities[i : i + BULK_BATCH] for i in range(0, len(entities), BULK_BATCH)]
        run_bounded(batches, lambda batch: api.bulk_update("/dags/~/dagRuns", batch), concurrency)
        return
    # the paths fit: _create_run created no run whose state has no route
    run_bounded(
        list(created.items()),
        lambda item: api.request(
            "PATCH", f"/dags/{item[0][0]}/dagRuns/{item[0][1]}", body={"state": item[1]}
        ),
        concurrency,
    )


def _fail_queued(
    api: AirflowRestApi,
    created: Mapping[tuple[str, str], str],
    routes: Routes,
    counts: Counts,
) -> None:
    """No restored run may stay queued: it would run when its DAG is unpaused."""
    queued = {
        (str(r["dag_id"]), str(r["dag_run_id"]))
        for r in api.dag_runs(state="queued")
        if (str(r["dag_id"]), str(r["dag_run_id"])) in created
    }
    if not queued:
        return
    log.warning("%d restored run(s) still queued: setting them failed", len(queued))
    _set_run_states(api, dict.fromkeys(sorted(queued), "failed"), routes)
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
    counts.reasons[reason] = counts.reasons.get(reason, 0) + len(queued)
