"""``pause ENV``, ``resume ENV``: start the deployed workflows now and follow them; the
session and execution reads ``status`` (:mod:`.status_cmd`) shares.

Exit codes: 0 done (or started, without --wait), 1 the workflow failed, 2 bad
input or an AWS error the user can fix (credentials, permissions, region).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mwaa_pause_resume.cli.config_cmd import ConfigOption, JsonOption
from mwaa_pause_resume.cli.options import ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import (
    EXIT_INTERRUPTED,
    console,
    error_console,
    handle_errors,
    print_json,
)
from mwaa_pause_resume.errors import EXIT_FAILED, OperationFailed, UserError
from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.operations.deployment import (
    ACTIONS,
    Action,
    Deployment,
    execution_name,
    start_input,
)
from mwaa_pause_resume.operations.execution_search import (
    ExecutionPage,
    ExecutionSearch,
)
from mwaa_pause_resume.operations.progress import Progress, Step, outcome_text, parse_history
from mwaa_pause_resume.operations.status import (
    ExecutionRecord,
    duration_text,
    record_from,
)

if TYPE_CHECKING:
    from mwaa_pause_resume.config.model import Config, EnvironmentConfig
    from mwaa_pause_resume.version_change import VersionChange

WaitOption = Annotated[
    bool,
    typer.Option("--wait", help="Follow the workflow until it ends; exit 1 if it fails."),
]
# How often --wait reads the execution, and how it waits. Tests lower / replace them.
POLL_SECONDS = 2.0
SLEEP: Callable[[float], None] = time.sleep
# ListExecutions page size for status and the busy checks. Tests lower it to page
# through a few executions.
EXECUTIONS_PAGE = 100


def register(app: typer.Typer) -> None:
    """Add ``pause`` and ``resume`` to the application (``status``: :mod:`.status_cmd`)."""
    app.command("pause")(pause)
    app.command("resume")(resume)


# -- shared by the operator commands -------------------------------------------------------
@dataclass
class Session:
    """The configuration, one AWS session and (once asked for) the deployment."""

    config: Config
    aws: AwsGateway
    _deployment: Deployment | None = None

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            self._deployment = self.aws.deployment(self.config.deployment.stack_name)
        return self._deployment


def open_session(config: Path | None, profile: str | None, region: str | None) -> Session:
    from mwaa_pause_resume.config import load_config

    loaded = load_config(config)
    return Session(loaded, AwsGateway(profile, region or loaded.deployment.region))


def collect_records(
    session: Session,
    environments: set[str],
    *,
    running_only: bool = False,
    page_size: int | None = None,
    concurrency: int = 1,
    not_found: set[str] | None = None,
) -> list[ExecutionRecord]:
    """Running executions of ``environments``, plus (unless ``running_only``) the last
    finished pause and resume of each: newest first, described only as far as needed.

    Pages through ListExecutions until each environment has its last finished run (or
    the list ends, or the search gives up: the environments it gave up on are added to
    ``not_found``); when that leaves pages unread, one ``RUNNING`` listing finds the
    running executions further back. A fleet reads larger pages, further back, and
    describes up to ``concurrency`` executions at once."""
    from mwaa_pause_resume.operations.execution_search import fleet_page_size, history_pages

    size = fleet_page_size(len(environments), EXECUTIONS_PAGE) if page_size is None else page_size
    records: list[ExecutionRecord] = []
    for action in ACTIONS:
        search = ExecutionSearch(
            action,
            environments,
            running_only=running_only,
            max_pages=history_pages(len(environments), size),
        )
        _search_workflow(session, search, size, concurrency)
        if search.gave_up and not_found is not None:
            not_found.update(environments - search.last_finished.keys())
        records += search.records
    return records


def _search_workflow(
    session: Session, search: ExecutionSearch, size: int, concurrency: int
) -> None:
    from mwaa_pause_resume.operations.bounded import map_bounded

    machine = session.deployment.state_machine(search.action)

    def describe(arn: str) -> ExecutionRecord:
        return record_from(search.action, session.aws.describe_execution(arn))

    def describe_many(arns: Sequence[str]) -> list[ExecutionRecord]:
        return map_bounded(describe, arns, concurrency)

    def read(pages: Iterator[ExecutionPage], *, to_the_end: bool) -> None:
        many = describe_many if concurrency > 1 else None
        search.read(pages, describe, to_the_end=to_the_end, describe_many=many,
                    batch=concurrency * 4)  # fmt: skip

    running_only = search.running_only
    read(session.aws.execution_pages(machine, running_only=running_only, page_size=size),
         to_the_end=running_only)  # fmt: skip
    if search.stopped_early:
        read(session.aws.execution_pages(machine, running_only=True, page_size=size),
             to_the_end=True)  # fmt: skip


def running_for(session: Session, environment: str) -> list[ExecutionRecord]:
    return [r for r in collect_records(session, {environment}, running_only=True) if r.running]


def console_url(region: str | None, execution_arn: str) -> str:
    region = region or "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


# -- pause / resume ------------------------------------------------------------------------
@handle_errors
def pause(
    environment: Annotated[
        str, typer.Argument(metavar="ENV", help="Name of a configured environment.")
    ],
    *,
    wait: WaitOption = False,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pause ENV now: snapshot its metadata, verify it, then delete the environment.

    Without --wait it returns once the workflow has started (exit 0); with --wait
    it shows each step live and exits 0 when paused, 1 when the workflow failed.

    Examples:
    $ mwaa-pause-resume pause analytics-dev --wait
    $ mwaa-pause-resume pause analytics-dev --profile ops --json
    """
    _start(
        "pause",
        environment,
        None,
        wait=wait,
        config=config,
        profile=profile,
        region=region,
        as_json=as_json,
    )


@handle_errors
def resume(
    environment: Annotated[
        str, typer.Argument(metavar="ENV", help="Name of a configured environment.")
    ],
    *,
    snapshot: Annotated[
        str | None,
        typer.Option("--snapshot", help="Snapshot id to restore (default: the latest)."),
    ] = None,
    airflow_version: Annotated[
        str | None,
        typer.Option(
            "--airflow-version",
            metavar="V",
            help="Create the environment on this Airflow version, newer than the snapshot's "
            "(an upgrade; default: the configured airflow_version, else the snapshot's).",
        ),
    ] = None,
    wait: WaitOption = False,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resume ENV now: re-create the environment and restore its metadata.

    Restores the latest complete snapshot unless --snapshot names another one
    (`mwaa-pause-resume snapshots list ENV` lists them). --airflow-version (or the
    configured airflow_version) newer than the snapshot's upgrades the environment; an
    older one is refused (exit 2) before anything starts.

    Examples:
    $ mwaa-pause-resume resume analytics-dev --wait
    $ mwaa-pause-resume resume analytics-dev --snapshot 20261125T170200Z-1a2b
    $ mwaa-pause-resume resume analytics-dev --airflow-version 3.0.6 --wait
    """
    _start(
        "resume",
        environment,
        snapshot,
        airflow_version=airflow_version,
        wait=wait,
        config=config,
        profile=profile,
        region=region,
        as_json=as_json,
    )


def _start(
    action: Action,
    environment: str,
    snapshot: str | None,
    *,
    airflow_version: str | None = None,
    wait: bool,
    config: Path | None,
    profile: str | None,
    region: str | None,
    as_json: bool,
) -> None:
    session = open_session(config, profile, region)
    env = session.config.environment(environment)
    if snapshot is not None:
        check_snapshot_id(snapshot, env.name)  # a typo is reported before any AWS call
    if airflow_version is not None:
        check_airflow_version(airflow_version)
    deployment = session.deployment
    if snapshot is not None:
        _check_snapshot(session, env, snapshot)
    change = None
    if action == "resume":
        change = resume_version_change(session, env, snapshot, airflow_version)
    busy = running_for(session, env.name)
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
    out = console()
    if change is not None and change.upgrade and not as_json:
        _print_upgrade(out, env.name, change)
    if not wait:
        if as_json:
            print_json(
                {
                    "action": action,
                    "environment": env.name,
                    "execution_arn": arn,
                    **({"airflow_version": change.to_json()} if change is not None else {}),
                }
            )
            return
        out.print(f"Started the {action} of {escape(env.name)}: execution {escape(name)}.")
        out.print(f"Follow it with `mwaa-pause-resume status {env.name}` or in the console:")
        out.print(console_url(session.aws.region, arn), markup=False, highlight=False)
        return
    progress = follow(session.aws, arn, env.name, action, out=None if as_json else out)
    if as_json:
        print_json(progress_json(progress, env.name, action, arn))
        if progress.status != "SUCCEEDED":
            raise typer.Exit(EXIT_FAILED)
        return
    if progress.status != "SUCCEEDED":
        raise OperationFailed(
            outcome_text(progress, env.name),
            hint=f"execution details: {console_url(session.aws.region, arn)}",
        )
    out.print(f"[green]Done:[/] {escape(outcome_text(progress, env.name))}", highlight=False)
    _print_restore(out, progress)


def _print_restore(out: Console, progress: Progress) -> None:
    """A finished resume's restore summary (the import run's note, in the output)."""
    from mwaa_pause_resume.metadata.restore_summary import summary_of_note

    summary = summary_of_note((progress.output or {}).get("import"))
    if summary is None:
        return
    for line in summary.lines():
        out.print(f"  {line}", markup=False, highlight=False)


def check_airflow_version(version: str) -> None:
    from mwaa_pause_resume.airflow_versions import SUPPORTED
    from mwaa_pause_resume.version_change import unsupported_message

    if version not in SUPPORTED:
        raise UserError(unsupported_message(version), hint=f"use one of {', '.join(SUPPORTED)}")


def _snapshot_id(session: Session, environment: str, snapshot: str | None) -> str | None:
    """``snapshot``, or the latest complete one's id (latest.json); None when there is none."""
    from mwaa_pause_resume.functions import layout
    from mwaa_pause_resume.operations.snapshot_index import latest_id

    if snapshot:
        return snapshot
    return latest_id(
        session.aws.read_json(session.deployment.bucket, layout.latest_key(environment))
    )


def snapshot_airflow_version(
    session: Session, environment: str, snapshot: str | None
) -> tuple[str | None, str | None]:
    """(snapshot id, its Airflow version) of ``snapshot`` or the latest one; (None, None)
    when there is none (the workflow then says so)."""
    snapshot_id = _snapshot_id(session, environment, snapshot)
    if snapshot_id is None:
        return None, None
    inner = snapshot_environment(session, environment, snapshot_id) or {}
    version = inner.get("AirflowVersion")
    return snapshot_id, version if isinstance(version, str) else None


def snapshot_environment(
    session: Session, environment: str, snapshot: str | None = None
) -> dict[str, Any] | None:
    """The environment as ``snapshot`` (default: the latest) captured it, or None."""
    from mwaa_pause_resume.functions import layout

    snapshot_id = _snapshot_id(session, environment, snapshot)
    if snapshot_id is None:
        return None
    captured = session.aws.read_json(
        session.deployment.bucket, layout.key(environment, snapshot_id, layout.ENVIRONMENT_FILE)
    )
    inner = captured.get("Environment", captured) if isinstance(captured, dict) else None
    return inner if isinstance(inner, dict) else None


def resume_version_change(
    session: Session, env: EnvironmentConfig, snapshot: str | None, requested: str | None
) -> VersionChange | None:
    """The Airflow version change this resume makes (None: none asked, or no snapshot to
    compare with); a refused one is a UserError (exit 2) before anything starts."""
    from mwaa_pause_resume.version_change import VersionChangeRefused, plan_change

    target = requested or env.airflow_version
    if target is None or session.aws.get_environment(env.name) is not None:
        return None  # nothing asked, or running: the workflow ends "already running"
    snapshot_id, source = snapshot_airflow_version(session, env.name, snapshot)
    if snapshot_id is None:
        return None
    try:
        return plan_change(source, target, environment=env.name)
    except VersionChangeRefused as exc:
        raise UserError(
            f"Snapshot {snapshot_id} of {env.name}: {exc}".replace(
                "nothing was deleted or created", "nothing was started"
            )
        ) from None


def _print_upgrade(out: Console, environment: str, change: VersionChange) -> None:
    out.print(
        f"This resume upgrades {escape(environment)} from Airflow {change.source} to "
        f"{change.target}. Check first:",
        highlight=False,
    )
    for item in change.checks():
        out.print(f"  - {item}", markup=False, highlight=False)


def check_snapshot_id(snapshot: str, environment: str) -> None:
    from mwaa_pause_resume.functions import layout

    if not layout.is_snapshot_id(snapshot):
        raise UserError(
            f"{snapshot!r} is not a snapshot id (they look like 20261125T170200Z-1a2b).",
            hint=f"list them with `mwaa-pause-resume snapshots list {environment}`",
        )


def _check_snapshot(session: Session, env: EnvironmentConfig, snapshot: str) -> None:
    from mwaa_pause_resume.functions import layout

    bucket = session.deployment.bucket
    marker = layout.key(env.name, snapshot, layout.COMPLETE_FILE)
    if session.aws.read_json(bucket, marker) is None:
        raise UserError(
            f"Snapshot {snapshot} of {env.name} does not exist or is not complete "
            f"(no s3://{bucket}/{marker}).",
            hint=f"list the usable ones with `mwaa-pause-resume snapshots list {env.name}`",
        )


# -- following an execution -----------------------------------------------------------------
def follow(
    aws: AwsGateway,
    execution_arn: str,
    environment: str,
    action: Action,
    *,
    out: Console | None,
    poll_seconds: float | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Progress:
    """Poll the execution until it ends, showing its steps on ``out`` (None: silently).

    On a terminal the steps redraw in place (Rich Live); elsewhere (CI logs, pipes)
    one line is printed per step and per change of its detail. ``sleep`` waits between
    polls (default :data:`SLEEP`). Ctrl-C stops following, not the workflow: exit 130
    after saying how to follow it."""
    from rich.live import Live

    interval = POLL_SECONDS if poll_seconds is None else poll_seconds
    nap = SLEEP if sleep is None else sleep
    title = f"{'Pausing' if action == 'pause' else 'Resuming'} {environment}"
    printed: dict[int, tuple[str, ...]] = {}
    try:
        if out is not None and out.is_terminal:
            with Live(console=out, refresh_per_second=4, transient=False) as live:
                while True:
                    progress, started = _read(aws, execution_arn)
                    live.update(render(progress, title, started, datetime.now(UTC)))
                    if progress.finished:
                        return progress
                    nap(interval)
        while True:
            progress, started = _read(aws, execution_arn)
            if out is not None:
                _print_new_lines(out, progress, started, printed)
            if progress.finished:
                return progress
            nap(interval)
    except KeyboardInterrupt:
        _report_interrupted(aws, execution_arn, environment, action)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _report_interrupted(
    aws: AwsGateway, execution_arn: str, environment: str, action: Action
) -> None:
    """On stderr, so that ``--json`` keeps stdout to JSON."""
    name = execution_arn.rsplit(":", 1)[-1]
    err = error_console()
    err.print(
        f"Stopped following. The {action} of {escape(environment)} goes on in AWS "
        f"(execution {escape(name)}).",
        highlight=False,
    )
    err.print(
        f"Follow it with `mwaa-pause-resume status {escape(environment)}` or in the console:",
        highlight=False,
    )
    err.print(console_url(aws.region, execution_arn), markup=False, highlight=False)


def _read(aws: AwsGateway, execution_arn: str) -> tuple[Progress, datetime]:
    described = aws.describe_execution(execution_arn)
    status = str(described["status"])
    # Read the history after the status: a finished status implies a complete history.
    progress = parse_history(aws.history(execution_arn), status)
    return progress, described["startDate"]


def _offset(started: datetime, when: datetime) -> str:
    return f"+{duration_text(max(0.0, (when - started).total_seconds()))}"


def _print_new_lines(
    out: Console, progress: Progress, started: datetime, printed: dict[int, tuple[str, ...]]
) -> None:
    """Append-only output: a line when a step starts, an indented line when its detail
    changes, and a line naming the step that failed."""
    for index, step in enumerate(progress.steps):
        seen = printed.setdefault(index, ())
        lines: list[str] = []
        if "start" not in seen:
            lines.append(f"[{_offset(started, step.started)}] {step.label}")
        if step.detail and f"detail:{step.detail}" not in seen:
            lines.append(f"{'':8}{step.detail}")
        if step.failed and "failed" not in seen:
            lines.append(f"[{_offset(started, step.ended or step.started)}] Failed: {step.label}")
        printed[index] = (
            *seen,
            "start",
            *([f"detail:{step.detail}"] if step.detail else []),
            *(["failed"] if step.failed else []),
        )
        for line in lines:
            out.print(line, markup=False, highlight=False)


def _step_row(step: Step, now: datetime) -> tuple[Text, Text, Text]:
    if step.failed:
        icon = Text("✗", style="bold red")
    elif step.ended is None:
        icon = Text("…", style="bold yellow")
    else:
        icon = Text("✓", style="green")
    label = Text(step.label)
    if step.detail:
        label.append(f"  {step.detail}", style="dim")
    if step.polls > 1:
        label.append(f" (poll {step.polls})", style="dim")
    took = ((step.ended or now) - step.started).total_seconds()
    return icon, label, Text(duration_text(took), style="dim")


def render(progress: Progress, title: str, started: datetime, now: datetime) -> Group:
    """The live view: a title with the elapsed time, then one row per step."""
    elapsed = duration_text(((now if not progress.finished else _end(progress, now)) - started)
                            .total_seconds())  # fmt: skip
    state = "" if progress.status == "RUNNING" else f" · {progress.status}"
    header = Text(f"{title} · {elapsed}{state}", style="bold")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1)
    grid.add_column()
    grid.add_column(justify="right")
    for step in progress.steps:
        grid.add_row(*_step_row(step, now))
    return Group(header, grid)


def _end(progress: Progress, now: datetime) -> datetime:
    ends = [s.ended for s in progress.steps if s.ended is not None]
    return max(ends) if ends else now


def progress_json(
    progress: Progress, environment: str, action: Action, execution_arn: str
) -> dict[str, Any]:
    from mwaa_pause_resume.metadata.restore_summary import summary_of_note

    output = progress.output or {}
    restore = summary_of_note(output.get("import"))
    return {
        "action": action,
        "environment": environment,
        "execution_arn": execution_arn,
        "status": progress.status,
        "outcome": output.get("outcome"),
        "snapshot_id": output.get("snapshot_id"),
        "restore": restore.to_json() if restore is not None else None,
        "error": progress.error,
        "cause": progress.cause,
        "steps": [
            {
                "step": s.key,
                "label": s.label,
                "started": s.started.isoformat(),
                "ended": s.ended.isoformat() if s.ended else None,
                "detail": s.detail,
                "failed": s.failed,
            }
            for s in progress.steps
        ],
    }
