"""Pure plan of the REST calls that restore one run's task instance states.

Setting a restored run's final state (one call per run, per 50 runs on 3.3) makes
Airflow set that run's task instances too, in one transaction
(``set_dag_run_state_to_success``/``_failed`` in ``airflow/api/common/mark_tasks.py``).
On a freshly created run every task instance has no state, so it leaves a known
*baseline* on every task that is not a teardown:

- Airflow 3.0 and 3.2: a run set **success** marks every task instance success (any
  state but success is overwritten); a run set **failed** marks the ones without a
  finished state skipped. The import sets the run's state *first*.
- Airflow 3.3: either final state marks the ones without a finished state **skipped**
  and keeps finished ones (``_set_dag_run_terminal_state``). The import sets the run's
  state *last*, so a task instance the plan changes is changed once.

Only the task instances whose snapshot state (or note) differs from that baseline need
a call of their own. A task instance that must end ``success`` and whose upstream tasks
all ended ``success`` too is covered by one change of its most downstream such task
with ``include_upstream`` (``set_state`` marks the task and all its upstream task
instances in one query). Each state change also clears the *failed* task instances
downstream of the changed task (``set_task_instance_state``), so changes to ``failed``
come last, upstream ones first: nothing the plan set is cleared afterwards.

A run whose state could not be set because a teardown task was pending (Airflow does
not finish a run while a teardown task has no state) is planned again against its
task instances as read back, its state set after them (:func:`plan_run` with
``run_state_last``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SETTABLE_TI_STATES = ("success", "failed", "skipped")  # PatchTaskInstanceBody
# The nearest settable state of the others: what a run-level "failed" PATCH does to
# them (pending ones skipped, running ones failed).
NEAREST_TI_STATE: dict[str | None, str] = {
    None: "skipped",
    "upstream_failed": "skipped",
    "removed": "skipped",
    "scheduled": "skipped",
    "queued": "skipped",
    "running": "failed",
    "restarting": "failed",
    "up_for_retry": "failed",
    "up_for_reschedule": "failed",
    "deferred": "failed",
}
# A change to failed is made after every other change of its run (phase 0), one graph
# layer at a time: phase 1 + its task's depth.
FIRST_FAILED_PHASE = 1
OVERWRITTEN = (
    "set success by its run's state (Airflow before 3.3 marks every task instance of a "
    "run set success; the run's state had to be set after them: a teardown task)"
)

TiKey = tuple[str, int]  # (task_id, map_index) within one run


def target_state(state: str | None) -> tuple[str, str | None]:
    """The state a snapshot's task instance is restored to, and why it is approximate
    (None when exact)."""
    if state in SETTABLE_TI_STATES:
        return str(state), None
    nearest = NEAREST_TI_STATE.get(state, "skipped")
    return nearest, f"state {state} set as {nearest}"


def baseline_state(final: str, *, success_marks_all: bool) -> str:
    """What the run-level change to ``final`` gives a stateless task instance (not a
    teardown): see the module docstring."""
    return "success" if final == "success" and success_marks_all else "skipped"


@dataclass(frozen=True)
class TiChange:
    """One entity of a task instance update: its state and/or note.

    ``covers`` are the task instances whose restored state this change decides (the
    task instance itself, plus its upstream ones with ``include_upstream``)."""

    task_id: str
    map_index: int
    new_state: str | None
    note: str | None
    include_upstream: bool
    phase: int
    covers: tuple[TiKey, ...]


@dataclass
class RunPlan:
    """The changes of one run, and per task instance the predicted restored state with
    how it is counted: ``(state, outcome, reason)``; ``decided_by`` names the change
    that decides it, None when the run's own state does."""

    changes: list[TiChange] = field(default_factory=list)
    predicted: dict[TiKey, tuple[str | None, str, str | None]] = field(default_factory=dict)
    decided_by: dict[TiKey, TiKey | None] = field(default_factory=dict)


def ancestors_of(upstream: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Every task's transitive upstream tasks (cycles, which Airflow refuses, end the walk)."""
    out: dict[str, frozenset[str]] = {}

    def walk(task: str, seen: frozenset[str]) -> frozenset[str]:
        if task in out:
            return out[task]
        found: set[str] = set()
        for parent in upstream.get(task, ()):
            if parent not in seen:
                found |= {parent, *walk(parent, seen | {task})}
        out[task] = frozenset(found)
        return out[task]

    for task in list(upstream):
        walk(task, frozenset())
    return out


def depths_of(upstream: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Each task's longest distance from a root (upstream tasks have smaller depths)."""
    depths: dict[str, int] = {}

    def depth(task: str, seen: frozenset[str]) -> int:
        if task not in depths:
            parents = [p for p in upstream.get(task, ()) if p not in seen]
            depths[task] = 1 + max((depth(p, seen | {task}) for p in parents), default=-1)
        return depths[task]

    for task in list(upstream):
        depth(task, frozenset())
    return depths


def plan_run(
    final: str,
    tis: Iterable[Mapping[str, Any]],
    *,
    success_marks_all: bool,
    upstream: Mapping[str, Iterable[str]] | None,
    addressable: Callable[[str, int], bool],
    unaddressable_reason: str = "no route for this task instance fits",
    current: Mapping[TiKey, str | None] | None = None,
    run_state_last: bool = False,
    order: Mapping[str, int] | None = None,
) -> RunPlan:
    """The changes that make one restored run's task instances equal the snapshot's.

    ``tis``: the snapshot's task instances of the run (``task_id``, ``map_index``,
    ``state``, ``note``). ``success_marks_all``: Airflow before 3.3 (module docstring).
    ``upstream``: task id -> its direct upstream task ids, None when the DAG's structure
    is unknown (no ``include_upstream``; failed changes ordered by ``order``, a rank per
    task, e.g. the start order). ``addressable(task_id, map_index)``: whether a change
    can be sent for that task instance on this version.

    By default each task instance that no change touches ends at :func:`baseline_state`
    (the run's state sets it, before the changes or after them). With ``current`` (task
    instances as read back) they start there instead, and with ``run_state_last`` the
    run's state is set after the changes (before 3.3 a success run then marks every task
    instance success).
    """
    baseline = baseline_state(final, success_marks_all=success_marks_all)
    rows = {(str(t["task_id"]), _index(t)): t for t in tis}
    start = {k: (current.get(k) if current is not None else baseline) for k in rows}
    overwrite = run_state_last and final == "success" and success_marks_all
    plan = RunPlan()
    want: dict[TiKey, tuple[str, str | None]] = {
        k: target_state(t.get("state")) for k, t in rows.items()
    }
    needed = {k for k in rows if want[k][0] != start[k] or (rows[k].get("note") and not overwrite)}
    if overwrite:
        # The run's success call comes last and marks every task instance success:
        # send only what keeps a teardown task from blocking it (its state, or a note).
        for key in sorted(rows):
            state, reason = want[key]
            if state != "success":
                state, reason = "success", OVERWRITTEN
            plan.predicted[key] = (state, "approximated" if reason else "exact", reason)
            plan.decided_by[key] = None
        for key in sorted(k for k in needed if start[k] != "success" or rows[k].get("note")):
            _single(plan, key, rows[key], None if start[key] == "success" else "success", 0)
        return plan

    covered = _closures(plan, rows, want, start, upstream, addressable)
    depth = depths_of(upstream) if upstream is not None else dict(order or {})
    for key in sorted(rows):
        state, reason = want[key]
        if key in covered:
            continue
        if key not in needed:
            plan.predicted[key] = (state, "approximated" if reason else "exact", reason)
            plan.decided_by[key] = None
            continue
        if not addressable(*key):
            plan.predicted[key] = (start[key], "not_restored", unaddressable_reason)
            plan.decided_by[key] = None
            continue
        new_state = state if state != start[key] else None
        phase = FIRST_FAILED_PHASE + depth.get(key[0], 0) if new_state == "failed" else 0
        _single(plan, key, rows[key], new_state, phase)
        plan.predicted[key] = (state, "approximated" if reason else "exact", reason)
    return plan


def _index(ti: Mapping[str, Any]) -> int:
    return -1 if ti.get("map_index") is None else int(ti["map_index"])


def _note(ti: Mapping[str, Any]) -> str | None:
    return str(ti["note"]) if ti.get("note") else None


def _single(
    plan: RunPlan, key: TiKey, ti: Mapping[str, Any], new_state: str | None, phase: int
) -> None:
    plan.changes.append(TiChange(key[0], key[1], new_state, _note(ti), False, phase, (key,)))
    plan.decided_by[key] = key


def _closures(  # noqa: PLR0917 (the plan's working sets)
    plan: RunPlan,
    rows: Mapping[TiKey, Mapping[str, Any]],
    want: Mapping[TiKey, tuple[str, str | None]],
    start: Mapping[TiKey, str | None],
    upstream: Mapping[str, Iterable[str]] | None,
    addressable: Callable[[str, int], bool],
) -> set[TiKey]:
    """``include_upstream`` success changes; returns the task instances they cover.

    A task qualifies when every task instance of it and of all its upstream tasks must
    end success and starts elsewhere (``set_state`` skips those already success, and a
    change that alters nothing is refused with 409). The most downstream qualifying
    tasks are the changes, each named by its single unmapped task instance."""
    if upstream is None:
        return set()
    by_task: dict[str, list[TiKey]] = {}
    for key in rows:
        by_task.setdefault(key[0], []).append(key)
    ancestors = ancestors_of({task: upstream.get(task, ()) for task in by_task})

    def all_success(task: str) -> bool:
        keys = by_task.get(task)
        return bool(keys) and all(
            want[k][0] == "success" and start[k] != "success" for k in keys or ()
        )

    closed = {
        task
        for task in by_task
        if all_success(task) and all(all_success(a) for a in ancestors.get(task, ()))
    }
    depth = depths_of({task: upstream.get(task, ()) for task in by_task})
    covered: set[TiKey] = set()
    for task in sorted(closed, key=lambda t: (-depth.get(t, 0), t)):
        keys = by_task[task]
        if keys[0] in covered or keys != [(task, -1)] or not addressable(task, -1):
            continue
        # Upstream task instances another change covers already are skipped by its
        # query (already success); this one still alters its own task instance.
        lineage = [
            k
            for a in sorted(ancestors.get(task, ()))
            for k in sorted(by_task[a])
            if k not in covered
        ]
        key = (task, -1)
        plan.changes.append(
            TiChange(task, -1, "success", _note(rows[key]), True, 0, (key, *lineage))
        )
        for one in (key, *lineage):
            covered.add(one)
            plan.decided_by[one] = key
            plan.predicted[one] = ("success", "exact", None)
            if one != key and _note(rows[one]):
                # its note: a change of its own (notes are per task instance)
                plan.changes.append(TiChange(one[0], one[1], None, _note(rows[one]), False, 0, ()))
    return covered
