"""Pause every DAG, let running work drain, put paused states back: plain SQL, no ORM.

Works on Airflow 2 and 3 alike (the ``dag``, ``dag_run``, ``task_instance`` and
``dag_run_note`` columns used here are the same in both) over any DB-API
connection, so the Airflow 3 ORM block does not matter.

Draining waits only for task instances that are executing (queued, running,
restarting): once their DAGs are paused the scheduler starts nothing new, so
scheduled, deferred or up-for-retry work would never finish and waiting for it
would only burn the timeout. Everything left unfinished is reported as
interrupted, for the manifest.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from mwaa_pause_resume.shared import dag_contract

T = TypeVar("T")

EXECUTING_TI_STATES = ("queued", "running", "restarting")
UNFINISHED_TI_STATES = (
    *EXECUTING_TI_STATES,
    "scheduled",
    "deferred",
    "up_for_retry",
    "up_for_reschedule",
)
UNFINISHED_RUN_STATES = ("queued", "running")

RunKey = tuple[str, str]  # (dag_id, run_id)

# Written into the snapshot folder before any DAG is paused, so that a pause workflow
# that gives up on the export run (timeout) can still unpause exactly the DAGs that
# were active (functions/failure.py reads it).
PAUSED_STATES_FILE = dag_contract.PAUSED_STATES_FILE


# PostgreSQL's "deadlock detected" and "could not serialize": the transaction was rolled
# back whole, so running it again is safe.
RETRYABLE_SQLSTATES = ("40P01", "40001")
DEADLOCK_ATTEMPTS = 5


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialization failure (psycopg2's ``pgcode``, psycopg 3's ``sqlstate``)."""
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


def retrying_deadlocks(work: Callable[[], T], attempts: int = DEADLOCK_ATTEMPTS) -> T:
    """``work()`` again when PostgreSQL picked its transaction as a deadlock's victim.

    The scheduler and the DAG processor update ``dag`` rows in their own order while the
    pause locks them all (CI saw it on Airflow 2.11.2); the other side wins, this side
    rolls back and, after a short jittered wait, runs again."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0.1, 0.5) * attempt)
    raise AssertionError("unreachable")


def pause_all_dags(
    conn: Any,
    except_dag_id: str,
    before_commit: Callable[[dict[str, bool]], None] | None = None,
) -> dict[str, bool]:
    """Record every DAG's paused state, then pause all but ``except_dag_id``; one transaction
    (run again when it loses a deadlock: :func:`retrying_deadlocks`).

    ``before_commit`` gets the record before anything is committed: if it raises
    (e.g. the record cannot be saved), nothing is paused.
    """
    return retrying_deadlocks(lambda: _pause_all_once(conn, except_dag_id, before_commit))


def _pause_all_once(
    conn: Any,
    except_dag_id: str,
    before_commit: Callable[[dict[str, bool]], None] | None,
) -> dict[str, bool]:
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT dag_id, is_paused FROM dag ORDER BY dag_id FOR UPDATE")
            recorded = {str(dag_id): bool(paused) for dag_id, paused in cur.fetchall()}
            cur.execute(
                "UPDATE dag SET is_paused = true WHERE dag_id <> %s AND NOT is_paused",
                (except_dag_id,),
            )
        if before_commit is not None:
            before_commit(recorded)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return recorded


def restore_paused_states(conn: Any, recorded: dict[str, bool], except_dag_id: str) -> int:
    """Put recorded paused states back (DAGs created since are left alone); rows changed."""
    return retrying_deadlocks(lambda: _restore_once(conn, recorded, except_dag_id))


def _restore_once(conn: Any, recorded: dict[str, bool], except_dag_id: str) -> int:
    changed = 0
    try:
        with conn.cursor() as cur:
            for dag_id, paused in sorted(recorded.items()):
                if dag_id == except_dag_id:
                    continue
                cur.execute(
                    "UPDATE dag SET is_paused = %s WHERE dag_id = %s AND is_paused <> %s",
                    (paused, dag_id, paused),
                )
                changed += cur.rowcount
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return changed


def executing_count(conn: Any, exclude: RunKey) -> int:
    """Task instances still executing, outside the run ``exclude``."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM task_instance WHERE state = ANY(%s) "
            "AND NOT (dag_id = %s AND run_id = %s)",
            (list(EXECUTING_TI_STATES), *exclude),
        )
        row = cur.fetchone()
    conn.rollback()  # end the read transaction so the next poll sees new states
    return int(row[0]) if row else 0


def wait_for_drain(
    conn: Any,
    exclude: RunKey,
    timeout_seconds: float,
    *,
    poll_seconds: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_wait: Callable[[int, float], None] | None = None,
) -> bool:
    """Wait until no task instance executes (outside ``exclude``); False at the timeout."""
    deadline = clock() + timeout_seconds
    while True:
        busy = executing_count(conn, exclude)
        if busy == 0:
            return True
        left = deadline - clock()
        if left <= 0:
            return False
        if on_wait is not None:
            on_wait(busy, left)
        sleep(min(poll_seconds, left))


def unfinished_work(conn: Any, exclude: RunKey) -> list[dict[str, Any]]:
    """Runs and task instances not finished (outside ``exclude``), for the manifest."""
    found: list[dict[str, Any]] = []
    with conn.cursor() as cur:
        cur.execute(
            "SELECT dag_id, run_id, state FROM dag_run WHERE state = ANY(%s) "
            "AND NOT (dag_id = %s AND run_id = %s) ORDER BY dag_id, run_id",
            (list(UNFINISHED_RUN_STATES), *exclude),
        )
        found += [
            {"kind": "dag_run", "dag_id": d, "run_id": r, "state": s} for d, r, s in cur.fetchall()
        ]
        cur.execute(
            "SELECT dag_id, run_id, task_id, map_index, state FROM task_instance "
            "WHERE state = ANY(%s) AND NOT (dag_id = %s AND run_id = %s) "
            "ORDER BY dag_id, run_id, task_id, map_index",
            (list(UNFINISHED_TI_STATES), *exclude),
        )
        found += [
            {
                "kind": "task_instance",
                "dag_id": d,
                "run_id": r,
                "task_id": t,
                "map_index": int(m),
                "state": s,
            }
            for d, r, t, m, s in cur.fetchall()
        ]
    conn.rollback()
    return found


def write_run_note(conn: Any, run: RunKey, content: str) -> None:
    """Set the DAG run's note (shown in the UI and returned by the REST API)."""
    try:
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO dag_run_note (dag_run_id, content, created_at, updated_at) "
                "SELECT id, %s, now(), now() FROM dag_run WHERE dag_id = %s AND run_id = %s "
                "ON CONFLICT (dag_run_id) DO UPDATE "
                "SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at",
                (content, *run),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def read_run_note(conn: Any, run: RunKey) -> str | None:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT n.content FROM dag_run_note n JOIN dag_run r ON r.id = n.dag_run_id "
            "WHERE r.dag_id = %s AND r.run_id = %s",
            run,
        )
        row = cur.fetchone()
    conn.rollback()
    return None if row is None else (str(row[0]) if row[0] is not None else None)
