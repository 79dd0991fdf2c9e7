"""The pure parts of the scheduler position restore (:mod:`.rest_position`): API times,
the position record, the dry runs' windows, each DAG's plan and the outcome of all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.metadata.missed_runs import CATCHUP, LATEST, POLICIES, HeldDag

ACTION_CHECK = "check its next run in the Airflow UI, then unpause it"


def parse_time(value: Any) -> datetime | None:
    """An API timestamp (``...Z`` or with an offset) as an aware datetime."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def position_record(run: Mapping[str, Any]) -> dict[str, Any]:
    """What the snapshot keeps of a DAG's newest automated run (its position)."""
    return {
        "dag_id": run.get("dag_id"),
        "run_id": run.get("dag_run_id"),
        "run_type": run.get("run_type"),
        "logical_date": run.get("logical_date"),
        "data_interval_start": run.get("data_interval_start"),
        "data_interval_end": run.get("data_interval_end"),
        "state": run.get("state"),
    }


def period_start(anchor: datetime, period: timedelta, now: datetime, back: int) -> datetime:
    """A tick on the anchor's grid about ``back`` periods before ``now`` (not before the
    anchor): where a dry run starts so that it holds only the newest due intervals.
    Staying on the grid matters for timedelta schedules, whose ticks count from the
    dry run's start rather than from the DAG's own start."""
    if period <= timedelta(0) or now <= anchor:
        return anchor
    steps = int((now - anchor) / period)
    return anchor + period * max(0, steps - back)


@dataclass
class DagPlan:
    """What the import does about one DAG's position."""

    dag_id: str
    policy: str | None
    unpause: bool  # the snapshot's paused state says the DAG runs after the import
    marker: datetime | None = None  # T; None: nothing to place
    reason: str | None = None  # set when the position cannot be set (the DAG may be held)
    action: str = ACTION_CHECK
    backfill_id: int | None = None
    marker_run_id: str | None = None  # the run the marker backfill made or took over
    verified: bool = False
    note: str = ""  # why no marker was needed (logs)

    def held(self) -> HeldDag | None:
        """Held: the position was needed and is not set, and the DAG would run."""
        if self.reason is None or not self.unpause:
            return None
        return HeldDag(self.dag_id, self.reason, self.action)


def no_intervals(refusal: str) -> bool:
    """Airflow's refusal to list intervals because the schedule has none (3.3's
    non-periodic timetables, ``schedule=None``): such a DAG has no position to keep."""
    return "non-periodic schedule" in refusal or "has no schedule" in refusal


def needs_marker(policy: str, catchup: bool | None) -> bool:
    """Whether Airflow's own rule differs from the policy without a position.

    A ``catchup=False`` DAG runs only the newest missed interval by itself (Airflow 3:
    ``catchup_by_default`` is False and its timetables skip to the latest), which is
    ``latest`` and also what ``catchup`` means for it. Unknown catchup counts as True.
    """
    return not (catchup is False and policy in (CATCHUP, LATEST))


@dataclass
class PositionOutcome:
    """What :func:`restore_positions` did; :meth:`to_json` is the import's result."""

    plans: list[DagPlan] = field(default_factory=list)

    def held(self) -> list[HeldDag]:
        return [h for p in self.plans if (h := p.held()) is not None]

    def held_ids(self) -> set[str]:
        return {h.dag_id for h in self.held()}

    def to_json(self) -> dict[str, Any]:
        by_policy = {
            policy: sum(1 for p in self.plans if p.policy == policy) for policy in POLICIES
        }
        unset = [
            {"dag_id": p.dag_id, "reason": p.reason}
            for p in self.plans
            if p.reason is not None and not p.unpause
        ]
        return {
            "positions": {
                "set": sum(1 for p in self.plans if p.verified),
                "held": [h.to_json() for h in self.held()],
                "unset_paused": unset,  # stay paused anyway; the reason is for the user
                "by_policy": by_policy,
            }
        }
