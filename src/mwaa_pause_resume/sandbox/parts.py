"""The sandbox's parts and the steps tests compose cycles from.

:func:`sandbox_parts` sets up the Airflow virtualenv (installed on first use), a
throwaway PostgreSQL, moto (in-process and served over HTTP for the Airflow
processes), the MWAA emulator backed by real Airflow, a KMS key and the backup
bucket. :func:`create_environment` creates an environment through the MWAA API;
:func:`run_workflow` starts the pause or resume workflow with the input the
deployed schedules send (:func:`sandbox_execution_input`) and reports its progress.

:mod:`.cycle` runs the ``sandbox`` command's cycle from these; tests compose other
cycles from them: failure scenarios, concurrent executions, environments under
other names.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.operations.progress import parse_history
from mwaa_pause_resume.sandbox.result import (
    QuietReporter,
    Reporter,
    SandboxOptions,
    SandboxResult,
    WorkflowOutcome,
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
    with set_up_parts(options, work, reporter or QuietReporter(), result) as parts:
        yield parts


@contextmanager
def set_up_parts(
    options: SandboxOptions, work: Path, report: Reporter, result: SandboxResult
) -> Iterator[SandboxParts]:
    """The parts, set up in ``work``; ``result`` collects the notes ``options.keep`` leaves."""
    from mwaa_pause_resume.dags.bundle import write_dags_folder
    from mwaa_pause_resume.dags.trust import trust_document, write_trust
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
        # As the stack's BucketDeployment does: the DAGs trust the deployment's HMAC key and
        # the backup bucket (written before any environment copies the bundle).
        write_trust(
            bundle,
            trust_document(
                mac_key_id=local.mac_key_arn, snapshot_root=f"s3://{BUCKET}/", deployment="sandbox"
            ),
        )
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

    from mwaa_pause_resume.dags.rest_api import MAX_POOL_CONNECTIONS

    # Leaving CREATING runs Airflow (migrate, parse the DAGs) inside GetEnvironment. As many
    # connections as the DAGs' own client keeps (the benchmarks call InvokeRestApi with it).
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        read_timeout=900,
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
    return boto3.client("mwaa", config=config)


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


def sandbox_execution_input(
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
    *,
    scheduled_time: str | None = None,
    version: str | None = None,
) -> WorkflowOutcome:
    """Start the ``workflow`` ("pause" or "resume") for ``environment`` as its schedule
    would (configured with Airflow ``version``, by default the sandbox's), and report its
    progress until it ends. ``scheduled_time``: the fire's time, as Scheduler fills it in
    (the run gates then apply); None: an on-demand run."""
    report = report or QuietReporter()
    local = parts.local
    payload = sandbox_execution_input(
        workflow, version or parts.version, parts.kms_key_arn, environment
    )
    if scheduled_time is not None:
        payload["scheduled_time"] = scheduled_time
    arn = local.start_execution(workflow, payload)
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


def workflow_dag_ids() -> tuple[str, str]:
    """The export and import DAGs' ids, left out of the comparisons."""
    from mwaa_pause_resume.functions.settings import DEFAULTS

    return str(DEFAULTS["export_dag_id"]), str(DEFAULTS["import_dag_id"])
