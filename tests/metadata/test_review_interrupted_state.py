"""Review: the rerun policy follows the state a task instance had in the snapshot.

The export DAG records unfinished work when its drain times out, then exports. A task
recorded while running can, before the export's transaction starts, fail into
``up_for_retry`` or defer (its process ends either way). In the snapshot it is waiting,
so "rerun" must restore it as it was (docs/metadata.md: "The policy applies to the state
each row had in the snapshot"; waiting task instances carry on): not cleared to NULL,
which would skip its retry delay or drop its trigger and start the deferred work over,
with no task_instance_history row for the try it threw away.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from metadata_seed import EXPORT_RUN, _t

from mwaa_pause_resume.dags import quiesce
from mwaa_pause_resume.metadata import export_snapshot, restore_snapshot

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

RUN = ("mapped", "manual__m1")


def _query(conn: Any, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        out = list(cur.fetchall())
    conn.rollback()
    return out


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
@pytest.mark.parametrize("became", ["up_for_retry", "deferred"])
def test_recorded_running_task_that_is_waiting_in_the_snapshot_carries_on(
    make_pair: Callable[..., Any], version: str, became: str
) -> None:
    pair = make_pair(version)
    interrupted = quiesce.unfinished_work(pair.source, EXPORT_RUN)  # as the export DAG does
    assert {"dag_id": RUN[0], "run_id": RUN[1], "task_id": "sink", "state": "running"} in [
        {k: i.get(k) for k in ("dag_id", "run_id", "task_id", "state")} for i in interrupted
    ]
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
        pair.target, "SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", RUN
    ) == [("queued",)]
