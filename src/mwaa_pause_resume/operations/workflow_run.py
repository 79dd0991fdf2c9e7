"""Start a pause or resume of one environment after the checks that can refuse it
(snapshot id, Airflow version, a run already going), and read the execution until it
ends. ``pause`` and ``resume`` print what this returns (``cli.pause_resume_cmd``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.aws_gateway import EXECUTIONS_PAGE, AwsGateway
from mwaa_pause_resume.operations.deployment import Action, execution_name, start_input
from mwaa_pause_resume.operations.execution_records import running_for
from mwaa_pause_resume.operations.progress import Progress, parse_history
from mwaa_pause_resume.operations.session import POLL_SECONDS, Session
from mwaa_pause_resume.operations.snapshot_reads import (
    check_airflow_version,
    check_snapshot_complete,
    check_snapshot_id,
    resume_version_change,
)

if TYPE_CHECKING:
    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.version_change import VersionChange


@dataclass(frozen=True)
class Started:
    """A started execution: its environment, name and ARN, and the Airflow version
    change a resume makes (None: none, or a pause)."""

    env: EnvironmentConfig
    name: str
    arn: str
    change: VersionChange | None


def start_workflow(
    session: Session,
    action: Action,
    environment: str,
    snapshot: str | None,
    *,
    airflow_version: str | None = None,
    page_size: int = EXECUTIONS_PAGE,
) -> Started:
    """Check, then start the ``action`` workflow for ``environment``. A typo in the
    snapshot id or version is refused before any AWS call; a missing snapshot, a
    refused version change or a run already going, before anything starts
    (UserError, exit 2). ``page_size``: ListExecutions page of the busy check."""
    env = session.config.environment(environment)
    if snapshot is not None:
        check_snapshot_id(snapshot, env.name)  # a typo is reported before any AWS call
    if airflow_version is not None:
        check_airflow_version(airflow_version)
    deployment = session.deployment
    if snapshot is not None:
        check_snapshot_complete(session, env, snapshot)
    change = None
    if action == "resume":
        change = resume_version_change(session, env, snapshot, airflow_version)
    busy = running_for(session, env.name, page_size=page_size)
    if busy:
        raise UserError(
            f"A {busy[0].action} of {env.name} is already running "
            f"(execution {busy[0].name}, started {busy[0].started:%Y-%m-%d %H:%M:%S %Z}).",
            hint="follow it with `mwaa-pause-resume status`, or stop it in the Step Functions "
            "console, then try again",
        )
    name = execution_name(env.name, action, datetime.now(UTC))
    payload = start_input(env, action, deployment, snapshot)
    if airflow_version is not None:
        payload["airflow_version"] = airflow_version
    arn = session.aws.start_execution(deployment.state_machine(action), name, payload)
    return Started(env, name, arn, change)


def console_url(region: str | None, execution_arn: str) -> str:
    """The execution's page in the Step Functions console."""
    region = region or "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def read_progress(aws: AwsGateway, execution_arn: str) -> tuple[Progress, datetime]:
    """The execution's steps so far, and when it started."""
    described = aws.describe_execution(execution_arn)
    status = str(described["status"])
    # Read the history after the status: a finished status implies a complete history.
    progress = parse_history(aws.history(execution_arn), status)
    return progress, described["startDate"]


def watch(
    aws: AwsGateway,
    execution_arn: str,
    *,
    poll_seconds: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[tuple[Progress, datetime]]:
    """Each read of the execution (:func:`read_progress`), ``poll_seconds`` apart, until
    one shows it finished (the last one yielded). A KeyboardInterrupt in ``sleep``
    reaches the caller."""
    while True:
        progress, started = read_progress(aws, execution_arn)
        yield progress, started
        if progress.finished:
            return
        sleep(poll_seconds)
