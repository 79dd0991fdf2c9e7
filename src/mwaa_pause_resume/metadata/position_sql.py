"""The SQL of the missed-runs policy in the full scope: read what decides each DAG's
position, write a position marker and the scheduler's cursor, hold a DAG paused.

Runs on the restore's cursor, inside its transaction (see ``restore_snapshot``'s
``before_commit``), so the markers commit together with the runs and paused states:
no moment exists in which an unpaused DAG lacks its position.

A **position marker** is a finished ``backfill`` run at the logical date the policy
chose. Airflow 2 and 3 both take a DAG's position from its newest run of type
``scheduled`` or ``backfill`` (``_get_latest_runs_stmt``); ``backfill`` rather than
``scheduled`` because the marker is not a run the scheduler made: it shows so in the
UI and the REST API (with a note saying why), and Airflow 3 allows a backfill run
without a ``backfill`` row (``dag_run.backfill_id`` is nullable). Columns differ
between the lines (``execution_date``/``external_trigger`` on 2.x; ``logical_date``,
``run_after``, ``triggered_by`` on 3.x; ``created_at``, ``partition_*`` on 3.2+):
only those the target has are written.

Pure SQL over a DB-API cursor (the DAG bundle ships it); the timetable work that
decides the dates is Airflow's, in ``dags/db_position.py``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

AUTOMATED_RUN_TYPES = ("scheduled", "backfill")
MARKER_RUN_TYPE = "backfill"
MARKER_RUN_ID_PREFIX = "mwaa_pause_resume_position__"


def marker_note(policy: str) -> str:
    return (
        f"mwaa-pause-resume: position marker (missed_runs={policy}). Not a real run: the "
        "resume placed it so the scheduler starts where the policy says."
    )


@dataclass(frozen=True)
class LastRun:
    """A DAG's newest automated run (its position before the pause)."""

    logical_date: datetime
    interval_start: datetime | None
    interval_end: datetime | None
    run_after: datetime | None


@dataclass(frozen=True)
class Marker:
    """The run the policy places, and the scheduler's next run after it."""

    dag_id: str
    policy: str
    logical_date: datetime
    interval_start: datetime
    interval_end: datetime
    run_after: datetime
    partition_key: str | None = None
    partition_date: datetime | None = None


@dataclass(frozen=True)
class NextRun:
    logical_date: datetime | None
    interval_start: datetime | None
    interval_end: datetime | None
    create_after: datetime | None
    partition_key: str | None = None
    partition_date: datetime | None = None


def columns(cur: Any, table: str) -> set[str]:
    cur.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    )
    return {str(r[0]) for r in cur.fetchall()}


def date_column(run_columns: set[str]) -> str:
    """``logical_date`` (Airflow 3) or ``execution_date`` (Airflow 2)."""
    return "logical_date" if "logical_date" in run_columns else "execution_date"


def active_dags(cur: Any, dag_ids: Sequence[str]) -> list[str]:
    """Those of ``dag_ids`` that are unpaused now (in this transaction)."""
    cur.execute(
        "SELECT dag_id FROM dag WHERE dag_id = ANY(%s) AND NOT is_paused ORDER BY dag_id",
        (list(dag_ids),),
    )
    return [str(r[0]) for r in cur.fetchall()]


def tags(cur: Any, dag_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each DAG's tags as this environment parsed them (``dag_tag``); a DAG the target
    has not parsed has none."""
    cur.execute(
        "SELECT dag_id, name FROM dag_tag WHERE dag_id = ANY(%s) ORDER BY dag_id, name",
        (list(dag_ids),),
    )
    out: dict[str, list[str]] = {d: [] for d in dag_ids}
    for dag_id, name in cur.fetchall():
        out[str(dag_id)].append(str(name))
    return out


def last_runs(cur: Any, dag_ids: Sequence[str]) -> dict[str, LastRun]:
    """Each DAG's newest ``scheduled`` or ``backfill`` run, as Airflow picks it."""
    cols = columns(cur, "dag_run")
    date = date_column(cols)
    run_after = "run_after" if "run_after" in cols else "NULL::timestamptz"
    cur.execute(
        f"SELECT DISTINCT ON (dag_id) dag_id, {date}, data_interval_start, "
        f"data_interval_end, {run_after} FROM dag_run WHERE dag_id = ANY(%s) "
        f"AND run_type = ANY(%s) AND {date} IS NOT NULL ORDER BY dag_id, {date} DESC",
        (list(dag_ids), list(AUTOMATED_RUN_TYPES)),
    )
    return {str(r[0]): LastRun(r[1], r[2], r[3], r[4]) for r in cur.fetchall()}


def serialized_dags(cur: Any, dag_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each DAG's newest serialized form in this database, decoded to its dict.

    Airflow 2: the one row the target's DAG processor wrote. Airflow 3: the newest
    version (Airflow's own ``created_at`` order), which is the target's own parse when
    it parsed the DAG, else the newest restored one.
    """
    cols = columns(cur, "serialized_dag")
    order = "created_at" if "created_at" in cols else "last_updated"
    compressed = "data_compressed" if "data_compressed" in cols else "NULL::bytea"
    cur.execute(
        f"SELECT DISTINCT ON (dag_id) dag_id, data, {compressed} FROM serialized_dag "
        f"WHERE dag_id = ANY(%s) ORDER BY dag_id, {order} DESC",
        (list(dag_ids),),
    )
    out: dict[str, dict[str, Any]] = {}
    for dag_id, data, packed in cur.fetchall():
        value = data
        if value is None and packed is not None:  # [core] compress_serialized_dags
            value = json.loads(zlib.decompress(bytes(packed)))
        elif isinstance(value, str):
            value = json.loads(value)
        if isinstance(value, dict):
            out[str(dag_id)] = value
    return out


def insert_marker(cur: Any, marker: Marker) -> str | None:
    """Insert the marker run with its note. None when inserted or when an automated run
    already stands at that date (the position holds); else the run type in the way."""
    cols = columns(cur, "dag_run")
    date = date_column(cols)
    run_id = MARKER_RUN_ID_PREFIX + marker.logical_date.isoformat()
    values: dict[str, Any] = {
        "dag_id": marker.dag_id,
        "run_id": run_id,
        "run_type": MARKER_RUN_TYPE,
        "state": "success",
        date: marker.logical_date,
        "data_interval_start": marker.interval_start,
        "data_interval_end": marker.interval_end,
        "run_after": marker.run_after,
        "external_trigger": False,
        # SQLAlchemy stores the enum member's name (DagRunTriggeredByType.BACKFILL)
        "triggered_by": "BACKFILL",
        "clear_number": 0,
        "partition_key": marker.partition_key,
        "partition_date": marker.partition_date,
    }
    values = {c: v for c, v in values.items() if c in cols}
    stamps = ("queued_at", "start_date", "end_date", "updated_at", "created_at")
    now_cols = [c for c in stamps if c in cols]
    names = [*values, *now_cols]
    if "log_template_id" in cols:  # the template new runs get: the newest
        names.append("log_template_id")
    exprs = ["%s"] * len(values) + ["now()"] * len(now_cols)
    if "log_template_id" in cols:
        exprs.append("(SELECT max(id) FROM log_template)")
    cur.execute(
        f"INSERT INTO dag_run ({', '.join(names)}) VALUES ({', '.join(exprs)}) "
        "ON CONFLICT DO NOTHING RETURNING id",
        list(values.values()),
    )
    row = cur.fetchone()
    if row is not None:
        cur.execute(
            "INSERT INTO dag_run_note (dag_run_id, content, created_at, updated_at) "
            "VALUES (%s, %s, now(), now())",
            (row[0], marker_note(marker.policy)),
        )
        return None
    cur.execute(
        f"SELECT run_type FROM dag_run WHERE dag_id = %s AND ({date} = %s OR run_id = %s)",
        (marker.dag_id, marker.logical_date, run_id),
    )
    types = {str(r[0]) for r in cur.fetchall()}
    if types and types <= set(AUTOMATED_RUN_TYPES):
        return None
    return ", ".join(sorted(types)) or "unknown"


def set_next_run(cur: Any, dag_id: str, nxt: NextRun) -> None:
    """The scheduler's cursor on the ``dag`` row, as Airflow's
    ``calculate_dagrun_date_fields`` sets it; right before the DAG processor re-parses."""
    values: dict[str, Any] = {
        "next_dagrun": nxt.logical_date,
        "next_dagrun_data_interval_start": nxt.interval_start,
        "next_dagrun_data_interval_end": nxt.interval_end,
        "next_dagrun_create_after": nxt.create_after,
        "next_dagrun_partition_key": nxt.partition_key,
        "next_dagrun_partition_date": nxt.partition_date,
    }
    cols = columns(cur, "dag")
    values = {c: v for c, v in values.items() if c in cols}
    sets = ", ".join(f"{c} = %s" for c in values)
    cur.execute(f"UPDATE dag SET {sets} WHERE dag_id = %s", [*values.values(), dag_id])


def retype_unfinished(cur: Any, dag_id: str, before: datetime) -> int:
    """The DAG's queued or running ``scheduled``/``backfill`` runs older than ``before``
    become ``manual`` runs; returns how many.

    Up to Airflow 3.1 the scheduler sets a DAG's next run from each automated run that
    finishes (``_schedule_dag_run``: ``calculate_dagrun_date_fields(dag, that run's
    interval)``), not from the newest one: a run interrupted by the pause and re-run
    after the resume would move the position back behind the marker and start the
    backlog the policy skips. As ``manual`` runs they still run, and move nothing.
    """
    date = date_column(columns(cur, "dag_run"))
    cur.execute(
        f"UPDATE dag_run SET run_type = 'manual' WHERE dag_id = %s AND run_type = ANY(%s) "
        f"AND state IN ('queued', 'running') AND {date} < %s",
        (dag_id, list(AUTOMATED_RUN_TYPES), before),
    )
    return int(cur.rowcount)


def hold(cur: Any, dag_ids: Sequence[str]) -> None:
    """Keep these DAGs paused: their position could not be set exactly."""
    if dag_ids:
        cur.execute("UPDATE dag SET is_paused = true WHERE dag_id = ANY(%s)", (list(dag_ids),))
