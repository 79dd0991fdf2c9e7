"""The ``sandbox`` command's orchestration: one environment paused and resumed for real.

1. Setup: the Airflow virtualenv (installed on first use), a throwaway PostgreSQL,
   moto (in-process and served over HTTP for the Airflow processes), the MWAA
   emulator backed by real Airflow, a KMS key and the backup bucket.
2. An environment created through the MWAA API, filled with history by the sample
   DAGs; its state recorded (:mod:`.run_compare`).
3. The pause workflow, then the resume workflow: the synthesized ASL run by moto,
   the Lambda handlers in-process, the export/import DAGs run by Airflow.
4. The resumed environment's state compared with the recorded one.

Progress goes to a :class:`Reporter` (the CLI draws it with Rich); the result is a
:class:`SandboxResult`.

The steps are also public (:func:`sandbox_parts`, :func:`create_environment`,
:func:`run_workflow`) so that tests compose other cycles from the same parts: failure
scenarios, concurrent executions, environments under other names.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.operations.progress import Progress, parse_history
from mwaa_pause_resume.sandbox.liveness import Liveness
from mwaa_pause_resume.sandbox.run_compare import (
    Comparison,
    EnvironmentState,
    compare,
    in_rest_scope,
    read_state,
    run_keys,
    settled,
)

BUCKET = "mwaa-pause-resume-sandbox"
ENVIRONMENT = "sandbox-env"
# Wait states cost no virtual time but a little real time, so that a DAG run (real
# time) is polled every WAIT_PAUSE_SECONDS instead of spinning.
WAIT_PAUSE_SECONDS = 0.5
POLL_SECONDS = 5  # virtual: with the pause above, 60 min of polling = 6 real minutes
WORKFLOW_DEADLINE_SECONDS = 900.0  # safety net against a hung execution (real time)
SUPPORTED_VERSIONS = airflow_versions.SUPPORTED
# The sandbox's task in flight never finishes before the resume: waiting for it would only
# cost time. With no drain, the export records it as interrupted at once (what a pause
# does once the drain times out), and liveness watches it run again after the resume.
DRAIN_TIMEOUT_MINUTES = 0
RELEASE_FILE_ENV = "MWAA_PR_RELEASE_FILE"  # sample_waiting's tasks finish once it exists


class Reporter(Protocol):
    def phase(self, text: str) -> None:
        """A setup or checking step begins."""

    def workflow(self, workflow: str, progress: Progress, started: datetime) -> None:
        """The execution's steps so far (called repeatedly while it runs)."""

    def workflow_done(self, workflow: str, progress: Progress, seconds: float) -> None:
        """The execution ended."""


class QuietReporter:
    def phase(self, text: str) -> None:
        pass

    def workflow(self, workflow: str, progress: Progress, started: datetime) -> None:
        pass

    def workflow_done(self, workflow: str, progress: Progress, seconds: float) -> None:
        pass


@dataclass(frozen=True)
class SandboxOptions:
    airflow_version: str = airflow_versions.DEFAULT
    keep: bool = False
    # Hand Airflow 3 tasks the database's coordinates (MWAA 3.x does not).
    worker_db_access: bool = False
    # A folder of the user's own DAGs, added to the environment's DAGs folder.
    dags: Path | None = None
    settle_seconds: float = 30.0
    work_dir: Path | None = None


@dataclass
class WorkflowOutcome:
    status: str
    seconds: float
    error: str | None = None
    cause: str | None = None
    output: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "seconds": round(self.seconds, 1)}
        if self.error:
            out["error"] = self.error
            out["cause"] = self.cause
        return out


@dataclass
class SandboxResult:
    airflow_version: str
    work_dir: Path
    kept: bool
    pause: WorkflowOutcome | None = None
    resume: WorkflowOutcome | None = None
    comparison: Comparison | None = None
    fernet_key_changed: bool | None = None
    snapshot_id: str | None = None
    scope: str | None = None  # the snapshot's: "full" or "rest-only"
    liveness: Liveness | None = None
    import_errors: list[dict[str, str]] = field(default_factory=list)
    peak_rss_bytes: int = 0
    # Wall seconds per step (setup, create, history, pause, resume, compare, liveness).
    timings: dict[str, float] = field(default_factory=dict)
    worker_db_access: bool = False
    total_seconds: float = 0.0
    keep_notes: list[str] = field(default_factory=list)

    @property
    def not_restored(self) -> dict[str, str]:
        """What the snapshot's scope left out, said plainly (empty for a full snapshot)."""
        if self.scope != "rest-only":
            return {}
        return {
            "run history": "DAG runs, task instances, XComs, notes, logs and trigger state: "
            "the rest-only scope carries variables, connections, pools and paused states; "
            "Airflow 3 tasks on MWAA 3.x have no metadata-database access to export more "
            "(--worker-db-access shows the full scope)",
        }

    @property
    def differences(self) -> list[str]:
        out: list[str] = []
        for name, run in (("pause", self.pause), ("resume", self.resume)):
            if run is None:
                out.append(f"the {name} workflow did not run")
            elif run.status != "SUCCEEDED":
                out.append(f"the {name} workflow ended {run.status}: {run.error} {run.cause}")
        if self.fernet_key_changed is False:
            out.append("the resumed environment kept the old Fernet key")
        if self.comparison is not None:
            out += self.comparison.differences
        return out

    @property
    def restored_equal(self) -> bool:
        return self.comparison is not None and not self.differences

    @property
    def passed(self) -> bool:
        return self.restored_equal and self.liveness is not None and self.liveness.passed

    def lap(self, step: str, since: float) -> float:
        """Record ``step`` as taking the time since ``since``; returns now."""
        now = time.monotonic()
        self.timings[step] = self.timings.get(step, 0.0) + now - since
        return now

    def to_json(self) -> dict[str, Any]:
        comp = self.comparison
        return {
            "airflow_version": self.airflow_version,
            "pause": self.pause.to_json() if self.pause else None,
            "resume": self.resume.to_json() if self.resume else None,
            "tables": {
                name: {
                    "before": t.before,
                    "after": t.after,
                    "matching": t.matching,
                    "made_by_target": t.made_by_target,
                    "equal": t.equal,
                    "difference": t.example,
                }
                for name, t in (comp.tables.items() if comp else ())
            },
            "restored_equal": self.restored_equal,
            "secrets": {
                "checked": comp.secrets_checked if comp else 0,
                "equal": comp.secrets_equal if comp else False,
                "new_fernet_key": self.fernet_key_changed,
            },
            "paused_states_equal": comp.paused_equal if comp else False,
            "differences": self.differences,
            "scope": self.scope,
            "not_restored": self.not_restored,
            "worker_db_access": self.worker_db_access,
            "liveness": self.liveness.to_json() if self.liveness else None,
            "import_errors": self.import_errors,
            "peak_rss_mb": round(self.peak_rss_bytes / 2**20),
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "passed": self.passed,
            "snapshot_id": self.snapshot_id,
            "seconds": round(self.total_seconds, 1),
            "work_dir": str(self.work_dir) if self.kept else None,
        }


def create_request(name: str, version: str) -> dict[str, Any]:
    """A CreateEnvironment request as a user's environment would have it."""
    return {
        "Name": name,
        "AirflowVersion": version,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/service-role/mwaa-sandbox-exec",
        "SourceBucketArn": "arn:aws:s3:::mwaa-sandbox-dags",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
            "SecurityGroupIds": ["sg-0a1b2c3d4e5f60001"],
        },
        "EnvironmentClass": "mw1.small",
        "MaxWorkers": 2,
        "WebserverAccessMode": "PRIVATE_ONLY",
        "Tags": {"team": "data", "stage": "dev"},
    }


def execution_input(
    action: str, version: str, kms_key_id: str, environment: str = ENVIRONMENT
) -> dict[str, Any]:
    """What the deployed schedules send, for the sandbox's environment (or ``environment``)."""
    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.infra.schedule_input import execution_input as schedule_input

    config = EnvironmentConfig(
        name=environment,
        source_bucket="mwaa-sandbox-dags",
        execution_role_arn="arn:aws:iam::123456789012:role/service-role/mwaa-sandbox-exec",
        pause_schedule="cron(0 20 ? * MON-FRI *)",
        resume_schedule="cron(0 7 ? * MON-FRI *)",
        airflow_version=version,
        poll_frequency_seconds=POLL_SECONDS,
        drain_timeout_minutes=DRAIN_TIMEOUT_MINUTES,
    )
    return schedule_input(config, "pause" if action == "pause" else "resume", BUCKET, kms_key_id)


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
    started = time.monotonic()
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="mwaa-pr-sandbox-"))
    work.mkdir(parents=True, exist_ok=True)
    result = SandboxResult(version, work, options.keep)
    try:
        with _parts(options, work, report, result) as parts:
            result.lap("setup", started)
            _cycle(parts, options, report, result)
    finally:
        result.total_seconds = time.monotonic() - started
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return result


@dataclass
class SandboxParts:
    """The running sandbox: moto + emulator, the real Airflow backend, a KMS key."""

    local: Any  # LocalWorkflows
    airflow: Any  # AirflowBackend
    mwaa: Any  # boto3 MWAA client
    kms_key_arn: str
    version: str


@contextmanager
def sandbox_parts(
    options: SandboxOptions, work: Path, reporter: Reporter | None = None
) -> Iterator[SandboxParts]:
    """The sandbox's parts, set up in ``work`` and torn down on exit (as ``run_sandbox``
    does, without its cycle); ``options.keep`` leaves PostgreSQL running."""
    result = SandboxResult(options.airflow_version, work, options.keep)
    with _parts(options, work, reporter or QuietReporter(), result) as parts:
        yield parts


@contextmanager
def _parts(
    options: SandboxOptions, work: Path, report: Reporter, result: SandboxResult
) -> Iterator[SandboxParts]:
    from mwaa_pause_resume.dags.bundle import write_dags_folder
    from mwaa_pause_resume.sandbox.airflow_backend import AirflowBackend
    from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
    from mwaa_pause_resume.sandbox.history import SAMPLE_DAGS_DIR
    from mwaa_pause_resume.sandbox.mwaa import MwaaBackend
    from mwaa_pause_resume.sandbox.postgres import LocalPostgres
    from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows

    version = options.airflow_version
    runtime = AirflowRuntime(version)
    # Next to the virtualenv, not in the work dir: it must outlive a failed run.
    pip_log = runtime.venv_dir.parent / f"pip-install-{version}.log"
    if not runtime.ready:
        report.phase(
            f"Installing Airflow {version} into {runtime.venv_dir} "
            f"(first run only, a few minutes; pip's log: {pip_log})"
        )
        pip_log.parent.mkdir(parents=True, exist_ok=True)
    runtime.ensure(log=pip_log)
    with ExitStack() as stack:
        report.phase("Starting PostgreSQL")
        postgres = LocalPostgres().start()
        if options.keep:
            result.keep_notes.append(
                f"PostgreSQL keeps running at {postgres.url()} (data: {postgres.data_dir}); "
                f"stop it with: {_as_postgres()}{postgres.bin_dir / 'pg_ctl'} "
                f"-D {postgres.data_dir} stop"
            )
        else:
            stack.callback(postgres.stop)
        bundle = work / "dag-bundle"
        write_dags_folder(bundle)
        sources = [bundle, SAMPLE_DAGS_DIR, *([options.dags] if options.dags else [])]
        airflow = AirflowBackend(
            postgres,
            work / "environments",
            sources,
            default_version=version,
            worker_db_access=options.worker_db_access,
            keep_deleted_databases=True,
        )
        if not options.keep:
            stack.callback(_delete_all, airflow)
        stack.callback(airflow.close)  # runs first: no Airflow process outlives the sandbox
        report.phase(
            "Starting moto (S3, KMS, Step Functions) and the MWAA emulator; deploying the "
            "state machines synthesized by the CDK app"
        )
        local = LocalWorkflows(
            MwaaBackend(airflow), wait_pause_seconds=WAIT_PAUSE_SECONDS, moto_server=True
        )
        stack.enter_context(local)
        airflow.extra_environ = {
            **local.subprocess_environ(),
            RELEASE_FILE_ENV: str(work / "release-waiting-tasks"),
        }
        local.create_bucket(BUCKET)
        key = local.client("kms").create_key(Description="mwaa-pause-resume sandbox snapshots")
        yield SandboxParts(local, airflow, _mwaa_client(), str(key["KeyMetadata"]["Arn"]), version)


def _as_postgres() -> str:
    return "runuser -u postgres -- " if os.geteuid() == 0 else ""  # as LocalPostgres runs it


def _delete_all(airflow: Any) -> None:
    for name in list(airflow.environments):
        airflow.on_delete(name)
    airflow.drop_deleted()


def _mwaa_client() -> Any:
    import boto3
    from botocore.config import Config

    # Leaving CREATING runs Airflow (migrate, parse the DAGs) inside GetEnvironment.
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=900)
    return boto3.client("mwaa", config=config)


def _cycle(
    parts: SandboxParts, options: SandboxOptions, report: Reporter, result: SandboxResult
) -> None:
    from mwaa_pause_resume.sandbox import live_history as lh
    from mwaa_pause_resume.sandbox.history import SAMPLE_DAG_IDS
    from mwaa_pause_resume.sandbox.liveness import BeforePause

    excluded = _workflow_dag_ids()
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
    clock = result.lap("history", clock)

    result.pause = run_workflow(parts, "pause", report)
    clock = result.lap("pause", clock)
    if result.pause.status != "SUCCEEDED":
        return
    output = result.pause.output if isinstance(result.pause.output, dict) else {}
    result.snapshot_id = output.get("snapshot_id")
    result.scope = _snapshot_scope(parts.local, str(result.snapshot_id))
    paused = PausedState.read(parts, ENVIRONMENT, str(result.snapshot_id), paused_before)

    resume_started = datetime.now(UTC)
    clock = result.lap("compare", clock)
    result.resume = run_workflow(parts, "resume", report)
    clock = result.lap("resume", clock)
    if result.resume.status != "SUCCEEDED":
        return
    report.phase("Comparing the resumed environment with the paused one")
    target = parts.airflow.environment(ENVIRONMENT)
    result.fernet_key_changed = target.fernet_key != source.fernet_key
    before, after = paused.before, paused.resumed(parts, ENVIRONMENT, resume_started)
    if result.scope == REST_ONLY:
        before, after, baseline = (in_rest_scope(s) for s in (before, after, baseline))
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


REST_ONLY = "rest-only"


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
        history_restored=result.scope != REST_ONLY,
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

    @staticmethod
    def read(
        parts: SandboxParts, environment: str, snapshot_id: str, paused_before: dict[str, bool]
    ) -> PausedState:
        excluded = _workflow_dag_ids()
        deleted = parts.airflow.deleted[environment][-1]
        frozen = read_state(deleted.db_url, deleted.fernet_key, excluded)
        in_flight = frozenset(_interrupted_runs(parts.local, environment, snapshot_id))
        return PausedState(
            settled(replace(frozen, paused=paused_before), in_flight), frozen, in_flight
        )

    def resumed(
        self, parts: SandboxParts, environment: str, resumed_at: datetime
    ) -> EnvironmentState:
        """The resumed environment's state, less the work in flight at the export and
        the runs its scheduler made since ``resumed_at``."""
        target = parts.airflow.environment(environment)
        return settled(
            read_state(target.db_url, target.fernet_key, _workflow_dag_ids()),
            self.in_flight,
            new_since=resumed_at.isoformat(),
            before_runs=run_keys(self.frozen),
        )


def _workflow_dag_ids() -> tuple[str, str]:
    from mwaa_pause_resume.functions.settings import DEFAULTS

    return str(DEFAULTS["export_dag_id"]), str(DEFAULTS["import_dag_id"])


def create_environment(client: Any, name: str, version: str) -> None:
    """CreateEnvironment through the MWAA API, then wait until it is AVAILABLE."""
    from mwaa_pause_resume.errors import UserError

    client.create_environment(**create_request(name, version))
    while True:
        env = client.get_environment(Name=name)["Environment"]
        if env["Status"] == "AVAILABLE":
            return
        if env["Status"] != "CREATING":
            error = env.get("LastUpdate", {}).get("Error", {})
            raise UserError(
                f"the sandbox environment ended {env['Status']}: {error.get('ErrorMessage', '')}",
                hint="re-run with --keep and read the environment's logs in the work dir",
            )
        time.sleep(0.2)


def run_workflow(
    parts: SandboxParts,
    workflow: str,
    report: Reporter | None = None,
    environment: str = ENVIRONMENT,
) -> WorkflowOutcome:
    """Start the ``workflow`` ("pause" or "resume") for ``environment`` as its schedule
    would, and report its progress until it ends."""
    report = report or QuietReporter()
    local = parts.local
    arn = local.start_execution(
        workflow, execution_input(workflow, parts.version, parts.kms_key_arn, environment)
    )
    sfn = local.client("stepfunctions")
    begin = time.monotonic()
    while True:
        described = sfn.describe_execution(executionArn=arn)
        status = str(described["status"])
        progress = parse_history(_history(sfn, arn), status)
        report.workflow(workflow, progress, described["startDate"])
        if status != "RUNNING" or time.monotonic() - begin > WORKFLOW_DEADLINE_SECONDS:
            break
        time.sleep(0.5)
    seconds = time.monotonic() - begin
    report.workflow_done(workflow, progress, seconds)
    output = described.get("output")
    return WorkflowOutcome(
        status,
        seconds,
        described.get("error") or (None if status != "RUNNING" else "DeadlineExceeded"),
        described.get("cause"),
        json.loads(output) if output else None,
    )


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    page = sfn.get_execution_history(executionArn=arn, maxResults=1000)
    events: list[dict[str, Any]] = list(page["events"])
    while page.get("nextToken"):
        page = sfn.get_execution_history(
            executionArn=arn, maxResults=1000, nextToken=page["nextToken"]
        )
        events += page["events"]
    return events
