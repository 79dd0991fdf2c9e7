"""What a restore changes in the snapshot's rows before writing them.

Work the pause interrupted follows the interrupted policy (:class:`.InterruptedPolicy`:
RERUN clears it as Airflow's clear does, recording the cut-off try in
task_instance_history; FAIL marks it failed); jobs running at export end as failed;
the paused states recorded at the pause are applied; Airflow 3's own DAG versions of
the target move after the snapshot's.
"""

from __future__ import annotations

from mwaa_pause_resume.metadata import restore_rows, ti_history
from mwaa_pause_resume.metadata.catalog import TableInfo, quote
from mwaa_pause_resume.metadata.flags import InterruptedPolicy
from mwaa_pause_resume.metadata.restore_job import RestoreJob
from mwaa_pause_resume.metadata.restore_report import TableResult
from mwaa_pause_resume.metadata.tables import (
    FINISHED_TI_STATES,
    INTERRUPTED_TI_STATES,
    UNFINISHED_JOB_STATES,
    UNFINISHED_RUN_STATES,
    WAITING_TI_STATES,
)


def adjust(job: RestoreJob, name: str, stg: str, cols: list[str]) -> None:
    """Change a staged table's rows as the restore requires before they are written."""
    present = set(cols)
    if name == "dag" and "is_paused" in present:
        job.exec(
            f"UPDATE {stg} s SET is_paused = p.paused FROM _mpr_paused p WHERE s.dag_id = p.dag_id"
        )
    elif name == "dag_run" and job.manifest.interrupted:
        if job.policy == InterruptedPolicy.RERUN:
            sets = "state = 'queued', end_date = NULL"
        else:
            sets = "state = 'failed', end_date = coalesce(end_date, now())"
        # a run that finished between the drain's list and the export stays as it is
        unfinished = ", ".join(f"'{s}'" for s in UNFINISHED_RUN_STATES)
        job.report.interrupted_runs = job.exec(
            f"UPDATE {stg} s SET {sets} WHERE s.state IN ({unfinished}) AND EXISTS "
            "(SELECT 1 FROM _mpr_interrupted i "
            "WHERE i.dag_id = s.dag_id AND i.run_id = s.run_id)"
        )
    elif name == "task_instance" and job.manifest.interrupted:
        job.report.interrupted_task_instances = _interrupt_tis(job, stg, present)
    elif name == "dag_version":
        _renumber_versions(job, stg)
    elif name == "job" and "state" in present:
        job.report.jobs_ended = _end_jobs(job, stg)
    if job.cut_off and name not in ("task_instance", "task_instance_history"):
        _follow_cut_off(job, name, stg, cols)


def _end_jobs(job: RestoreJob, stg: str) -> int:
    """Jobs running at export (schedulers, triggerers, task runners) become failed.

    Their processes do not exist in the new environment. Airflow's scheduler fails
    only stale *SchedulerJob* rows (adopt_or_reset_orphaned_tasks); any other job
    type would stay "running" forever (and ``most_recent_job`` ranks running jobs
    first). Like Airflow, only the state changes; end_date stays as it was.
    """
    states = ", ".join(f"'{s}'" for s in UNFINISHED_JOB_STATES)
    return job.exec(f"UPDATE {stg} SET state = 'failed' WHERE state IN ({states})")


def _interrupt_tis(job: RestoreJob, stg: str, present: set[str]) -> int:
    if job.policy == InterruptedPolicy.RERUN:  # cleared: the scheduler runs it again; the attempt
        # cut off does not use up a retry (Airflow's clear sets try_number + retries;
        # retries is in the DAG file, not in the database)
        sets = {"state": "NULL", "end_date": "NULL", "pid": "NULL"}
        executing = ", ".join(f"'{s}'" for s in INTERRUPTED_TI_STATES)
        sets["max_tries"] = f"max_tries + CASE WHEN state IN ({executing}) THEN 1 ELSE 0 END"
    else:
        sets = {"state": "'failed'", "end_date": "coalesce(end_date, now())", "pid": "NULL"}
    for col in (
        "next_method",
        "next_kwargs",
        "trigger_id",
        "trigger_timeout",
        "queued_by_job_id",
        "external_executor_id",
    ):
        sets[col] = "NULL"
    assignments = ", ".join(f"{quote(c)} = {v}" for c, v in sets.items() if c in present)
    # A recorded task instance that finished between the drain's list and the export
    # snapshot is left as it finished: a success is never re-run nor marked failed.
    finished = ", ".join(f"'{s}'" for s in FINISHED_TI_STATES)
    unfinished = f"(s.state IS NULL OR s.state NOT IN ({finished}))"
    recorded = (
        "EXISTS (SELECT 1 FROM _mpr_interrupted i WHERE i.dag_id = s.dag_id AND "
        "i.run_id = s.run_id AND (i.task_id IS NULL OR (i.task_id = s.task_id AND "
        "(i.map_index IS NULL OR i.map_index = s.map_index))))"
    )
    if job.policy == InterruptedPolicy.RERUN:
        # Only what was executing in the snapshot is cleared: a task recorded while
        # running that failed into up_for_retry or deferred before the export is
        # waiting there, and carries on as it was (the state at export decides).
        states = ", ".join(f"'{s}'" for s in INTERRUPTED_TI_STATES)
        waiting = ", ".join(f"'{s}'" for s in WAITING_TI_STATES)
        job.cur.execute(  # recorded executing (waiting ones are counted already)
            f"SELECT count(*) FROM {stg} s WHERE s.state IN ({waiting}) AND EXISTS "
            "(SELECT 1 FROM _mpr_interrupted i WHERE i.dag_id = s.dag_id AND "
            "i.run_id = s.run_id AND i.task_id = s.task_id AND "
            "(i.map_index IS NULL OR i.map_index = s.map_index))"
        )
        job.report.waiting_task_instances_kept += int(job.cur.fetchone()[0])
        where = f"s.state IN ({states}) AND {recorded}"
    else:  # a failed run leaves nothing unfinished behind (no deferred task resuming)
        where = f"{unfinished} AND {recorded}"
    # RERUN clears like Airflow's clear_task_instances: the executing try is
    # recorded in task_instance_history (Airflow 2.10+, 3.x: record_ti, 2.10.3
    # models/taskinstance.py line 457, 3.0.6 line 1099); see ti_history.
    new_ids = job.ti_has_uuid()
    if job.policy == InterruptedPolicy.RERUN and "task_instance_history" in job.names:
        job.exec(ti_history.capture_sql(stg, where, INTERRUPTED_TI_STATES, new_ids=new_ids))
        job.cut_off = True
    count = job.exec(f"UPDATE {stg} s SET {assignments} WHERE {where}")
    if job.cut_off and new_ids:
        job.exec(ti_history.renumber_sql(stg))
    return count


def _follow_cut_off(job: RestoreJob, name: str, stg: str, cols: list[str]) -> None:
    """Rows of other tables that belong to a cut-off try follow Airflow's clear."""
    if name == "task_reschedule":  # Airflow's clear deletes the try's reschedules
        cleared = job.exec(ti_history.reschedules_sql(stg, cols))
        job.report.tables[name].cleared = cleared
        return
    if not job.ti_has_uuid():
        return
    for link in job.links:  # Airflow 3: e.g. task_instance_note.ti_id
        if link.table == name and link.parent == "task_instance" and link.parent_columns == ("id",):
            job.exec(ti_history.follow_sql(stg, link.columns[0]))


def record_cut_off_tries(job: RestoreJob, info: TableInfo, cols: list[str]) -> None:
    """One task_instance_history row per cut-off try, inserted like the snapshot's."""
    stg = quote("_mpr_s2_task_instance_history")
    job.exec(
        f"CREATE TEMP TABLE {stg} ON COMMIT DROP AS "
        f"SELECT * FROM {quote('_mpr_s_task_instance_history')} WITH NO DATA"
    )
    ti_cols = job.manifest.tables["task_instance"].column_names
    job.exec(
        ti_history.history_sql(stg, cols, ti_cols, info.serial),
        {"ended": job.manifest.created_at},
    )
    restore_rows.drop_orphans(job, info.name, stg)  # its task instance was not restored
    result = TableResult(snapshot_rows=0)
    restore_rows.insert(job, info, stg, cols, result)  # ids remapped; a recorded try is kept
    job.report.cut_off_tries_recorded = result.inserted


def _renumber_versions(job: RestoreJob, stg: str) -> None:
    """Airflow 3: the target's own DAG versions move after the snapshot's history."""
    top = f"(SELECT dag_id, max(version_number) AS top FROM {stg} GROUP BY dag_id) AS m"
    outside = f"NOT EXISTS (SELECT 1 FROM {stg} x WHERE x.id = t.id)"
    # two steps, so no intermediate number collides with the unique (dag_id, version)
    job.exec(
        f"UPDATE dag_version t SET version_number = -t.version_number FROM {top} "
        f"WHERE t.dag_id = m.dag_id AND {outside}"
    )
    job.exec(
        f"UPDATE dag_version t SET version_number = m.top - t.version_number "
        f"FROM {top} WHERE t.dag_id = m.dag_id AND t.version_number < 0"
    )


def apply_paused_states(job: RestoreJob) -> None:
    """The snapshot's paused states onto the target's DAGs (not those busy there)."""
    if "dag" not in job.catalog.tables or not job.manifest.paused_states:
        return
    job.exec(
        "UPDATE dag d SET is_paused = p.paused FROM _mpr_paused p "
        "WHERE d.dag_id = p.dag_id AND d.is_paused IS DISTINCT FROM p.paused"
    )
    job.cur.execute("SELECT count(*) FROM _mpr_paused p JOIN dag d USING (dag_id)")
    job.report.paused_states_applied = int(job.cur.fetchone()[0])
    job.cur.execute(
        "SELECT p.dag_id FROM _mpr_paused p WHERE NOT EXISTS "
        "(SELECT 1 FROM dag d WHERE d.dag_id = p.dag_id) ORDER BY 1"
    )
    job.report.paused_states_pending = [r[0] for r in job.cur.fetchall()]


def restored_dags(job: RestoreJob) -> list[str]:
    """The DAGs whose restored paused state was applied (for ``before_commit``)."""
    if "dag" not in job.catalog.tables:
        return []
    job.cur.execute("SELECT p.dag_id FROM _mpr_paused p JOIN dag d USING (dag_id) ORDER BY 1")
    return [str(r[0]) for r in job.cur.fetchall()]
