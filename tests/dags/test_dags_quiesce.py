"""Pause / drain / restore primitives on a real seeded Airflow 2.10 metadata database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest

from mwaa_pause_resume.dags import quiesce
from tests.dags.dags_helpers import AirflowEnv, Seeded, paused_states, query

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]
OWN = ("mwaa_export_data", "manual__own")


@pytest.fixture
def db(
    source_env: Callable[[str], tuple[AirflowEnv, Seeded]],
) -> Iterator[tuple[str, Seeded, Any]]:
    env, seed = source_env("2.10.3")
    conn = psycopg2.connect(env.db_url)
    yield env.db_url, seed, conn
    conn.close()


def test_pause_all_then_restore(db: tuple[str, Seeded, Any]) -> None:
    url, _, conn = db
    before = paused_states(url)
    recorded = quiesce.pause_all_dags(conn, except_dag_id="sample_etl")
    assert recorded == before
    after = paused_states(url)
    assert after["sample_etl"] is False  # the exception stays as it was
    assert all(p for d, p in after.items() if d != "sample_etl")
    query(url, "UPDATE dag SET is_paused = false WHERE dag_id = 'sample_paused' RETURNING 1")

    changed = quiesce.restore_paused_states(conn, recorded, except_dag_id="sample_etl")

    assert paused_states(url) == before
    assert changed == sum(1 for d, p in before.items() if not p and d != "sample_etl") + 1


def test_unfinished_work_lists_deferred_run_and_task(db: tuple[str, Seeded, Any]) -> None:
    _, seed, conn = db
    dag_id, run_id = seed.summary.deferred_run
    found = quiesce.unfinished_work(conn, OWN)
    assert found == [
        {"kind": "dag_run", "dag_id": dag_id, "run_id": run_id, "state": "running"},
        {
            "kind": "task_instance",
            "dag_id": dag_id,
            "run_id": run_id,
            "task_id": "wait_far_future",
            "map_index": -1,
            "state": "deferred",
        },
    ]
    assert quiesce.unfinished_work(conn, (dag_id, run_id)) == []  # own run excluded


def test_wait_for_drain_sees_work_finish_and_times_out(db: tuple[str, Seeded, Any]) -> None:
    url, seed, conn = db
    run_id = seed.summary.runs["sample_etl"][0]
    query(
        url,
        "UPDATE task_instance SET state = 'running' WHERE dag_id = 'sample_etl' "
        "AND run_id = %s AND task_id = 'load' RETURNING 1",
        (run_id,),
    )
    now = [0.0]
    waits: list[tuple[int, float]] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 20:  # the task finishes while we wait
            query(
                url,
                "UPDATE task_instance SET state = 'success' WHERE state = 'running' RETURNING 1",
            )

    drained = quiesce.wait_for_drain(
        conn,
        OWN,
        60,
        poll_seconds=10,
        sleep=sleep,
        clock=lambda: now[0],
        on_wait=lambda busy, left: waits.append((busy, left)),
    )
    assert drained is True and now[0] == 20 and waits == [(1, 60.0), (1, 50.0)]

    query(
        url,
        "UPDATE task_instance SET state = 'queued' WHERE dag_id = 'sample_etl' "
        "AND run_id = %s AND task_id = 'load' RETURNING 1",
        (run_id,),
    )
    now[0] = 0.0

    def tick(seconds: float) -> None:
        now[0] += seconds

    assert (
        quiesce.wait_for_drain(conn, OWN, 15, poll_seconds=10, sleep=tick, clock=lambda: now[0])
        is False
    )
    assert now[0] == 15  # the last wait is cut to the time left


def test_run_note_upsert(db: tuple[str, Seeded, Any]) -> None:
    _, seed, conn = db
    run = ("sample_retry", seed.summary.runs["sample_retry"][0])
    assert quiesce.read_run_note(conn, run) is None
    quiesce.write_run_note(conn, run, '{"status":"success"}')
    quiesce.write_run_note(conn, run, '{"status":"failed"}')
    assert quiesce.read_run_note(conn, run) == '{"status":"failed"}'


def test_paused_states_file_is_the_one_the_workflows_read() -> None:
    from mwaa_pause_resume.dags.quiesce import PAUSED_STATES_FILE
    from mwaa_pause_resume.functions.layout import PAUSED_STATES_FILE as WORKFLOW_NAME

    assert PAUSED_STATES_FILE == WORKFLOW_NAME


def test_a_pause_that_loses_a_deadlock_runs_again(db: tuple[str, Seeded, Any]) -> None:
    """Another session (the scheduler, in CI on 2.11.2) locks ``dag`` rows in another
    order: PostgreSQL aborts the pause's transaction, which then runs again and pauses."""
    import threading
    import time

    url, _, conn = db
    before = paused_states(url)
    first, last = min(before), max(before)
    other = psycopg2.connect(url)
    with other.cursor() as cur:  # the victim is the side whose deadlock check fires first
        cur.execute("SET deadlock_timeout = '30s'")
        cur.execute("UPDATE dag SET is_paused = is_paused WHERE dag_id = %s", (last,))
    with conn.cursor() as cur:
        cur.execute("SET deadlock_timeout = '2s'")
    conn.commit()
    result: dict[str, Any] = {}

    def pause() -> None:
        result["recorded"] = quiesce.pause_all_dags(conn, except_dag_id="sample_etl")

    worker = threading.Thread(target=pause)
    worker.start()
    time.sleep(0.5)  # the pause holds `first` and waits for `last`
    with other.cursor() as cur:
        cur.execute("UPDATE dag SET is_paused = is_paused WHERE dag_id = %s", (first,))
    other.commit()  # reached once the pause lost the deadlock and rolled back
    other.close()
    worker.join(timeout=60)
    assert result["recorded"] == before
    assert all(p for d, p in paused_states(url).items() if d != "sample_etl")
