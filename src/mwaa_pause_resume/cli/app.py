"""The ``mwaa-pause-resume`` entry point.

Command modules are imported lazily inside each command so that quick
commands (``plan``, ``validate``) never pay for boto3, psycopg2 or aws-cdk-lib.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mwaa_pause_resume import __version__
from mwaa_pause_resume.cli import config_cmd
from mwaa_pause_resume.cli import infra as infra_cli
from mwaa_pause_resume.cli import init_cmd as init_cli
from mwaa_pause_resume.cli import metadata as metadata_cli
from mwaa_pause_resume.cli import ops as ops_cli
from mwaa_pause_resume.cli import sandbox as sandbox_cli
from mwaa_pause_resume.cli import schedule as schedule_cli
from mwaa_pause_resume.cli import snapshots as snapshots_cli
from mwaa_pause_resume.cli.output import report_error
from mwaa_pause_resume.errors import MwaaPauseResumeError

app = typer.Typer(
    name="mwaa-pause-resume",
    help=(
        "Pause (snapshot + delete) and resume (re-create + restore) Amazon MWAA "
        "environments on daylight-saving-aware schedules.\n\n"
        "Start here: [bold]mwaa-pause-resume sandbox[/] runs a whole pause/resume cycle "
        "on this machine (no AWS account); with AWS, [bold]init --from-environment NAME[/], "
        "then [bold]plan[/], [bold]deploy[/] and [bold]status[/]."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mwaa-pause-resume {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Pause and resume MWAA environments, restoring configuration and Airflow metadata."""


schedule_cli.register(app)
config_cmd.register(app)
infra_cli.register(app)
app.add_typer(metadata_cli.app, name="metadata")
init_cli.register(app)
ops_cli.register(app)
snapshots_cli.register(app)
sandbox_cli.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn expected errors into a message and an exit code, never a traceback."""
    try:
        app(args=argv, standalone_mode=True)
    except MwaaPauseResumeError as exc:  # raised outside a command (rare)
        report_error(exc)
        sys.exit(exc.exit_code)
