"""The task callables of the export and import DAGs (thin: conf -> engine -> run note).

Each callable receives the Airflow task context as keyword arguments. They reach
the metadata database through :mod:`.metadb_connection` (never the ORM) and
publish their result as the DAG run's note (:mod:`.result_note`); the import adds its
restore summary there and writes it whole as the snapshot's ``import-report.json``
(:mod:`mwaa_pause_resume.metadata.restore_summary`). Any failure writes a failure
note, then fails the task.

Every task first checks the run's authorization (:mod:`.authorization`): a run the
workflows did not start (a manual trigger) fails at its first task, having read,
written, paused and unpaused nothing. The import also requires the snapshot's
manifest MAC (:mod:`mwaa_pause_resume.metadata.snapshot_mac`) before any write.

Scope: ``full`` (the whole database) when a database source exists, else
``rest-only`` (variables, connections, pools, paused states and run history through the
REST API and the Task SDK: :mod:`.rest_api`, :mod:`mwaa_pause_resume.metadata.rest_scope`).
The run note and the manifest say which. A full snapshot imported where no database
source exists (an Airflow 2 snapshot resumed on Airflow 3) takes the REST channel too,
its records read from its tables (:mod:`mwaa_pause_resume.metadata.rest_from_tables`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

from mwaa_pause_resume.dags import quiesce
from mwaa_pause_resume.dags.authorization import authorize_run
from mwaa_pause_resume.dags.metadb_connection import metadb_available, open_metadb
from mwaa_pause_resume.dags.result_note import failure_note, parse_note, success_note
from mwaa_pause_resume.dags.run_conf import (
    DEFAULT_DB_CONN_ID,
    RunConfError,
    parse_export_conf,
    parse_import_conf,
)
from mwaa_pause_resume.metadata.key_context import running_environment
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY

log = logging.getLogger(__name__)

PAUSE_TASK = "pause_dags"
DRAIN_TASK = "drain"
EXPORT_TASK = "export"
RESTORE_PAUSED_TASK = "restore_paused_states"
IMPORT_TASK = "import_snapshot"


# Snapshots written without a KMS key protect secrets with the source environment's
# Fernet key; the import reads it from this variable (never from the run conf, which
# Airflow stores and shows).
SNAPSHOT_KEY_ENV = "MWAA_PAUSE_RESUME_SNAPSHOT_KEY"


FULL_SCOPE = "full"
REST_SCOPE = "rest-only"


class SnapshotStepFailed(RuntimeError):
    """Fails the run on purpose after cleaning up (the note holds the details)."""


def _run_key(context: dict[str, Any]) -> quiesce.RunKey:
    dag_run = context["dag_run"]
    return str(dag_run.dag_id), str(dag_run.run_id)


def _run_conf(context: dict[str, Any]) -> dict[str, Any]:
    conf = getattr(context["dag_run"], "conf", None) or {}
    if not isinstance(conf, dict):
        raise RunConfError(f"the DAG run conf must be a JSON object, got {type(conf).__name__}")
    return conf


def _conn_id(context: dict[str, Any]) -> str:
    """The Airflow connection to the metadata database: fixed, never from the conf (a run
    could otherwise point the DAGs at another database)."""
    return DEFAULT_DB_CONN_ID


def _authorized(context: dict[str, Any], action: str, *, check_expiry: bool = True) -> Any:
    """Refuse the run unless the workflows authorized it (see :mod:`.authorization`);
    returns (snapshot id, trust, KMS client)."""
    dag_id, run_id = _run_key(context)
    return authorize_run(_run_conf(context), dag_id, run_id, action, check_expiry=check_expiry)


def environment_fernet_key() -> str:
    """This environment's Fernet key: Airflow config, else MWAA's MWAA__CORE__FERNET_KEY."""
    from airflow.configuration import conf

    key = str(conf.get("core", "fernet_key", fallback="") or "")
    if key:
        return key
    raw = os.environ.get("MWAA__CORE__FERNET_KEY", "")
    if raw.startswith("{"):
        return str(json.loads(raw).get("FernetKey", ""))
    return raw


def _airflow_version() -> str:
    from airflow import __version__

    return str(__version__)


@contextlib.contextmanager
def _metadb(conn_id: str) -> Iterator[Any]:
    conn, params = open_metadb(conn_id)
    log.info(
        "metadata database via %s (%s:%s/%s)",
        params.source,
        params.host,
        params.port,
        params.dbname,
    )
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def _reported(step: str, context: dict[str, Any], snapshot: str | None = None) -> Iterator[None]:
    """On any error: best-effort failure note on the run, then re-raise."""
    try:
        yield
    except Exception as exc:
        log.exception("step %s failed", step)
        try:
            _write_note(
                context, failure_note(step, f"{type(exc).__name__}: {exc}", snapshot=snapshot)
            )
        except Exception:  # the note is a courtesy; the failed state is what counts
            log.warning("could not write the failure note", exc_info=True)
        raise


def _scope(context: dict[str, Any]) -> str:
    """full when a metadata database source exists, else rest-only."""
    return FULL_SCOPE if metadb_available(_conn_id(context)) else REST_SCOPE


def _rest_api() -> Any:
    from mwaa_pause_resume.dags.rest_api import AirflowRestApi, own_environment_name

    return AirflowRestApi(own_environment_name())


def _write_note(context: dict[str, Any], note: str) -> None:
    run = _run_key(context)
    if _scope(context) == REST_SCOPE:
        _rest_api().write_note(run[0], run[1], note)
        return
    with _metadb(_conn_id(context)) as conn:
        quiesce.write_run_note(conn, run, note)


def _read_note(context: dict[str, Any]) -> str | None:
    run = _run_key(context)
    if _scope(context) == REST_SCOPE:
        note: str | None = _rest_api().read_note(*run)
        return note
    with _metadb(_conn_id(context)) as conn:
        return quiesce.read_run_note(conn, run)


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
    """Full scope: the success note on the run (fresh session: the engine's may be
    read-only), and the same figures as the task's XCom. An import's restore summary
    goes into the note and, whole, into ``import-report.json`` in ``store``.
    ``positions``: what the missed-runs policy did (``db_position.PositionSetter.result``):
    counts in the note, the held DAGs with their reasons in the XCom and the summary."""
    from mwaa_pause_resume.dags.db_position import position_counts

    counts: dict[str, Any] = position_counts(positions) if positions else {}
    extra = {**(note_extra or {}), **_publish_report(store, summary)}
    with _metadb(conn_id) as conn:
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


def _publish_report(store: Any, summary: Any) -> dict[str, Any]:
    """Write ``summary`` (a :class:`~mwaa_pause_resume.metadata.restore_summary.
    RestoreSummary`) as the snapshot's ``import-report.json``; returns the success
    note's extra keys: the summary, and ``report`` once the file is written. Best effort:
    an execution role without the grant for the file (managed by hand, not updated)
    still restores, its note says what the report would."""
    if summary is None:
        return {}
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

    try:
        store.put_json(REPORT_FILE, summary.to_json())
    except Exception:
        log.warning("could not write %s; the note has the summary", REPORT_FILE, exc_info=True)
        return {"summary": summary}
    return {"summary": summary, "report": REPORT_FILE}


def _stored_summary(store: Any) -> Any:
    """The summary an earlier try of this import wrote (None if none or unreadable)."""
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE, RestoreSummary

    try:
        return RestoreSummary.from_json(store.get_json(REPORT_FILE))
    except Exception:
        return None


# -- export DAG ------------------------------------------------------------------
def _pause_through_rest(dag_id: str, save_record: Any) -> dict[str, bool]:
    """rest-only: record, save the record, then pause the others one by one (PATCH);
    a failure part-way unpauses again what this call paused."""
    api = _rest_api()
    recorded: dict[str, bool] = api.paused_states()
    save_record(recorded)
    paused: list[str] = []
    try:
        for other, was_paused in sorted(recorded.items()):
            if other != dag_id and not was_paused:
                api.set_paused(other, True)
                paused.append(other)
    except BaseException:
        for other in paused:
            with contextlib.suppress(Exception):
                api.set_paused(other, False)
        raise
    return recorded


def pause_dags(**context: Any) -> dict[str, bool]:
    """Record every DAG's paused state and pause all others; returns the record (XCom)."""
    with _reported(PAUSE_TASK, context):
        _authorized(context, "export")  # before anything is read, written or paused
        cfg = parse_export_conf(_run_conf(context))
        dag_id, _ = _run_key(context)
        from mwaa_pause_resume.metadata import open_store

        store = open_store(cfg.snapshot, kms_key_id=cfg.kms_key_id)

        def save_record(recorded: dict[str, bool]) -> None:
            payload = {"export_dag_id": dag_id, "paused_states": recorded}
            store.put_json(quiesce.PAUSED_STATES_FILE, payload)

        if _scope(context) == REST_SCOPE:
            log.info("no metadata database source: rest-only scope, pausing via the REST API")
            recorded = _pause_through_rest(dag_id, save_record)
            active = sorted(d for d, paused in recorded.items() if not paused and d != dag_id)
            log.info("paused %d active DAG(s): %s", len(active), ", ".join(active))
            return recorded
        with _metadb(_conn_id(context)) as conn:
            recorded = quiesce.pause_all_dags(conn, except_dag_id=dag_id, before_commit=save_record)
        active = sorted(d for d, paused in recorded.items() if not paused and d != dag_id)
        log.info("paused %d active DAG(s): %s", len(active), ", ".join(active))
        return recorded


def drain(**context: Any) -> dict[str, Any]:
    """Wait for executing tasks to finish (up to the timeout); report what is unfinished."""
    with _reported(DRAIN_TASK, context):
        _authorized(context, "export")
        cfg = parse_export_conf(_run_conf(context))
        run = _run_key(context)
        if _scope(context) == REST_SCOPE:
            # Run history is not in this scope: nothing to keep consistent by waiting.
            log.info("rest-only scope: no drain (runs in flight are restored as failed)")
            return {"drained": True, "interrupted": [], "scope": REST_SCOPE}
        with _metadb(_conn_id(context)) as conn:
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


def _manifest_totals(manifest: Any) -> tuple[int, int]:
    """(tables, rows) of a :class:`mwaa_pause_resume.metadata.Manifest`."""
    return len(manifest.tables), sum(int(t.rows) for t in manifest.tables.values())


def export(**context: Any) -> dict[str, Any]:
    """Export the metadata database (minus this run) to the snapshot location."""
    with _reported(EXPORT_TASK, context):
        _authorized(context, "export")
        cfg = parse_export_conf(_run_conf(context))
    with _reported(EXPORT_TASK, context, snapshot=cfg.snapshot):
        from mwaa_pause_resume.metadata import export_snapshot, open_store

        ti = context["ti"]
        recorded = ti.xcom_pull(task_ids=PAUSE_TASK) or {}
        drained = ti.xcom_pull(task_ids=DRAIN_TASK) or {}
        interrupted = list(drained.get("interrupted", []))
        run = _run_key(context)
        store = open_store(cfg.snapshot, kms_key_id=cfg.kms_key_id)
        if _scope(context) == REST_SCOPE:
            return _export_rest(context, cfg.snapshot, store, recorded)
        with _metadb(_conn_id(context)) as conn:
            manifest = export_snapshot(
                conn,
                store,
                fernet_key=environment_fernet_key(),
                airflow_version=_airflow_version(),
                exclude_dag_runs=[run],
                original_paused=recorded,
                interrupted=interrupted,
                progress=lambda *args: log.info("export: %s", " ".join(map(str, args))),
                environment=running_environment(),
            )
        tables, rows = _manifest_totals(manifest)
        # The engine adds what it finds executing itself to the drain's list.
        interrupted_count = len(manifest.interrupted)
        log.info("exported %d rows from %d tables to %s", rows, tables, cfg.snapshot)
        return _publish_success(
            _conn_id(context),
            run,
            cfg.snapshot,
            tables=tables,
            rows=rows,
            interrupted=interrupted_count,
        )


def _export_rest(
    context: dict[str, Any], snapshot: str, store: Any, recorded: dict[str, bool]
) -> dict[str, Any]:
    """rest-only export: keys from the REST API, secrets from the Task SDK."""
    from mwaa_pause_resume.dags.rest_api import collect
    from mwaa_pause_resume.dags.rest_history import collect_history, own_dag_ids
    from mwaa_pause_resume.dags.rest_position import collect_positions
    from mwaa_pause_resume.metadata.rest_scope import write_rest_snapshot

    run = _run_key(context)
    api = _rest_api()
    records = {
        **collect(api),
        **collect_history(api, own_dag_ids(api, run[0])),
        "positions": collect_positions(api, skip={run[0]}),
    }
    manifest = write_rest_snapshot(
        store,
        records,
        paused_states=recorded,
        airflow_version=_airflow_version(),
        fernet_key=environment_fernet_key() or None,
        excluded_dag_runs=[{"dag_id": run[0], "run_id": run[1]}],
        environment=running_environment(),
    )
    tables, rows = _manifest_totals(manifest)
    _write_note(
        context, success_note(snapshot, tables=tables, rows=rows, interrupted=0, scope=REST_SCOPE)
    )
    log.info("rest-only export: %d records of %d kinds to %s", rows, tables, snapshot)
    return {"snapshot": snapshot, "tables": tables, "rows": rows, "interrupted": 0}


def _restore_paused_rest(recorded: dict[str, bool], except_dag_id: str) -> int:
    api = _rest_api()
    current = api.paused_states()
    changed = 0
    for dag_id, paused in sorted(recorded.items()):
        if dag_id != except_dag_id and dag_id in current and current[dag_id] != paused:
            api.set_paused(dag_id, paused)
            changed += 1
    return changed


def restore_paused(**context: Any) -> None:
    """Runs only when a step failed: put paused states back, then fail the run.

    Not for a run that is not authorized (its first task refused it and paused nothing):
    it changes nothing either. No expiry check: this run's own pause is undone.
    """
    run = _run_key(context)
    try:
        _authorized(context, "export", check_expiry=False)
    except Exception as exc:
        raise SnapshotStepFailed(
            f"the run is not authorized, so nothing was paused or is unpaused: {exc}"
        ) from None
    recorded = context["ti"].xcom_pull(task_ids=PAUSE_TASK) or {}
    if _scope(context) == REST_SCOPE:
        changed = _restore_paused_rest(recorded, except_dag_id=run[0])
    else:
        with _metadb(_conn_id(context)) as conn:
            changed = quiesce.restore_paused_states(conn, recorded, except_dag_id=run[0])
    result = parse_note(_read_note(context)) or {
        "status": "failed",
        "step": "unknown",
        "error": "see the task logs",
    }
    note = failure_note(
        str(result.get("step")),
        str(result.get("error")),
        snapshot=result.get("snapshot"),
        paused_restored=changed,
    )
    _write_note(context, note)
    raise SnapshotStepFailed(
        f"the export failed at step {result.get('step')!r}: {result.get('error')}; "
        f"paused states put back ({changed} DAG(s) unpaused again)"
    )


# -- import DAG ------------------------------------------------------------------
def _report_totals(report: Any) -> tuple[int, int, int]:
    """(tables, rows, interrupted) of a :class:`mwaa_pause_resume.metadata.RestoreReport`."""
    rows = sum(int(t.snapshot_rows) for t in report.tables.values())
    return len(report.tables), rows, report.interrupted_runs + report.interrupted_task_instances


def import_snapshot(**context: Any) -> dict[str, Any]:
    """Restore the snapshot into this environment's database: all or nothing."""
    with _reported(IMPORT_TASK, context):
        snapshot_id, trust, kms = _authorized(context, "import")  # before any read or write
        cfg = parse_import_conf(_run_conf(context))
    with _reported(IMPORT_TASK, context, snapshot=cfg.snapshot):
        from mwaa_pause_resume.dags.rest_api import own_environment_name
        from mwaa_pause_resume.metadata import AlreadyRestored, open_store, restore_snapshot
        from mwaa_pause_resume.metadata.rest_scope import SCOPE as REST_SNAPSHOT_SCOPE
        from mwaa_pause_resume.metadata.snapshot_mac import authenticated_store
        from mwaa_pause_resume.metadata.verify import read_manifest

        run = _run_key(context)
        # Only a snapshot the pause workflow verified and signed, for this environment and
        # snapshot id; the engine then reads the very manifest bytes that were checked.
        store = authenticated_store(
            open_store(cfg.snapshot, kms_key_id=cfg.kms_key_id),
            kms,
            trust.mac_key_id,
            environment=own_environment_name(),
            snapshot_id=snapshot_id,
        )
        manifest = read_manifest(store)
        # A full-scope snapshot (an Airflow 2 one, or 3.x exported with a task database
        # connection) into an environment whose tasks have none: the REST channel, with
        # the records read from its tables (metadata.rest_from_tables).
        if manifest.scope == REST_SNAPSHOT_SCOPE or _scope(context) == REST_SCOPE:
            return _import_rest(
                context, cfg.snapshot, store, getattr(cfg, "missed_runs", DEFAULT_POLICY)
            )
        from mwaa_pause_resume.dags.db_position import PositionSetter

        # The missed-runs policy, applied inside the restore's transaction.
        positions = PositionSetter(getattr(cfg, "missed_runs", DEFAULT_POLICY))
        try:
            with _metadb(_conn_id(context)) as conn:
                report = restore_snapshot(
                    conn,
                    store,
                    fernet_key=environment_fernet_key(),
                    snapshot_key=os.environ.get(SNAPSHOT_KEY_ENV) or None,
                    interrupted_policy=cfg.interrupted_policy,
                    progress=lambda *args: log.info("import: %s", " ".join(map(str, args))),
                    before_commit=positions,
                    migrations=_target_migrations(_conn_id(context)),
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
                _conn_id(context),
                run,
                cfg.snapshot,
                tables=len(manifest.tables),
                rows=rows,
                interrupted=len(manifest.interrupted),
                summary=_stored_summary(store),
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
        summary = full_scope_summary(report, own_dags=_own_dags(context, manifest))
        add_positions(summary, positions.result()["positions"])
        for held in positions.held:
            log.warning("left paused: %s: %s; %s", held.dag_id, held.reason, held.action)
        return _publish_success(
            _conn_id(context),
            run,
            cfg.snapshot,
            tables=tables,
            rows=rows,
            interrupted=interrupted,
            summary=summary,
            store=store,
            positions=positions.result(),
            note_extra=_brought_forward(manifest, "database") if report.brought_forward else None,
        )


def _target_migrations(conn_id: str) -> Any:
    """This environment's Airflow migrations, for a snapshot of an older Airflow: the
    engine brings its rows forward with them (docs/metadata.md, "Restoring into a newer
    Airflow"). Each call of ``connect`` opens a connection of its own."""
    from mwaa_pause_resume.metadata.forward.alembic_migrations import AlembicMigrations

    return AlembicMigrations(lambda: open_metadb(conn_id)[0])


def _brought_forward(manifest: Any, channel: str) -> dict[str, Any]:
    """The success note's ``brought_forward`` when the snapshot is of an older Airflow
    than this one: from and to which version, and through which channel (``database``:
    this Airflow's migrations; ``rest-api``: the REST channel, docs/airflow3.md)."""
    source, target = manifest.airflow_version, _airflow_version()
    if not source or source == target:
        return {}
    return {"brought_forward": {"from": source, "to": target, "channel": channel}}


def _own_dags(context: dict[str, Any], manifest: Any) -> set[str]:
    """The workflows' own DAGs (this import, the export that made the snapshot): they
    keep the paused states the workflows gave them."""
    return {_run_key(context)[0], *(str(e["dag_id"]) for e in manifest.excluded_dag_runs)}


def _import_rest(
    context: dict[str, Any], snapshot: str, store: Any, default_policy: str = DEFAULT_POLICY
) -> dict[str, Any]:
    """rest-only snapshot: verify, then write pools, connections, variables, each DAG's
    scheduler position (per its missed-runs policy) and the paused states through this
    environment's REST API (the snapshot wins on conflict)."""
    from mwaa_pause_resume.dags.rest_api import rest_body
    from mwaa_pause_resume.dags.rest_history import import_history
    from mwaa_pause_resume.dags.rest_pool import concurrency_from_environ
    from mwaa_pause_resume.dags.rest_position import restore_positions
    from mwaa_pause_resume.metadata.key_checks import refuse_plaintext_snapshot
    from mwaa_pause_resume.metadata.rest_from_tables import left_behind, read_tables_as_rest
    from mwaa_pause_resume.metadata.rest_scope import read_rest_snapshot
    from mwaa_pause_resume.metadata.summary_from_restores import (
        add_history,
        add_positions,
        rest_scope_summary,
    )
    from mwaa_pause_resume.metadata.verify import verify_snapshot

    manifest = verify_snapshot(store).manifest
    if environment_fernet_key():  # Airflow encrypts what the REST API writes
        refuse_plaintext_snapshot(manifest, "this environment has a Fernet key")
    from_tables = manifest.scope != REST_SCOPE
    read = read_tables_as_rest if from_tables else read_rest_snapshot
    data = read(store, manifest, snapshot_key=os.environ.get(SNAPSHOT_KEY_ENV) or None)
    try:
        concurrency = concurrency_from_environ(os.environ)
    except ValueError as exc:  # before any write
        raise SnapshotStepFailed(str(exc)) from None
    api = _rest_api()
    counts: dict[str, int] = {}
    for kind in ("pools", "connections", "variables"):
        for record in data.records(kind):
            outcome = api.upsert(kind, rest_body(kind, record))
            counts[f"{kind}_{outcome}"] = counts.get(f"{kind}_{outcome}", 0) + 1
    # The workflows' own DAGs keep the states the workflows gave them.
    ours = _own_dags(context, manifest)
    history = import_history(
        api,
        data.dag_runs,
        data.task_instances,
        airflow_version=_airflow_version(),
        exclude_dag_ids=ours,
        concurrency=concurrency,
    )
    positions = restore_positions(
        api,
        data.paused_states,
        data.positions,
        default_policy=default_policy,
        airflow_version=_airflow_version(),
        exclude=ours,
    )
    held = positions.held_ids()  # their position is not set: they stay paused
    current = api.paused_states()
    unpaused = paused = missing = 0
    for dag_id, was_paused in sorted(data.paused_states.items()):
        if dag_id in ours or dag_id in held:
            continue
        if dag_id not in current:
            missing += 1  # not (yet) parsed in this environment
            continue
        if current[dag_id] != was_paused:
            api.set_paused(dag_id, was_paused)
            if was_paused:
                paused += 1
            else:
                unpaused += 1
    kinds = ("variables", "connections", "pools")
    rows = sum(len(data.records(k)) for k in kinds)
    summary = rest_scope_summary(
        ("variables", "connections", "pools", "dag_runs", "task_instances", "paused_states")
        if from_tables
        else manifest.held_items(),
        {kind: len(data.records(kind)) for kind in kinds},
        paused_states=len([d for d in data.paused_states if d not in ours]) - missing,
        dags_missing=missing,
    )
    add_history(summary, history)
    add_positions(summary, positions.to_json()["positions"])
    if from_tables:  # what a database restore would have brought and this channel cannot
        for item, (rows_behind, why) in left_behind(manifest).items():
            summary.items.pop(item, None)  # not "not in the snapshot": counted here
            summary.add(item, not_restored=rows_behind, reason=why if rows_behind else None)
    extra: dict[str, Any] = {
        **counts,
        **_brought_forward(manifest, "rest-api"),
        **_publish_report(store, summary),
    }
    _write_note(
        context,
        success_note(
            snapshot,
            tables=len(manifest.tables),
            rows=rows,
            interrupted=0,
            scope=REST_SCOPE,
            dags_unpaused=unpaused,
            dags_paused=paused,
            dags_missing=missing,
            positions_set=positions.to_json()["positions"]["set"],
            dags_held=len(held),
            **extra,
        ),
    )
    log.info("rest-only import from %s: %s", snapshot, counts)
    return {
        "snapshot": snapshot,
        "tables": len(manifest.tables),
        "rows": rows,
        "interrupted": 0,
        **positions.to_json(),
        "history": history,
    }
