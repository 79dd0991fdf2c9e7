"""Missed runs while paused: the user's policy, and where it puts each DAG's scheduler.

Airflow schedules a DAG from its *position*: the logical date of its newest run of
type ``scheduled`` or ``backfill`` (Airflow 2 and 3 alike). A resumed environment
keeps the position only if a run at that date exists again; a fresh database has
none, so a ``catchup=True`` DAG starts over from its ``start_date``.

The policy says which position the import sets, per DAG:

========= =====================================================================
catchup   the newest automated run before the pause (Airflow's own rule: each
          DAG's ``catchup`` decides whether the intervals missed meanwhile run)
latest    the interval before the newest one that is due: only that one runs
skip      the newest interval that is due: none runs; scheduling goes on with
          the next interval after the resume
========= =====================================================================

The default is ``catchup``: a paused environment then behaves like one whose
scheduler was down for a while, which is what every Airflow user already knows, and
the full scope kept exactly that behaviour before the policy existed. A DAG tag
``mwaa-pause-resume:missed_runs=<policy>`` overrides the environment's policy. A tag
naming no policy is a problem the import reports; it never guesses.

Pure: standard library only (the DAG bundle imports it inside MWAA).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mwaa_pause_resume.metadata.flags import MissedRunsPolicy, choices

# plain strings (written into results and compared with conf and tags)
CATCHUP = MissedRunsPolicy.CATCHUP.value
LATEST = MissedRunsPolicy.LATEST.value
SKIP = MissedRunsPolicy.SKIP.value
POLICIES: tuple[str, ...] = choices(MissedRunsPolicy)
DEFAULT_POLICY = CATCHUP
TAG_KEY = "mwaa-pause-resume:missed_runs"
TAG_PREFIX = TAG_KEY + "="


class PolicyError(ValueError):
    """A policy value is not one of :data:`POLICIES`; the message says where and how to fix."""


def parse_policy(value: object, where: str) -> str:
    """``value`` as a policy; ``where`` names its origin for the message."""
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in POLICIES:
        raise PolicyError(
            f"{where}: missed_runs must be one of {', '.join(POLICIES)}, got {value!r}"
        )
    return str(text)


def tag_names(tags: Iterable[Any]) -> list[str]:
    """Tag names from the REST API's DAG ``tags`` (``{"name": ...}`` objects) or strings."""
    names: list[str] = []
    for tag in tags or ():
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str):
            names.append(name)
    return names


@dataclass(frozen=True)
class DagPolicy:
    """The policy that applies to one DAG, where it came from, or why none applies."""

    policy: str | None  # None: the DAG's tags are contradictory or unknown (``problem``)
    source: str  # "tag" or "environment"
    problem: str | None = None


def policy_for_dag(tags: Iterable[Any], default: str) -> DagPolicy:
    """The DAG's tag ``mwaa-pause-resume:missed_runs=<policy>``, else ``default``."""
    values = sorted(
        {
            name[len(TAG_PREFIX) :].strip().lower()
            for name in tag_names(tags)
            if name.startswith(TAG_PREFIX)
        }
    )
    if not values:
        return DagPolicy(parse_policy(default, "the environment's missed_runs"), "environment")
    if len(values) > 1:
        return DagPolicy(
            None,
            "tag",
            f"the DAG has {len(values)} {TAG_KEY} tags ({', '.join(values)}): keep one",
        )
    if values[0] not in POLICIES:
        return DagPolicy(
            None,
            "tag",
            f"tag {TAG_PREFIX}{values[0]} names no policy: use one of {', '.join(POLICIES)}",
        )
    return DagPolicy(values[0], "tag")


def marker_date(
    policy: str, last_automated: datetime | None, recent_due: Sequence[datetime]
) -> datetime | None:
    """The logical date the DAG's newest automated run must have after the import.

    ``last_automated``: the newest scheduled or backfill run's logical date before the
    pause (None: the DAG had none). ``recent_due``: the logical dates of the DAG's
    newest intervals that are complete now (at least the last two when it has two),
    by its own timetable. None means no position to set: the DAG never ran
    automatically and nothing is due, or ``catchup`` on a DAG that never ran (Airflow
    then starts from ``start_date``, as it would in a new environment).
    """
    policy = parse_policy(policy, "marker_date")
    due = sorted(recent_due)
    missed = [t for t in due if last_automated is None or t > last_automated]
    if policy == CATCHUP or not missed:
        return last_automated
    if policy == SKIP:
        return missed[-1]
    # latest: stand just before the newest due interval, so that one (only) runs.
    before_newest = due[-2] if len(due) >= 2 else None
    if before_newest is not None and (last_automated is None or before_newest > last_automated):
        return before_newest
    return last_automated


@dataclass(frozen=True)
class HeldDag:
    """A DAG the import left paused because its position could not be set exactly."""

    dag_id: str
    reason: str
    action: str  # what the user does about it, in one sentence

    def to_json(self) -> dict[str, str]:
        return {"dag_id": self.dag_id, "reason": self.reason, "action": self.action}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> HeldDag:
        return cls(str(value["dag_id"]), str(value["reason"]), str(value["action"]))
