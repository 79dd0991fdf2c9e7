"""The ``sandbox`` command's cycle: one environment paused and resumed for real.

1. Setup: the sandbox's parts (:mod:`.parts`).
2. An environment created through the MWAA API, filled with history by the sample
   DAGs; its state recorded (:mod:`.environment_comparison`).
3. The pause workflow, then the resume workflow: the synthesized ASL run by moto,
   the Lambda handlers in-process, the export/import DAGs run by Airflow.
4. The resumed environment's state compared with the recorded one
   (:class:`PausedState`), then watched for liveness.

Progress goes to a :class:`~.result.Reporter` (the CLI draws it with Rich); the
result is a :class:`~.result.SandboxResult`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mwaa_pause_resume.sandbox.environment_comparison import (
    EnvironmentState,
    compare,
    in_rest_scope,
    read_state,
    run_keys,
    settled,
)
from mwaa_pause_resume.sandbox.parts import (
    BUCKET,
    ENVIRONMENT,
    RELEASE_FILE_ENV,
    SUPPORTED_VERSIONS,
    SandboxParts,
    create_environment,
    run_workflow,
    set_up_parts,
    workflow_dag_ids,
)
from mwaa_pause_resume.sandbox.rest_history_check import check_history, read_history
from mwaa_pause_resume.sandbox.result import (
    QuietReporter,
    Reporter,
    SandboxOptions,
    SandboxResult,
)

REST_ONLY = "rest-only"


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
    result.scope = _snapshot_scope(parts.local, str(result.snapshot_id))
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


def _manifest(local: Any, snapshot_id: str, environment: str = ENVIRONMENT) -> dict[str, Any]:
    from mwaa_pause_resume.functions import layout

    s3 = local.client("s3")
    key = layout.key(environment, snapshot_id, layout.MANIFEST_FILE)
    try:
        return dict(json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
    except Exception:  # a failed pause may have written none: the report says "unknown"
        return {}


def _snapshot_scope(local: Any, snapshot_id: str) -> str | None:
    scope = _manifest(local, snapshot_id).get("scope")
    return str(scope) if scope else None


def _interrupted_runs(local: Any, environment: str, snapshot_id: str) -> set[tuple[str, str]]:
    """The runs the manifest records as in flight at the export."""
    entries = _manifest(local, snapshot_id, environment).get("interrupted") or []
    return {(str(e["dag_id"]), str(e["run_id"])) for e in entries}


def runs_at_deletion(db_url: str, dag_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``dag_ids``' runs as a deleted environment's database holds them (REST API names)."""
    import psycopg2

    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'dag_run' AND column_name = 'logical_date'"
            )
            date = "logical_date" if cur.fetchone() else "execution_date"  # Airflow 2
            cur.execute(
                f"SELECT dag_id, run_id, run_type, {date}, state, queued_at, "
                "data_interval_end FROM dag_run WHERE dag_id = ANY(%s)",
                (list(dag_ids),),
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    runs: dict[str, dict[str, Any]] = {d: {} for d in dag_ids}
    for dag_id, run_id, run_type, moment, state, queued, end in rows:
        runs[dag_id][run_id] = {
            "dag_run_id": run_id,
            "run_type": run_type,
            "logical_date": moment.isoformat() if moment else None,
            "state": state,
            "queued_at": queued.isoformat() if queued else None,
            "data_interval_end": end.isoformat() if end else None,
        }
    return runs


@dataclass(frozen=True)
class PausedState:
    """What a paused environment held, for the comparison after its resume.

    A live environment goes on after the export read its database, so "before" is the
    deleted environment's database as the deletion left it (every process killed at
    once), with the paused states from before the export paused every DAG, less the
    work in flight at the export (``settled``: the resumed scheduler moves it on at
    once; liveness checks that it finishes)."""

    before: EnvironmentState
    frozen: EnvironmentState
    in_flight: frozenset[tuple[str, str]]
    forward: bool = False  # resumed on a newer Airflow: compared with Airflow's own upgrade
    # forward: log templates a new database of the resumed version has, the oracle not
    target_own: dict[str, frozenset[tuple[Any, ...]]] = field(default_factory=dict)
    # the database "before" was read from: the deleted one, or Airflow's own upgrade of it
    url: str = ""

    @staticmethod
    def read(
        parts: SandboxParts,
        environment: str,
        snapshot_id: str,
        paused_before: dict[str, bool],
        *,
        forward_to: str | None = None,
        fresh_own: dict[str, frozenset[tuple[Any, ...]]] | None = None,
    ) -> PausedState:
        """``forward_to``: the deleted database as Airflow ``forward_to``'s own
        ``airflow db migrate`` upgrades it (sandbox.forward_oracle)."""
        from mwaa_pause_resume.sandbox.forward_oracle import (
            adjust_oracle,
            migrated_copy,
            own_rows,
            target_only,
        )

        excluded = workflow_dag_ids()
        deleted = parts.airflow.deleted[environment][-1]
        url: str = deleted.db_url
        adjust: Callable[[dict[str, Any]], None] | None = None
        oracle_own: dict[str, frozenset[tuple[Any, ...]]] = {}

        def adjust_and_remember(tables: dict[str, Any]) -> None:
            oracle_own.update(own_rows(tables))
            adjust_oracle(
                tables,
                source_major=deleted.major,
                target_major=int(str(forward_to).split(".", 1)[0]),
            )

        if forward_to is not None:
            url = migrated_copy(
                parts.airflow.server,
                deleted.db_name,
                f"{deleted.db_name}_oracle",
                version=forward_to,
                home=deleted.home / "oracle",
                fernet_key=deleted.fernet_key,
            )
            adjust = adjust_and_remember
        frozen = read_state(url, deleted.fernet_key, excluded, adjust)
        in_flight = frozenset(_interrupted_runs(parts.local, environment, snapshot_id))
        return PausedState(
            settled(replace(frozen, paused=paused_before), in_flight),
            frozen,
            in_flight,
            forward_to is not None,
            target_only(fresh_own or {}, oracle_own),
            url,
        )

    def resumed(
        self, parts: SandboxParts, environment: str, resumed_at: datetime
    ) -> EnvironmentState:
        """The resumed environment's state, less the work in flight at the export and
        the runs its scheduler made since ``resumed_at``."""
        from mwaa_pause_resume.sandbox.forward_oracle import adjust_restored

        target = parts.airflow.environment(environment)
        own = self.target_own

        def adjust(tables: dict[str, Any]) -> None:
            adjust_restored(tables, own)

        return settled(
            read_state(
                target.db_url,
                target.fernet_key,
                workflow_dag_ids(),
                adjust if self.forward else None,
            ),
            self.in_flight,
            new_since=resumed_at.isoformat(),
            before_runs=run_keys(self.frozen),
        )
