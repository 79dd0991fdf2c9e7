"""Filling a :class:`~.restore_summary.RestoreSummary` from what the imports return.

A full-scope import summarises the database restore's report
(:class:`~.restore_report.RestoreReport`); a rest-only one the records it wrote, the run
history (:func:`add_history`) and, for both, the scheduler positions
(:func:`add_positions`). Standard library only (the DAG bundle imports it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mwaa_pause_resume.metadata.flags import InterruptedPolicy, SnapshotScope
from mwaa_pause_resume.metadata.missed_runs import HeldDag
from mwaa_pause_resume.metadata.restore_summary import HELD_POSITION, ITEMS, RestoreSummary

# Full scope: the table whose rows are each item (Airflow 2 calls asset events dataset events).
TABLE_ITEMS = {
    "dag_run": "dag_runs",
    "task_instance": "task_instances",
    "xcom": "xcoms",
    "asset_event": "asset_events",
    "dataset_event": "asset_events",
    "variable": "variables",
    "connection": "connections",
    "slot_pool": "pools",
}
ALREADY_HERE = "this environment already had them, kept as they were"
COLLIDED = "they collided with a row of this environment"
NOT_PARSED = "their DAGs are not parsed in this environment yet"
RUN_IN_PROGRESS = "a run was in progress here"
INTERRUPTED = {
    InterruptedPolicy.RERUN: "interrupted by the pause: set to run again",
    InterruptedPolicy.FAIL: "interrupted by the pause: marked failed",
}
NO_HISTORY_POSITION = (
    "no run history in the snapshot: each DAG is scheduled as in a new environment "
    "(catchup=True: again from its start_date)"
)


def left_out_by_scope(summary: RestoreSummary, held_items: Iterable[str]) -> None:
    """Count as left out whole every item the snapshot does not hold (its manifest says
    which, :meth:`~.manifest.Manifest.held_items`); without run history, the positions."""
    held = set(held_items)
    for item in ITEMS:
        if item == "positions":
            if "dag_runs" not in held and "positions" not in held:
                summary.add(item, reason=NO_HISTORY_POSITION)
        elif item not in held:
            summary.add(item, reason=f"not in a {summary.scope} snapshot")


def full_scope_summary(report: Any, *, own_dags: Iterable[str] = ()) -> RestoreSummary:
    """The summary of a full-scope restore (:class:`~.restore.RestoreReport`).

    Per table item: rows inserted, overwritten or matched are exact; rows interrupted
    by the pause are approximated (``interrupted_policy`` changed their state); rows
    kept from this environment or skipped on a collision are not restored. Paused
    states the DAGs of ``own_dags`` (the workflows' own) keep are not counted."""
    summary = RestoreSummary(SnapshotScope.FULL.value)
    for table, item in TABLE_ITEMS.items():
        result = report.tables.get(table)
        if result is None:
            continue
        kept = result.kept_target + result.skipped_with_parent
        summary.add(
            item,
            exact=result.inserted + result.updated + result.matched,
            not_restored=kept + result.skipped_conflict,
            reason=", ".join(
                why
                for why, count in ((ALREADY_HERE, kept), (COLLIDED, result.skipped_conflict))
                if count
            )
            or None,
        )
    why = INTERRUPTED.get(report.interrupted_policy, "interrupted by the pause")
    for item, count in (
        ("dag_runs", report.interrupted_runs),
        ("task_instances", report.interrupted_task_instances),
    ):
        counts = summary.items.get(item)
        if count and counts is not None:
            moved = min(count, counts.exact)
            counts.exact -= moved
            summary.add(item, approximated=moved, reason=why)
    own = set(own_dags)
    busy = [d for d in report.paused_states_kept_busy if d not in own]
    pending = [d for d in report.paused_states_pending if d not in own]
    summary.add("paused_states", exact=report.paused_states_applied)
    if pending:
        summary.add("paused_states", not_restored=len(pending), reason=NOT_PARSED)
    if busy:
        summary.add("paused_states", not_restored=len(busy), reason=RUN_IN_PROGRESS)
    return summary


def rest_scope_summary(
    held_items: Iterable[str],
    restored: Mapping[str, int],
    *,
    paused_states: int,
    dags_missing: int,
) -> RestoreSummary:
    """The summary of a rest-only import: ``restored`` counts the records written per
    kind (variables, connections, pools), ``paused_states`` the DAGs whose paused state
    is now the snapshot's, ``dags_missing`` those not parsed in this environment."""
    summary = RestoreSummary(SnapshotScope.REST_ONLY.value)
    for kind, count in restored.items():
        summary.add(kind, exact=count)
    summary.add("paused_states", exact=paused_states)
    if dags_missing:
        summary.add("paused_states", not_restored=dags_missing, reason=NOT_PARSED)
    left_out_by_scope(summary, held_items)
    return summary


def add_history(summary: RestoreSummary, history: Mapping[str, Any]) -> None:
    """Count the run history a rest-only import wrote: ``history`` maps an item
    (``dag_runs``, ``task_instances``) to ``exact``, ``approximated``, ``not_restored``
    and ``reasons`` (reason -> count), as :func:`~mwaa_pause_resume.dags.rest_history.
    import_history` returns it."""
    for item, counts in history.items():
        reasons = dict(counts.get("reasons") or {})
        summary.add(
            item,
            exact=int(counts.get("exact", 0)),
            approximated=int(counts.get("approximated", 0)),
            not_restored=int(counts.get("not_restored", 0)),
            reason="; ".join(f"{why} ({n})" for why, n in reasons.items()) or None,
        )


def add_positions(summary: RestoreSummary, positions: Mapping[str, Any]) -> None:
    """Count what the import did with the DAGs' scheduler positions: ``positions`` is the
    ``"positions"`` object of an import's result (``set``, ``held``, ``by_policy``)."""
    held = [HeldDag.from_json(h) for h in positions.get("held", [])]
    summary.add(
        "positions",
        exact=int(positions.get("set", 0)),
        not_restored=len(held),
        reason=HELD_POSITION if held else None,
    )
    for dag in held:
        summary.hold(dag)
    for policy, dags in dict(positions.get("by_policy", {})).items():
        if dags:
            summary.policy_applied(policy, int(dags))
