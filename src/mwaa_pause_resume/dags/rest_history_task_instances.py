"""The task instance phase of a run history import: per run only the states and notes
its own state does not give (:mod:`.rest_history_plan`), sent one phase at a time across
all runs, in bulk where the version allows it, else one call per task instance whose
path fits; and the runs a teardown task kept queued, whose task instances are read back
and planned again (:func:`blocked_runs`).

:mod:`.rest_history` creates the runs and sets their states around this phase.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from mwaa_pause_resume.dags.rest_api import AirflowRestApi, RestApiError, fits
from mwaa_pause_resume.dags.rest_history_plan import RunPlan, TiChange, plan_run
from mwaa_pause_resume.dags.rest_history_routes import Routes
from mwaa_pause_resume.dags.rest_pool import run_bounded

# The run history import's logger, whichever of its modules logs.
log = logging.getLogger("mwaa_pause_resume.dags.rest_history")

NOTE_LIMIT = 1000  # Airflow's note length limit
# Entities per bulk call: each one is a state change with its own clearing; well inside
# InvokeRestApi's 10 seconds.
BULK_BATCH = 50
NOT_UPDATED = "not updated by the bulk call (not in the new run, or refused)"
UNADDRESSABLE = (
    "path limit: PATCH …/taskInstances/{task_id}[/{map_index}] over 64 characters (no "
    "bulk route for it on this version): the run's state decides it"
)


class TaskInstanceRestore:
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
        *,
        read_back: Mapping[tuple[str, str], dict[tuple[str, int], str | None]] | None = None,
    ) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
        """Send the changes of every run (of ``only``); per run, each task instance's
        (outcome, reason). ``blocked``: runs whose state is set after these changes (a
        teardown task kept it unfinished), with their task instances as read back.
        ``read_back``: runs whose state is set already, with their task instances as read
        back since (planned from there instead of from what the run's state gives)."""
        runs = {k: v for k, v in self.tis_by_run.items() if only is None or k in only}
        return _restore_task_instances(
            self.api,
            runs,
            upstream_of=self.upstream_of(),
            created=self.created,
            blocked=blocked,
            read_back=read_back or {},
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
    read_back: Mapping[tuple[str, str], dict[tuple[str, int], str | None]],
    routes: Routes,
    concurrency: int,
) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
    """:meth:`TaskInstanceRestore.run`."""
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
            current=blocked.get(run_key, read_back.get(run_key)),
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


def blocked_runs(
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


def read_back(
    api: AirflowRestApi, runs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[tuple[str, int], str | None]]:
    """The task instance states of a few runs, as they are now (the batch list, whose
    path fits whatever the ids): every run of ``runs`` has an entry."""
    keys = set(runs)
    out: dict[tuple[str, str], dict[tuple[str, int], str | None]] = {k: {} for k in keys}
    if not keys:
        return out
    body: dict[str, Any] = {
        "dag_ids": sorted({d for d, _ in keys}),
        "dag_run_ids": sorted({r for _, r in keys}),
        "order_by": "id",
        "page_limit": 100,
    }
    offset = 0
    while True:
        page = api.request(
            "POST", "/dags/~/dagRuns/~/taskInstances/list", body={**body, "page_offset": offset}
        )
        listed = list(page.get("task_instances") or [])
        for ti in listed:
            key = (str(ti["dag_id"]), str(ti["dag_run_id"]))
            if key in out:
                index = -1 if ti.get("map_index") is None else int(ti["map_index"])
                out[key][(str(ti["task_id"]), index)] = ti.get("state")
        offset += len(listed)
        if not listed or offset >= int(page.get("total_entries") or 0):
            return out
