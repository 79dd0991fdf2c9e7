"""After the resume: does the restored environment keep working with its history?

The resumed environment runs on for a settle period while the sandbox watches it
through its REST API and its processes:

- the scheduler heartbeats and no component has exited;
- the work the pause interrupted (a running and a deferred task of
  ``sample_waiting``) runs again and finishes, the deferred one through the real
  triggerer;
- a new manual run of ``sample_etl`` succeeds;
- the REST API lists the restored runs with their states and notes;
- per scheduled DAG, the runs the scheduler creates after the resume (logical
  dates), so that a backfill flood or a missed interval is visible, not hidden.

When the snapshot's scope did not carry run history (Airflow 3 tasks without
database access: the rest-only scope), the history checks say so instead of
passing or failing. :func:`check_liveness` returns a :class:`Liveness` report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mwaa_pause_resume.sandbox import live_history as lh
from mwaa_pause_resume.sandbox import position_checks as pc

PASSED, FAILED, NOT_RESTORED = "passed", "failed", "not restored"
SETTLE_SECONDS = 30.0  # the scheduler gets at least this long to show its behaviour
SETTLE_LIMIT_SECONDS = 240.0  # interrupted work and the new run must finish by then


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # PASSED, FAILED or NOT_RESTORED
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class ScheduledDag:
    """What the scheduler did with one scheduled DAG after the resume."""

    dag_id: str
    last_before_pause: str | None  # logical date of its newest run before the pause
    restored_runs: int
    created_after_resume: list[str]  # logical dates, oldest first

    def to_json(self) -> dict[str, Any]:
        created = self.created_after_resume
        return {
            "last_logical_date_before_pause": self.last_before_pause,
            "restored_runs": self.restored_runs,
            "runs_created_after_resume": len(created),
            "first_created": created[0] if created else None,
            "last_created": created[-1] if created else None,
        }


@dataclass
class Liveness:
    checks: list[Check] = field(default_factory=list)
    scheduled: list[ScheduledDag] = field(default_factory=list)
    settle_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.status != FAILED for c in self.checks)

    @property
    def failures(self) -> list[str]:
        return [f"liveness: {c.name}: {c.detail}" for c in self.checks if c.status == FAILED]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checks": [c.to_json() for c in self.checks],
            "scheduled_dags": {s.dag_id: s.to_json() for s in self.scheduled},
            "settle_seconds": round(self.settle_seconds, 1),
        }


@dataclass(frozen=True)
class BeforePause:
    """The REST API's view of the runs just before the pause (for the comparison after)."""

    runs: dict[str, dict[str, dict[str, Any]]]  # dag_id -> run_id -> run document

    @staticmethod
    def read(call: lh.Call, major: int, dag_ids: tuple[str, ...]) -> BeforePause:
        return BeforePause(
            {
                dag_id: {r["dag_run_id"]: r for r in lh.runs_of(call, major, dag_id)}
                for dag_id in dag_ids
            }
        )


@dataclass
class Watched:
    """The resumed environment as the checks see it."""

    call: lh.Call
    major: int
    healthy: Callable[[], bool]
    exited: Callable[[], dict[str, int]]
    release_file: Path
    resumed_at: datetime  # when the resume workflow started
    sample_rss: Callable[[], None] = lambda: None


def check_liveness(
    env: Watched,
    history: lh.LiveHistory,
    before: BeforePause,
    *,
    history_restored: bool,
    settle_seconds: float = SETTLE_SECONDS,
    settle_limit: float = SETTLE_LIMIT_SECONDS,
) -> Liveness:
    call, major = env.call, env.major
    report = Liveness()
    restored = {
        d: {r["dag_run_id"] for r in lh.runs_of(call, major, d)} & set(before.runs.get(d, {}))
        for d in lh.SCHEDULED_DAGS
    }
    report.checks.append(_restored_runs(call, major, history, before, history_restored))
    env.release_file.parent.mkdir(parents=True, exist_ok=True)
    env.release_file.touch()  # lets the interrupted and the deferred task finish
    new_run = lh.trigger(call, major, "sample_etl", {"batch": "after resume"})
    user_runs = {d: lh.trigger(call, major, d, {}) for d in history.user_runs}
    started = time.monotonic()
    while True:
        env.sample_rss()
        waiting = _waiting_states(call, history) if history_restored else {}
        new_state = lh.run_state(call, "sample_etl", new_run)
        user_states = {d: lh.run_state(call, d, r) for d, r in user_runs.items()}
        positions = _positions(env, before)
        elapsed = time.monotonic() - started
        settled = elapsed >= settle_seconds
        done = (
            new_state in lh.FINISHED
            and all(s == "success" for s in waiting.values())
            and all(s in lh.FINISHED for s in user_states.values())
            # the policies that run a missed interval get the time to show it
            and all(p.created or not p.expects_a_run() for p in positions)
        )
        if (settled and done) or elapsed >= settle_limit:
            break
        time.sleep(2)
    report.settle_seconds = time.monotonic() - started

    dead = env.exited()
    report.checks.append(
        Check(
            "every component still running",
            FAILED if dead else PASSED,
            f"exited: {dead}" if dead else "no component exited",
        )
    )
    report.checks.append(
        Check(
            "scheduler heartbeats",
            PASSED if env.healthy() else FAILED,
            "healthy in the health endpoint" if env.healthy() else "not healthy",
        )
    )
    report.checks.append(
        Check(
            "a new manual run of sample_etl succeeds",
            PASSED if new_state == "success" else FAILED,
            f"run {new_run} ended {new_state}",
        )
    )
    for dag_id, state in user_states.items():
        was = history.user_states.get(dag_id)
        report.checks.append(
            Check(
                f"your DAG {dag_id} runs after the resume as before the pause",
                PASSED if state == was else FAILED,
                f"a new run ended {state}; its run before the pause ended {was}",
            )
        )
    for task_id, name in (
        (lh.RUNNING_TASK, "the task the pause interrupted ran again and finished"),
        (lh.DEFERRED_TASK, "the deferred task finished through the triggerer"),
    ):
        if not history_restored:
            report.checks.append(Check(name, NOT_RESTORED, _NO_HISTORY))
            continue
        state = waiting.get(f"{task_id}[-1]")
        report.checks.append(
            Check(name, PASSED if state == "success" else FAILED, f"{task_id} is {state}")
        )
    for facts in _positions(env, before):
        passed, detail = pc.judge(facts)
        report.checks.append(
            Check(
                f"{facts.dag_id} starts where missed_runs={facts.policy} says",
                PASSED if passed else FAILED,
                detail,
            )
        )
    report.scheduled = [
        _scheduled(env, dag_id, before, restored[dag_id]) for dag_id in lh.SCHEDULED_DAGS
    ]
    return report


def _positions(env: Watched, before: BeforePause) -> list[pc.PositionFacts]:
    facts: list[pc.PositionFacts] = []
    for dag_id, policy in lh.POLICY_DAGS.items():
        was = before.runs.get(dag_id, {})
        now = lh.runs_of(env.call, env.major, dag_id)
        last = _position_before(was.values(), now, env.resumed_at)
        # the interval end only when the position is a run read before the pause
        last_end = pc.last_automated_end(was.values())
        known = last is not None and last == pc.last_automated(was.values())
        facts.append(
            pc.PositionFacts(
                dag_id,
                policy,
                last,
                pc.created_by_scheduler(now, set(was), env.resumed_at),
                env.resumed_at,
                last_end if known else None,
                pc.created_ends(now, set(was), env.resumed_at),
            )
        )
    return facts


def _position_before(
    was: Iterable[dict[str, Any]], now: list[dict[str, Any]], resumed_at: datetime
) -> datetime | None:
    """The DAG's position at the pause: the runs read before it, or the newer restored
    ones the scheduler made until the export paused the DAG."""
    dates = [d for d in (pc.last_automated(was), pc.restored_position(now, resumed_at)) if d]
    return max(dates) if dates else None


# Through the REST channel (an Airflow 3 target without task database access, as on
# MWAA) the runs are compared row by row in the report's rest_history instead, and work
# in flight at the pause comes back finished, not resumed (docs/airflow3.md).
_NO_HISTORY = (
    "restored through the REST API channel (Airflow 3 tasks have no metadata-database "
    "access on MWAA 3.x): the runs are checked row by row in rest_history, and work in "
    "flight at the pause is not resumed through it"
)


def _waiting_states(call: lh.Call, history: lh.LiveHistory) -> dict[str, str | None]:
    status, _ = call("GET", f"dags/{lh.WAITING_DAG}/dagRuns/{history.waiting_run}")
    if status != 200:
        return {f"{lh.RUNNING_TASK}[-1]": None, f"{lh.DEFERRED_TASK}[-1]": None}
    return lh.task_states(call, lh.WAITING_DAG, history.waiting_run)


def _restored_runs(
    call: lh.Call,
    major: int,
    history: lh.LiveHistory,
    before: BeforePause,
    history_restored: bool,
) -> Check:
    name = "the REST API lists the restored runs with their states and notes"
    if not history_restored:
        return Check(name, NOT_RESTORED, _NO_HISTORY)
    problems: list[str] = []
    checked = 0
    for dag_id, run_ids in history.runs.items():
        listed = {r["dag_run_id"]: r for r in lh.runs_of(call, major, dag_id)}
        for run_id in run_ids:
            was, now = before.runs.get(dag_id, {}).get(run_id, {}), listed.get(run_id)
            checked += 1
            if now is None:
                problems.append(f"{dag_id} {run_id} is not listed")
            elif (now.get("state"), now.get("note")) != (was.get("state"), was.get("note")):
                problems.append(
                    f"{dag_id} {run_id}: {now.get('state')}/{now.get('note')!r}, "
                    f"was {was.get('state')}/{was.get('note')!r}"
                )
    detail = "; ".join(problems) if problems else f"{checked} runs listed as they were"
    return Check(name, FAILED if problems else PASSED, detail)


def _scheduled(env: Watched, dag_id: str, before: BeforePause, restored: set[str]) -> ScheduledDag:
    was = before.runs.get(dag_id, {})
    now = lh.runs_of(env.call, env.major, dag_id)
    last = _position_before(was.values(), now, env.resumed_at)
    created = pc.created_by_scheduler(now, set(was), env.resumed_at)
    return ScheduledDag(
        dag_id,
        last.isoformat() if last else None,
        len(restored),
        [d.isoformat() for d in created],
    )
