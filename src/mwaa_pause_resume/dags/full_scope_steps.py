"""The steps of the ``full`` scope: the whole metadata database, read and written over a
connection of this environment's own (:mod:`.metadb_connection`, never the ORM).

:mod:`.tasks` picks this module when a database source exists; :mod:`.rest_scope_steps`
has the same steps for an environment whose tasks reach no database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mwaa_pause_resume.dags import quiesce
from mwaa_pause_resume.dags.metadb_connection import open_metadb
from mwaa_pause_resume.dags.result_note import success_note
from mwaa_pause_resume.dags.run_context import (
    FULL_SCOPE,
    airflow_version,
    conn_id,
    environment_fernet_key,
    log,
    metadb,
    run_key,
    snapshot_key,
)
from mwaa_pause_resume.dags.step_results import (
    brought_forward,
    manifest_totals,
    own_dags,
    publish_report,
    stored_summary,
)
from mwaa_pause_resume.metadata.key_context import running_environment
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY

SCOPE = FULL_SCOPE


def write_note(context: dict[str, Any], note: str) -> None:
    with metadb(conn_id(context)) as conn:
        quiesce.write_run_note(conn, run_key(context), note)


def read_note(context: dict[str, Any]) -> str | None:
    with metadb(conn_id(context)) as conn:
        return quiesce.read_run_note(conn, run_key(context))


# -- export DAG ------------------------------------------------------------------
def pause(
    context: dict[str, Any], dag_id: str, save_record: Callable[[dict[str, bool]], None]
) -> dict[str, bool]:
    """Record every DAG's paused state, save the record, pause the others: one transaction."""
    with metadb(conn_id(context)) as conn:
        return quiesce.pause_all_dags(conn, except_dag_id=dag_id, before_commit=save_record)


def drain(context: dict[str, Any], cfg: Any) -> dict[str, Any]:
    """Wait for executing tasks to finish (up to the timeout); report what is unfinished."""
    run = run_key(context)
    with metadb(conn_id(context)) as conn:
        drained = quiesce.wait_for_drain(
            conn,
            run,
            cfg.drain_timeout_seconds,
            on_wait=lambda busy, left: log.info(
                "%d task instance(s) still executing, %.0f s left", busy, left
            ),
        )
        interrupted = quiesce.unfinished_work(conn, run)
    if not drained:
        log.warning("drain timeout (%.1f min) reached", cfg.drain_timeout_minutes)
    log.info("%d unfinished run(s)/task instance(s) recorded as interrupted", len(interrupted))
    return {"drained": drained, "interrupted": interrupted}


def export(
    context: dict[str, Any],
    cfg: Any,
    store: Any,
    recorded: dict[str, bool],
    interrupted: list[Any],
) -> dict[str, Any]:
    """Export the metadata database (minus this run) to the snapshot location."""
    from mwaa_pause_resume.metadata import export_snapshot

    run = run_key(context)
    with metadb(conn_id(context)) as conn:
        manifest = export_snapshot(
            conn,
            store,
            fernet_key=environment_fernet_key(),
            airflow_version=airflow_version(),
            exclude_dag_runs=[run],
            original_paused=recorded,
            interrupted=interrupted,
            progress=lambda *args: log.info("export: %s", " ".join(map(str, args))),
            environment=running_environment(),
        )
    tables, rows = manifest_totals(manifest)
    # The engine adds what it finds executing itself to the drain's list.
    interrupted_count = len(manifest.interrupted)
    log.info("exported %d rows from %d tables to %s", rows, tables, cfg.snapshot)
    return _publish_success(
        conn_id(context),
        run,
        cfg.snapshot,
        tables=tables,
        rows=rows,
        interrupted=interrupted_count,
    )


def restore_paused(context: dict[str, Any], recorded: dict[str, bool]) -> int:
    """Put the recorded paused states back; returns how many DAGs changed."""
    with metadb(conn_id(context)) as conn:
        return quiesce.restore_paused_states(conn, recorded, except_dag_id=run_key(context)[0])


# -- import DAG ------------------------------------------------------------------
def import_snapshot(context: dict[str, Any], cfg: Any, store: Any, manifest: Any) -> dict[str, Any]:
    """Restore the snapshot into this environment's database: all or nothing."""
    from mwaa_pause_resume.dags.db_position import PositionSetter
    from mwaa_pause_resume.metadata import AlreadyRestored, restore_snapshot

    run = run_key(context)
    # The missed-runs policy, applied inside the restore's transaction.
    positions = PositionSetter(getattr(cfg, "missed_runs", DEFAULT_POLICY))
    try:
        with metadb(conn_id(context)) as conn:
            report = restore_snapshot(
                conn,
                store,
                fernet_key=environment_fernet_key(),
                snapshot_key=snapshot_key(),
                interrupted_policy=cfg.interrupted_policy,
                progress=lambda *args: log.info("import: %s", " ".join(map(str, args))),
                before_commit=positions,
                migrations=_target_migrations(conn_id(context)),
            )
    except AlreadyRestored as done:
        # A retry after the restore committed (the note or XCom failed the first
        # try): the database holds the snapshot, so this import has succeeded. Not
        # when the snapshot is here only as history of one restored after it: the
        # database is not in this snapshot's state, so that is a failure.
        if not done.restored_last:
            raise
        log.warning("%s; nothing restored again", done)
        rows = sum(t.rows for t in manifest.tables.values())
        return _publish_success(
            conn_id(context),
            run,
            cfg.snapshot,
            tables=len(manifest.tables),
            rows=rows,
            interrupted=len(manifest.interrupted),
            summary=stored_summary(store),
            store=store,
        )
    from mwaa_pause_resume.metadata.summary_from_restores import (
        add_positions,
        full_scope_summary,
    )

    tables, rows, interrupted = _report_totals(report)
    log.info("restored %d rows into %d tables from %s", rows, tables, cfg.snapshot)
    if report.brought_forward:  # an older Airflow's snapshot (metadata/forward)
        log.info("brought forward by this Airflow's migrations: %s", report.brought_forward)
    summary = full_scope_summary(report, own_dags=own_dags(context, manifest))
    add_positions(summary, positions.result()["positions"])
    for held in positions.held:
        log.warning("left paused: %s: %s; %s", held.dag_id, held.reason, held.action)
    return _publish_success(
        conn_id(context),
        run,
        cfg.snapshot,
        tables=tables,
        rows=rows,
        interrupted=interrupted,
        summary=summary,
        store=store,
        positions=positions.result(),
        note_extra=brought_forward(manifest, "database") if report.brought_forward else None,
    )


def _report_totals(report: Any) -> tuple[int, int, int]:
    """(tables, rows, interrupted) of a :class:`mwaa_pause_resume.metadata.RestoreReport`."""
    rows = sum(int(t.snapshot_rows) for t in report.tables.values())
    return len(report.tables), rows, report.interrupted_runs + report.interrupted_task_instances


def _target_migrations(conn_id: str) -> Any:
    """This environment's Airflow migrations, for a snapshot of an older Airflow: the
    engine brings its rows forward with them (docs/metadata.md, "Restoring into a newer
    Airflow"). Each call of ``connect`` opens a connection of its own."""
    from mwaa_pause_resume.metadata.forward.alembic_migrations import AlembicMigrations

    return AlembicMigrations(lambda: open_metadb(conn_id)[0])


def _publish_success(
    conn_id: str,
    run: quiesce.RunKey,
    snapshot: str,
    *,
    tables: int,
    rows: int,
    interrupted: int,
    summary: Any = None,
    store: Any = None,
    positions: dict[str, Any] | None = None,
    note_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The success note on the run (fresh session: the engine's may be read-only), and
    the same figures as the task's XCom. An import's restore summary goes into the note
    and, whole, into ``import-report.json`` in ``store``. ``positions``: what the
    missed-runs policy did (``db_position.PositionSetter.result``): counts in the note,
    the held DAGs with their reasons in the XCom and the summary."""
    from mwaa_pause_resume.dags.db_position import position_counts

    counts: dict[str, Any] = position_counts(positions) if positions else {}
    extra = {**(note_extra or {}), **publish_report(store, summary)}
    with metadb(conn_id) as conn:
        quiesce.write_run_note(
            conn,
            run,
            success_note(
                snapshot,
                tables=tables,
                rows=rows,
                interrupted=interrupted,
                scope=FULL_SCOPE,
                **counts,
                **extra,
            ),
        )
    result = {"snapshot": snapshot, "tables": tables, "rows": rows, "interrupted": interrupted}
    return {**result, **(positions or {})}
