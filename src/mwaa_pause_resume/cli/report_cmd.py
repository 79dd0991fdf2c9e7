"""``report``: hours actually paused and the saving they made, per environment and month;
for a fleet also per account and region, and over all (filters: ``--account``,
``--in-region``, ``--tag``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from mwaa_pause_resume.cli.options import (
    AccountFilterOption,
    ConfigOption,
    InRegionFilterOption,
    JsonOption,
    ProfileOption,
    RegionOption,
    TagFilterOption,
)
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import UserError

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
TOTALLED = ("paused_hours", "saving_usd")
TOTAL_COLUMNS = (
    ("paused_hours", "paused h", lambda v: f"{v:,.2f}"),
    ("saving_usd", "saved $", lambda v: f"{v:,.2f}"),
)


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
    accounts: AccountFilterOption = None,
    in_regions: InRegionFilterOption = None,
    tags: TagFilterOption = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hours each environment was actually paused in a month, the saving at its price,
    and its failed and late runs, from the workflows' execution history.

    Without ENV: every configured environment, or those --account, --in-region and
    --tag select; a configuration spanning several accounts or regions is grouped by
    them and ends with totals per account and region and over all.

    Examples:
    $ mwaa-pause-resume report
    $ mwaa-pause-resume report analytics-dev --month 2026-11 --json
    $ mwaa-pause-resume report --account 111122223333 --tag team=data
    """
    from mwaa_pause_resume.operations.bounded import DEFAULT_CONCURRENCY
    from mwaa_pause_resume.operations.fleet_filter import (
        parse_filter,
        placement_key,
        refuse_name_with_filter,
        select,
        spans_fleet,
        where,
    )
    from mwaa_pause_resume.operations.fleet_sessions import FleetSessions
    from mwaa_pause_resume.operations.fleet_totals import totals
    from mwaa_pause_resume.operations.prices import price_table
    from mwaa_pause_resume.operations.report import environment_report, month_bounds
    from mwaa_pause_resume.operations.report_runs import runs_since
    from mwaa_pause_resume.operations.session import open_session

    now = datetime.now(UTC)
    chosen = check_month(month, now)
    picked = parse_filter(accounts, in_regions, tags)
    refuse_name_with_filter(environment, picked)
    session = open_session(config, profile, region)
    cfg = session.config
    hub = FleetSessions(session.aws, cfg.deployment).hub_placement(cfg.environments)
    envs = (
        [cfg.environment(environment)]
        if environment
        else select(cfg.environments, cfg.deployment, picked, hub)
    )
    start, _ = month_bounds(chosen)
    runs = runs_since(session.aws, session.deployment, start, concurrency=DEFAULT_CONCURRENCY)
    prices = price_table(cfg.prices)
    result = []
    for env in envs:
        at = where(env, cfg.deployment, hub)
        item = environment_report(env, runs, chosen, now.timestamp(), prices)
        result.append({**item, "account": at.account, "region": at.region})
    grouped = spans_fleet(cfg.environments, cfg.deployment, hub)
    if grouped:
        result.sort(key=lambda item: placement_key(where(cfg.environment(item["environment"]),
                                                         cfg.deployment, hub)))  # fmt: skip
    summed = totals(result, TOTALLED)
    if as_json:
        print_json({"month": chosen, "environments": result, "totals": summed})
        return
    _print(result, chosen, grouped=grouped)
    if grouped:
        from mwaa_pause_resume.cli.fleet_view import print_totals

        out = console()
        out.print()
        print_totals(out, summed, TOTAL_COLUMNS)


def _print(result: list[dict[str, Any]], month: str, *, grouped: bool = False) -> None:
    from mwaa_pause_resume.operations.fleet_totals import place_label

    out = console()
    out.print(f"[bold]Measured in {month}[/bold] (UTC; `plan` estimates, this measures)")
    place = None
    for env in result:
        if grouped and (env["account"], env["region"]) != place:
            place = (env["account"], env["region"])
            out.print(f"\n[bold reverse]{place_label(*place)}[/]")
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
