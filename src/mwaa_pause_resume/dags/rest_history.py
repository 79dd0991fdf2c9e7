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
are restored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwaa_pause_resume.dags.rest_api import MAX_PATH, AirflowRestApi, RestApiError
from mwaa_pause_resume.dags.rest_history_plan import (
    NEAREST_TI_STATE,
    SETTABLE_TI_STATES,
    RunPlan,
    TiChange,
    plan_run,
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
NOTE_LIMIT = 1000  # Airflow's note length limit
# Entities per bulk call: each one is a state change with its own clearing; well inside
# InvokeRestApi's 10 seconds.
BULK_BATCH = 50
NOT_UPDATED = "not updated by the bulk call (not in the new run, or refused)"
EXISTED = "its run existed already (a retried import)"
OTHER_RUN = "a different run with this id exists in this environment"
INTERRUPTED_NOTE = "mwaa-pause-resume: {state} at the pause; restored as failed"
UNADDRESSABLE = (
    "path limit: PATCH …/taskInstances/{task_id}[/{map_index}] over 64 characters (no "
    "bulk route for it on this version): the run's state decides it"
)
__all__ = ["NEAREST_TI_STATE", "SETTABLE_TI_STATES"]  # re-exported for the sandbox's check


# Airflow refuses a manual run whose id starts with another run type's prefix
# (DagRunType.from_run_id; create_dagrun: "is reserved for ... runs"), so an automated
# run keeps its id with the prefix made manual__ (shorter, too: paths fit more often).
RESERVED_PREFIXES = (
    "scheduled__",
    "backfill__",
    "asset_triggered__",
    "dataset_triggered__",
    "operator_triggered__",
)
MANUAL_PREFIX = "manual__"


def restored_run_id(run_id: str) -> str:
    """The id a run gets when restored (a manual run): reserved prefixes become manual__."""
    for prefix in RESERVED_PREFIXES:
        if run_id.startswith(prefix):
            return MANUAL_PREFIX + run_id[len(prefix) :]
    return run_id


# A timestamped run id's fraction of a second and UTC offset, dropped to make it fit.
_STAMP_TAIL = re.compile(r"(\.\d+)?\+00:00$")
SHORTENED = "run id shortened to fit InvokeRestApi's 64-character path"


def restored_ids(
    runs: Iterable[Mapping[str, Any]], airflow_version: str
) -> dict[tuple[str, str], str | None]:
    """(dag_id, run_id) -> the id the run gets when restored, or None when no id can fit.

    Deterministic for the same runs (the sandbox's check computes it too). Before 3.3 a
    run's state is set at ``/dags/{dag_id}/dagRuns/{run_id}``, so a run id that does not
    fit is shortened: without its fraction of a second and UTC offset, else a digest
    ``r<11 hex digits>`` of the whole id; the shortened id must be unique in its DAG.
    """
    routes = Routes.of(airflow_version)
    keys = sorted({(str(r["dag_id"]), str(r["dag_run_id"])) for r in runs})
    taken: set[tuple[str, str]] = {(d, restored_run_id(r)) for d, r in keys}
    out: dict[tuple[str, str], str | None] = {}
    for dag_id, original in keys:
        run_id = restored_run_id(original)
        if not fits(f"/dags/{dag_id}/dagRuns"):
            out[(dag_id, original)] = None
            continue
        if routes.bulk_dag_runs or fits(f"/dags/{dag_id}/dagRuns/{run_id}"):
            out[(dag_id, original)] = run_id
            continue
        digest = "r" + hashlib.sha256(original.encode()).hexdigest()[:11]
        chosen = None
        for candidate in (_STAMP_TAIL.sub("", run_id), digest):
            path = f"/dags/{dag_id}/dagRuns/{candidate}"
            if candidate != run_id and fits(path) and (dag_id, candidate) not in taken:
                chosen = candidate
                taken.add((dag_id, candidate))
                break
        out[(dag_id, original)] = chosen
    return out


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


@dataclass(frozen=True)
class Routes:
    """What this Airflow version's REST API offers (research §1.3, §2)."""

    bulk_task_instances: bool  # PATCH /dags/~/dagRuns/~/taskInstances: 3.2+
    bulk_dag_runs: bool  # PATCH /dags/~/dagRuns: 3.3+
    # 3.2's bulk update looks every task instance up at map index -1 (its _perform_update
    # does not pass the entity's index on), so a mapped one answers 404 and ends the
    # whole call; 3.3 passes it on.
    bulk_mapped_task_instances: bool
    # set_dag_run_state_to_success marks every task instance success before 3.3; from
    # 3.3 it marks the unfinished ones skipped (rest_history_plan's docstring).
    run_success_marks_all: bool

    @classmethod
    def of(cls, airflow_version: str) -> Routes:
        parts = tuple(int(p) for p in airflow_version.split(".")[:2] if p.isdigit())
        return cls(
            bulk_task_instances=parts >= (3, 2),
            bulk_dag_runs=parts >= (3, 3),
            bulk_mapped_task_instances=parts >= (3, 3),
            run_success_marks_all=parts < (3, 3),
        )

    def bulk_for(self, map_index: int) -> bool:
        """Whether a task instance of this map index can go in a bulk update."""
        return self.bulk_task_instances and (map_index < 0 or self.bulk_mapped_task_instances)


def fits(path: str) -> bool:
    return len(path) <= MAX_PATH


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
    restore = _TaskInstanceRestore(api, tis_by_run, created, routes, concurrency)
    if routes.run_success_marks_all:
        _set_run_states(api, created, routes, concurrency)
        blocked = _blocked_runs(api, created, tis_by_run)
        outcomes = restore.run(blocked)
    else:
        outcomes = restore.run({})
        _set_run_states(api, created, routes, concurrency)
        blocked = _blocked_runs(api, created, tis_by_run)
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


class _TaskInstanceRestore:
    """States and notes: per run only what its own state does not give
    (:mod:`.rest_history_plan`), one phase at a time across all runs; the calls of one
    phase are independent (each task instance is in one of them)."""

    def __init__(
        self,
        api: AirflowRestApi,
        tis_by_run: Mapping[tuple[str, str], list[Mapping[str, Any]]],
        created: Mapping[tuple[str, str], str],
        routes: Routes,
        concurrency: int,
    ) -> None:
        self.api, self.tis_by_run, self.created = api, tis_by_run, created
        self.routes, self.concurrency = routes, concurrency
        self._upstream: dict[str, dict[str, list[str]] | None] | None = None

    def upstream_of(self) -> dict[str, dict[str, list[str]] | None]:
        """Each DAG's task graph, read once."""
        if self._upstream is None:
            dag_ids = sorted({dag_id for dag_id, _ in self.tis_by_run})
            read = run_bounded(dag_ids, lambda d: _task_upstream(self.api, d), self.concurrency)
            self._upstream = dict(zip(dag_ids, read, strict=True))
        return self._upstream

    def run(
        self,
        blocked: Mapping[tuple[str, str], dict[tuple[str, int], str | None]],
        only: set[tuple[str, str]] | None = None,
    ) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
        """Send the changes of every run (of ``only``); per run, each task instance's
        (outcome, reason). ``blocked``: runs whose state is set after these changes (a
        teardown task kept it unfinished), with their task instances as read back."""
        runs = {k: v for k, v in self.tis_by_run.items() if only is None or k in only}
        return _restore_task_instances(
            self.api,
            runs,
            upstream_of=self.upstream_of(),
            created=self.created,
            blocked=blocked,
            routes=self.routes,
            concurrency=self.concurrency,
        )


def _restore_task_instances(
    api: AirflowRestApi,
    tis_by_run: Mapping[tuple[str, str], list[Mapping[str, Any]]],
    *,
    upstream_of: Mapping[str, dict[str, list[str]] | None],
    created: Mapping[tuple[str, str], str],
    blocked: Mapping[tuple[str, str], dict[tuple[str, int], str | None]],
    routes: Routes,
    concurrency: int,
) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """:meth:`_TaskInstanceRestore.run`."""
    phases: dict[int, list[dict[str, Any]]] = defaultdict(list)
    plans: dict[tuple[str, str], RunPlan] = {}
    for run_key, tis in tis_by_run.items():
        dag_id, run_id = run_key

        def addressable(
            task_id: str, map_index: int, dag_id: str = dag_id, run_id: str = run_id
        ) -> bool:
            return routes.bulk_for(map_index) or fits(_ti_path(dag_id, run_id, task_id, map_index))

        upstream = upstream_of[dag_id]
        plan = plan_run(
            created[run_key],
            tis,
            success_marks_all=routes.run_success_marks_all,
            upstream=upstream,
            addressable=addressable,
            unaddressable_reason=UNADDRESSABLE,
            current=blocked.get(run_key),
            run_state_last=run_key in blocked,
            order=None if upstream is not None else _start_order(tis),
        )
        plans[run_key] = plan
        for change in plan.changes:
            phases[change.phase].append(_entity(dag_id, run_id, change))
    done: set[tuple[str, str, str, int]] = set()
    failures: dict[tuple[str, str, str, int], str] = {}
    for phase in sorted(phases):
        bulk = [e for e in phases[phase] if routes.bulk_for(e["map_index"])]
        singles = [e for e in phases[phase] if not routes.bulk_for(e["map_index"])]
        patched = run_bounded(singles, lambda one: _patch_one_ti(api, one), concurrency)
        for entity, (ok, failure) in zip(singles, patched, strict=True):
            if ok:
                done.add(_full_key(entity))
            else:
                failures[_full_key(entity)] = failure
        batches = run_batches([(e, None) for e in bulk], BULK_BATCH)
        answers = run_bounded(
            batches,
            lambda batch: api.bulk_update("/dags/~/dagRuns/~/taskInstances", [e for e, _ in batch]),
            concurrency,
        )
        for batch, answer in zip(batches, answers, strict=True):
            if answer.get("errors"):
                log.warning("bulk task instance update: %s", str(answer["errors"])[:1000])
            updated = set(answer.get("success") or [])
            for entity, _ in batch:
                if _ti_key(entity) in updated:
                    done.add(_full_key(entity))
                else:
                    failures[_full_key(entity)] = NOT_UPDATED
    outcomes: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
    for (dag_id, run_id), plan in plans.items():
        listed = outcomes.setdefault((dag_id, run_id), [])
        for ti_key, (_, outcome, reason) in sorted(plan.predicted.items()):
            decider = plan.decided_by.get(ti_key)
            full = (dag_id, run_id, *decider) if decider else None
            if full is None or full in done:
                listed.append((outcome, reason))
            else:
                listed.append(("not_restored", failures.get(full, NOT_UPDATED)))
    return outcomes


def _entity(dag_id: str, run_id: str, change: TiChange) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "dag_id": dag_id,
        "dag_run_id": run_id,
        "task_id": change.task_id,
        "map_index": change.map_index,
    }
    if change.new_state is not None:
        entity["new_state"] = change.new_state
    if change.note:
        entity["note"] = change.note[:NOTE_LIMIT]
    if change.include_upstream:
        entity["include_upstream"] = True
    return entity


def _full_key(entity: Mapping[str, Any]) -> tuple[str, str, str, int]:
    return (
        str(entity["dag_id"]),
        str(entity["dag_run_id"]),
        str(entity["task_id"]),
        int(entity["map_index"]),
    )


def _ti_path(dag_id: str, run_id: str, task_id: str, map_index: int) -> str:
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
    return path + (f"/{map_index}" if map_index >= 0 else "")


def run_batches(
    entries: list[tuple[dict[str, Any], str | None]], size: int
) -> list[list[tuple[dict[str, Any], str | None]]]:
    """Bulk batches of at most ``size`` entities that keep one run's task instances
    together where they fit: concurrent batches then never change the same run (whose
    row a state change may update), so they do not wait on each other's locks."""
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], str | None]]] = {}
    for entry in entries:
        groups.setdefault((entry[0]["dag_id"], entry[0]["dag_run_id"]), []).append(entry)
    batches: list[list[tuple[dict[str, Any], str | None]]] = []
    current: list[tuple[dict[str, Any], str | None]] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            batches.append(current)
            current = []
        for start in range(0, len(group), size):  # a run with more than fits: split
            chunk = group[start : start + size]
            if len(current) + len(chunk) > size:
                batches.append(current)
                current = []
            current.extend(chunk)
    if current:
        batches.append(current)
    return batches


def _patch_one_ti(api: AirflowRestApi, entity: dict[str, Any]) -> tuple[bool, str]:
    """One task instance per call, where its path fits (3.0.6; mapped ones on 3.2):
    (done, the reason when not)."""
    path = _ti_path(entity["dag_id"], entity["dag_run_id"], entity["task_id"], entity["map_index"])
    if not fits(path):
        return False, UNADDRESSABLE
    body = {k: entity[k] for k in ("new_state", "note", "include_upstream") if k in entity}
    status, _ = api.call("PATCH", path, body=body)
    return 200 <= status < 300, f"refused by Airflow (HTTP {status})"


def _ti_key(entity: Mapping[str, Any]) -> str:
    """How Airflow's bulk answer names a task instance it updated."""
    return f"{entity['dag_id']}.{entity['dag_run_id']}.{entity['task_id']}[{entity['map_index']}]"


def _task_upstream(api: AirflowRestApi, dag_id: str) -> dict[str, list[str]] | None:
    """Each task's direct upstream tasks; None when the tasks path does not fit or the
    DAG cannot be read."""
    path = f"/dags/{dag_id}/tasks"
    if not fits(path):
        return None
    try:
        tasks = api.dag_tasks(dag_id)
    except RestApiError as exc:
        log.warning("cannot read the tasks of %s (%s): ordering by start time", dag_id, exc)
        return None
    upstream: dict[str, list[str]] = {str(t["task_id"]): [] for t in tasks}
    for task in tasks:
        for child in task.get("downstream_task_ids") or []:
            upstream.setdefault(str(child), []).append(str(task["task_id"]))
    return upstream


def _start_order(tis: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Without the DAG's structure: the order the tasks started in (an upstream task
    finished before its downstream ones started); tasks that never started last."""
    started = sorted({str(t["start_date"]) for t in tis if t.get("start_date")})
    rank = {stamp: number for number, stamp in enumerate(started)}
    return {str(t["task_id"]): rank.get(str(t.get("start_date")), len(started)) for t in tis}


def _blocked_runs(
    api: AirflowRestApi,
    created: Mapping[tuple[str, str], str],
    tis_by_run: Mapping[tuple[str, str], list[Mapping[str, Any]]],
) -> dict[tuple[str, str], dict[tuple[str, int], str | None]]:
    """Restored runs still queued after their state was set (Airflow leaves a run
    unfinished while a teardown task has no state), with their task instances' states
    as read back: their plan starts there, and their state is set again after them."""
    queued = {
        (str(r["dag_id"]), str(r["dag_run_id"]))
        for r in api.dag_runs(state="queued")
        if (str(r["dag_id"]), str(r["dag_run_id"])) in created
    }
    queued &= set(tis_by_run)
    if not queued:
        return {}
    log.info("%d restored run(s) wait on a teardown task: state set after theirs", len(queued))
    out: dict[tuple[str, str], dict[tuple[str, int], str | None]] = {k: {} for k in queued}
    for ti in api.task_instances():
        key = (str(ti["dag_id"]), str(ti["dag_run_id"]))
        if key in out:
            index = -1 if ti.get("map_index") is None else int(ti["map_index"])
            out[key][(str(ti["task_id"]), index)] = ti.get("state")
    return out


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
