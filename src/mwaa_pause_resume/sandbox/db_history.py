"""A paused environment's run history read from a database, in REST API v2 names: what the
REST channel must restore from a full snapshot (sandbox.rest_history_check checks it).

A rest-only snapshot's history is listed through the source's REST API before the pause.
A full snapshot restored through the REST channel (an Airflow 3 target without task
database access) is checked against the database itself: the deleted environment's, or,
resumed on a newer Airflow, the copy that Airflow's own ``airflow db migrate`` upgraded
(sandbox.forward_oracle), so the dates, ``run_after`` and conf are those of Airflow's own
migration. Airflow 3 schema (``logical_date``, notes of task instances by ``ti_id``).
Runs the export found in flight are given as ``running``: the check then wants them
restored finished, whatever they became before the deletion.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mwaa_pause_resume.sandbox.rest_history_check import History

RUNS = (
    "SELECT r.dag_id, r.run_id, r.logical_date, r.data_interval_start, r.data_interval_end, "
    "r.run_after, r.run_type, r.conf, r.state, n.content, r.start_date, r.end_date "
    "FROM dag_run r LEFT JOIN dag_run_note n ON n.dag_run_id = r.id "
    "WHERE NOT r.dag_id = ANY(%s)"
)
TASK_INSTANCES = (
    "SELECT t.dag_id, t.run_id, t.task_id, t.map_index, t.state, n.content "
    "FROM task_instance t LEFT JOIN task_instance_note n ON n.ti_id = t.id "
    "WHERE NOT t.dag_id = ANY(%s)"
)
RUN_FIELDS = (
    "dag_id",
    "dag_run_id",
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "run_after",
    "run_type",
    "conf",
    "state",
    "note",
    "start_date",
    "end_date",
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def read_db_history(
    db_url: str, exclude_dag_ids: Iterable[str], in_flight: Iterable[tuple[str, str]] = ()
) -> History:
    import psycopg2

    excluded = sorted(set(exclude_dag_ids))
    running = set(in_flight)
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(RUNS, (excluded,))
            runs = {}
            for row in cur.fetchall():
                run = dict(zip(RUN_FIELDS, map(_iso, row), strict=True))
                key = (str(run["dag_id"]), str(run["dag_run_id"]))
                if key in running:
                    run["state"] = "running"
                runs[key] = run
            cur.execute(TASK_INSTANCES, (excluded,))
            tis = {
                (str(d), str(r), str(t), int(m)): {"state": s, "note": n}
                for d, r, t, m, s, n in cur.fetchall()
            }
    finally:
        conn.close()
    return History(runs, tis)
