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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from mwaa_pause_resume.operations.progress import Progress, parse_history
from mwaa_pause_resume.sandbox.run_compare import Comparison, compare, read_state

BUCKET = "mwaa-pause-resume-sandbox"
ENVIRONMENT = "sandbox-env"
# Wait states cost no virtual time but a little real time, so that a DAG run (real
# time) is polled every WAIT_PAUSE_SECONDS instead of spinning.
WAIT_PAUSE_SECONDS = 0.5
POLL_SECONDS = 5  # virtual: with the pause above, 60 min of polling = 6 real minutes
WORKFLOW_DEADLINE_SECONDS = 900.0  # safety net against a hung execution (real time)
SUPPORTED_VERSIONS = ("2.10.3", "3.0.6")


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
    airflow_version: str = "2.10.3"
    keep: bool = False
    # Breaks the restore on purpose (tests): remove this table from the snapshot
    # between the pause and the resume.
    drop_table: str | None = None
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
    total_seconds: float = 0.0
    keep_notes: list[str] = field(default_factory=list)

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
        drain_timeout_minutes=1,
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
        airflow = AirflowBackend(
            postgres, work / "environments", [bundle, SAMPLE_DAGS_DIR], default_version=version
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
        airflow.extra_environ = local.subprocess_environ()
        local.create_bucket(BUCKET)
        key = local.client("kms").create_key(Description="mwaa-pause-resume sandbox snapshots")
        yield SandboxParts(local, airflow, _mwaa_client(), str(key["KeyMetadata"]["Arn"]), version)


def _as_postgres() -> str:
    return "runuser -u postgres -- " if os.geteuid() == 0 else ""  # as LocalPostgres runs it


def _delete_all(airflow: Any) -> None:
    for name in list(airflow.environments):
        airflow.on_delete(name)


def _mwaa_client() -> Any:
    import boto3
    from botocore.config import Config

    # Leaving CREATING runs Airflow (migrate, parse the DAGs) inside GetEnvironment.
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=900)
    return boto3.client("mwaa", config=config)


def _cycle(
    parts: SandboxParts, options: SandboxOptions, report: Reporter, result: SandboxResult
) -> None:
    from mwaa_pause_resume.sandbox.history import seed_history

    excluded = _workflow_dag_ids()
    report.phase(
        f"Creating environment {ENVIRONMENT} (Airflow {parts.version}) through the MWAA API: "
        "a new metadata database, its DAGs parsed"
    )
    create_environment(parts.mwaa, ENVIRONMENT, parts.version)
    source = parts.airflow.environment(ENVIRONMENT)
    baseline = read_state(source.db_url, source.fernet_key, excluded)
    report.phase("Filling it with history (sample DAG runs, variables, connections, pools)")
    seed_history(source.runtime, source.db_url, source.fernet_key, source.home / "seed")
    before = read_state(source.db_url, source.fernet_key, excluded)

    result.pause = run_workflow(parts, "pause", report)
    if result.pause.status != "SUCCEEDED":
        return
    output = result.pause.output if isinstance(result.pause.output, dict) else {}
    result.snapshot_id = output.get("snapshot_id")
    if options.drop_table:
        report.phase(f"Breaking the snapshot on purpose: dropping table {options.drop_table}")
        _drop_table(parts.local, ENVIRONMENT, str(result.snapshot_id), options.drop_table)

    result.resume = run_workflow(parts, "resume", report)
    if result.resume.status != "SUCCEEDED":
        return
    report.phase("Comparing the resumed environment with the paused one")
    target = parts.airflow.environment(ENVIRONMENT)
    result.fernet_key_changed = target.fernet_key != source.fernet_key
    after = read_state(target.db_url, target.fernet_key, excluded)
    result.comparison = compare(before, after, baseline)
    if options.keep:
        result.keep_notes.append(
            f"the resumed environment's database: {target.db_url} (home {target.home})"
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


def _drop_table(local: Any, environment: str, snapshot_id: str, table: str) -> None:
    """Remove ``table`` from the snapshot (manifest entry and file), consistently, so
    that the restore succeeds without it and the comparison must notice."""
    from mwaa_pause_resume.errors import UserError
    from mwaa_pause_resume.functions import layout

    s3 = local.client("s3")
    manifest_key = layout.key(environment, snapshot_id, layout.MANIFEST_FILE)
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
    entry = manifest["tables"].pop(table, None)
    if entry is None:
        raise UserError(
            f"the snapshot has no table {table!r}",
            hint=f"choose one of: {', '.join(sorted(manifest['tables']))}",
        )
    s3.delete_object(Bucket=BUCKET, Key=layout.key(environment, snapshot_id, entry["file"]))
    head = s3.head_object(Bucket=BUCKET, Key=manifest_key)
    extra = {}
    if head.get("SSEKMSKeyId"):
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": head["SSEKMSKeyId"]}
    s3.put_object(Bucket=BUCKET, Key=manifest_key, Body=json.dumps(manifest).encode(), **extra)
