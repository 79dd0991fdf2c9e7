"""``report``: hours actually paused and the saving they made, per environment and month."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from mwaa_pause_resume.cli.config_cmd import ConfigOption, JsonOption
from mwaa_pause_resume.cli.options import ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import UserError

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def check_month(month: str | None, now: datetime) -> str:
    if month is None:
        return now.strftime("%Y-%m")
    if not MONTH.fullmatch(month):
        raise UserError(
            f"--month {month!r} is not a month", hint="write it as YYYY-MM, e.g. --month 2026-11"
        )
    return month


@handle_errors
def report(
    environment: Annotated[
        str | None,
        typer.Argument(metavar="ENV", help="One configured environment (default: all)."),
    ] = None,
    *,
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM", help="The month (UTC; default: this one)."),
    ] = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hours each environment was actually paused in a month, the saving at its price,
    and its failed and late runs, from the workflows' execution history.

    Examples:
    $ mwaa-pause-resume report
    $ mwaa-pause-resume report analytics-dev --month 2026-11 --json
    """
    from mwaa_pause_resume.cli.ops import open_session
    from mwaa_pause_resume.operations.prices import price_table
    from mwaa_pause_resume.operations.report import environment_report, month_bounds
    from mwaa_pause_resume.operations.report_runs import runs_since

    now = datetime.now(UTC)
    chosen = check_month(month, now)
    session = open_session(config, profile, region)
    envs = (
        [session.config.environment(environment)]
        if environment
        else list(session.config.environments)
    )
    start, _ = month_bounds(chosen)
    runs = runs_since(session.aws, session.deployment, start)
    prices = price_table(session.config.prices)
    result = [environment_report(e, runs, chosen, now.timestamp(), prices) for e in envs]
    if as_json:
        print_json({"month": chosen, "environments": result})
        return
    _print(result, chosen)


def _print(result: list[dict[str, Any]], month: str) -> None:
    out = console()
    out.print(f"[bold]Measured in {month}[/bold] (UTC; `plan` estimates, this measures)")
    for env in result:
        saving = f"${env['saving_usd']:.2f}" if env["saving_usd"] is not None else "unknown"
        out.print(
            f"\n[bold]{env['environment']}[/bold]: paused {env['paused_hours']:.2f} h of "
            f"{env['hours_in_month']:.2f} h, saved {saving} ({env['price_basis']})"
        )
        out.print(f"  {env['pauses']} pauses, {env['resumes']} resumes")
        for run in env["failed"]:
            out.print(f"  failed: {run['workflow']} started {run['started']} ({run['status']})")
        for run in env["late"]:
            out.print(
                f"  late: resume started {run['started']}, ready {run['late_minutes']} min "
                "after its ready-by time"
            )
