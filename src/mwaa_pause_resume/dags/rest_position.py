"""The scheduler's position and the missed-runs policy through Airflow 3's REST API.

Airflow schedules a DAG from the logical date of its newest run of type ``scheduled``
or ``backfill``; a fresh database has none, so a ``catchup=True`` DAG would start over
from its ``start_date``. The rest-only scope cannot write a ``scheduled`` run, but
``POST /backfills`` makes ``backfill`` runs, which count the same
(``docs/research/airflow3-rest-channels.md`` §6.2). So, per DAG, while it is paused:

1. the marker date T that the DAG's missed-runs policy asks for
   (:func:`~mwaa_pause_resume.metadata.missed_runs.marker_date`), from its position at
   the pause (recorded by the export: :func:`collect_positions`) and its newest due
   intervals (``POST /backfills/dry_run``);
2. ``POST /backfills`` from T to T (``reprocess_behavior: completed`` turns a restored
   finished run at T into the marker, keeping its run id); the run stays queued, since
   queued runs of a paused DAG never start;
3. finish the run without running a task: ``PATCH`` its state (3.3's bulk
   ``PATCH /dags/~/dagRuns``, else the single run when its path fits InvokeRestApi's 64
   characters), then ``PUT /backfills/{id}/cancel`` (completes the backfill and fails
   what is still queued: a failed marker counts as well);
4. a run the history restore made (the snapshot's run at T) is restored again
   (``taken_over``: :meth:`~.rest_history.HistoryRestore.restore_again`), below;
5. wait, for all DAGs at once, until the DAG processor has parsed each again and
   ``next_dagrun_logical_date`` lies after T.

A DAG whose position is needed but cannot be set and verified is *held*: the paused-state
restore leaves it paused, and the import names it with the action to take.

**The snapshot's run at T.** Under ``catchup`` T is the logical date of the DAG's
newest automated run, which the history restore (run before this) has just made. The
backfill does not make a run beside it: Airflow keeps one run per DAG and logical date,
so it *takes that run over* (``models/backfill.py`` ``_handle_clear_run``, 3.0.6 to
3.3.1): clears its task instances, queues it and makes it a ``backfill`` run in place
(run id, dates, interval and conf kept); step 3 then gives it the marker's note and
state, and its task instances what that state gives (3.3: skipped). So step 4 gives
it back the snapshot's state, note and task instance states with the history
restore's own calls for that one run: its task instances are read back
(``POST /dags/~/dagRuns/~/taskInstances/list``, 36 characters whatever the ids) and
only the differences sent, before 3.3 after the run's state and note (a success run
marks every task instance success), from 3.3 before them; the paths are those the
history restore used for it, which fit by construction (its id was shortened to fit
before 3.3). The run's *type* stays ``backfill``: that is what makes it the position.
A retried import takes it over again and restores it again, so it ends the same.
Weighed and not taken: restoring the history *after* the positions would leave the
marker a new run ``backfill__T``, and the history restore's ``POST`` of the run at T
would then be refused (409, ``dag_run_dag_id_logical_date_key``) and the run not
restored at all (a run cannot be renamed through the API); a backfill that leaves the
existing run alone (``reprocess_behavior`` ``none`` or ``failed``) makes no run at T
(``already exists``), hence no position.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.dags.rest_api import fits
from mwaa_pause_resume.dags.rest_position_api import AUTOMATED, MARKER_NOTE, PositionApi
from mwaa_pause_resume.dags.rest_position_plan import (
    ACTION_CHECK,
    DagPlan,
    PositionOutcome,
    iso,
    needs_marker,
    no_intervals,
    parse_time,
    period_start,
    position_record,
)
from mwaa_pause_resume.metadata.missed_runs import (
    CATCHUP,
    TAG_KEY,
    marker_date,
    policy_for_dag,
)

log = logging.getLogger(__name__)

PARSE_WAIT_SECONDS = 180.0  # the DAG processor re-parses every file each 30 s by default
POLL_SECONDS = 3.0
# Windows of the first dry run from the anchor tick: grows until it holds two ticks.
PERIOD_WINDOWS = (timedelta(hours=3), timedelta(days=3), timedelta(days=70), timedelta(days=800))
__all__ = [  # the names of its parts stay importable here (tests, the sandbox's check)
    "AUTOMATED",
    "MARKER_NOTE",
    "DagPlan",
    "PositionApi",
    "PositionOutcome",
    "collect_positions",
    "fits",
    "needs_marker",
    "no_intervals",
    "parse_time",
    "period_start",
    "position_record",
    "restore_positions",
]


# -- export -------------------------------------------------------------------------------
def collect_positions(api: Any, skip: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Per scheduled DAG (not in ``skip``), its newest automated run: its position.

    A DAG with no such run has no record (the import then knows it had none)."""
    rest = PositionApi(api, "3")
    skipped = set(skip)
    records = []
    for dag_id, dag in sorted(rest.dags().items()):
        if dag_id in skipped or not dag.get("timetable_summary"):
            continue
        run = rest.newest_automated_run(dag_id)
        if run is not None:
            records.append(position_record({**run, "dag_id": dag_id}))
    return records


# -- import -------------------------------------------------------------------------------
def recent_due(
    rest: PositionApi, dag_id: str, anchor: datetime, now: datetime
) -> list[datetime] | str:
    """The DAG's newest two (or fewer) complete intervals at ``now``, on the grid of
    ``anchor`` (a tick of the DAG): a dry run near the anchor gives the period, then
    one near ``now`` the newest ticks; or Airflow's refusal."""
    first: list[datetime] = []
    for window in PERIOD_WINDOWS:
        got = rest.dry_run(dag_id, anchor, min(anchor + window, now))
        if isinstance(got, str):
            return got
        first = got
        if len(first) >= 2 or anchor + window >= now:
            break
    if len(first) < 2:
        return first
    period = first[1] - first[0]
    back = 3
    while True:
        start = period_start(first[0], period, now, back)
        got = rest.dry_run(dag_id, start, now)
        if isinstance(got, str):
            return got
        if len(got) >= 2 or start <= first[0]:
            return got[-2:]
        back *= 8


def plan_dag(
    rest: PositionApi,
    dag: Mapping[str, Any],
    *,
    unpause: bool,
    default_policy: str,
    positions: Mapping[str, Mapping[str, Any]] | None,
    now: datetime,
) -> DagPlan | None:
    """The plan for one DAG; None when it has no schedule (no position to keep)."""
    dag_id = str(dag["dag_id"])
    if not dag.get("timetable_summary"):
        return None
    chosen = policy_for_dag(dag.get("tags") or [], default_policy)
    plan = DagPlan(dag_id, chosen.policy, unpause)
    if chosen.policy is None:
        plan.reason = str(chosen.problem)
        plan.action = f"fix its {TAG_KEY} tag, then {ACTION_CHECK}"
        return plan
    details = rest.details(dag_id)
    catchup = bool(details["catchup"]) if details and "catchup" in details else None
    if not needs_marker(chosen.policy, catchup):
        plan.note = "catchup=False: Airflow itself runs only the newest missed interval"
        return plan
    known = positions is not None
    record = (positions or {}).get(dag_id)
    last = parse_time(record.get("logical_date")) if record else None
    if chosen.policy == CATCHUP:
        if not known:
            plan.reason = (
                "the snapshot holds no scheduler positions (written by an older version): "
                "its last interval before the pause is unknown, and catchup would start "
                "over from its start_date"
            )
            return plan
        if last is None:
            plan.note = "no automated run before the pause: it starts as a new DAG would"
            return plan
        plan.marker = last
        return plan
    anchor = (
        last
        or parse_time(dag.get("next_dagrun_logical_date"))
        or parse_time((details or {}).get("start_date"))
    )
    if anchor is None or anchor >= now:
        plan.note = "no interval due"
        return plan
    due = recent_due(rest, dag_id, anchor, now)
    if isinstance(due, str) and no_intervals(due):
        plan.note = "a non-periodic schedule (assets, @once...): no position to keep"
        return plan
    if isinstance(due, str):
        plan.reason = f"its due intervals could not be read: {due}"
        return plan
    plan.marker = marker_date(chosen.policy, last, due)
    if plan.marker is None:
        plan.note = "no interval due"
    return plan


def place_marker(
    rest: PositionApi, plan: DagPlan, positions: Mapping[str, Mapping[str, Any]] | None
) -> None:
    """Steps 2 and 3 for one planned DAG (sets ``plan.reason`` on a refusal)."""
    assert plan.marker is not None
    created = rest.create_marker(plan.dag_id, plan.marker)
    if isinstance(created, str):
        plan.reason = f"the position marker backfill at {iso(plan.marker)} was refused: {created}"
        return
    plan.backfill_id = created
    try:
        run = rest.run_at(plan.dag_id, plan.marker)
        if run is None:
            plan.reason = f"the marker backfill made no run at {iso(plan.marker)}"
            return
        record = (positions or {}).get(plan.dag_id) or {}
        # The run that was the position before the pause keeps its final state.
        state = record.get("state") if record.get("logical_date") else None
        if parse_time(record.get("logical_date")) != plan.marker or state not in (
            "success",
            "failed",
        ):
            state = "success"
        run_id = plan.marker_run_id = str(run["dag_run_id"])
        if not rest.finish(plan.dag_id, run_id, str(state)) and rest.depends_on_past(plan.dag_id):
            # The cancel fails the marker but leaves its task instances without a state,
            # and a depends_on_past task of the next run would wait on them for ever.
            plan.reason = (
                f"its position marker {run_id} could only be failed (the path to set its "
                "state is longer than InvokeRestApi's 64 characters), leaving task instances "
                "without a state that its depends_on_past tasks would wait on"
            )
            plan.action = (
                f"mark the task instances of run {run_id} skipped in the Airflow UI, then "
                "unpause it"
            )
    finally:
        rest.cancel(created)


def restore_positions(
    api: Any,
    paused_states: Mapping[str, bool],
    positions: Iterable[Mapping[str, Any]] | None,
    *,
    default_policy: str,
    airflow_version: str,
    exclude: Iterable[str] = (),
    taken_over: Callable[[Iterable[tuple[str, str]]], None] | None = None,
    parse_wait_seconds: float = PARSE_WAIT_SECONDS,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> PositionOutcome:
    """Set the position of every scheduled DAG of the snapshot per its missed-runs policy.

    ``positions``: the export's records (None: an older snapshot that has none).
    Call before the paused states are restored; skip :meth:`PositionOutcome.held_ids`
    there. DAGs not (yet) parsed in this environment are left to the paused-state
    restore, which skips them too. ``taken_over``: called with ``(dag_id, run_id)`` of
    each marker run once its backfill is cancelled, before the next DAG's marker (the
    history restore's :meth:`~.rest_history.HistoryRestore.restore_again`, which gives
    a restored run the marker took over its snapshot state back: module docstring).
    """
    rest = PositionApi(api, airflow_version)
    by_dag = None if positions is None else {str(p["dag_id"]): p for p in positions}
    excluded = set(exclude)
    dags = rest.dags()
    outcome = PositionOutcome()
    now = clock()
    for dag_id, was_paused in sorted(paused_states.items()):
        dag = dags.get(dag_id)
        if dag_id in excluded or dag is None:
            continue
        try:
            plan = plan_dag(
                rest,
                dag,
                unpause=not was_paused,
                default_policy=default_policy,
                positions=by_dag,
                now=now,
            )
        except Exception as exc:  # one DAG's failure holds that DAG, not the import
            log.warning("position of %s: %s", dag_id, exc, exc_info=True)
            plan = DagPlan(dag_id, None, not was_paused, reason=f"{type(exc).__name__}: {exc}")
        if plan is None:
            continue
        outcome.plans.append(plan)
        if plan.marker is None or plan.reason is not None:
            continue
        try:
            if not dag.get("is_paused"):  # queued runs of an active DAG would start
                api.set_paused(dag_id, True)
            place_marker(rest, plan, by_dag)
        except Exception as exc:
            log.warning("position marker of %s: %s", dag_id, exc, exc_info=True)
            plan.reason = f"the position marker failed: {type(exc).__name__}: {exc}"
        if taken_over is not None and plan.marker_run_id is not None:
            try:  # counts its own failures; raises only when the run stays queued
                taken_over([(dag_id, plan.marker_run_id)])
            except Exception as exc:
                log.warning("restoring %s again: %s", plan.marker_run_id, exc, exc_info=True)
                plan.reason = (
                    f"its run {plan.marker_run_id}, taken over by the position marker, could "
                    f"not be restored again: {type(exc).__name__}: {exc}"
                )
    _await_parse(
        rest, [p for p in outcome.plans if p.marker and not p.reason], parse_wait_seconds, sleep
    )
    for held in outcome.held():
        if not dags[held.dag_id].get("is_paused"):  # active in the target already
            api.set_paused(held.dag_id, True)
    for plan in outcome.plans:
        log.info(
            "position of %s: policy %s, marker %s, %s",
            plan.dag_id,
            plan.policy,
            iso(plan.marker) if plan.marker else None,
            "verified" if plan.verified else (plan.reason or plan.note or "nothing to set"),
        )
    return outcome


def _await_parse(
    rest: PositionApi, plans: list[DagPlan], limit: float, sleep: Callable[[float], None]
) -> None:
    """Step 4 for all DAGs at once: until each one's next run lies after its marker."""
    deadline = time.monotonic() + limit
    pending = {p.dag_id: p for p in plans}
    while pending:
        try:
            dags = rest.dags()
        except Exception as exc:  # a transient failure: the deadline still bounds the wait
            log.warning("reading the DAGs' next runs: %s", exc)
            dags = {}
        for dag_id, plan in list(pending.items()):
            following = parse_time((dags.get(dag_id) or {}).get("next_dagrun_logical_date"))
            if following is not None and plan.marker is not None and following > plan.marker:
                plan.verified = True
                del pending[dag_id]
        if not pending or time.monotonic() >= deadline:
            break
        sleep(POLL_SECONDS)
    for plan in pending.values():
        plan.reason = (
            f"the DAG processor did not parse it again within {limit:.0f} s, so its next "
            f"run was not seen to follow the marker at {iso(plan.marker or datetime.now(UTC))}"
        )
