"""The missed-runs policy in the full scope: where each restored DAG's scheduler starts.

The import restores the metadata database in one transaction
(``metadata.restore.restore_snapshot``); the restored ``scheduled`` runs carry each
DAG's position, which is the ``catchup`` policy. For a DAG whose policy is ``latest``
or ``skip`` (``metadata.missed_runs``: the environment's policy, or the DAG's tag)
:class:`PositionSetter` runs as the restore's ``before_commit`` hook, inside the same
transaction, so the DAGs' unpaused states commit together with their positions:

- the DAG's timetable comes from its newest ``serialized_dag`` row, deserialized by
  Airflow itself (what the scheduler schedules from; no DAG file is executed here);
- its intervals are walked with the timetable's own ``next_dagrun_info`` from its
  newest automated run before the pause (catch-up order: the sequence the scheduler
  would create), up to now; ``missed_runs.marker_date`` picks the date T;
- a position marker (a finished ``backfill`` run) goes in at T and the ``dag`` row's
  next-run fields are set to the interval after T, by the DAG's own restriction
  (start/end dates, ``catchup``), as Airflow's ``calculate_dagrun_date_fields`` would.

A DAG whose position cannot be set exactly (a tag naming no policy, a schedule that
does not load here, a DAG this environment has not parsed, a run of another type in
the way) stays paused in the same transaction and is reported as a
:class:`~mwaa_pause_resume.metadata.missed_runs.HeldDag`. Only a database error fails
the restore.

Runs in the import task, where Airflow is importable: Airflow 2, and Airflow 3 tasks
with database access (the full scope). Airflow's API differs per version; the few
calls it needs are resolved below.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.metadata import position_sql
from mwaa_pause_resume.metadata.missed_runs import (
    CATCHUP,
    POLICIES,
    TAG_PREFIX,
    HeldDag,
    marker_date,
    parse_policy,
    policy_for_dag,
)

log = logging.getLogger(__name__)

# Intervals walked per DAG before giving up (and holding the DAG): an every-minute DAG
# paused for about 10 weeks. A cron interval costs 0.1-2 ms (croniter and time zones;
# measured on 2.11.2 idle and loaded), a timedelta one far less.
MAX_INTERVALS = 100_000

ACTION_TAG = (
    f"fix the DAG's {TAG_PREFIX}<policy> tag (catchup, latest or skip), then unpause it; "
    "unpaused, it goes on from its last run before the pause as Airflow's catchup decides"
)
ACTION_UNKNOWN = (
    "unpause the DAG when it may go on from its last run before the pause as Airflow's "
    "catchup decides, or first mark the interval to resume after as done (a backfill)"
)


class PositionUnknown(Exception):
    """The DAG's position cannot be computed exactly; the message says why."""


class PositionSetter:
    """The ``before_commit`` hook of the import's restore; :meth:`result` reports it."""

    def __init__(self, default_policy: str, *, now: datetime | None = None) -> None:
        self.default = parse_policy(default_policy, "the import's missed_runs")
        self.now = now
        self.positions_set = 0
        self.runs_retyped = 0
        self.held: list[HeldDag] = []
        self.by_policy: dict[str, int] = dict.fromkeys(POLICIES, 0)

    def result(self) -> dict[str, Any]:
        return {
            "positions": {
                "default": self.default,
                "set": self.positions_set,
                "runs_retyped": self.runs_retyped,
                "held": [h.to_json() for h in self.held],
                "by_policy": dict(self.by_policy),
            }
        }

    def __call__(self, cur: Any, dag_ids: list[str]) -> None:
        now = self.now or datetime.now(UTC)
        active = position_sql.active_dags(cur, dag_ids)
        tags = position_sql.tags(cur, active)
        wanted: dict[str, str] = {}
        for dag_id in active:
            chosen = policy_for_dag(tags[dag_id], self.default)
            if chosen.policy is None:
                self.held.append(HeldDag(dag_id, str(chosen.problem), ACTION_TAG))
                continue
            self.by_policy[chosen.policy] += 1
            if chosen.policy != CATCHUP:  # catchup: the restored runs are the position
                wanted[dag_id] = chosen.policy
        if wanted:
            self._place(cur, wanted, now)
        position_sql.hold(cur, [h.dag_id for h in self.held])
        log.info("missed-runs positions: %s", self.result()["positions"])

    def _place(self, cur: Any, wanted: dict[str, str], now: datetime) -> None:
        retype = _cursor_follows_finished_runs()
        last = position_sql.last_runs(cur, list(wanted))
        serialized = position_sql.serialized_dags(cur, list(wanted))
        for dag_id, policy in wanted.items():
            try:
                plan = plan_position(dag_id, policy, serialized.get(dag_id), last.get(dag_id), now)
            except PositionUnknown as exc:
                self.held.append(HeldDag(dag_id, f"missed_runs={policy}: {exc}", ACTION_UNKNOWN))
                continue
            if plan is None:  # nothing missed, or nothing due yet: no position to set
                continue
            marker, nxt = plan
            blocker = position_sql.insert_marker(cur, marker)
            if blocker is not None:
                self.held.append(
                    HeldDag(
                        dag_id,
                        f"missed_runs={policy}: a {blocker} run already stands at "
                        f"{marker.logical_date.isoformat()}, where the position marker goes",
                        ACTION_UNKNOWN,
                    )
                )
                continue
            position_sql.set_next_run(cur, dag_id, nxt)
            if retype:
                self.runs_retyped += position_sql.retype_unfinished(
                    cur, dag_id, marker.logical_date
                )
            self.positions_set += 1


def plan_position(
    dag_id: str,
    policy: str,
    serialized: dict[str, Any] | None,
    last: position_sql.LastRun | None,
    now: datetime,
) -> tuple[position_sql.Marker, position_sql.NextRun] | None:
    """The marker and next run for one DAG, or None when there is nothing to set."""
    if serialized is None:
        raise PositionUnknown(
            "this environment has not parsed the DAG yet: its schedule is unknown"
        )
    try:
        dag = _deserialize(serialized)
        timetable = dag.timetable
    except Exception as exc:  # a custom timetable whose plugin is missing, ...
        raise PositionUnknown(
            f"its schedule does not load here ({type(exc).__name__}: {exc})"
        ) from None
    if not getattr(timetable, "can_be_scheduled", True):
        return None  # no schedule (manual or asset-triggered): no interval to miss
    last_info = None
    if last is not None:
        if last.interval_start is None or last.interval_end is None:
            raise PositionUnknown(
                f"its last run before the pause ({last.logical_date.isoformat()}) has no "
                "data interval"
            )
        last_info = _run_info(last)
    restriction = _restriction(dag)
    due = _last_due(timetable, last_info, restriction, now)
    chosen = marker_date(policy, last.logical_date if last else None, [_logical(i) for i in due])
    if chosen is None or (last is not None and chosen == last.logical_date):
        return None
    info = next(i for i in due if _logical(i) == chosen)
    after = _next_info(timetable, info, restriction)
    interval = info.data_interval
    marker = position_sql.Marker(
        dag_id,
        policy,
        chosen,
        interval.start,
        interval.end,
        info.run_after,
        getattr(info, "partition_key", None),
        getattr(info, "partition_date", None),
    )
    if after is None:  # the DAG's end_date: the scheduler makes no further run
        return marker, position_sql.NextRun(None, None, None, None)
    return marker, position_sql.NextRun(
        _logical(after),
        after.data_interval.start,
        after.data_interval.end,
        after.run_after,
        getattr(after, "partition_key", None),
        getattr(after, "partition_date", None),
    )


def _last_due(timetable: Any, last_info: Any, restriction: Any, now: datetime) -> list[Any]:
    """The newest two intervals due at ``now`` after ``last_info``, in catch-up order."""
    from airflow.timetables.base import TimeRestriction

    walk = TimeRestriction(restriction.earliest, restriction.latest, True)
    due: list[Any] = []
    info = _next_info(timetable, last_info, walk)
    for _ in range(MAX_INTERVALS):
        if info is None or info.run_after > now:
            return due
        due = [*due[-1:], info]
        following = _next_info(timetable, info, walk)
        if following is not None and following.run_after <= info.run_after:
            raise PositionUnknown(
                f"its timetable does not advance after {info.run_after.isoformat()}"
            )
        info = following
    raise PositionUnknown(
        f"more than {MAX_INTERVALS} of its intervals fell due since its last run before "
        "the pause; walking them all is not worth the import's time"
    )


# -- Airflow's API, per version ----------------------------------------------------------
def _cursor_follows_finished_runs() -> bool:
    """Whether the scheduler sets the next run from each automated run that finishes
    (Airflow 2 to 3.1; 3.2 sets it only from the runs it creates): see
    ``position_sql.retype_unfinished``."""
    from airflow import __version__

    major, minor = (int(p) for p in __version__.split(".")[:2])
    return (major, minor) < (3, 2)


def _deserialize(data: dict[str, Any]) -> Any:
    """The DAG as the scheduler sees it (3.2+ renamed the serializer)."""
    try:
        from airflow.serialization.serialized_objects import DagSerialization as serializer
    except ImportError:
        from airflow.serialization.serialized_objects import SerializedDAG as serializer
    return serializer.from_dict(data)


def _restriction(dag: Any) -> Any:
    """The DAG's own start/end dates and catchup, as the scheduler applies them."""
    restriction = getattr(dag, "_time_restriction", None)
    if restriction is not None:
        return restriction
    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(dag.start_date, dag.end_date, dag.catchup)


def _next_info(timetable: Any, last_info: Any, restriction: Any) -> Any:
    """``next_dagrun_info`` (``_v2`` since 3.2: it takes the last run's whole info)."""
    v2 = getattr(timetable, "next_dagrun_info_v2", None)
    if v2 is not None:
        return v2(last_dagrun_info=last_info, restriction=restriction)
    interval = last_info.data_interval if last_info is not None else None
    return timetable.next_dagrun_info(
        last_automated_data_interval=interval, restriction=restriction
    )


def _run_info(last: position_sql.LastRun) -> Any:
    """A restored run as the timetable's DagRunInfo (Airflow's run_info_from_dag_run)."""
    import pendulum
    from airflow.timetables.base import DagRunInfo

    assert last.interval_start is not None and last.interval_end is not None
    start, end = pendulum.instance(last.interval_start), pendulum.instance(last.interval_end)
    info = DagRunInfo.interval(start, end)
    if last.run_after is not None:
        info = info._replace(run_after=pendulum.instance(last.run_after))
    return info


def _logical(info: Any) -> datetime:
    value = info.logical_date
    if value is None:  # Airflow 3.2+ partitioned runs have no logical date
        raise PositionUnknown("its timetable is partitioned: its runs have no logical date")
    return value  # type: ignore[no-any-return]


def position_counts(result: dict[str, Any]) -> dict[str, int]:
    """The counts the import's success note carries."""
    positions = result.get("positions", {})
    return {
        "positions_set": int(positions.get("set", 0)),
        "dags_held": len(positions.get("held", [])),
    }


def held_dags(result: dict[str, Any]) -> Sequence[HeldDag]:
    return [HeldDag.from_json(h) for h in result.get("positions", {}).get("held", [])]
