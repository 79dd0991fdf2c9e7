"""``pause ENV``, ``resume ENV``: start the deployed workflows now and follow them.

The checks and the start are :func:`..operations.workflow_run.start_workflow`; the
followed run's display is :mod:`.follow_view`.

Exit codes: 0 done (or started, without --wait), 1 the workflow failed, 2 bad
input or an AWS error the user can fix (credentials, permissions, region).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from mwaa_pause_resume.cli.options import (
    ConfigOption,
    JsonOption,
    ProfileOption,
    RegionOption,
    pacing,
)
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import EXIT_FAILED, OperationFailed
from mwaa_pause_resume.operations.deployment import Action

if TYPE_CHECKING:
    from rich.console import Console

    from mwaa_pause_resume.operations.session import Pacing
    from mwaa_pause_resume.version_change import VersionChange

WaitOption = Annotated[
    bool,
    typer.Option("--wait", help="Follow the workflow until it ends; exit 1 if it fails."),
]


def register(app: typer.Typer) -> None:
    """Add ``pause`` and ``resume`` to the application."""
    app.command("pause")(pause)
    app.command("resume")(resume)


@handle_errors
def pause(
    context: typer.Context,
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
        pacing(context),
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
    context: typer.Context,
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
        pacing(context),
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
    paced: Pacing,
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
    from mwaa_pause_resume.cli.follow_view import follow, print_restore, progress_json
    from mwaa_pause_resume.operations.progress import outcome_text
    from mwaa_pause_resume.operations.session import open_session
    from mwaa_pause_resume.operations.workflow_run import console_url, start_workflow

    session = open_session(config, profile, region)
    started = start_workflow(
        session,
        action,
        environment,
        snapshot,
        airflow_version=airflow_version,
        page_size=paced.executions_page,
    )
    env, name, arn, change = started.env, started.name, started.arn, started.change
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
    progress = follow(
        session.aws,
        arn,
        env.name,
        action,
        out=None if as_json else out,
        poll_seconds=paced.poll_seconds,
        sleep=paced.sleep,
    )
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
    print_restore(out, progress)


def _print_upgrade(out: Console, environment: str, change: VersionChange) -> None:
    out.print(
        f"This resume upgrades {escape(environment)} from Airflow {change.source} to "
        f"{change.target}. Check first:",
        highlight=False,
    )
    for item in change.checks():
        out.print(f"  - {item}", markup=False, highlight=False)
