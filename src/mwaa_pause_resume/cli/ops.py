"""``pause ENV``, ``resume ENV``, ``status [ENV]``: start the deployed workflows now,
follow them, and say where every environment stands.

Exit codes: 0 done (or started, without --wait), 1 the workflow failed, 2 bad
input or an AWS error the user can fix (credentials, permissions, region).
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
from mwaa_pause_resume.operations.aws_gateway import AwsGateway, NotDeployed
from mwaa_pause_resume.operations.deployment import (
    ACTIONS,
    Action,
    Deployment,
    execution_name,
    start_input,
)
from mwaa_pause_resume.operations.execution_search import ExecutionSearch
from mwaa_pause_resume.operations.progress import Progress, Step, outcome_text, parse_history
from mwaa_pause_resume.operations.status import (
    ExecutionRecord,
    duration_text,
    environment_status,
    last_finished,
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
    """Add ``pause``, ``resume`` and ``status`` to the application."""
    app.command("pause")(pause)
    app.command("resume")(resume)
    app.command("status")(status)


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
) -> list[ExecutionRecord]:
    """Running executions of ``environments``, plus (unless ``running_only``) the last
    finished pause and resume of each: newest first, described only as far as needed.

    Pages through ListExecutions until each environment has its last finished run (or
    the list ends); when that leaves pages unread, one ``RUNNING`` listing finds the
    running executions further back."""
    deployment = session.deployment
    size = EXECUTIONS_PAGE if page_size is None else page_size
    records: list[ExecutionRecord] = []
    for action in ACTIONS:
        machine = deployment.state_machine(action)
        search = ExecutionSearch(action, environments, running_only=running_only)

        def describe(arn: str, action: Action = action) -> ExecutionRecord:
            return record_from(action, session.aws.describe_execution(arn))

        pages = session.aws.execution_pages(machine, running_only=running_only, page_size=size)
        search.read(pages, describe, to_the_end=running_only)
        if search.stopped_early:
            running = session.aws.execution_pages(machine, running_only=True, page_size=size)
            search.read(running, describe, to_the_end=True)
        records += search.records
    return records


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


# -- status --------------------------------------------------------------------------------
@handle_errors
def status(
    environment: Annotated[
        str | None,
        typer.Argument(metavar="ENV", help="One configured environment (default: all)."),
    ] = None,
    *,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where environments stand: state, running workflow, last runs, next times, snapshot.

    Examples:
    $ mwaa-pause-resume status
    $ mwaa-pause-resume status analytics-dev --json
    """
    session = open_session(config, profile, region)
    envs = (
        [session.config.environment(environment)]
        if environment
        else list(session.config.environments)
    )
    now = datetime.now(UTC)
    warnings: list[str] = []
    records: list[ExecutionRecord] = []
    deployed = True
    try:
        records = collect_records(session, {e.name for e in envs})
    except NotDeployed as exc:
        deployed = False
        warnings.append(exc.message)
    result = []
    for env in envs:
        latest = _latest_snapshot(session, env.name) if deployed else None
        item = environment_status(
            env,
            session.aws.get_environment(env.name),
            records,
            latest,
            now,
            deployed=deployed,
            warnings=warnings,
            resume_report=_restore_report(session, env.name, records),
        )
        item["resume_airflow"] = _resume_airflow(env, item)
        item["override"] = _override(session, env.name, warnings)
        item["timing"] = _timing(session, env) if deployed else None
        result.append(item)
    if as_json:
        print_json({"environments": result})
        return
    _print_status(console(), result, now)


def _resume_airflow(env: EnvironmentConfig, item: dict[str, Any]) -> dict[str, object] | None:
    """What the next resume does to the Airflow version (configured airflow_version vs
    the snapshot's, or the running environment's, which the next pause snapshots)."""
    from mwaa_pause_resume.version_change import pending_change

    if item["state"] == "PAUSED":
        source = (item["latest_snapshot"] or {}).get("airflow_version")
    else:
        source = (item["details"] or {}).get("AirflowVersion")
    return pending_change(
        source if isinstance(source, str) else None, env.airflow_version, environment=env.name
    )


def _restore_report(session: Session, environment: str, records: list[ExecutionRecord]) -> Any:
    """The last resume's ``import-report.json`` (every held DAG with its action), when its
    note carried a restore summary; None when there is none or it cannot be read (the
    note's compact summary is shown then)."""
    from mwaa_pause_resume.functions import layout
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

    mine = [r for r in records if r.environment == environment]
    last = last_finished(mine, "resume")
    if last is None or last.restore is None or not last.snapshot_id:
        return None
    if not layout.is_snapshot_id(last.snapshot_id):
        return None
    key = layout.key(environment, last.snapshot_id, REPORT_FILE)
    try:
        return session.aws.read_json(session.deployment.bucket, key)
    except UserError:
        return None


def _override(session: Session, environment: str, warnings: list[str]) -> Any:
    """The environment's keep-awake / stay-paused override (``override show``), if any."""
    import json

    from mwaa_pause_resume.operations.overrides import OverrideStore

    try:
        record = OverrideStore(session.aws, session.config.deployment.stack_name).get(environment)
    except UserError as exc:  # e.g. no ssm:GetParameter: the rest of status still helps
        warnings.append(f"override of {environment} not read: {exc.message}")
        return None
    return None if record is None else json.loads(record.to_json())


def _timing(session: Session, env: EnvironmentConfig) -> dict[str, Any]:
    """The learned lead and the last resumes' durations (the workflows' timing.json)."""
    from mwaa_pause_resume.operations.timing_status import timing_status
    from mwaa_pause_resume.schedule.timing_history import timing_key

    document = session.aws.read_json(session.deployment.bucket, timing_key(env.name))
    return timing_status(env, document)


def _latest_snapshot(session: Session, environment: str) -> dict[str, Any] | None:
    from mwaa_pause_resume.functions import layout
    from mwaa_pause_resume.operations.snapshot_index import latest_id, manifest_summary, taken_at

    bucket = session.deployment.bucket
    snapshot_id = latest_id(session.aws.read_json(bucket, layout.latest_key(environment)))
    if snapshot_id is None:
        return None
    objects = session.aws.list_objects(bucket, layout.snapshot_prefix(environment, snapshot_id))
    manifest = session.aws.read_json(bucket, layout.key(environment, snapshot_id, "manifest.json"))
    summary = manifest_summary(manifest) if isinstance(manifest, dict) else {}
    when = taken_at(snapshot_id)
    return {
        "snapshot_id": snapshot_id,
        "taken_at": when.isoformat() if when else None,
        "bytes": sum(int(o.get("Size") or 0) for o in objects),
        "tables": summary.get("tables"),
        "rows": summary.get("rows"),
        "airflow_version": summary.get("airflow_version"),
    }


def _when(iso: str | None, zone: str | None = None) -> str:
    """``Wed 2026-11-25 20:00 CET``: in ``zone`` (IANA) when given, else as recorded."""
    if not iso:
        return "-"
    when = datetime.fromisoformat(iso)
    if zone:
        from zoneinfo import ZoneInfo

        when = when.astimezone(ZoneInfo(zone))
    return when.strftime("%a %Y-%m-%d %H:%M %Z").strip()


def _run_line(run: dict[str, Any] | None) -> str:
    if run is None:
        return "none recorded"
    text = f"{_when(run['started'])}, {duration_text(run['duration_seconds'])}, {run['status']}" + (
        f" ({run['outcome']})" if run.get("outcome") else ""
    )
    if run.get("error"):
        text += f": {run['error']}"
    if run.get("reason"):  # a skipped run: why the run gates held it back
        text += f": {run['reason']}"
    return text


def _restore_lines(restore: dict[str, Any]) -> list[str]:
    """The restore summary of ``status --json`` (``RestoreSummary.to_json``) in lines."""
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

    return RestoreSummary.from_json(restore).lines()


def _change_text(change: dict[str, Any]) -> Text:
    """The next resume's Airflow version change: the upgrade and what to check, or why it
    will be refused."""
    if change["kind"] == "refused":
        return Text("refused: ", style="bold red") + Text(str(change["message"]))
    text = Text(f"upgrades Airflow {change['source']} to {change['target']}", style="yellow")
    text.append("; check first:")
    for item in change["checks"]:
        text.append(f"\n- {item}")
    return text


def _print_status(out: Console, result: list[dict[str, Any]], now: datetime) -> None:
    from mwaa_pause_resume.operations.snapshot_index import human_bytes

    for warning in result[0]["warnings"] if result else []:
        out.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)
    for item in result:
        state = item["state"]
        colour = {"AVAILABLE": "green", "PAUSED": "blue"}.get(state, "yellow")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        details = item["details"] or {}
        extra = ", ".join(
            str(details[k]) for k in ("AirflowVersion", "EnvironmentClass") if k in details
        )
        grid.add_row("State", Text.from_markup(f"[{colour}]{state}[/]") + Text(
            f"  {extra}" if extra else ""))  # fmt: skip
        if details.get("LastError"):
            grid.add_row("Last error", Text(str(details["LastError"])))
        for run in item["running"]:
            grid.add_row(
                "Running",
                Text(
                    f"{run['action']} since {_when(run['started'])} "
                    f"({duration_text(run['duration_seconds'])})"
                ),
            )
        if item["deployed"]:  # without the workflows there is no history to read
            grid.add_row("Last pause", Text(_run_line(item["last_pause"])))
            grid.add_row("Last resume", Text(_run_line(item["last_resume"])))
            if item.get("timing"):
                from mwaa_pause_resume.operations.timing_status import timing_line

                grid.add_row("Resume timing", Text(timing_line(item["timing"])))
            restore = (item["last_resume"] or {}).get("restore")
            if restore:
                grid.add_row("Restored", Text("\n".join(_restore_lines(restore))))
        override = item.get("override")
        if override:
            grid.add_row(
                "Override",
                Text(
                    f"{override['kind']} until {_when(override['until'], item['next']['timezone'])}"
                    f" (set by {override['set_by']} at {_when(override['set_at'])})"
                ),
            )
        nxt = item["next"]
        grid.add_row(
            "Next",
            Text(
                f"pause {_when(nxt['pause'], nxt['timezone'])}, "
                f"resume {_when(nxt['resume'], nxt['timezone'])}"
                + (
                    f", ready by {_when(nxt['ready_by'], nxt['timezone'])}"
                    if nxt.get("ready_by")
                    else ""
                )
                + f" ({nxt['timezone']})"
            ),
        )
        change = item.get("resume_airflow")
        if change:
            grid.add_row("Next resume", _change_text(change))
        snap = item["latest_snapshot"]
        if snap:
            figures = []
            if snap.get("tables") is not None:
                figures.append(f"{snap['tables']} tables, {snap['rows']} rows")
            figures.append(human_bytes(int(snap["bytes"])))
            grid.add_row("Latest snapshot", Text(f"{snap['snapshot_id']} ({', '.join(figures)})"))
        elif item["deployed"]:
            grid.add_row("Latest snapshot", Text("none"))
        out.print(Text(item["environment"], style="bold underline"))
        out.print(grid)
        out.print()
