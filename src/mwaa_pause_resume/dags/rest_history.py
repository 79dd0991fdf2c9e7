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
are restored. The marker takes the restored run at its date over (clears it, gives it
its own note and state: :mod:`.rest_position`), so the import uses
:class:`HistoryRestore`, whose :meth:`~HistoryRestore.restore_again` then gives that
run its snapshot state, note and task instance states back, and counts it as it ends.
Steps 1, 2 and 4's run calls are :mod:`.rest_history_runs`, step 3 is
:mod:`.rest_history_task_instances`; the routes per version and the ids restored runs
get are :mod:`.rest_history_routes`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.dags.rest_api import AirflowRestApi
from mwaa_pause_resume.dags.rest_history_plan import NEAREST_TI_STATE, SETTABLE_TI_STATES
from mwaa_pause_resume.dags.rest_history_routes import (
    SHORTENED,
    Routes,
    restored_ids,
    restored_run_id,
)
from mwaa_pause_resume.dags.rest_history_runs import (
    EXISTED,
    ExistingRuns,
    create_run,
    fail_queued,
    no_fit_reason,
    restored_note,
    set_run_states,
)
from mwaa_pause_resume.dags.rest_history_task_instances import (
    TaskInstanceRestore,
    blocked_runs,
    read_back,
    run_batches,
)
from mwaa_pause_resume.dags.rest_pool import RetryingRestApi, default_concurrency, run_bounded
from mwaa_pause_resume.metadata.layout import REST_FIELDS

log = logging.getLogger(__name__)

# The tag of the workflows' own DAGs (mwaa_export_data.py, mwaa_import_data.py): their
# runs are the pauses and resumes themselves, whatever ids the configuration gives them.
OWN_TAG = "mwaa-pause-resume"
RUN_FIELDS = REST_FIELDS["dag_runs"]
TI_FIELDS = REST_FIELDS["task_instances"]

TAKEN_OVER = "the scheduler position's marker backfill took its run over"
__all__ = [  # the names of its parts stay importable here (tests, the sandbox's check)
    "NEAREST_TI_STATE",
    "SETTABLE_TI_STATES",
    "Counts",
    "HistoryRestore",
    "Routes",
    "collect_history",
    "import_history",
    "own_dag_ids",
    "restored_ids",
    "restored_run_id",
    "run_batches",
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
    concurrency: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Restore the runs and their task instances; every DAG must be paused throughout.

    Independent calls (the runs' creations, the bulk batches of one graph layer, the
    runs' states) go ``concurrency`` at a time (None: the version's default,
    :func:`~.rest_pool.default_concurrency`), each retried while the service is busy
    (:mod:`.rest_pool`); the counts do not depend on the concurrency. A retried import
    creates no run twice: a run id that exists already is this snapshot's run only if
    its logical date and conf match.

    Returns ``{"dag_runs": counts, "task_instances": counts}`` (see :class:`Counts`).
    Raises :class:`~.rest_api.RestApiError` when a restored run stays queued and cannot be failed.
    The import itself uses :class:`HistoryRestore`, which can also restore a run again
    after the position marker took it over.
    """
    history = HistoryRestore(
        api,
        dag_runs,
        task_instances,
        airflow_version=airflow_version,
        exclude_dag_ids=exclude_dag_ids,
        concurrency=concurrency,
    )
    history.restore()
    return history.counts()


class HistoryRestore:
    """The run history import (:func:`import_history`) as an object, so that runs the
    scheduler position's marker backfill took over afterwards can be restored again
    (:meth:`restore_again`; :mod:`.rest_position`) and counted as they end."""

    def __init__(
        self,
        api: AirflowRestApi,
        dag_runs: Iterable[Mapping[str, Any]],
        task_instances: Iterable[Mapping[str, Any]],
        *,
        airflow_version: str,
        exclude_dag_ids: Iterable[str] = (),
        concurrency: int | None = None,
    ) -> None:
        self.api = api if isinstance(api, RetryingRestApi) else RetryingRestApi(api)
        self.routes = Routes.of(airflow_version)
        self.concurrency = (
            default_concurrency(airflow_version) if concurrency is None else concurrency
        )
        excluded = set(exclude_dag_ids)
        self.runs = [r for r in dag_runs if r["dag_id"] not in excluded]
        self.new_ids = restored_ids(self.runs, airflow_version)
        # the snapshot's task instances by restored run (their run ids made the restored ones)
        self.tis_by_run: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for ti in task_instances:
            if ti["dag_id"] not in excluded:
                original = (str(ti["dag_id"]), str(ti["dag_run_id"]))
                run_id = self.new_ids.get(original) or restored_run_id(original[1])
                self.tis_by_run[(original[0], run_id)].append({**ti, "dag_run_id": run_id})
        self.created: dict[tuple[str, str], str] = {}  # restored run -> its final state
        self.notes: dict[tuple[str, str], str | None] = {}  # restored run -> its note
        self.run_outcomes: dict[tuple[str, str], tuple[str, str | None]] = {}
        self.ti_outcomes: dict[tuple[str, str], list[tuple[str, str | None]]] = {}
        # what is counted apart from the restored runs (not restored; extra reasons)
        self.run_counts, self.ti_counts = Counts(), Counts()

    def counts(self) -> dict[str, dict[str, Any]]:
        """``{"dag_runs": counts, "task_instances": counts}`` as the runs end now."""
        runs, tis = Counts(), Counts()
        for total, extra in ((runs, self.run_counts), (tis, self.ti_counts)):
            for outcome in ("exact", "approximated", "not_restored"):
                setattr(total, outcome, getattr(extra, outcome))
            total.reasons = dict(extra.reasons)
        for outcome, reason in self.run_outcomes.values():
            runs.add(outcome, reason)
        for run_outcomes in self.ti_outcomes.values():
            for outcome, reason in run_outcomes:
                tis.add(outcome, reason)
        return {"dag_runs": runs.as_dict(), "task_instances": tis.as_dict()}

    def restore(self) -> None:
        """Create every run, set its state, then its task instances (module docstring)."""
        api, routes, concurrency = self.api, self.routes, self.concurrency
        existing = ExistingRuns(api)
        to_create = [
            {**run, "dag_run_id": new_id}
            for run in self.runs
            if (new_id := self.new_ids[(str(run["dag_id"]), str(run["dag_run_id"]))]) is not None
        ]
        made = iter(
            run_bounded(to_create, lambda run: create_run(api, run, routes, existing), concurrency)
        )
        pending: dict[tuple[str, str], list[Mapping[str, Any]]] = {}  # task instances to set
        for run in self.runs:
            original = (str(run["dag_id"]), str(run["dag_run_id"]))
            new_id = self.new_ids[original]
            key = (original[0], new_id or restored_run_id(original[1]))
            tis = self.tis_by_run.get(key, [])
            reason: str | None
            final: str | None
            if new_id is None:
                outcome, reason, final = "not_restored", no_fit_reason(original[0], routes), None
            else:
                outcome, reason, final = next(made)
                if final is not None and outcome == "exact" and new_id != original[1]:
                    outcome, reason = "approximated", SHORTENED
            if final is None:
                self.run_counts.add("not_restored", reason)
                for _ in tis:
                    self.ti_counts.add("not_restored", "its run was not restored")
                continue
            self.created[key] = final
            self.notes[key] = restored_note(run)
            self.run_outcomes[key] = (outcome, reason)
            if reason == EXISTED:
                self.ti_outcomes[key] = [("not_restored", EXISTED)] * len(tis)
            elif tis:
                pending[key] = tis
        for key, tis in self.tis_by_run.items():
            if key not in self.created:
                for _ in tis:
                    self.ti_counts.add("not_restored", "its run is not in the snapshot")

        # Per run, only the task instances that differ from what the run's own state gives
        # them (rest_history_plan). Before 3.3 the run's state comes first (a success run
        # marks them all success); from 3.3 last (it skips the ones left without a state,
        # and skipping them first would make every success a second change).
        created = self.created
        restore = TaskInstanceRestore(api, pending, created, routes, concurrency)
        if routes.run_success_marks_all:
            set_run_states(api, created, routes, concurrency)
            blocked = blocked_runs(api, created, pending)
            outcomes = restore.run(blocked)
        else:
            outcomes = restore.run({})
            set_run_states(api, created, routes, concurrency)
            blocked = blocked_runs(api, created, pending)
            if blocked:
                outcomes |= restore.run(blocked, only=set(blocked))
        if blocked:
            set_run_states(api, {k: created[k] for k in blocked}, routes, concurrency)
        self.ti_outcomes.update(outcomes)
        fail_queued(api, created, routes, self.run_counts.reasons)
        log.info("run history restored: %s", self.counts())

    def restore_again(self, keys: Iterable[tuple[str, str]]) -> None:
        """Give restored runs that something changed since :meth:`restore` (the position
        marker's backfill: :mod:`.rest_position`) their snapshot state, note and task
        instance states again; keys of runs this import did not restore are ignored.

        The run's task instances are read back and planned from there, as for a run a
        teardown task kept queued: before 3.3 the run's state and note first (a success
        run marks every task instance success), from 3.3 last. A failure counts the run
        and its task instances not restored (logged), except a run left queued, which
        raises :class:`~.rest_api.RestApiError` as in :meth:`restore`.
        """
        runs = sorted({k for k in keys if k in self.created})
        if not runs:
            return
        finals = {k: self.created[k] for k in runs}
        try:
            self._restore_again(runs, finals)
        except Exception as exc:  # the run stays as the marker left it: counted so
            log.warning("restoring %s again: %s", runs, exc, exc_info=True)
            reason = f"{TAKEN_OVER}; restoring it again failed: {type(exc).__name__}"
            for key in runs:
                self.run_outcomes[key] = ("not_restored", reason)
                self.ti_outcomes[key] = [("not_restored", reason)] * len(
                    self.tis_by_run.get(key, [])
                )
        fail_queued(self.api, finals, self.routes, self.run_counts.reasons)

    def _restore_again(
        self, runs: list[tuple[str, str]], finals: dict[tuple[str, str], str]
    ) -> None:
        api, routes = self.api, self.routes
        tis = {k: self.tis_by_run[k] for k in runs if self.tis_by_run.get(k)}
        notes = {k: self.notes.get(k) for k in runs}
        restore = TaskInstanceRestore(api, tis, finals, routes, self.concurrency)
        if routes.run_success_marks_all:
            set_run_states(api, finals, routes, self.concurrency, notes=notes)
            outcomes = restore.run({}, read_back=read_back(api, tis))
        else:
            outcomes = restore.run(read_back(api, tis))
            set_run_states(api, finals, routes, self.concurrency, notes=notes)
        self.ti_outcomes.update(outcomes)
        log.info("%d run(s) restored again after the position marker took them over", len(runs))
