"""``mwaa-pause-resume upgrade-check PATH... --to V``: what in these DAGs (and
requirements.txt) breaks on Airflow V, before a resume upgrades the environment.

Offline and static: the files are parsed, never imported. Exit codes: 0 nothing found,
1 findings, 2 bad input (a missing path, an unknown version).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import EXIT_FAILED


def register(app: typer.Typer) -> None:
    app.command("upgrade-check")(upgrade_check)


@handle_errors
def upgrade_check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="DAG folders or files (a copy of the environment's DAGs folder; plugins too).",
        ),
    ],
    *,
    to: Annotated[
        str, typer.Option("--to", metavar="V", help="The Airflow version to upgrade to.")
    ],
    requirements: Annotated[
        Path | None,
        typer.Option(
            "--requirements", "-r", metavar="FILE", help="The environment's requirements.txt."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """What breaks on Airflow V: DAG code, templates and requirements pins.

    A static scan (no Airflow import) for what is known to break on the target:
    metadata database access in tasks, imports and arguments Airflow 3 removed,
    SubDAGs, removed context keys such as execution_date in templates, and
    requirements pins that contradict the target's constraints. Each finding gives
    file:line, what breaks, how to fix it and the upgrade guide.

    Examples:
    $ mwaa-pause-resume upgrade-check ./dags --to 3.0.6
    $ mwaa-pause-resume upgrade-check ./dags ./plugins --to 3.0.6 -r requirements.txt --json
    """
    from mwaa_pause_resume.upgrade_check.check import run_check

    report = run_check(paths, to, requirements)
    if as_json:
        print_json(report.to_json())
    else:
        out = console()
        for finding in report.findings:
            out.print(finding.text(), markup=False, highlight=False, soft_wrap=True)
        summary = (
            f"{len(report.findings)} finding(s) in {report.files} file(s) for Airflow {to}"
            if report.findings
            else f"Nothing known to break on Airflow {to} in {report.files} file(s)."
        )
        out.print(summary, markup=False, highlight=False)
        if report.findings:
            out.print(f"Upgrade guide: {report.doc}", markup=False, highlight=False)
    if report.findings:
        raise typer.Exit(EXIT_FAILED)
