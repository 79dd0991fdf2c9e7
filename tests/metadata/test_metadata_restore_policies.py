"""Restore policies against real Airflow schemas: interrupted and deferred work, log templates.

The interrupted list here is the one the export DAG really passes
(``quiesce.unfinished_work``): every unfinished run and task instance, deferred
ones included.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from hashlib import md5
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.dags import quiesce
from mwaa_pause_resume.metadata import export_snapshot, restore_snapshot
from tests.metadata.metadata_seed import EXPORT_RUN, T0, _t

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

MAPPED_RUN = ("mapped", "manual__m1")


def _query(conn: Any, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        out = list(cur.fetchall())
    conn.rollback()
    return out


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_recorded_work_that_finished_before_the_export_is_left_alone(
    make_pair: Callable[..., Any], version: str
) -> None:
    pair = make_pair(version)
    interrupted = quiesce.unfinished_work(pair.source, EXPORT_RUN)  # as the export DAG does
    assert {"dag_id": "mapped", "run_id": "manual__m1", "task_id": "sink"} in [
        {k: i.get(k) for k in ("dag_id", "run_id", "task_id")} for i in interrupted
    ]
    with pair.source.cursor() as cur:  # ... then the task and its run finish before the export
        cur.execute("UPDATE task_instance SET state = 'success' WHERE task_id = 'sink'")
        cur.execute("UPDATE dag_run SET state = 'success' WHERE run_id = 'manual__m1'")
    pair.source.commit()
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
        interrupted=interrupted,
    )
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    # a success is neither re-run nor touched
    assert _query(
        pair.target, "SELECT state, max_tries FROM task_instance WHERE task_id = 'sink'"
    ) == [("success", 1)]
    assert _query(pair.target, "SELECT state FROM dag_run WHERE run_id = 'manual__m1'") == [
        ("success",)
    ]
    # the recorded deferred task carries on from its restored trigger; its run is queued
    assert _query(
        pair.target,
        "SELECT ti.state, t.id IS NOT NULL, ti.max_tries, r.state FROM task_instance ti "
        "JOIN dag_run r USING (dag_id, run_id) LEFT JOIN trigger t ON t.id = ti.trigger_id "
        "WHERE ti.task_id = 'wait'",
    ) == [("deferred", True, 1, "queued")]
    assert (report.interrupted_runs, report.interrupted_task_instances) == (1, 0)
    assert report.waiting_task_instances_kept == 1


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
@pytest.mark.parametrize("became", ["up_for_retry", "deferred"])
def test_recorded_running_task_that_is_waiting_in_the_snapshot_carries_on(
    make_pair: Callable[..., Any], version: str, became: str
) -> None:
    """A task recorded while running that failed into up_for_retry or deferred before
    the export's transaction began is waiting in the snapshot: the rerun policy restores
    it as it was (docs/metadata.md: "The policy applies to the state each row had in the
    snapshot"), not cleared to NULL, which would skip its retry delay or drop its trigger
    and start the deferred work over, with no task_instance_history row for the try."""
    pair = make_pair(version)
    interrupted = quiesce.unfinished_work(pair.source, EXPORT_RUN)  # as the export DAG does
    assert {
        "dag_id": MAPPED_RUN[0],
        "run_id": MAPPED_RUN[1],
        "task_id": "sink",
        "state": "running",
    } in [{k: i.get(k) for k in ("dag_id", "run_id", "task_id", "state")} for i in interrupted]
    with pair.source.cursor() as cur:  # ... then, before the export, its process ends
        if became == "up_for_retry":
            cur.execute(
                "UPDATE task_instance SET state = 'up_for_retry', end_date = %s, pid = NULL "
                "WHERE task_id = 'sink'",
                (_t(9),),
            )
        else:
            cur.execute(
                "UPDATE task_instance SET state = 'deferred', pid = NULL, trigger_id = 501, "
                "next_method = 'execute_complete', next_kwargs = %s WHERE task_id = 'sink'",
                (json.dumps({"__var": {}, "__type": "dict"}),),
            )
    pair.source.commit()
    (before,) = _query(
        pair.source,
        "SELECT state, try_number, max_tries, end_date, trigger_id IS NOT NULL, next_method "
        "FROM task_instance WHERE task_id = 'sink'",
    )
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
        interrupted=interrupted,
    )
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    after = _query(
        pair.target,
        "SELECT state, try_number, max_tries, end_date, trigger_id IS NOT NULL, next_method "
        "FROM task_instance WHERE task_id = 'sink'",
    )
    assert after == [before]
    assert report.interrupted_task_instances == 0
    assert report.cut_off_tries_recorded == 0
    # counted with the seed's recorded deferred task ("wait") as waiting work kept
    assert report.waiting_task_instances_kept == 2
    # its run (still running in the snapshot) is queued again for the scheduler
    assert _query(
        pair.target, "SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", MAPPED_RUN
    ) == [("queued",)]


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_target_log_template_stays_the_latest(make_pair: Callable[..., Any], version: str) -> None:
    """New runs take the newest log_template row: it must stay the target's own."""
    pair = make_pair(version)
    old = "{{ ti.dag_id }}/{{ ti.task_id }}/{{ ts }}/{{ try_number }}.log"
    with pair.source.cursor() as cur:  # an environment upgraded from an older Airflow
        cur.execute(
            "INSERT INTO log_template (filename, elasticsearch_id, created_at) "
            "VALUES (%s, '{dag_id}-{task_id}-{execution_date}-{try_number}', %s) RETURNING id",
            (old, T0),
        )
        old_id = cur.fetchone()[0]
        cur.execute(
            "UPDATE dag_run SET log_template_id = %s WHERE run_id = 'scheduled__2026-03-01'",
            (old_id,),
        )
    pair.source.commit()
    ((own, own_es),) = _query(
        pair.target, "SELECT filename, elasticsearch_id FROM log_template ORDER BY id DESC LIMIT 1"
    )
    export_snapshot(pair.source, pair.store, fernet_key=pair.k1, exclude_dag_runs=[EXPORT_RUN])
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert report.tables["log_template"].inserted == 1
    assert report.tables["log_template"].matched == 1
    assert _query(
        pair.target, "SELECT filename, elasticsearch_id FROM log_template ORDER BY id DESC LIMIT 1"
    ) == [(own, own_es)]
    # the old run still names the template its logs were written with
    assert _query(
        pair.target,
        "SELECT t.filename FROM dag_run r JOIN log_template t ON t.id = r.log_template_id "
        "WHERE r.run_id = 'scheduled__2026-03-01'",
    ) == [(old,)]


def test_secret_tables_stream_in_bounded_memory(make_pair: Callable[..., Any]) -> None:
    """Variables are re-encrypted in batches, never read whole into memory (~20 MB here)."""
    pair = make_pair("2.10.3")
    count, size = 300, 64 * 1024
    with pair.source.cursor() as cur:
        cur.execute(
            "INSERT INTO variable (key, val, is_encrypted) SELECT 'big_' || g, "
            "repeat(md5(g::text), %s), false FROM generate_series(1, %s) g",
            (size // 32, count),
        )
    pair.source.commit()
    tracemalloc.start()
    try:
        export_snapshot(pair.source, pair.store, fernet_key=pair.k1, exclude_dag_runs=[EXPORT_RUN])
        export_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
        restore_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    total = count * size
    assert export_peak < total // 2, f"export held {export_peak} bytes for {total}"
    assert restore_peak < total // 2, f"restore held {restore_peak} bytes for {total}"
    ((n, sample),) = _query(
        pair.target,
        "SELECT count(*), min(val) FILTER (WHERE key = 'big_7') FROM variable "
        "WHERE key LIKE 'big_%%' AND is_encrypted",
    )
    assert n == count
    assert Fernet(pair.k2.encode()).decrypt(sample.encode()).decode() == md5(b"7").hexdigest() * (
        size // 32
    )


def test_export_is_one_point_in_time_while_airflow_keeps_writing(
    make_pair: Callable[..., Any],
) -> None:
    """Rows committed by the scheduler during the export are in no table of the snapshot."""
    import psycopg2

    pair = make_pair("2.10.3", seed_target_rows=False)
    before = dict(_query(pair.source, "SELECT 'job', count(*) FROM job UNION ALL "
                         "SELECT 'dag_run', count(*) FROM dag_run UNION ALL "
                         "SELECT 'task_instance', count(*) FROM task_instance"))  # fmt: skip
    writer = psycopg2.connect(pair.source_url)
    written: list[str] = []

    def write_while_exporting(table: str, rows: int) -> None:
        if written:
            return
        written.append(table)  # the first table is done; the rest must not see this
        with writer.cursor() as cur:
            cur.execute("INSERT INTO job (job_type, state) VALUES ('SchedulerJob', 'running')")
            cur.execute(
                "INSERT INTO dag_run (dag_id, run_id, execution_date, run_type, state) "
                "VALUES ('etl', 'during_export', now(), 'manual', 'running')"
            )
            cur.execute(
                "INSERT INTO task_instance (dag_id, run_id, task_id, map_index, state, pool, "
                "pool_slots) VALUES ('etl', 'during_export', 't', -1, 'running', 'default_pool', 1)"
            )
        writer.commit()

    try:
        manifest = export_snapshot(
            pair.source, pair.store, fernet_key=pair.k1, progress=write_while_exporting
        )
    finally:
        writer.close()
    assert written == ["job"]
    assert {t: manifest.tables[t].rows for t in before} == before
    assert all(i["run_id"] != "during_export" for i in manifest.interrupted)
