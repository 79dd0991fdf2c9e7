"""Rerun of a task instance cut off by the pause, recorded as Airflow's own clear does.

Airflow 2.10+ and 3.x keep every finished try in ``task_instance_history``. When
Airflow clears a task instance (``clear_task_instances``) it first records the try
it interrupts, ``TaskInstanceHistory.record_ti`` (2.10.3 models/taskinstance.py
line 457; 3.0.6 line 250 calls ``prepare_db_for_next_try``, which calls it at 1099):

- every history column is copied from the task instance's attribute of that name
  (models/taskinstancehistory.py ``__init__``; 3.x: ``task_instance_id`` is the task
  instance's uuid). Two attributes are properties: ``task_display_name`` falls back to
  the task id (taskinstance.py: 2.10.3 line 2079, 3.0.6 line 722) and, on Airflow 3,
  ``rendered_map_index`` to the map index (3.0.6 lines 725-730);
- a state that is not finished (running, queued, restarting) is recorded as
  ``failed``, with ``end_date`` set and ``duration`` recomputed from it
  (taskinstancehistory.py ``record_ti``: 2.10.3 lines 148-153, 3.0.6 lines 185-190);
- nothing is written when the table already holds that try (the same ``record_ti``:
  2.10.3 line 137, 3.0.6 line 174).

Airflow 3 then deletes the try's ``task_reschedule`` rows and gives the task
instance a new uuid7 (3.0.6 taskinstance.py lines 1100-1101); notes follow it
(``task_instance_note_ti_fkey`` is ``ON UPDATE CASCADE``). Airflow 2.10 deletes
the reschedules of that try number (2.10.3 taskinstance.py lines 485-517).

``try_number`` is not changed by a clear in either version: the scheduler raises it
when it schedules the task instance again (models/dagrun.py ``schedule_tis``:
2.10.3 line 1617, 3.0.6 line 1998), so the next try is ``try_number + 1`` and the
recorded one keeps its number.

The restore records the try ended at the snapshot's time rather than at the restore's:
the environment did not run anything while it was paused.
"""

from __future__ import annotations

from collections.abc import Iterable

from mwaa_pause_resume.metadata.catalog import quote

CUTOFF = "_mpr_cutoff"  # temp table: the cut-off task instances, as they were at export
NEW_ID = "_mpr_new_id"  # its column holding the task instance's new uuid (Airflow 3)
TI_KEY = ("dag_id", "task_id", "run_id", "map_index")

# A version 7 uuid (time-ordered, as Airflow 3's uuid7()): the current unix time in
# milliseconds over the first 48 bits of a random (version 4) uuid, version bits set to 7.
UUID7_SQL = (
    "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing "
    "substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) "
    "FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid"
)


def capture_sql(stg: str, where: str, executing: Iterable[str], *, new_ids: bool) -> str:
    """Copy the executing task instances matched by ``where`` (over ``s``) before reset."""
    states = ", ".join(f"'{s}'" for s in executing)
    extra = f", {UUID7_SQL} AS {NEW_ID}" if new_ids else ""
    return (
        f"CREATE TEMP TABLE {CUTOFF} ON COMMIT DROP AS SELECT s.*{extra} FROM {stg} s "
        f"WHERE {where} AND s.state IN ({states})"
    )


def renumber_sql(stg: str) -> str:
    """Airflow 3: the cleared task instance gets its new uuid (history keeps the old)."""
    return f"UPDATE {stg} s SET id = c.{NEW_ID} FROM {CUTOFF} c WHERE s.id = c.id"


def follow_sql(stg: str, column: str) -> str:
    """Airflow 3: a note follows its task instance's new uuid (FK ON UPDATE CASCADE)."""
    col = quote(column)
    return f"UPDATE {stg} s SET {col} = c.{NEW_ID} FROM {CUTOFF} c WHERE s.{col} = c.id"


def reschedules_sql(stg: str, columns: Iterable[str]) -> str:
    """The cut-off try's reschedules, deleted as Airflow's clear deletes them."""
    present = set(columns)
    if "ti_id" in present:  # Airflow 3: by the task instance's (old) uuid
        match = "c.id = s.ti_id"
    else:  # Airflow 2: by task instance key and try number
        match = " AND ".join(f"c.{k} = s.{k}" for k in (*TI_KEY, "try_number"))
    return f"DELETE FROM {stg} s USING {CUTOFF} c WHERE {match}"


def history_sql(
    history_stg: str,
    history_columns: Iterable[str],
    ti_columns: Iterable[str],
    serial: str | None,
) -> str:
    """Fill ``history_stg`` with one history row per cut-off try, as ``record_ti`` writes it.

    ``%(ended)s`` is when the try ended (the snapshot's time); never before it started.
    """
    have = set(ti_columns)
    airflow3 = "task_instance_id" in set(history_columns)
    ended = "greatest(c.start_date, %(ended)s::timestamptz)"
    properties = {
        "task_display_name": "coalesce(nullif(c.task_display_name, ''), c.task_id)",
        # Airflow fills a NULL on insert (the column's default); the try ended then
        "updated_at": f"coalesce(c.updated_at, {ended})",
    }
    if airflow3:
        properties["rendered_map_index"] = (
            "coalesce(c.rendered_map_index, CASE WHEN c.map_index >= 0 THEN c.map_index::text END)"
        )
    targets: list[str] = []
    exprs: list[str] = []
    for col in history_columns:
        if col == serial:
            continue  # Airflow 2: the target's sequence numbers the row
        if col == "task_instance_id":
            expr = "c.id"  # Airflow 3: the uuid the try ran under
        elif col == "state":
            expr = "'failed'"  # not finished -> failed (record_ti)
        elif col == "end_date":
            expr = ended
        elif col == "duration":  # TaskInstance.set_duration: NULL without a start date
            expr = f"extract(epoch FROM {ended} - c.start_date)"
        elif col in properties and col in have:
            expr = properties[col]
        elif col in have:
            expr = f"c.{quote(col)}"
        else:
            expr = "NULL"
        targets.append(quote(col))
        exprs.append(expr)
    return (
        f"INSERT INTO {history_stg} ({', '.join(targets)}) SELECT {', '.join(exprs)} "
        f"FROM {CUTOFF} c ORDER BY c.dag_id, c.run_id, c.task_id, c.map_index"
    )
