"""The task callables of the export and import DAGs (thin: conf -> scope's step -> run note).

Each callable receives the Airflow task context as keyword arguments, checks the
run, picks its scope's steps once and runs them. Steps reach the metadata database
through :mod:`.metadb_connection` (never the ORM) and publish their result as the DAG
run's note (:mod:`.result_note`); the import adds its restore summary there and writes
it whole as the snapshot's ``import-report.json``
(:mod:`mwaa_pause_resume.metadata.restore_summary`). Any failure writes a failure
note, then fails the task.

Every task first checks the run's authorization (:mod:`.authorization`): a run the
workflows did not start (a manual trigger) fails at its first task, having read,
written, paused and unpaused nothing. The import also requires the snapshot's
manifest MAC (:mod:`mwaa_pause_resume.metadata.snapshot_mac`) before any write.

Scope: ``full`` (the whole database, :mod:`.full_scope_steps`) when a database source
exists, else ``rest-only`` (variables, connections, pools, paused states and run
history through the REST API and the Task SDK, :mod:`.rest_scope_steps`). The run note
and the manifest say which. A rest-only snapshot is imported through the REST API
wherever it goes; so is a full one where no database source exists (an Airflow 2
snapshot resumed on Airflow 3), its records read from its tables.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from mwaa_pause_resume.dags import full_scope_steps, rest_scope_steps
from mwaa_pause_resume.dags.authorization import authorize_run
from mwaa_pause_resume.dags.metadb_connection import metadb_available
from mwaa_pause_resume.dags.result_note import failure_note, parse_note
from mwaa_pause_resume.dags.run_conf import parse_export_conf, parse_import_conf
from mwaa_pause_resume.dags.run_context import (
    SNAPSHOT_KEY_ENV,
    SnapshotStepFailed,
    conn_id,
    log,
    run_conf,
    run_key,
)
from mwaa_pause_resume.dags.trust import Trust
from mwaa_pause_resume.shared.dag_contract import PAUSED_STATES_FILE

__all__ = [  # SNAPSHOT_KEY_ENV: the variable a deployment sets, named where the tasks are
    "DRAIN_TASK",
    "EXPORT_TASK",
    "IMPORT_TASK",
    "PAUSE_TASK",
    "RESTORE_PAUSED_TASK",
    "SNAPSHOT_KEY_ENV",
    "ScopeSteps",
    "SnapshotStepFailed",
    "drain",
    "export",
    "import_snapshot",
    "pause_dags",
    "restore_paused",
]

PAUSE_TASK = "pause_dags"
DRAIN_TASK = "drain"
EXPORT_TASK = "export"
RESTORE_PAUSED_TASK = "restore_paused_states"
IMPORT_TASK = "import_snapshot"


class ScopeSteps(Protocol):
    """What :mod:`.full_scope_steps` and :mod:`.rest_scope_steps` each provide."""

    SCOPE: str

    def write_note(self, context: dict[str, Any], note: str) -> None: ...

    def read_note(self, context: dict[str, Any]) -> str | None: ...

    def pause(
        self,
        context: dict[str, Any],
        dag_id: str,
        save_record: Callable[[dict[str, bool]], None],
    ) -> dict[str, bool]: ...

    def drain(self, context: dict[str, Any], cfg: Any) -> dict[str, Any]: ...

    def export(
        self,
        context: dict[str, Any],
        cfg: Any,
        store: Any,
        recorded: dict[str, bool],
        interrupted: list[Any],
    ) -> dict[str, Any]: ...

    def restore_paused(self, context: dict[str, Any], recorded: dict[str, bool]) -> int: ...

    def import_snapshot(
        self, context: dict[str, Any], cfg: Any, store: Any, manifest: Any
    ) -> dict[str, Any]: ...


def _steps(context: dict[str, Any]) -> ScopeSteps:
    """full when a metadata database source exists, else rest-only."""
    if metadb_available(conn_id(context)):
        return full_scope_steps
    return rest_scope_steps


def _authorized(context: dict[str, Any], action: str, *, check_expiry: bool = True) -> Any:
    """Refuse the run unless the workflows authorized it (see :mod:`.authorization`);
    returns (snapshot id, trust, KMS client)."""
    dag_id, run_id = run_key(context)
    return authorize_run(run_conf(context), dag_id, run_id, action, check_expiry=check_expiry)


def _snapshot_store(cfg: Any, trust: Trust) -> Any:
    """The run's snapshot folder, reached through this environment's access point on the
    backup bucket where the deployment made one (dags/trust.py)."""
    from mwaa_pause_resume.dags.rest_api import own_environment_name
    from mwaa_pause_resume.metadata import open_store

    access_point = trust.access_point_arn_prefix and trust.access_point(own_environment_name())
    return open_store(cfg.snapshot, kms_key_id=cfg.kms_key_id, access_point=access_point)


@contextlib.contextmanager
def _reported(step: str, context: dict[str, Any], snapshot: str | None = None) -> Iterator[None]:
    """On any error: best-effort failure note on the run, then re-raise."""
    try:
        yield
    except Exception as exc:
        log.exception("step %s failed", step)
        try:
            _steps(context).write_note(
                context, failure_note(step, f"{type(exc).__name__}: {exc}", snapshot=snapshot)
            )
        except Exception:  # the note is a courtesy; the failed state is what counts
            log.warning("could not write the failure note", exc_info=True)
        raise


# -- export DAG ------------------------------------------------------------------
def pause_dags(**context: Any) -> dict[str, bool]:
    """Record every DAG's paused state and pause all others; returns the record (XCom)."""
    with _reported(PAUSE_TASK, context):
        _, trust, _ = _authorized(context, "export")  # before anything is read or paused
        cfg = parse_export_conf(run_conf(context))
        dag_id, _ = run_key(context)
        store = _snapshot_store(cfg, trust)

        def save_record(recorded: dict[str, bool]) -> None:
            payload = {"export_dag_id": dag_id, "paused_states": recorded}
            store.put_json(PAUSED_STATES_FILE, payload)

        recorded = _steps(context).pause(context, dag_id, save_record)
        active = sorted(d for d, paused in recorded.items() if not paused and d != dag_id)
        log.info("paused %d active DAG(s): %s", len(active), ", ".join(active))
        return recorded


def drain(**context: Any) -> dict[str, Any]:
    """Wait for executing tasks to finish (up to the timeout); report what is unfinished."""
    with _reported(DRAIN_TASK, context):
        _authorized(context, "export")
        cfg = parse_export_conf(run_conf(context))
        return _steps(context).drain(context, cfg)


def export(**context: Any) -> dict[str, Any]:
    """Export the metadata (minus this run) to the snapshot location."""
    with _reported(EXPORT_TASK, context):
        _, trust, _ = _authorized(context, "export")
        cfg = parse_export_conf(run_conf(context))
    with _reported(EXPORT_TASK, context, snapshot=cfg.snapshot):
        ti = context["ti"]
        recorded = ti.xcom_pull(task_ids=PAUSE_TASK) or {}
        drained = ti.xcom_pull(task_ids=DRAIN_TASK) or {}
        interrupted = list(drained.get("interrupted", []))
        store = _snapshot_store(cfg, trust)
        return _steps(context).export(context, cfg, store, recorded, interrupted)


def restore_paused(**context: Any) -> None:
    """Runs only when a step failed: put paused states back, then fail the run.

    Not for a run that is not authorized (its first task refused it and paused nothing):
    it changes nothing either. No expiry check: this run's own pause is undone.
    """
    try:
        _authorized(context, "export", check_expiry=False)
    except Exception as exc:
        raise SnapshotStepFailed(
            f"the run is not authorized, so nothing was paused or is unpaused: {exc}"
        ) from None
    recorded = context["ti"].xcom_pull(task_ids=PAUSE_TASK) or {}
    steps = _steps(context)
    changed = steps.restore_paused(context, recorded)
    result = parse_note(steps.read_note(context)) or {
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
    steps.write_note(context, note)
    raise SnapshotStepFailed(
        f"the export failed at step {result.get('step')!r}: {result.get('error')}; "
        f"paused states put back ({changed} DAG(s) unpaused again)"
    )


# -- import DAG ------------------------------------------------------------------
def import_snapshot(**context: Any) -> dict[str, Any]:
    """Restore the snapshot into this environment: all or nothing through its database;
    through its REST API for a rest-only snapshot or where no database source exists."""
    with _reported(IMPORT_TASK, context):
        snapshot_id, trust, kms = _authorized(context, "import")  # before any read or write
        cfg = parse_import_conf(run_conf(context))
    with _reported(IMPORT_TASK, context, snapshot=cfg.snapshot):
        from mwaa_pause_resume.dags.rest_api import own_environment_name
        from mwaa_pause_resume.metadata.rest_scope import SCOPE as REST_SNAPSHOT_SCOPE
        from mwaa_pause_resume.metadata.snapshot_mac import authenticated_store
        from mwaa_pause_resume.metadata.verify import read_manifest

        # Only a snapshot the pause workflow verified and signed, for this environment and
        # snapshot id; the engine then reads the very manifest bytes that were checked.
        store = authenticated_store(
            _snapshot_store(cfg, trust),
            kms,
            trust.mac_key_id,
            environment=own_environment_name(),
            snapshot_id=snapshot_id,
        )
        manifest = read_manifest(store)
        steps = _steps(context)
        if manifest.scope == REST_SNAPSHOT_SCOPE:
            # Through the REST API wherever it goes; its note goes where this
            # environment's notes go.
            return rest_scope_steps.import_snapshot(
                context, cfg, store, manifest, note_writer=steps.write_note
            )
        # A full-scope snapshot (an Airflow 2 one, or 3.x exported with a task database
        # connection) into an environment whose tasks have none: the REST channel, with
        # the records read from its tables (metadata.rest_from_tables).
        return steps.import_snapshot(context, cfg, store, manifest)
