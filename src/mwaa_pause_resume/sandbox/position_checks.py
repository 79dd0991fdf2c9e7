"""After the resume: does each policy DAG's scheduler start where its missed-runs policy says?

The sample DAGs ``sample_hourly_<policy>`` (``sample_dags/sample_hourly.py``) are
hourly, ``catchup=True``, months behind at the pause. What the scheduler creates
after the resume (runs of type ``scheduled``: the position markers the import may
add are ``backfill`` runs and do not count) must match the policy's row of
``mwaa_pause_resume.metadata.missed_runs``:

========= ==============================================================
catchup   the first run is the interval right after the last one before the
          pause: the backlog goes on, nothing runs twice, nothing skipped
latest    one run for the newest interval complete at the resume, none older
skip      no run for an interval complete at the resume
========= ==============================================================

In every policy no interval that ran before the pause runs again. Ticks keep
coming while the check runs, so an interval completing after the resume started
is accepted wherever the policy would accept the next one. Pure: the REST reads
happen in :mod:`.liveness`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.metadata.missed_runs import CATCHUP, LATEST, SKIP

INTERVAL = timedelta(hours=1)  # the sample DAGs' schedule
SCHEDULED = "scheduled"
AUTOMATED = (SCHEDULED, "backfill")


def parse_date(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def newest_due(moment: datetime) -> datetime:
    """Logical date of the newest hourly interval complete at ``moment``."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - INTERVAL


def last_automated(runs: Iterable[dict[str, Any]]) -> datetime | None:
    """The newest scheduled or backfill run's logical date (Airflow's position)."""
    dates = [
        d
        for r in runs
        if r.get("run_type") in AUTOMATED
        and (d := parse_date(r.get("logical_date", r.get("execution_date"))))
    ]
    return max(dates) if dates else None


def last_automated_end(runs: Iterable[dict[str, Any]]) -> datetime | None:
    """The data interval end of the newest scheduled or backfill run (by logical date)."""
    dated = [
        (d, r)
        for r in runs
        if r.get("run_type") in AUTOMATED
        and (d := parse_date(r.get("logical_date", r.get("execution_date"))))
    ]
    return parse_date(max(dated, key=lambda x: x[0])[1].get("data_interval_end")) if dated else None


def created_ends(
    runs: Iterable[dict[str, Any]], before_ids: set[str], resumed_at: datetime
) -> list[datetime]:
    """The data interval ends of the runs :func:`created_by_scheduler` finds, in the
    order of their logical dates."""
    made = []
    for run in runs:
        if run.get("run_type") != SCHEDULED or run.get("dag_run_id") in before_ids:
            continue
        queued = parse_date(run.get("queued_at") or run.get("start_date"))
        date = parse_date(run.get("logical_date", run.get("execution_date")))
        end = parse_date(run.get("data_interval_end"))
        if (queued is None or queued >= resumed_at) and date is not None and end is not None:
            made.append((date, end))
    return [end for _, end in sorted(made)]


def created_by_scheduler(
    runs: Iterable[dict[str, Any]], before_ids: set[str], resumed_at: datetime
) -> list[datetime]:
    """Logical dates of the scheduled runs the scheduler made after the resume, oldest
    first: runs of a new id queued (or started) after the resume started. A run queued
    before it is history from the snapshot, also when the scheduler made it after the
    runs were read before the pause (it goes on until the export pauses the DAG); a run
    of a known id is restored history, re-run when the pause interrupted it."""
    made: list[datetime] = []
    for run in runs:
        if run.get("run_type") != SCHEDULED:
            continue
        queued = parse_date(run.get("queued_at") or run.get("start_date"))
        # A known id is a restored run: queued again only when it was in flight at the
        # pause (the restore re-runs interrupted work); the scheduler never reuses an id.
        if run.get("dag_run_id") in before_ids:
            continue
        if queued is None or queued >= resumed_at:
            date = parse_date(run.get("logical_date", run.get("execution_date")))
            if date is not None:
                made.append(date)
    return sorted(made)


def restored_position(runs: Iterable[dict[str, Any]], resumed_at: datetime) -> datetime | None:
    """The newest automated run of the resumed environment queued before the resume
    started: the position the snapshot restored (None when none came back this way)."""
    return last_automated(
        r
        for r in runs
        if (queued := parse_date(r.get("queued_at") or r.get("start_date"))) is not None
        and queued < resumed_at
    )


@dataclass(frozen=True)
class PositionFacts:
    dag_id: str
    policy: str
    last_before: datetime | None  # the DAG's position at the pause
    created: list[datetime]  # created_by_scheduler
    resumed_at: datetime
    # The data interval end of the position at the pause, and the data interval ends of
    # ``created``: catchup is judged on them when known. A run is due at its interval's
    # end, which Airflow 2 and 3 agree on; the logical dates do not (Airflow 2 labels a
    # run by its interval's start, Airflow 3's default timedelta and cron schedules by its
    # end, with an empty interval), so across that gap only the ends say whether a run
    # was skipped or run twice.
    last_end: datetime | None = None
    ends: list[datetime] = field(default_factory=list)

    def expects_a_run(self) -> bool:
        """Whether the policy makes the scheduler create a run soon after the resume."""
        return self.policy in (CATCHUP, LATEST)


def _dates(dates: Iterable[datetime]) -> str:
    listed = [d.isoformat() for d in dates]
    shown = ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")
    return shown or "none"


def judge(facts: PositionFacts) -> tuple[bool, str]:
    """(passed, detail) for one policy DAG."""
    last, created = facts.last_before, facts.created
    if last is None:
        return False, "no scheduled run before the pause: the seed set no position"
    again = [d for d in created if d <= last]
    if again:
        return False, (
            f"ran again intervals that ran before the pause (last was {last.isoformat()}): "
            f"{_dates(again)}"
        )
    due = newest_due(facts.resumed_at)
    if facts.policy == CATCHUP:
        if not created:
            return False, f"made no run after the resume; expected {(last + INTERVAL).isoformat()}"
        if facts.last_end is not None and facts.ends:
            expected = facts.last_end + INTERVAL
            if facts.ends[0] != expected:
                return False, (
                    f"the first run after the resume ({created[0].isoformat()}) is due at "
                    f"{facts.ends[0].isoformat()}; expected the next one, due at "
                    f"{expected.isoformat()} (the last run before the pause was due at "
                    f"{facts.last_end.isoformat()})"
                )
            return True, (
                f"went on with the run due at {expected.isoformat()} (logical date "
                f"{created[0].isoformat()}; {len(created)} runs)"
            )
        if created[0] != last + INTERVAL:
            return False, (
                f"first run after the resume is {created[0].isoformat()}; expected the next "
                f"interval {(last + INTERVAL).isoformat()}"
            )
        return True, f"went on from {created[0].isoformat()} ({len(created)} runs)"
    if facts.policy == LATEST:
        older = [d for d in created if d < due]
        if older:
            return (
                False,
                f"ran missed intervals older than the newest ({due.isoformat()}): {_dates(older)}",
            )
        if not created:
            return (
                False,
                f"made no run after the resume; expected the newest interval {due.isoformat()}",
            )
        return True, f"ran only the newest missed interval: {_dates(created)}"
    if facts.policy == SKIP:
        missed = [d for d in created if d <= due]
        if missed:
            return False, f"ran intervals missed during the pause: {_dates(missed)}"
        return True, f"ran no missed interval ({len(created)} runs after {due.isoformat()})"
    return False, f"unknown policy {facts.policy!r}"
