"""``mwaa-pause-resume upgrade-check PATH... --to V`` (or ``--env ENV``): what in the
DAGs, plugins and requirements.txt breaks on Airflow V, before a resume upgrades the
environment.

Static: the files are parsed, never imported. With PATH it works offline; with ``--env``
it reads the environment's DAGs folder, plugins.zip and requirements.txt from S3 (the
versions the environment, or its latest snapshot when paused, pins). Exit codes: 0
nothing found, 1 findings, 2 bad input (a missing path, an unknown version).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mwaa_pause_resume.cli.options import ConfigOption, ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import EXIT_FAILED, UserError

if TYPE_CHECKING:
    from mwaa_pause_resume.upgrade_check.check import Report


def register(app: typer.Typer) -> None:
    app.command("upgrade-check")(upgrade_check)


@handle_errors
def upgrade_check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="DAG folders or files (a copy of the environment's DAGs folder; plugins too).",
        ),
    ] = None,
    *,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="V",
            help="The Airflow version to upgrade to (with --env: default the configured "
            "airflow_version).",
        ),
    ] = None,
    requirements: Annotated[
        Path | None,
        typer.Option(
            "--requirements", "-r", metavar="FILE", help="The environment's requirements.txt."
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            metavar="ENV",
            help="Read a configured environment's DAGs, plugins and requirements from S3.",
        ),
    ] = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
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
    $ mwaa-pause-resume upgrade-check --env analytics-dev --to 3.0.6
    """
    from mwaa_pause_resume.upgrade_check.check import run_check

    if env is not None:
        if paths or requirements:
            raise UserError(
                "give either PATH... (local files) or --env ENV (read from S3), not both",
                hint="mwaa-pause-resume upgrade-check --env ENV --to V",
            )
        report, target = _check_environment(env, to, config, profile, region)
    else:
        if not paths:
            raise UserError(
                "nothing to check: give the DAG folders, or --env ENV",
                hint="mwaa-pause-resume upgrade-check ./dags --to 3.0.6",
            )
        if to is None:
            raise UserError("--to V is required", hint="e.g. --to 3.0.6")
        target = to
        report = run_check(paths, target, requirements)
    _print(report, target, as_json)
    if report.findings:
        raise typer.Exit(EXIT_FAILED)


def _check_environment(
    name: str, to: str | None, config: Path | None, profile: str | None, region: str | None
) -> tuple[Report, str]:
    from mwaa_pause_resume.operations.session import open_session
    from mwaa_pause_resume.operations.snapshot_reads import snapshot_environment
    from mwaa_pause_resume.operations.upgrade_sources import fetch_sources
    from mwaa_pause_resume.upgrade_check.check import check_version, run_check

    session = open_session(config, profile, region)
    configured = session.config.environment(name)
    target = to or configured.airflow_version
    if target is None:
        raise UserError(
            f"which Airflow version should {name} be checked for?",
            hint="give --to V, or set airflow_version for the environment",
        )
    check_version(target)  # before any AWS call
    environment = session.aws.get_environment(name) or snapshot_environment(session, name)
    with tempfile.TemporaryDirectory(prefix="mwaa-upgrade-check-") as folder:
        sources = fetch_sources(
            session.aws,
            configured.source_bucket,
            configured.dags_s3_path,
            environment,
            Path(folder),
        )
        report = run_check(sources.folders, target, sources.requirements)
        findings = tuple(
            dataclasses.replace(f, file=_shown(f.file, sources.shown)) for f in report.findings
        )
    return dataclasses.replace(report, findings=findings), target


def _shown(file: str, shown: dict[str, str]) -> str:
    """A downloaded file's path as the S3 location it came from."""
    for local, location in shown.items():
        if file == local:
            return location
        if file.startswith(local + "/"):
            return location + "/" + file[len(local) + 1 :].lstrip("/")
    return file


def _print(report: Report, target: str, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json())
        return
    out = console()
    for finding in report.findings:
        out.print(finding.text(), markup=False, highlight=False, soft_wrap=True)
    summary = (
        f"{len(report.findings)} finding(s) in {report.files} file(s) for Airflow {target}"
        if report.findings
        else f"Nothing known to break on Airflow {target} in {report.files} file(s)."
    )
    out.print(summary, markup=False, highlight=False)
    if report.findings:
        out.print(f"Upgrade guide: {report.doc}", markup=False, highlight=False)
