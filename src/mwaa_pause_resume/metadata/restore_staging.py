"""Reading a snapshot into a restore's staging tables, before any row of the target changes.

Each table's file streams (``COPY``) into a temporary staging table, checked against
the manifest as it goes, and its secrets are re-encrypted with the target's Fernet key
there; the lookup tables the later steps join (paused states, busy DAGs, interrupted
work) are filled from the manifest. A snapshot refused here has changed nothing.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.metadata.catalog import quote
from mwaa_pause_resume.metadata.file_copy import copy_file
from mwaa_pause_resume.metadata.flags import InterruptedPolicy
from mwaa_pause_resume.metadata.restore_job import RestoreJob
from mwaa_pause_resume.metadata.secrets import reencrypt, secret_fields
from mwaa_pause_resume.metadata.streams import Batches
from mwaa_pause_resume.metadata.tables import WAITING_TI_STATES


def load_lookups(job: RestoreJob) -> None:
    """The temporary lookup tables the steps join: the paused states to apply, the DAGs
    busy in the target, the work the pause interrupted."""
    from psycopg2.extras import execute_values

    job.exec(
        "CREATE TEMP TABLE _mpr_paused (dag_id text PRIMARY KEY, paused boolean) ON COMMIT DROP"
    )
    if job.manifest.paused_states:
        execute_values(
            job.cur,
            "INSERT INTO _mpr_paused VALUES %s",
            list(job.manifest.paused_states.items()),
        )
    # DAGs with a run in progress in the target (the import DAG itself) keep their
    # paused state: pausing them would stall their own run.
    job.exec(
        "CREATE TEMP TABLE _mpr_busy ON COMMIT DROP AS SELECT DISTINCT dag_id "
        "FROM dag_run WHERE state IN ('running', 'queued')"
        if "dag_run" in job.catalog.tables
        else "CREATE TEMP TABLE _mpr_busy (dag_id text) ON COMMIT DROP"
    )
    job.exec(
        "DELETE FROM _mpr_paused p USING _mpr_busy b WHERE b.dag_id = p.dag_id RETURNING p.dag_id"
    )
    job.report.paused_states_kept_busy = sorted(r[0] for r in job.cur.fetchall())
    job.exec(
        "CREATE TEMP TABLE _mpr_interrupted (dag_id text, run_id text, task_id text, "
        "map_index integer) ON COMMIT DROP"
    )
    # RERUN: a task instance that was waiting (deferred, up for retry, ...) carries
    # on as it was; only work a process was doing is cleared.
    affected = [
        i
        for i in job.manifest.interrupted
        if not (
            job.policy == InterruptedPolicy.RERUN
            and i.get("task_id") is not None
            and i.get("state") in WAITING_TI_STATES
        )
    ]
    job.report.waiting_task_instances_kept = len(job.manifest.interrupted) - len(affected)
    if affected:
        execute_values(
            job.cur,
            "INSERT INTO _mpr_interrupted VALUES %s",
            [(i["dag_id"], i["run_id"], i.get("task_id"), i.get("map_index")) for i in affected],
        )


def stage(job: RestoreJob, name: str) -> None:
    """COPY the table's file into its staging table, checking it against the manifest."""
    info = job.catalog.tables[name]
    entry = job.manifest.tables[name]
    cols = entry.column_names
    stg = quote(f"_mpr_s_{name}")
    types = {c.name: c.type for c in info.columns}  # == the snapshot's (checked)
    defs = ", ".join(f"{quote(c)} {types[c]}" for c in cols)
    if secret_fields(name, cols):
        defs += ", _mpr_row bigint GENERATED ALWAYS AS IDENTITY"
    job.exec(f"CREATE TEMP TABLE {stg} ({defs}) ON COMMIT DROP")
    if job.scratch is None:
        loaded = copy_file(job.cur, job.store, name, entry, stg)
    else:  # an older snapshot brought forward: its rows at the target's revision
        loaded = job.exec(
            f"INSERT INTO {stg} ({', '.join(quote(c) for c in cols)}) SELECT "
            + ", ".join(f"{quote(c)}::{types[c]}" for c in cols)
            + f" FROM {quote(job.scratch)}.{quote(name)}"
        )
    fields = secret_fields(name, cols)
    if fields:  # here, not when the table is written: a secret that does not
        # decrypt refuses the snapshot before any id is drawn from a sequence
        _reencrypt(job, name, stg, cols, fields)
    job.exec(f"ANALYZE {stg}")
    if job.progress:  # reading is most of a large restore's time
        job.progress(f"{name} (read, checked)", loaded)


def _reencrypt(job: RestoreJob, name: str, stg: str, cols: list[str], fields: Any) -> None:
    from psycopg2.extras import execute_values

    touched = [c for f in fields for c in (f.column, f.flag) if c]
    label_col = next((c for c in ("key", "conn_id", "id") if c in cols), None)
    select = ", ".join(quote(c) for c in touched)
    flags = {f.flag for f in fields if f.flag}
    casts = ", ".join("%s::boolean" if c in flags else "%s::text" for c in touched)
    sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in touched)
    names = ", ".join(quote(c) for c in touched)
    # Read through a server-side cursor and write back batch by batch: bounded memory.
    # The cursor's snapshot predates the updates, so each row is read exactly once.
    with job.cur.connection.cursor(name=f"_mpr_reencrypt_{name}") as reader:
        reader.execute(f"SELECT _mpr_row, {quote(label_col or touched[0])}, {select} FROM {stg}")
        for batch in Batches(reader):
            updates = []
            for row_id, label, *values in batch:
                row = dict(zip(touched, values, strict=True))
                new = reencrypt(row, fields, job.snap, job.target, f"{name} {label!r}")
                updates.append((row_id, *[new[c] for c in touched]))
            execute_values(
                job.cur,
                f"UPDATE {stg} s SET {sets} FROM (VALUES %s) AS v(_mpr_row, {names}) "
                "WHERE s._mpr_row = v._mpr_row",
                updates,
                template=f"(%s, {casts})",
                page_size=len(updates),
            )
            del updates
