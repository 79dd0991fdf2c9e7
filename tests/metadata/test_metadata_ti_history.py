"""A rerun records the try the pause cut off, as Airflow's own clear_task_instances does.

The source environment has task instances cut off while running, queued and
restarting (the last with the history row Airflow wrote when it cleared it). After
the export, Airflow's own ``clear_task_instances`` runs on the source through the
Airflow virtualenv; the restore's task_instance_history, task_instance,
task_reschedule and note rows must match what Airflow made of the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.airflow_versions import LATEST
from mwaa_pause_resume.dags import quiesce
from mwaa_pause_resume.metadata import export_snapshot, restore_snapshot
from mwaa_pause_resume.metadata.ti_history import history_sql, reschedules_sql
from tests.metadata.metadata_compare import rows
from tests.metadata.metadata_seed import EXPORT_RUN, _ins, _t, _ti

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]

RUN = ("mapped", "manual__m1")
CUT_OFF = ("sink", "q", "r")  # running, queued, restarting at export

# Runs inside the Airflow virtualenv: Airflow's own clear of the cut-off task instances.
CLEAR_SCRIPT = """
from airflow.models.taskinstance import TaskInstance, clear_task_instances
from airflow.utils.session import create_session

try:  # Airflow 3: the seed's serialized DAGs are placeholders; clear copes with no DAG
    from airflow.jobs.scheduler_job_runner import SchedulerDagBag
    SchedulerDagBag.get_dag = lambda self, dag_run, session: None
except ImportError:  # Airflow 2 reads serialized_dag, which it regenerates (absent here)
    pass
try:  # Airflow 3.2+: the same placeholders, read through DBDagBag
    from airflow.models.dagbag import DBDagBag
    DBDagBag.get_dag_for_run = lambda self, dag_run, session: None
except ImportError:  # Airflow 2, 3.0
    pass

with create_session() as session:
    tis = session.query(TaskInstance).filter(
        TaskInstance.dag_id == "mapped", TaskInstance.task_id.in_(["sink", "q", "r"])
    ).all()
    assert len(tis) == 3, tis
    clear_task_instances(tis, session, dag_run_state=False)
print("RESULT cleared")
"""


def _query(conn: Any, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        out = list(cur.fetchall())
    conn.rollback()
    return out


def _seed_cut_off(conn: Any, v3: bool) -> dict[str, str]:
    """q (queued, second try, no start yet) and r (restarting, its try already recorded)
    next to the seed's running ``sink``; a reschedule and a note on ``sink``."""
    ((sink_id, version),) = _query(
        conn,
        "SELECT " + ("id::text, dag_version_id::text" if v3 else "NULL, NULL")
        + " FROM task_instance WHERE task_id = 'sink'",
    )  # fmt: skip
    with conn.cursor() as cur:
        q_id = _ti(
            cur, v3, *RUN, "q", state="queued", version=version, try_number=2, max_tries=3,
            start_date=None, end_date=None, duration=None, queued_by_job_id=1001,
            external_executor_id="celery-task-1", queued_dttm=_t(4),
        )  # fmt: skip
        r_id = _ti(cur, v3, *RUN, "r", state="restarting", job=1004, version=version)
        # Airflow sets updated_at on every write (the seed leaves it NULL)
        cur.execute("UPDATE task_instance SET updated_at = %s WHERE task_id IN ('sink', 'q')",
                    (_t(3),))  # fmt: skip
        recorded = {
            "dag_id": RUN[0], "run_id": RUN[1], "task_id": "r", "map_index": -1,
            "try_number": 1, "state": "failed", "pool": "default_pool", "pool_slots": 1,
            "start_date": _t(1), "end_date": _t(6), "hostname": "worker-1",
        }  # fmt: skip
        if v3:
            recorded["task_instance_id"] = r_id
        else:
            recorded["id"] = 3002
        _ins(cur, "task_instance_history", recorded)
        reschedule = {
            "start_date": _t(1), "end_date": _t(1.5), "duration": 30,
            "reschedule_date": _t(2),
        }  # fmt: skip
        if v3:
            _ins(cur, "task_reschedule", {"ti_id": sink_id, **reschedule})
            note = {"ti_id": sink_id}
        else:
            key = {"dag_id": RUN[0], "run_id": RUN[1], "task_id": "sink", "map_index": -1}
            _ins(cur, "task_reschedule", {"id": 4002, **key, "try_number": 1, **reschedule})
            note = key
        _ins(
            cur,
            "task_instance_note",
            {**note, "content": "cut off", "created_at": _t(5), "updated_at": _t(5),
             "user_id": None},
        )  # fmt: skip
    conn.commit()
    return {"sink": sink_id, "q": q_id, "r": r_id}


def _history(conn: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """task_instance_history of the run, by (task_id, try_number), job ids as jobs.

    Airflow's ORM rewrites two values in an equivalent form: a NULL JSON column as JSON
    ``null`` and executor_config re-pickled (another pickle protocol): compared as values.
    """
    out = {}
    for r in rows(conn, "task_instance_history"):
        if (r["dag_id"], r["run_id"]) != RUN:
            continue
        for column in ("next_kwargs", "context_carrier"):  # JSON columns
            if r.get(column) == "null":
                r[column] = None
        if r["executor_config"] is not None:
            r["executor_config"] = pickle.loads(bytes.fromhex(r["executor_config"][2:]))
        out[r["task_id"], r["try_number"]] = r
    return out


def _tis(conn: Any, v3: bool) -> dict[str, dict[str, Any]]:
    return {r["task_id"]: r for r in rows(conn, "task_instance") if r["task_id"] in CUT_OFF}


# record_ti changed in 3.3 (an end date already set is kept): the newest version too
@pytest.mark.parametrize("version", ["2.10.3", "3.0.6", LATEST])
def test_rerun_records_the_cut_off_try_like_airflows_clear(
    make_pair: Callable[..., Any], version: str, tmp_path: Path
) -> None:
    pair = make_pair(version)
    v3 = pair.major >= 3
    old_ids = _seed_cut_off(pair.source, v3)
    manifest = export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
        interrupted=quiesce.unfinished_work(pair.source, EXPORT_RUN),
    )
    before = _history(pair.source)
    report = restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)

    # Airflow's own clear, on the source (the snapshot holds it as it was at export)
    runtime = pair.databases.runtime
    script = tmp_path / "clear.py"
    script.write_text(CLEAR_SCRIPT)
    env = runtime.environ(pair.source_url, pair.k1.split(",")[0], tmp_path / "home")
    done = runtime.run([str(script)], env, timeout=300)
    assert "RESULT cleared" in done.stdout, done.stderr[-2000:]

    airflow, ours = _history(pair.source), _history(pair.target)
    # one new row per cut-off try: sink try 1, q try 2; r's try was already recorded
    assert set(airflow) - set(before) == {("sink", "1"), ("q", "2")}
    assert set(ours) == set(airflow)
    assert report.cut_off_tries_recorded == 2
    assert report.tables["task_instance_history"].skipped_conflict == 0
    # every copied column as Airflow copies it; end_date/duration are Airflow's "now"
    # (the restore: the snapshot's time), task_instance_id its old uuid (checked below)
    volatile = {"end_date", "duration", "task_instance_id"}
    for key in airflow:
        a = {k: v for k, v in airflow[key].items() if k not in volatile}
        o = {k: v for k, v in ours[key].items() if k not in volatile}
        assert o == a, key
    assert ours["sink", "1"]["state"] == "failed" and ours["q", "2"]["state"] == "failed"
    assert ours["r", "1"] == before["r", "1"]  # the snapshot's own row, untouched
    ended = dt.datetime.fromisoformat(manifest.created_at)
    (sink_end, sink_duration), (q_end, q_duration) = (
        _query(
            pair.target,
            "SELECT end_date, duration FROM task_instance_history WHERE task_id = %s "
            "AND try_number = %s",
            (task, try_number),
        )[0]
        for task, try_number in (("sink", 1), ("q", 2))
    )
    assert sink_end == q_end == ended
    assert sink_duration == pytest.approx((ended - _t(1)).total_seconds())
    assert q_duration is None  # never started: no duration (TaskInstance.set_duration)

    # the task instances: Airflow's non-running branch (q, r) clears the same columns;
    # try_number stays (the scheduler raises it when it schedules the next try)
    a_tis, o_tis = _tis(pair.source, v3), _tis(pair.target, v3)
    cleared = ("state", "try_number", "external_executor_id", "next_method", "next_kwargs")
    for task in ("q", "r"):
        assert {c: o_tis[task][c] for c in cleared} == {c: a_tis[task][c] for c in cleared}
    assert a_tis["sink"]["state"] == "restarting"  # Airflow waits for the live process to end
    assert o_tis["sink"]["state"] is None  # in the new environment there is none
    assert [o_tis[t]["try_number"] for t in CUT_OFF] == ["1", "2", "1"]
    # the cut-off try does not use up a retry (Airflow: try_number + task.retries)
    assert [o_tis[t]["max_tries"] for t in CUT_OFF] == ["2", "4", "2"]

    # the try's reschedules are gone on both sides, the note stays with its task
    reschedules = "SELECT count(*) FROM task_reschedule WHERE " + (
        "ti_id IN (SELECT id FROM task_instance WHERE task_id = 'sink') OR ti_id = %s"
        if v3
        else "task_id = 'sink' AND %s IS NOT NULL"
    )
    for conn in (pair.source, pair.target):
        assert _query(conn, reschedules, (old_ids["sink"] or "2.x",)) == [(0,)]
        assert _query(
            conn,
            "SELECT ti.task_id FROM task_instance_note n JOIN task_instance ti ON "
            + ("ti.id = n.ti_id" if v3 else "(ti.dag_id, ti.task_id, ti.run_id, ti.map_index) "
               "= (n.dag_id, n.task_id, n.run_id, n.map_index)")
            + " WHERE n.content = 'cut off'",
        ) == [("sink",)]  # fmt: skip
    assert report.tables["task_reschedule"].cleared == 1
    if not v3:
        return
    # Airflow 3: the history row keeps the uuid the try ran under, the task instance
    # gets a new uuid7 (prepare_db_for_next_try), on both sides
    for conn in (pair.source, pair.target):
        ids = dict(
            _query(
                conn,
                "SELECT task_id, id::text FROM task_instance WHERE task_id IN ('sink', 'q')",
            )
        )
        recorded = dict(
            _query(
                conn,
                "SELECT task_id, task_instance_id::text FROM task_instance_history "
                "WHERE task_id IN ('sink', 'q')",
            )
        )
        assert recorded == {t: old_ids[t] for t in ("sink", "q")}
        assert set(ids) == {"sink", "q"}  # else the all() below checks nothing
        assert all(ids[t] != old_ids[t] and uuid.UUID(ids[t]).version == 7 for t in ids)
    assert json.loads(json.dumps(report.to_dict()))["cut_off_tries_recorded"] == 2


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_fail_policy_records_no_history(make_pair: Callable[..., Any], version: str) -> None:
    """A failed try is not cleared: Airflow writes history only for a try it reruns."""
    pair = make_pair(version)
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        exclude_dag_runs=[EXPORT_RUN],
        interrupted=quiesce.unfinished_work(pair.source, EXPORT_RUN),
    )
    report = restore_snapshot(
        pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1, interrupted_policy="fail"
    )
    assert report.cut_off_tries_recorded == 0
    assert _query(
        pair.target, "SELECT count(*) FROM task_instance_history WHERE task_id = 'sink'"
    ) == [(0,)]
    assert _query(pair.target, "SELECT state FROM task_instance WHERE task_id = 'sink'") == [
        ("failed",)
    ]


def test_history_statement_copies_like_record_ti() -> None:
    """Columns the task instance lacks stay NULL; the serial id is left to the sequence."""
    ended = "greatest(c.start_date, %(ended)s::timestamptz)"
    sql = history_sql(
        "h", ["id", "task_id", "state", "end_date", "duration", "hostname", "new_col"],
        ["task_id", "state", "end_date", "duration", "hostname", "start_date"], "id",
    )  # fmt: skip
    columns, select = sql.split(" SELECT ", 1)
    assert columns == (
        'INSERT INTO h ("task_id", "state", "end_date", "duration", "hostname", "new_col")'
    )
    assert select.startswith(
        f"c.\"task_id\", 'failed', {ended}, extract(epoch FROM {ended} - c.start_date), "
        'c."hostname", NULL FROM _mpr_cutoff c'
    )
    # Airflow 3 (history keyed by the task instance's uuid): the old uuid, map index shown
    sql = history_sql("h", ["task_instance_id", "rendered_map_index"], ["id", "map_index",
                      "rendered_map_index"], None)  # fmt: skip
    assert "SELECT c.id, coalesce(c.rendered_map_index, CASE WHEN c.map_index >= 0" in sql
    assert "c.id = s.ti_id" in reschedules_sql("r", ["id", "ti_id"])
    assert "c.try_number = s.try_number" in reschedules_sql("r", ["id", "try_number", "dag_id"])
