"""The ``sandbox`` command's cycle: one environment paused and resumed for real.

1. Setup: the sandbox's parts (:mod:`.parts`).
2. An environment created through the MWAA API, filled with history by the sample
   DAGs; its state recorded (:mod:`.environment_comparison`).
3. The pause workflow, then the resume workflow: the synthesized ASL run by moto,
   the Lambda handlers in-process, the export/import DAGs run by Airflow.
4. The resumed environment's state compared with the recorded one
   (:class:`~.paused_state.PausedState`), then watched for liveness.

Progress goes to a :class:`~.result.Reporter` (the CLI draws it with Rich); the
result is a :class:`~.result.SandboxResult`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mwaa_pause_resume.metadata.flags import SnapshotScope
from mwaa_pause_resume.sandbox.environment_comparison import (
    EnvironmentState,
    compare,
    in_rest_scope,
    read_state,
)
from mwaa_pause_resume.sandbox.parts import (
    ENVIRONMENT,
    RELEASE_FILE_ENV,
    SUPPORTED_VERSIONS,
    SandboxParts,
    create_environment,
    run_workflow,
    set_up_parts,
    workflow_dag_ids,
)
from mwaa_pause_resume.sandbox.paused_state import PausedState, runs_at_deletion, snapshot_scope
from mwaa_pause_resume.sandbox.rest_history_check import check_history, read_history
from mwaa_pause_resume.sandbox.result import (
    QuietReporter,
    Reporter,
    SandboxOptions,
    SandboxResult,
)

REST_ONLY: str = SnapshotScope.REST_ONLY.value


def run_sandbox(options: SandboxOptions, reporter: Reporter | None = None) -> SandboxResult:
    """Pause and resume one emulated environment; compare what was restored."""
    from mwaa_pause_resume.errors import UserError

    report = reporter or QuietReporter()
    version = options.airflow_version
    if version not in SUPPORTED_VERSIONS:
        raise UserError(
            f"the sandbox does not run Airflow {version}",
            hint=f"use --airflow-version with one of: {', '.join(SUPPORTED_VERSIONS)}",
        )
    _check_resume_version(version, options.resume_version)
    started = time.monotonic()
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="mwaa-pr-sandbox-"))
    work.mkdir(parents=True, exist_ok=True)
    result = SandboxResult(version, work, options.keep, resume_version=options.resume_version)
    try:
        with set_up_parts(options, work, report, result) as parts:
            result.lap("setup", started)
            _cycle(parts, options, report, result)
    finally:
        result.total_seconds = time.monotonic() - started
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return result


def _check_resume_version(version: str, resume: str | None) -> None:
    """--resume-version: a supported version, not older than --airflow-version."""
    from mwaa_pause_resume.errors import UserError

    if resume is None:
        return
    if resume not in SUPPORTED_VERSIONS:
        raise UserError(
            f"the sandbox does not run Airflow {resume}",
            hint=f"use --resume-version with one of: {', '.join(SUPPORTED_VERSIONS)}",
        )
    if SUPPORTED_VERSIONS.index(resume) < SUPPORTED_VERSIONS.index(version):
        raise UserError(
            f"--resume-version {resume} is older than --airflow-version {version}: a snapshot "
            "is never restored into an older Airflow",
            hint=f"give a --resume-version of {version} or newer",
        )


def _forward_to(options: SandboxOptions, version: str) -> str | None:
    """The newer Airflow the resume brings the snapshot forward to, if any."""
    resume = options.resume_version
    return resume if resume is not None and resume != version else None


def _cycle(
    parts: SandboxParts, options: SandboxOptions, report: Reporter, result: SandboxResult
) -> None:
    from mwaa_pause_resume.sandbox import live_history as lh
    from mwaa_pause_resume.sandbox.history import SAMPLE_DAG_IDS
    from mwaa_pause_resume.sandbox.liveness import BeforePause

    excluded = workflow_dag_ids()
    result.worker_db_access = options.worker_db_access
    report.phase(
        f"Creating environment {ENVIRONMENT} (Airflow {parts.version}) through the MWAA API: "
        "a new metadata database, the DAGs serialized, Airflow's components started"
    )
    clock = time.monotonic()
    create_environment(parts.mwaa, ENVIRONMENT, parts.version)
    clock = result.lap("create", clock)
    source = parts.airflow.environment(ENVIRONMENT)
    client = source.client()
    baseline = read_state(source.db_url, source.fernet_key, excluded)
    forward = _forward_to(options, parts.version)
    fresh_own: dict[str, frozenset[tuple[Any, ...]]] = {}
    if forward is not None:  # what a new environment of the resumed version makes itself
        report.phase(f"Reading a fresh Airflow {forward} environment (the resume's baseline)")
        baseline, fresh_own = _fresh_state(parts, forward, excluded)
    report.phase(
        "Making history through Airflow's REST API, run by its scheduler: sample DAG runs, "
        "variables, connections, a pool, a deferred and a running task left in flight"
    )
    known = {*SAMPLE_DAG_IDS, *excluded}
    user_dags = [d for d in lh.dag_ids(client.observe) if d not in known] if options.dags else []
    history = lh.seed_live_history(client.observe, source.major, user_dags)
    result.import_errors = _import_errors(client.observe, options.dags)
    _sample_memory(parts, result)
    paused_before = read_state(source.db_url, source.fernet_key, excluded).paused
    seen = BeforePause.read(client.observe, source.major, (*history.runs, *lh.SCHEDULED_DAGS))
    # what a rest-only resume must bring back (docs/airflow3.md), as the REST API lists it
    listed = read_history(client.observe, excluded) if source.major >= 3 else None
    clock = result.lap("history", clock)

    result.pause = run_workflow(parts, "pause", report)
    clock = result.lap("pause", clock)
    if result.pause.status != "SUCCEEDED":
        return
    output = result.pause.output if isinstance(result.pause.output, dict) else {}
    result.snapshot_id = output.get("snapshot_id")
    result.scope = snapshot_scope(parts.local, str(result.snapshot_id))
    result.channel = _channel(result.scope, forward or parts.version, options.worker_db_access)
    if forward is not None:
        report.phase(
            f"Migrating a copy of the deleted environment's database with Airflow {forward}'s "
            "own `airflow db migrate`: the reference the resumed environment is compared with"
        )
    paused = PausedState.read(
        parts,
        ENVIRONMENT,
        str(result.snapshot_id),
        paused_before,
        forward_to=forward,
        fresh_own=fresh_own,
    )
    # The catch-up DAGs went on between the look above and the export's pause: their
    # position at the pause is in the deleted environment's database.
    deleted = parts.airflow.deleted[ENVIRONMENT][-1]
    seen = BeforePause({**seen.runs, **runs_at_deletion(deleted.db_url, lh.POLICY_DAGS)})

    resume_started = datetime.now(UTC)
    clock = result.lap("compare", clock)
    result.resume = run_workflow(parts, "resume", report, version=options.resume_version)
    clock = result.lap("resume", clock)
    if result.resume.status != "SUCCEEDED":
        return
    report.phase("Comparing the resumed environment with the paused one")
    target = parts.airflow.environment(ENVIRONMENT)
    result.resumed_version = target.version
    result.fernet_key_changed = target.fernet_key != source.fernet_key
    before, after = paused.before, paused.resumed(parts, ENVIRONMENT, resume_started)
    if result.through_rest:
        before, after, baseline = (in_rest_scope(s) for s in (before, after, baseline))
        if result.scope != REST_ONLY:  # a full snapshot: its database is the reference
            from mwaa_pause_resume.sandbox.db_history import read_db_history

            listed = read_db_history(paused.url, excluded, paused.in_flight)
        if listed is not None:
            resumed = read_history(target.client().observe, excluded)
            result.rest_history = check_history(listed, resumed, target.version)
    result.comparison = compare(before, after, baseline)
    clock = result.lap("compare", clock)
    report.phase(
        f"Watching the resumed environment for {options.settle_seconds:.0f} s or more: "
        "interrupted work, the triggerer, a new run, the scheduler's next runs"
    )
    result.liveness = _liveness(
        parts, target, history, seen, resumed_at=resume_started, result=result, options=options
    )
    result.lap("liveness", clock)
    if options.keep:
        result.keep_notes.append(
            f"the resumed environment's database: {target.db_url} (home {target.home}); "
            f"its Airflow stops when the sandbox ends"
        )


def _channel(scope: str | None, target_version: str, worker_db_access: bool) -> str:
    """How the import restores the snapshot: "rest-api" where the target's tasks have no
    database access (Airflow 3 without --worker-db-access) or the snapshot is rest-only."""
    no_database = int(target_version.split(".", 1)[0]) >= 3 and not worker_db_access
    return "rest-api" if scope == REST_ONLY or no_database else "database"


def _fresh_state(
    parts: SandboxParts, version: str, excluded: Iterable[str]
) -> tuple[EnvironmentState, dict[str, frozenset[tuple[Any, ...]]]]:
    """A new environment of ``version``, read and deleted again: the rows an environment of
    the resumed version makes itself, and those forward_oracle.own_rows names."""
    from mwaa_pause_resume.sandbox.forward_oracle import own_rows

    name = f"{ENVIRONMENT}-fresh"
    create_environment(parts.mwaa, name, version)
    env = parts.airflow.environment(name)
    templates: dict[str, frozenset[tuple[Any, ...]]] = {}

    def remember(tables: dict[str, Any]) -> None:
        templates.update(own_rows(tables))

    try:
        return read_state(env.db_url, env.fernet_key, excluded, remember), templates
    finally:
        parts.mwaa.delete_environment(Name=name)
        while any(e == name for e in parts.mwaa.list_environments()["Environments"]):
            time.sleep(0.2)


def _import_errors(call: Any, dags: Path | None) -> list[dict[str, str]]:
    """Import errors, once Airflow has parsed each of the user's DAG files."""
    from mwaa_pause_resume.sandbox import user_dags

    if dags is None:
        return user_dags.import_errors(call)
    errors, unparsed = user_dags.wait_until_parsed(call, user_dags.parsed_by_airflow(dags))
    late = f"Airflow had not parsed this file after {user_dags.PARSE_WAIT_SECONDS:.0f} s"
    return errors + [{"filename": f, "error": late} for f in unparsed]


def _sample_memory(parts: SandboxParts, result: SandboxResult) -> None:
    for env in parts.airflow.environments.values():
        if env.processes is not None:
            result.peak_rss_bytes = max(result.peak_rss_bytes, env.processes.rss_bytes())


def _liveness(
    parts: SandboxParts,
    target: Any,
    history: Any,
    seen: Any,
    *,
    resumed_at: datetime,
    result: SandboxResult,
    options: SandboxOptions,
) -> Any:
    from mwaa_pause_resume.sandbox.liveness import Watched, check_liveness

    processes = target.processes
    watched = Watched(
        call=target.client().observe,
        major=target.major,
        healthy=processes.scheduler_healthy,
        exited=processes.exited,
        release_file=Path(parts.airflow.extra_environ[RELEASE_FILE_ENV]),
        resumed_at=resumed_at,
        sample_rss=lambda: _sample_memory(parts, result),
    )
    return check_liveness(
        watched,
        history,
        seen,
        history_restored=not result.through_rest,
        settle_seconds=options.settle_seconds,
    )
