"""The steps of the ``rest-only`` scope: variables, connections, pools, paused states,
scheduler positions and run history through this environment's REST API and the Task
SDK (:mod:`.rest_api`, :mod:`mwaa_pause_resume.metadata.rest_scope`).

:mod:`.tasks` picks this module when the tasks reach no metadata database, and for
the import of a rest-only snapshot; :mod:`.full_scope_steps` has the same steps over
the database. A full snapshot imported here (an Airflow 2 snapshot resumed on Airflow
3) takes this channel too, its records read from its tables
(:mod:`mwaa_pause_resume.metadata.rest_from_tables`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mwaa_pause_resume.dags.result_note import success_note
from mwaa_pause_resume.dags.run_context import (
    REST_SCOPE,
    SnapshotStepFailed,
    airflow_version,
    environment_fernet_key,
    log,
    run_key,
    snapshot_key,
)
from mwaa_pause_resume.dags.step_results import (
    brought_forward,
    manifest_totals,
    own_dags,
    publish_report,
)
from mwaa_pause_resume.metadata.key_context import running_environment
from mwaa_pause_resume.metadata.missed_runs import DEFAULT_POLICY

if TYPE_CHECKING:
    from mwaa_pause_resume.dags.rest_position_plan import PositionOutcome

SCOPE = REST_SCOPE


def rest_api() -> Any:
    from mwaa_pause_resume.dags.rest_api import AirflowRestApi, own_environment_name

    return AirflowRestApi(own_environment_name())


def write_note(context: dict[str, Any], note: str) -> None:
    rest_api().write_note(*run_key(context), note)


def read_note(context: dict[str, Any]) -> str | None:
    note: str | None = rest_api().read_note(*run_key(context))
    return note


# -- export DAG ------------------------------------------------------------------
def pause(
    context: dict[str, Any], dag_id: str, save_record: Callable[[dict[str, bool]], None]
) -> dict[str, bool]:
    """Record, save the record, then pause the others one by one (PATCH); a failure
    part-way unpauses again what this call paused."""
    log.info("no metadata database source: rest-only scope, pausing via the REST API")
    api = rest_api()
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


def drain(context: dict[str, Any], cfg: Any) -> dict[str, Any]:
    """No drain: run history is not in this scope, nothing to keep consistent by waiting."""
    log.info("rest-only scope: no drain (runs in flight are restored as failed)")
    return {"drained": True, "interrupted": [], "scope": REST_SCOPE}


def export(
    context: dict[str, Any],
    cfg: Any,
    store: Any,
    recorded: dict[str, bool],
    interrupted: list[Any],
) -> dict[str, Any]:
    """Keys from the REST API, secrets from the Task SDK (``interrupted``: none here)."""
    from mwaa_pause_resume.dags.rest_api import collect
    from mwaa_pause_resume.dags.rest_history import collect_history, own_dag_ids
    from mwaa_pause_resume.dags.rest_position import collect_positions
    from mwaa_pause_resume.metadata.rest_scope import write_rest_snapshot

    snapshot = cfg.snapshot
    run = run_key(context)
    api = rest_api()
    records = {
        **collect(api),
        **collect_history(api, own_dag_ids(api, run[0])),
        "positions": collect_positions(api, skip={run[0]}),
    }
    manifest = write_rest_snapshot(
        store,
        records,
        paused_states=recorded,
        airflow_version=airflow_version(),
        fernet_key=environment_fernet_key() or None,
        excluded_dag_runs=[{"dag_id": run[0], "run_id": run[1]}],
        environment=running_environment(),
    )
    tables, rows = manifest_totals(manifest)
    write_note(
        context, success_note(snapshot, tables=tables, rows=rows, interrupted=0, scope=REST_SCOPE)
    )
    log.info("rest-only export: %d records of %d kinds to %s", rows, tables, snapshot)
    return {"snapshot": snapshot, "tables": tables, "rows": rows, "interrupted": 0}


def restore_paused(context: dict[str, Any], recorded: dict[str, bool]) -> int:
    """Put the recorded paused states back; returns how many DAGs changed."""
    except_dag_id = run_key(context)[0]
    api = rest_api()
    current = api.paused_states()
    changed = 0
    for dag_id, paused in sorted(recorded.items()):
        if dag_id != except_dag_id and dag_id in current and current[dag_id] != paused:
            api.set_paused(dag_id, paused)
            changed += 1
    return changed


# -- import DAG ------------------------------------------------------------------
NoteWriter = Callable[[dict[str, Any], str], None]


def import_snapshot(
    context: dict[str, Any],
    cfg: Any,
    store: Any,
    manifest: Any,
    *,
    note_writer: NoteWriter = write_note,
) -> dict[str, Any]:
    """The import of :func:`import_rest` with the run conf's missed-runs policy."""
    policy = getattr(cfg, "missed_runs", DEFAULT_POLICY)
    return import_rest(context, cfg.snapshot, store, policy, note_writer=note_writer)


def import_rest(
    context: dict[str, Any],
    snapshot: str,
    store: Any,
    default_policy: str = DEFAULT_POLICY,
    *,
    note_writer: NoteWriter = write_note,
) -> dict[str, Any]:
    """Verify, then write pools, connections, variables, run history, each DAG's
    scheduler position (per its missed-runs policy) and the paused states through this
    environment's REST API (the snapshot wins on conflict). The success note goes
    through ``note_writer``: where this environment's notes go (its database, when a
    rest-only snapshot comes into an environment that has one)."""
    from mwaa_pause_resume.dags.rest_api import rest_body
    from mwaa_pause_resume.dags.rest_pool import concurrency_from_environ
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
    data = read(store, manifest, snapshot_key=snapshot_key())
    try:
        concurrency = concurrency_from_environ(os.environ, airflow_version=airflow_version())
    except ValueError as exc:  # before any write
        raise SnapshotStepFailed(str(exc)) from None
    api = rest_api()
    counts: dict[str, int] = {}
    for kind in ("pools", "connections", "variables"):
        for record in data.records(kind):
            outcome = api.upsert(kind, rest_body(kind, record))
            counts[f"{kind}_{outcome}"] = counts.get(f"{kind}_{outcome}", 0) + 1
    # The workflows' own DAGs keep the states the workflows gave them.
    ours = own_dags(context, manifest)
    history, positions = restore_history_and_positions(
        api,
        data.dag_runs,
        data.task_instances,
        data.paused_states,
        data.positions,
        airflow_version=airflow_version(),
        default_policy=default_policy,
        exclude=ours,
        concurrency=concurrency,
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
        **brought_forward(manifest, "rest-api"),
        **publish_report(store, summary),
    }
    note_writer(
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


def restore_history_and_positions(
    api: Any,
    dag_runs: Iterable[Mapping[str, Any]],
    task_instances: Iterable[Mapping[str, Any]],
    paused_states: Mapping[str, bool],
    positions: Iterable[Mapping[str, Any]] | None,
    *,
    airflow_version: str,
    default_policy: str,
    exclude: Iterable[str],
    concurrency: int,
) -> tuple[dict[str, dict[str, Any]], PositionOutcome]:
    """Run history, then each DAG's scheduler position, every DAG paused: the history
    counts and the :class:`~.rest_position_plan.PositionOutcome`. A restored run that a
    position marker takes over (the run at the marker date) is restored again right
    after its marker (:mod:`.rest_position`), and counted as it ends."""
    from mwaa_pause_resume.dags.rest_history import HistoryRestore
    from mwaa_pause_resume.dags.rest_position import restore_positions

    excluded = set(exclude)
    history = HistoryRestore(
        api,
        dag_runs,
        task_instances,
        airflow_version=airflow_version,
        exclude_dag_ids=excluded,
        concurrency=concurrency,
    )
    history.restore()
    outcome = restore_positions(
        api,
        paused_states,
        positions,
        default_policy=default_policy,
        airflow_version=airflow_version,
        exclude=excluded,
        taken_over=history.restore_again,
    )
    return history.counts(), outcome
